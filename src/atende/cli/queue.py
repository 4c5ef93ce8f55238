"""``atende queue``: the manual queue — messages that failed for good, and what a person
does with each.

``atende queue SLUG`` lists them (oldest first) with their reason and attempt count;
``atende queue retry|resend|discard|handled SLUG ID`` acts on one (``resend`` takes
``--body``). Only a failed message takes an action; a retried or resent one is queued
with a fresh attempt budget and its send job enqueued at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from atende.cli.common import CliError, console, database, find_org, settings

ACTIONS = ("retry", "resend", "discard", "handled")
MAX_BODY = 4096


def queue(
    first: Annotated[
        str, typer.Argument(metavar="[ACTION] SLUG", help="retry|resend|discard|handled, or SLUG")
    ],
    slug: Annotated[str | None, typer.Argument(help="the organization (after an action)")] = None,
    message_id: Annotated[
        int | None, typer.Argument(metavar="ID", help="the failed message", min=1)
    ] = None,
    body: Annotated[str | None, typer.Option(help="resend: the new text")] = None,
    hours: Annotated[
        float, typer.Option(min=0.01, max=24 * 365, help="list what failed in this many hours")
    ] = 24 * 7,
) -> None:
    """List failed messages (queue SLUG) or act on one (queue ACTION SLUG ID)."""
    if first not in ACTIONS:
        if slug is not None or message_id is not None or body is not None:
            raise CliError(f"unknown action {first!r}: use one of {', '.join(ACTIONS)}")
        _list(first, hours)
        return
    if slug is None or message_id is None:
        raise CliError(f"usage: atende queue {first} SLUG ID")
    if (body is not None) != (first == "resend"):
        raise CliError("--body goes with resend, and resend needs --body")
    _act(first, slug, message_id, _text(body) if body is not None else None)


def _text(body: str) -> str:
    from atende.domain.text import storable

    text = storable(body)
    if not text.strip() or len(text) > MAX_BODY:
        raise CliError(f"--body: 1 to {MAX_BODY} characters")
    return text


def _list(slug: str, hours: float) -> None:
    from atende.storage import manual_queue
    from atende.storage.monitoring import class_name
    from atende.storage.types import utcnow

    out = console()
    with database(settings()) as session:
        org = find_org(session, slug)
        tz = ZoneInfo(org.timezone)
        page = manual_queue.failed_page(
            session, org.id, utcnow() - timedelta(hours=hours), None, 1000
        )
        out.print(f"failed messages of {slug} in the last {hours:g} h: {len(page.rows)}")
        for f in page.rows:
            m = f.message
            at = m.updated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            out.print(
                f"id: {m.id}  {at}  {f.phone}  {class_name(m.priority)}  "
                f"tries {f.tries}  reason: {f.reason}"
            )
            out.print(f"    {m.body[:160]!r}")
        if page.rows:
            out.print("act: atende queue retry|resend|discard|handled SLUG ID [--body TEXT]")


def _act(action: str, slug: str, message_id: int, body: str | None) -> None:
    from atende.runtime import build_runtime
    from atende.storage.migrate import upgrade

    config = settings()
    upgrade(config.database_url, config.secret_key.get_secret_value())
    runtime = build_runtime(config)
    try:
        with runtime.sessions() as session:
            org_id = find_org(session, slug).id
        ops = runtime.pipeline.operations
        if action == "retry":
            ops.retry_message(org_id, message_id)
        elif action == "resend":
            assert body is not None
            ops.resend_message(org_id, message_id, body)
        elif action == "discard":
            ops.discard_message(org_id, message_id)
        else:
            ops.mark_handled(org_id, message_id)
    finally:
        runtime.close()
    done = {"retry": "queued", "resend": "queued", "discard": "discarded", "handled": "handled"}
    console().print(f"message {message_id}: {done[action]}")
