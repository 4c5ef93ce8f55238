"""The ``atende`` command, on typer: one module per command group.

| module       | commands                                   |
|--------------|--------------------------------------------|
| ``setup``    | ``init``                                   |
| ``run``      | ``serve``, ``web``, ``worker``, ``chat``   |
| ``org``      | ``org create|owner|template|settings``     |
| ``kb``       | ``kb add|list|remove|search``              |
| ``channel``  | ``channel add SLUG PROVIDER``, ``status``, ``pair`` |
| ``keys``     | ``rotate-key``                             |
| ``booking``  | ``booking add|move|cancel|mark|done``      |
| ``followups``| ``followups SLUG [--every Banho=15]``      |
| ``services`` | ``service add|set|remove|list``            |
| ``resources``| ``resource add|set|remove|list``           |
| ``calendar`` | ``hours set|show``, ``closure add|remove|list``, ``holidays`` |
| ``shop``     | ``shop export|import|check``               |
| ``agenda``   | ``agenda SLUG [--day|--week]``, ``block add|remove``, ``audit`` |
| ``queue``    | ``queue SLUG``, ``queue retry|resend|discard|handled SLUG ID`` |
| ``status``   | ``status [SLUG]``: channels, breakers, queues, alerts, workers |
| ``alerts``   | ``alerts SLUG``, ``alerts set SLUG KEY=VALUE…``, ``alerts test SLUG`` |

Output meant for scripts is plain lines (``id:``, ``api key:``, ``webhook:``); any
``AtendeError`` (a user mistake) is printed as ``error: …`` with exit code 2.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from atende import __version__
from atende.cli import (
    agenda,
    alerts,
    booking,
    calendar,
    channel,
    followups,
    kb,
    keys,
    org,
    queue,
    resources,
    run,
    services,
    setup,
    shop,
    status,
)
from atende.errors import AtendeError

app = typer.Typer(
    name="atende",
    help="WhatsApp assistant for appointment businesses.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"atende {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")
    ] = False,
) -> None:
    """WhatsApp assistant for appointment businesses."""


app.command()(setup.init)
app.command()(run.serve)
app.command()(run.web)
app.command()(run.worker)
app.command()(run.chat)
app.command("rotate-key")(keys.rotate_key)
app.add_typer(org.app, name="org")
app.add_typer(kb.app, name="kb")
app.add_typer(channel.app, name="channel")
app.add_typer(booking.app, name="booking")
app.command()(followups.followups)
app.add_typer(services.app, name="service")
app.add_typer(resources.app, name="resource")
app.add_typer(calendar.hours_app, name="hours")
app.add_typer(calendar.closure_app, name="closure")
app.command()(calendar.holidays)
app.add_typer(shop.app, name="shop")
app.command()(agenda.agenda)
app.add_typer(agenda.block_app, name="block")
app.command()(agenda.audit)
app.command()(queue.queue)
app.command()(status.status)
app.add_typer(alerts.app, name="alerts")


def _quiet_logs() -> None:
    for chatty in ("huey", "alembic", "bm25s"):  # one line per job / migration step is noise
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _metrics_dir() -> None:
    """Prometheus' multiprocess mode writes into this directory from the first metric
    created on: it must exist before atende imports its metrics (README, "Prometheus
    and Grafana")."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0, 2 for a user mistake)."""
    _quiet_logs()
    _metrics_dir()
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        command.main(args=args, prog_name="atende", standalone_mode=True)
    except SystemExit as exc:  # typer's own usage errors (2), --help (0), Ctrl+C (1)
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except AtendeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
