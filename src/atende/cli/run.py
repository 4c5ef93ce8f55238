"""Running atende: ``serve`` (web + embedded worker), ``web`` and ``worker`` (scale-out),
and ``chat`` (the assistant in the terminal, through the whole pipeline)."""

from __future__ import annotations

from typing import Annotated

import typer

from atende import __version__
from atende.cli.common import CliError, console, settings
from atende.errors import InvalidPhone

Host = Annotated[str, typer.Option(help="interface to listen on")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")]


def serve(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Web + embedded worker in one process (the embedded default)."""
    _serve(host, port, embedded_worker=True)


def web(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Web only (scale-out; run `atende worker` too)."""
    _serve(host, port, embedded_worker=False)


def _serve(host: str, port: int, embedded_worker: bool) -> None:
    from atende.runtime import build_runtime
    from atende.storage.migrate import upgrade
    from atende.web.app import create_app
    from atende.web.server import build_server

    config = settings()
    if "public_url" not in config.model_fields_set:  # not configured: where we listen
        config = config.model_copy(update={"public_url": f"http://{host}:{port}"})
    upgrade(config.database_url, config.secret_key.get_secret_value())
    runtime = build_runtime(config)
    app = create_app(runtime, embedded_worker=embedded_worker)
    console().print(
        f"atende {__version__} on http://{host}:{port} (public URL {config.public_url})"
    )
    try:
        build_server(app, config, host=host, port=port).run()  # header and body deadlines
    finally:
        runtime.close()


def worker() -> None:
    """Run jobs only (scale-out)."""
    from atende.runtime import build_runtime

    config = settings()
    runtime = build_runtime(config)
    queue = config.effective_queue_url.split("@")[-1]  # never the password
    console().print(f"atende worker {__version__}: queue {queue}")
    consumer = runtime.start_worker(embedded=False)
    try:
        consumer.run()
    finally:
        runtime.close()


def chat(
    org: Annotated[str, typer.Option(help="the organization's slug")] = "demo",
    phone: Annotated[str, typer.Option(help="the customer you play")] = "+5511988887777",
    buffer_seconds: Annotated[
        float | None,
        typer.Option(min=0, help="burst window for this chat (default ATENDE_BUFFER_SECONDS)"),
    ] = None,
) -> None:
    """Talk to the assistant as a WhatsApp customer would."""
    from atende.chat import run_chat
    from atende.domain.phones import DEFAULT_COUNTRY, normalize_typed_phone
    from atende.runtime import build_runtime
    from atende.storage import orgs
    from atende.storage.migrate import upgrade

    overrides: dict[str, object] = {}
    if buffer_seconds is not None:
        overrides["buffer_seconds"] = buffer_seconds
    config = settings(**overrides)
    upgrade(config.database_url, config.secret_key.get_secret_value())
    runtime = build_runtime(config)
    try:
        with runtime.sessions() as session:
            found = orgs.org_by_slug(session, org)
            country = orgs.settings_of(found).country if found else DEFAULT_COUNTRY
        try:
            customer = normalize_typed_phone(phone, country)
        except InvalidPhone as exc:
            raise CliError(str(exc)) from exc
        run_chat(runtime, org, customer)
    finally:
        runtime.close()
