"""The `atende` command. Prints `id:` / `api key:` / `webhook:` lines scripts can read."""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from atende.storage.models import Organization

from atende import __version__
from atende.config import Settings
from atende.domain.phones import normalize_phone, normalize_typed_phone
from atende.errors import InvalidPhone, SlugTaken


class CliError(Exception):
    """A user mistake: printed as `error: …` with exit code 2, no traceback."""


def _settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except Exception as exc:
        raise CliError(f"invalid configuration: {exc}") from exc


@contextmanager
def _database(settings: Settings) -> Iterator[Session]:
    """The schema brought up to date, then one write transaction on it."""
    from atende.storage.db import make_engine, make_sessionmaker, transaction
    from atende.storage.migrate import upgrade

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


def cmd_init(args: argparse.Namespace) -> None:
    from atende.storage import orgs
    from atende.storage.demo import DEMO_SLUG, create_demo

    settings = _settings()
    with _database(settings) as session:
        print(f"schema ready: {settings.database_url}")
        if not args.demo:
            return
        org = orgs.org_by_slug(session, DEMO_SLUG)
        if org is None:
            org = create_demo(session)
            _add_demo_faq(session, org.id)
            print(f"created demo organization {DEMO_SLUG!r}: {org.name}")
        else:
            print(f"demo organization {DEMO_SLUG!r} already exists; issuing a new API key")
        key = orgs.issue_api_key(session, org.id)
        print(f"id: {org.id}")
        print(f"api key: {key}")
        print(f"dashboard: {settings.public_url}/#key={key}")


def _add_demo_faq(session: Session, org_id: int) -> None:
    """The demo shop's FAQ (payment, parking, pet taxi), so FAQ answers work out of the box."""
    from pathlib import Path

    from atende.brain.documents import read_document
    from atende.storage import knowledge
    from atende.storage.demo import DEMO_FAQ

    doc = read_document(Path(DEMO_FAQ))
    knowledge.replace_document(session, org_id, doc.name, doc.kind, doc.sha256, doc.chunks)


def cmd_org_create(args: argparse.Namespace) -> None:
    from atende.storage import orgs

    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CliError(f"unknown timezone {args.timezone!r}") from exc
    if not args.slug.replace("-", "").replace("_", "").isalnum():
        raise CliError("slug may only contain letters, digits, '-' and '_'")
    try:
        phones = [normalize_typed_phone(p) for p in args.owner_phone or []]
    except InvalidPhone as exc:
        raise CliError(str(exc)) from exc
    try:
        with _database(_settings()) as session:
            org = orgs.create_org(session, args.slug, args.name, args.timezone, phones)
            key = orgs.issue_api_key(session, org.id)
            print(f"id: {org.id}")
            print(f"api key: {key}")
    except SlugTaken as exc:
        raise CliError(str(exc)) from exc


def cmd_org_template(args: argparse.Namespace) -> None:
    """Templates for messages outside the customer's 24-hour window (Meta, Twilio)."""

    if args.provider == "meta" and not args.name:
        raise CliError("meta templates need --name (and optionally --language, default pt_BR)")
    if args.provider == "twilio" and not (args.content_sid or "").startswith("HX"):
        raise CliError("twilio templates need --content-sid HX...")
    template = (
        {"name": args.name, "language": args.language}
        if args.provider == "meta"
        else {"content_sid": args.content_sid}
    )
    with _database(_settings()) as session:
        org = _org(session, args.slug)
        settings = dict(org.settings or {})
        settings["templates"] = {**settings.get("templates", {}), args.provider: template}
        org.settings = settings
    print(f"template for {args.provider}: {template}")


def _org(session: Session, slug: str) -> Organization:
    """The organization, or the CLI error every command gives for an unknown slug."""
    from atende.storage import orgs

    org = orgs.org_by_slug(session, slug)
    if org is None:
        raise CliError(f"no organization {slug!r}")
    return org


def cmd_org_owner(args: argparse.Namespace) -> None:
    """The owner's numbers: their messages go to the owner assistant, never the customer one."""
    try:
        add = [normalize_typed_phone(p) for p in args.add or []]
        remove = {normalize_typed_phone(p) for p in args.remove or []}
    except InvalidPhone as exc:
        raise CliError(str(exc)) from exc
    with _database(_settings()) as session:
        org = _org(session, args.slug)
        phones = [p for p in org.owner_phones or [] if p not in remove]
        phones += [p for p in add if p not in phones]
        org.owner_phones = phones
    print("owner phones: " + (", ".join(phones) or "(none)"))


def cmd_org_settings(args: argparse.Namespace) -> None:
    """Per-organization choices that override the environment's defaults."""
    changes: dict[str, Any] = {}
    if args.brain:
        changes["brain"] = args.brain
    llm = {
        k: v
        for k, v in (
            ("base_url", args.llm_base_url),
            ("model", args.llm_model),
            ("api_key", args.llm_api_key),
            ("fast_path", args.fast_path),
        )
        if v is not None
    }
    if args.summary_time is not None:
        try:
            hour, minute = (int(x) for x in args.summary_time.split(":"))
            assert 0 <= hour < 24 and 0 <= minute < 60
        except (ValueError, AssertionError) as exc:
            raise CliError("--summary-time takes HH:MM, e.g. 19:00") from exc
        changes["summary_time"] = f"{hour:02d}:{minute:02d}"
    for key in ("summary", "reminders"):
        value = getattr(args, key)
        if value is not None:
            changes[key] = value == "on"
    if args.reminder_hours is not None:
        if not 1 <= args.reminder_hours <= 168:
            raise CliError("--reminder-hours must be between 1 and 168")
        changes["reminder_hours"] = args.reminder_hours
    with _database(_settings()) as session:
        org = _org(session, args.slug)
        settings = dict(org.settings or {})
        settings.update(changes)
        if llm:
            settings["llm"] = {**settings.get("llm", {}), **llm}
        org.settings = settings
    shown = {k: v for k, v in settings.items() if k not in ("templates", "llm")}
    shown["llm"] = {k: ("***" if k == "api_key" else v) for k, v in settings.get("llm", {}).items()}
    for key in sorted(shown):
        print(f"{key}: {shown[key]}")


def cmd_kb_add(args: argparse.Namespace) -> None:
    from pathlib import Path

    from tqdm import tqdm

    from atende.brain.documents import read_document
    from atende.errors import UnreadableDocument
    from atende.storage import knowledge

    paths = [Path(f) for f in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise CliError("no such file: " + ", ".join(missing))
    settings = _settings()
    read = []
    for path in tqdm(paths, desc="reading", unit="file", file=sys.stderr):
        try:
            read.append(read_document(path))
        except UnreadableDocument as exc:
            raise CliError(str(exc)) from exc
    vectors = _embed_passages(settings, read)
    with _database(settings) as session:
        org = _org(session, args.slug)
        for doc in read:
            knowledge.replace_document(
                session, org.id, doc.name, doc.kind, doc.sha256, doc.chunks, vectors.get(doc.name)
            )
    for doc in read:
        extra = ", with embeddings" if doc.name in vectors else ""
        print(f"added: {doc.name} ({doc.kind}, {len(doc.chunks)} passages{extra})")


def _embed_passages(settings: Settings, docs: list[Any]) -> dict[str, list[bytes]]:
    """Vectors per document when ATENDE_EMBEDDINGS_MODEL is set; nothing is stored if the
    endpoint fails (the user fixes it and adds again)."""
    from tqdm import tqdm

    from atende.brain.embeddings import to_bytes
    from atende.errors import EmbeddingError
    from atende.runtime import embedder_for

    embedder = embedder_for(settings)
    if embedder is None:
        return {}
    out: dict[str, list[bytes]] = {}
    try:
        for doc in tqdm(docs, desc="embedding", unit="file", file=sys.stderr):
            texts = [f"{heading}\n{text}".strip() for heading, text in doc.chunks]
            out[doc.name] = [to_bytes(v) for v in embedder.embed(texts)]
    except EmbeddingError as exc:
        raise CliError(f"embeddings failed ({exc}); check ATENDE_EMBEDDINGS_*") from exc
    finally:
        embedder.close()
    return out


def cmd_kb_list(args: argparse.Namespace) -> None:
    from atende.storage import knowledge

    with _database(_settings()) as session:
        docs = knowledge.documents(session, _org(session, args.slug).id)
    if not docs:
        print("the knowledge base is empty: atende kb add SLUG FILE...")
    for d in docs:
        print(f"{d.name}\t{d.kind}\t{d.chunks} passages\t{d.chars} chars")


def cmd_kb_remove(args: argparse.Namespace) -> None:
    from atende.storage import knowledge

    with _database(_settings()) as session:
        org = _org(session, args.slug)
        gone = [n for n in args.names if knowledge.remove_document(session, org.id, n)]
    unknown = sorted(set(args.names) - set(gone))
    for name in gone:
        print(f"removed: {name}")
    if unknown:
        raise CliError("not in the knowledge base: " + ", ".join(unknown))


def cmd_kb_search(args: argparse.Namespace) -> None:
    from atende.brain.retrieval import KnowledgeSearch
    from atende.runtime import embedder_for

    settings = _settings()
    with _database(settings) as session:
        search = KnowledgeSearch(embedder_for(settings))
        hits = search.search(session, _org(session, args.slug).id, args.query, k=3)
    if not hits:
        print("no passage matches")
    for hit in hits:
        where = f"{hit.passage.source}" + (
            f" › {hit.passage.heading}" if hit.passage.heading else ""
        )
        similar = f" ~{hit.similarity:.2f}" if hit.similarity is not None else ""
        print(f"[{hit.score:.2f}{similar}] {where}\n{hit.passage.text}\n")


def _twilio_credentials(args: argparse.Namespace) -> tuple[str, dict[str, str]]:
    if not args.account_sid.startswith("AC") or not args.auth_token:
        raise CliError("--account-sid must start with AC and --auth-token must not be empty")
    try:
        number = "whatsapp:" + normalize_phone(args.number)
    except InvalidPhone as exc:
        raise CliError(str(exc)) from exc
    return number, {"account_sid": args.account_sid, "auth_token": args.auth_token}


def _meta_credentials(args: argparse.Namespace) -> tuple[str, dict[str, str]]:
    values = (args.phone_number_id, args.access_token, args.app_secret, args.verify_token)
    if not all(v.strip() for v in values):
        raise CliError(
            "--phone-number-id, --access-token, --app-secret and --verify-token are required"
        )
    if not args.phone_number_id.isdigit():
        raise CliError("--phone-number-id is the numeric id Meta shows for the number")
    return args.phone_number_id, {
        "phone_number_id": args.phone_number_id,
        "access_token": args.access_token,
        "app_secret": args.app_secret,
        "verify_token": args.verify_token,
    }


def _evolution_credentials(args: argparse.Namespace) -> tuple[str, dict[str, str]]:
    if not args.base_url.startswith(("http://", "https://")):
        raise CliError("--base-url must be the http(s) URL of your Evolution API")
    if not args.instance or not args.api_key:
        raise CliError("--instance and --api-key are required")
    creds = {
        "base_url": args.base_url.rstrip("/"),
        "instance": args.instance,
        "api_key": args.api_key,
        "webhook_secret": secrets.token_urlsafe(32),
    }
    if args.jwt_key:
        creds["jwt_key"] = args.jwt_key
    if args.typing:
        creds["typing"] = "on"
    return args.instance, creds


CREDENTIALS = {
    "twilio": _twilio_credentials,
    "meta": _meta_credentials,
    "evolution": _evolution_credentials,
}


def cmd_channel_add(args: argparse.Namespace) -> None:
    from atende.storage import orgs

    address, creds = CREDENTIALS[args.provider](args)
    settings = _settings()
    with _database(settings) as session:
        org = _org(session, args.slug)
        channel = orgs.add_channel(session, org.id, args.provider, address, creds)
        webhook = f"{settings.public_url}/webhooks/{args.provider}/{channel.id}"
        if args.provider == "evolution":
            _register_evolution_webhook(settings, channel.id, org.id, address, creds, webhook)
    print(f"id: {channel.id}")
    print(f"webhook: {webhook}")
    if args.provider == "twilio":
        print(f"status webhook: {webhook}/status")
    if args.provider == "evolution":
        print("webhook registered on the Evolution instance (with a secret header)")


def _register_evolution_webhook(
    settings: Settings, channel_id: str, org_id: int, address: str, creds: dict[str, str], url: str
) -> None:
    """Done inside the transaction: if Evolution refuses, no channel is created."""
    import httpx

    from atende.channels.base import ChannelConfig
    from atende.channels.errors import ChannelError
    from atende.channels.evolution import EvolutionChannel

    with httpx.Client(timeout=15) as client:
        adapter = EvolutionChannel(
            ChannelConfig(channel_id, org_id, "evolution", address, creds), client
        )
        try:
            adapter.register_webhook(url)
        except ChannelError as exc:
            raise CliError(f"Evolution API refused the webhook registration: {exc}") from exc


def cmd_channel_status(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from atende.storage.models import Channel, Organization

    with _database(_settings()) as session:
        rows = session.execute(
            select(Channel, Organization.slug)
            .join(Organization, Organization.id == Channel.organization_id)
            .order_by(Organization.slug, Channel.created_at)
        ).all()
        print(f"{'org':<14} {'channel':<28} {'provider':<10} {'state':<14} {'reason':<10} since")
        for channel, slug in rows:
            state = channel.connection_state or (
                "n/a" if channel.provider != "evolution" else "unknown"
            )
            since = (
                channel.connection_updated_at.isoformat(timespec="seconds")
                if channel.connection_updated_at
                else "-"
            )
            reason = channel.connection_reason or "-"
            print(
                f"{slug:<14} {channel.id:<28} {channel.provider:<10} {state:<14} {reason:<10} "
                f"{since}"
            )


def cmd_channel_pair(args: argparse.Namespace) -> None:
    from atende.channels.errors import ChannelError
    from atende.channels.evolution import EvolutionChannel
    from atende.runtime import build_runtime

    settings = _settings()
    runtime = build_runtime(settings)
    try:
        adapter = runtime.pipeline.directory.adapter(args.channel)
        if adapter is None or not isinstance(adapter, EvolutionChannel):
            raise CliError(f"{args.channel!r} is not an Evolution channel")
        with runtime.sessions() as session:
            from atende.storage import orgs

            org = orgs.org_by_slug(session, args.slug)
            if org is None or org.id != adapter.config.organization_id:
                raise CliError(f"channel {args.channel!r} does not belong to {args.slug!r}")
        phone = normalize_phone(args.phone) if args.phone else None
        try:
            answer = adapter.connect(phone)
        except ChannelError as exc:
            raise CliError(f"Evolution API: {exc}") from exc
    except InvalidPhone as exc:
        raise CliError(str(exc)) from exc
    finally:
        runtime.close()
    _print_pairing(answer)


def _print_pairing(answer: dict[str, Any]) -> None:
    from atende.channels.evolution import connect_state

    if connect_state(answer) == "open":
        print("already connected")
        return
    if answer.get("pairingCode"):
        print(f"pairing code: {answer['pairingCode']}")
        print(
            "On the phone: WhatsApp > Linked devices > Link with phone number, and type the code."
        )
    code = answer.get("code")
    if isinstance(code, str) and code:
        import qrcode

        qr = qrcode.QRCode(border=1)
        qr.add_data(code)
        qr.print_ascii(invert=True)
        print("On the phone: WhatsApp > Linked devices > Link a device, and scan the code above.")


def _serve(args: argparse.Namespace, embedded_worker: bool) -> None:
    import uvicorn

    from atende.runtime import build_runtime
    from atende.storage.migrate import upgrade
    from atende.web.app import create_app

    settings = _settings()
    if "public_url" not in settings.model_fields_set:  # not configured: where we listen
        settings = settings.model_copy(update={"public_url": f"http://{args.host}:{args.port}"})
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    app = create_app(runtime, embedded_worker=embedded_worker)
    print(
        f"atende {__version__} on http://{args.host}:{args.port} (public URL {settings.public_url})"
    )
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=settings.log_level.lower(),
            access_log=False,
        )
    finally:
        runtime.close()


def cmd_serve(args: argparse.Namespace) -> None:
    _serve(args, embedded_worker=True)


def cmd_web(args: argparse.Namespace) -> None:
    _serve(args, embedded_worker=False)


def cmd_worker(args: argparse.Namespace) -> None:
    from atende.runtime import build_runtime

    settings = _settings()
    runtime = build_runtime(settings)
    print(f"atende worker {__version__}: queue {settings.effective_queue_url.split('@')[-1]}")
    consumer = runtime.start_worker(embedded=False)
    try:
        consumer.run()
    finally:
        runtime.close()


def cmd_chat(args: argparse.Namespace) -> None:
    from atende.chat import run_chat
    from atende.runtime import build_runtime
    from atende.storage.migrate import upgrade

    try:
        phone = normalize_typed_phone(args.phone)
    except InvalidPhone as exc:
        raise CliError(str(exc)) from exc
    overrides: dict[str, object] = {}
    if args.buffer_seconds is not None:
        overrides["buffer_seconds"] = args.buffer_seconds
    settings = _settings(**overrides)
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    try:
        run_chat(runtime, args.org, phone)
    finally:
        runtime.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atende", description="WhatsApp assistant for appointment businesses"
    )
    parser.add_argument("--version", action="version", version=f"atende {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create or upgrade the schema")
    p.add_argument("--demo", action="store_true", help="add the demo pet shop")
    p.set_defaults(func=cmd_init)

    for name, func, help_ in (
        ("serve", cmd_serve, "web + embedded worker in one process"),
        ("web", cmd_web, "web only (scale-out; run `atende worker` too)"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.set_defaults(func=func)

    p = sub.add_parser("worker", help="run jobs only (scale-out)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("chat", help="talk to the assistant as a WhatsApp customer")
    p.add_argument("--org", default="demo")
    p.add_argument("--phone", default="+5511988887777")
    p.add_argument(
        "--buffer-seconds",
        type=float,
        default=None,
        help="burst window for this chat (default ATENDE_BUFFER_SECONDS)",
    )
    p.set_defaults(func=cmd_chat)

    org = sub.add_parser("org", help="organizations").add_subparsers(
        dest="org_command", required=True
    )
    p = org.add_parser("create", help="create an organization and print its API key")
    p.add_argument("slug")
    p.add_argument("--name", required=True)
    p.add_argument("--timezone", default="America/Sao_Paulo")
    p.add_argument("--owner-phone", action="append", help="repeatable")
    p.set_defaults(func=cmd_org_create)
    p = org.add_parser("template", help="template for messages outside the 24-hour window")
    p.add_argument("slug")
    p.add_argument("provider", choices=["meta", "twilio"])
    p.add_argument("--name", help="Meta: approved template name (one body variable)")
    p.add_argument("--language", default="pt_BR", help="Meta: template language code")
    p.add_argument("--content-sid", help="Twilio: Content API template HX... (variable 1)")
    p.set_defaults(func=cmd_org_template)
    p = org.add_parser("owner", help="the owner's numbers (they get the owner assistant)")
    p.add_argument("slug")
    p.add_argument("--add", action="append", metavar="PHONE", help="repeatable")
    p.add_argument("--remove", action="append", metavar="PHONE", help="repeatable")
    p.set_defaults(func=cmd_org_owner)
    p = org.add_parser("settings", help="brain, LLM, daily summary and reminders")
    p.add_argument("slug")
    p.add_argument("--brain", choices=["offline", "openai"])
    p.add_argument("--llm-base-url")
    p.add_argument("--llm-model")
    p.add_argument("--llm-api-key")
    p.add_argument("--fast-path", choices=["on", "off"])
    p.add_argument("--summary-time", help="local HH:MM of the owner's daily summary (19:00)")
    p.add_argument("--summary", choices=["on", "off"])
    p.add_argument("--reminders", choices=["on", "off"])
    p.add_argument("--reminder-hours", type=int, help="remind this long before (24)")
    p.set_defaults(func=cmd_org_settings)

    kb = sub.add_parser("kb", help="the knowledge base").add_subparsers(
        dest="kb_command", required=True
    )
    p = kb.add_parser("add", help="add documents (.md .txt .html .pdf); same name replaces")
    p.add_argument("slug")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_kb_add)
    p = kb.add_parser("list", help="documents and their passages")
    p.add_argument("slug")
    p.set_defaults(func=cmd_kb_list)
    p = kb.add_parser("remove", help="remove documents by name")
    p.add_argument("slug")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.set_defaults(func=cmd_kb_remove)
    p = kb.add_parser("search", help="the passages a question finds")
    p.add_argument("slug")
    p.add_argument("query")
    p.set_defaults(func=cmd_kb_search)

    channel = sub.add_parser("channel", help="channels").add_subparsers(
        dest="channel_command", required=True
    )
    add = channel.add_parser("add", help="connect a WhatsApp provider").add_subparsers(
        dest="provider", required=True
    )
    p = add.add_parser("twilio", help="Twilio WhatsApp")
    p.add_argument("--account-sid", required=True)
    p.add_argument("--auth-token", required=True)
    p.add_argument("--number", required=True, help="whatsapp:+E164 of the business")
    _slug(p)
    p = add.add_parser("meta", help="Meta WhatsApp Cloud API")
    p.add_argument("--phone-number-id", required=True)
    p.add_argument("--access-token", required=True)
    p.add_argument("--app-secret", required=True)
    p.add_argument("--verify-token", required=True, help="any secret; type the same in Meta")
    _slug(p)
    p = add.add_parser("evolution", help="WhatsApp Web through Evolution API")
    p.add_argument("--base-url", required=True, help="e.g. https://evolution.example.com")
    p.add_argument("--instance", required=True)
    p.add_argument("--api-key", required=True)
    p.add_argument("--jwt-key", default=None, help="accept Evolution's webhook JWT too")
    p.add_argument("--typing", action="store_true", help='show "typing…" before each reply')
    _slug(p)

    p = channel.add_parser("status", help="every channel's connection state")
    p.set_defaults(func=cmd_channel_status)
    p = channel.add_parser("pair", help="pair a WhatsApp Web number (Evolution)")
    p.add_argument("slug")
    p.add_argument("channel")
    p.add_argument("--phone", help="get a pairing code for this number instead of a QR code")
    p.set_defaults(func=cmd_channel_pair)
    return parser


def _slug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--slug", required=True, help="the organization (`channel add SLUG PROVIDER`)"
    )
    parser.set_defaults(func=cmd_channel_add)


def _reorder_channel_add(argv: list[str]) -> list[str]:
    """Accept `channel add SLUG twilio …` (the contract) by moving SLUG after the provider."""
    if len(argv) >= 4 and argv[0] == "channel" and argv[1] == "add" and not argv[2].startswith("-"):
        slug, provider = argv[2], argv[3]
        return ["channel", "add", provider, "--slug", slug, *argv[4:]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    args_list = _reorder_channel_add(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(args_list)
    for chatty in ("huey", "alembic", "bm25s"):  # one line per job / migration step is noise
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        args.func(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
