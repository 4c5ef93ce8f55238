"""``atende channel …``: connect WhatsApp providers, see their state, pair WhatsApp Web,
set how fast each one sends (``channel pacing``).

``channel add SLUG PROVIDER [options]``: each provider is a subcommand with its own
options (``atende channel add SLUG twilio --help``).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import typer

from atende.cli.common import CliError, console, database, find_org, settings
from atende.errors import InvalidPhone

app = typer.Typer(help="Channels: connect WhatsApp providers, their state, pairing, pacing.")
add_app = typer.Typer(help="Connect a WhatsApp provider: channel add SLUG PROVIDER [options].")
app.add_typer(add_app, name="add")


@add_app.callback()
def add(ctx: typer.Context, slug: Annotated[str, typer.Argument(help="the organization")]) -> None:
    """Connect a WhatsApp provider to an organization; prints `id:` and `webhook:`."""
    ctx.obj = slug


@add_app.command()
def twilio(
    ctx: typer.Context,
    account_sid: Annotated[str, typer.Option(help="AC... of the Twilio account")],
    auth_token: Annotated[str, typer.Option(help="stored encrypted, never printed")],
    number: Annotated[str, typer.Option(help="whatsapp:+E164 of the business")],
) -> None:
    """Twilio WhatsApp."""
    from atende.domain.phones import normalize_phone

    if not account_sid.startswith("AC") or not auth_token:
        raise CliError("--account-sid must start with AC and --auth-token must not be empty")
    try:
        address = "whatsapp:" + normalize_phone(number)
    except InvalidPhone as exc:
        raise CliError(str(exc)) from exc
    _add(ctx.obj, "twilio", address, {"account_sid": account_sid, "auth_token": auth_token})


@add_app.command()
def meta(
    ctx: typer.Context,
    phone_number_id: Annotated[str, typer.Option(help="the numeric id Meta shows")],
    access_token: Annotated[str, typer.Option(help="stored encrypted, never printed")],
    app_secret: Annotated[str, typer.Option(help="signs Meta's webhooks")],
    verify_token: Annotated[str, typer.Option(help="any secret; type the same in Meta")],
) -> None:
    """Meta WhatsApp Cloud API."""
    values = (phone_number_id, access_token, app_secret, verify_token)
    if not all(v.strip() for v in values):
        raise CliError(
            "--phone-number-id, --access-token, --app-secret and --verify-token are required"
        )
    if not phone_number_id.isdigit():
        raise CliError("--phone-number-id is the numeric id Meta shows for the number")
    creds = {
        "phone_number_id": phone_number_id,
        "access_token": access_token,
        "app_secret": app_secret,
        "verify_token": verify_token,
    }
    _add(ctx.obj, "meta", phone_number_id, creds)


@add_app.command()
def evolution(
    ctx: typer.Context,
    base_url: Annotated[str, typer.Option(help="e.g. https://evolution.example.com")],
    instance: Annotated[str, typer.Option(help="the Evolution instance name")],
    api_key: Annotated[str, typer.Option(help="the instance's API key")],
    jwt_key: Annotated[str | None, typer.Option(help="accept Evolution's webhook JWT")] = None,
    typing: Annotated[
        bool | None,
        typer.Option(
            "--typing/--no-typing",
            help='show "typing…" before each answer (the default) or not (typing_delay 0)',
        ),
    ] = None,
    typing_delay: Annotated[
        float | None,
        typer.Option(
            min=0,
            max=30,
            help='seconds of "typing…" before an answer of about 50 characters, in '
            "proportion for others (pacing typing_delay; default 2)",
        ),
    ] = None,
) -> None:
    """WhatsApp Web through Evolution API (registers atende's webhook on the instance).

    ``--typing`` / ``--no-typing`` / ``--typing-delay`` set the channel's pacing setting
    ``typing_delay`` (``--no-typing`` is 0; ``--typing`` keeps the default, 2 s; later:
    ``channel pacing SLUG CHANNEL typing_delay=N``). Before, ``--typing`` stored
    ``typing: on`` in the credentials, which now changes nothing: those channels show
    "typing…" by the same default."""
    if not base_url.startswith(("http://", "https://")):
        raise CliError("--base-url must be the http(s) URL of your Evolution API")
    if not instance or not api_key:
        raise CliError("--instance and --api-key are required")
    creds = {
        "base_url": base_url.rstrip("/"),
        "instance": instance,
        "api_key": api_key,
        "webhook_secret": secrets.token_urlsafe(32),
    }
    if jwt_key:
        creds["jwt_key"] = jwt_key
    if typing is False and typing_delay:
        raise CliError("--no-typing and --typing-delay contradict each other")
    pacing: dict[str, Any] | None = None
    if typing is False or typing_delay is not None:
        pacing = {"typing_delay": 0.0 if typing is False else typing_delay}
    _add(ctx.obj, "evolution", instance, creds, pacing)


def _add(
    slug: str,
    provider: str,
    address: str,
    creds: dict[str, str],
    pacing: dict[str, Any] | None = None,
) -> None:
    from atende.storage import orgs

    config = settings()
    with database(config) as session:
        org = find_org(session, slug)
        channel = orgs.add_channel(session, org.id, provider, address, creds, pacing)
        webhook = f"{config.public_url}/webhooks/{provider}/{channel.id}"
        if provider == "evolution":
            _register_evolution_webhook(channel.id, org.id, address, creds, webhook)
    out = console()
    out.print(f"id: {channel.id}")
    out.print(f"webhook: {webhook}")
    if provider == "twilio":
        out.print(f"status webhook: {webhook}/status")
    if provider == "evolution":
        out.print("webhook registered on the Evolution instance (with a secret header)")


def _register_evolution_webhook(
    channel_id: str, org_id: int, address: str, creds: dict[str, str], url: str
) -> None:
    """Done inside the transaction: if Evolution refuses, no channel is created."""
    import httpx

    from atende.channels.base import ChannelConfig
    from atende.channels.evolution import EvolutionChannel
    from atende.errors import ChannelError

    with httpx.Client(timeout=15) as client:
        adapter = EvolutionChannel(
            ChannelConfig(channel_id, org_id, "evolution", address, creds), client
        )
        try:
            adapter.register_webhook(url)
        except ChannelError as exc:
            raise CliError(f"Evolution API refused the webhook registration: {exc}") from exc


@app.command()
def status() -> None:
    """Every channel's connection state."""
    from rich.table import Table
    from sqlalchemy import select

    from atende.storage.models import Channel, Organization

    table = Table("org", "channel", "provider", "state", "reason", "since", box=None)
    with database(settings()) as session:
        rows = session.execute(
            select(Channel, Organization.slug)
            .join(Organization, Organization.id == Channel.organization_id)
            .order_by(Organization.slug, Channel.created_at)
        ).all()
        for channel, slug in rows:
            unknown = "unknown" if channel.provider == "evolution" else "n/a"
            since = channel.connection_updated_at
            table.add_row(
                slug,
                channel.id,
                channel.provider,
                channel.connection_state or unknown,
                channel.connection_reason or "-",
                since.isoformat(timespec="seconds") if since else "-",
            )
    console().print(table)


@app.command()
def pair(
    slug: Annotated[str, typer.Argument(help="the organization")],
    channel: Annotated[str, typer.Argument(help="the Evolution channel id (ch_…)")],
    phone: Annotated[
        str | None, typer.Option(help="get a pairing code for this number instead of a QR")
    ] = None,
) -> None:
    """Pair a WhatsApp Web number (Evolution): a pairing code or a QR code to scan."""
    from atende.channels.evolution import EvolutionChannel
    from atende.domain.phones import normalize_phone
    from atende.errors import ChannelError
    from atende.runtime import build_runtime
    from atende.storage import orgs

    runtime = build_runtime(settings())
    try:
        adapter = runtime.pipeline.directory.adapter(channel)
        if adapter is None or not isinstance(adapter, EvolutionChannel):
            raise CliError(f"{channel!r} is not an Evolution channel")
        with runtime.sessions() as session:
            org = orgs.org_by_slug(session, slug)
            if org is None or org.id != adapter.config.organization_id:
                raise CliError(f"channel {channel!r} does not belong to {slug!r}")
        try:
            answer = adapter.connect(normalize_phone(phone) if phone else None)
        except (ChannelError, InvalidPhone) as exc:
            raise CliError(f"Evolution API: {exc}") from exc
    finally:
        runtime.close()
    _print_pairing(answer)


@app.command()
def pacing(
    slug: Annotated[str, typer.Argument(help="the organization")],
    channel: Annotated[str, typer.Argument(help="the channel id (ch_…)")],
    pairs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[KEY=VALUE...]",
            help="e.g. typing_delay=0 per_contact=6 merge_parts=off; KEY= for the default",
        ),
    ] = None,
) -> None:
    """A channel's pacing (how fast it sends, "typing…", merged parts): shown, or set over
    its provider's defaults; every value is validated and a bad one changes nothing."""
    from atende.domain.sending import pacing_for
    from atende.errors import ConfigurationError
    from atende.storage import orgs

    with database(settings()) as session:
        org = find_org(session, slug)
        row = orgs.channel_by_id(session, channel)
        if row is None or row.organization_id != org.id:
            raise CliError(f"channel {channel!r} does not belong to {slug!r}")
        own = dict(row.pacing or {})
        for pair in pairs or []:
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise CliError(f"{pair!r} is not KEY=VALUE")
            if value:
                own[key] = _pacing_value(value)
            else:
                own.pop(key, None)
        try:
            effective = pacing_for(row.provider, own)
        except ConfigurationError as exc:
            raise CliError(str(exc)) from exc
        if pairs:
            row.pacing = own or None
    out = console()
    for key, value in effective.model_dump().items():
        mark = "" if key in own else "  (default)"
        out.print(f"{key}: {value}{mark}")


def _pacing_value(text: str) -> Any:
    """A pacing value as typed: on/off, a number, or JSON (a warm-up list)."""
    import json

    words = {"on": True, "off": False, "true": True, "false": False}
    if text.lower() in words:
        return words[text.lower()]
    try:
        return json.loads(text)
    except ValueError:
        return text  # the model says what is wrong with it


def _print_pairing(answer: dict[str, Any]) -> None:
    from atende.channels.evolution import connect_state

    out = console()
    if connect_state(answer) == "open":
        out.print("already connected")
        return
    if answer.get("pairingCode"):
        out.print(f"pairing code: {answer['pairingCode']}")
        out.print("On the phone: WhatsApp > Linked devices > Link with phone number, and type it.")
    code = answer.get("code")
    if isinstance(code, str) and code:
        import qrcode

        qr = qrcode.QRCode(border=1)
        qr.add_data(code)
        qr.print_ascii(invert=True)
        out.print("On the phone: WhatsApp > Linked devices > Link a device, and scan the code.")
