"""``atende agenda SLUG``: the day (or week) by resource; ``atende audit SLUG``: what
staff changed, who and when; ``atende block …``: a resource's time off."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from atende.cli.common import (
    CliError,
    actor,
    console,
    database,
    day,
    find_org,
    local_time,
    settings,
)
from atende.domain.hours_text import WEEKDAY_KEYS

Slug = Annotated[str, typer.Argument(help="the organization's slug")]
block_app = typer.Typer(help="Blocked time on a resource (a day off, a meeting).")


def agenda(
    slug: Slug,
    on: Annotated[str | None, typer.Option("--day", help="YYYY-MM-DD (default: today)")] = None,
    week: Annotated[bool, typer.Option("--week", help="seven days from --day")] = False,
    resource: Annotated[str | None, typer.Option(help="only this resource")] = None,
    cancelled: Annotated[bool, typer.Option("--cancelled", help="show cancelled too")] = False,
) -> None:
    """The agenda by resource: appointments (id, customer, pet, service, status) and
    blocks."""
    from atende.storage import agenda as repo
    from atende.storage import resources
    from atende.storage.types import utcnow

    out = console()
    with database(settings()) as session:
        org = find_org(session, slug)
        tz = ZoneInfo(org.timezone)
        first = day(on, "--day") if on else utcnow().astimezone(tz).date()
        start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
        end = start + timedelta(days=7 if week else 1)
        only = None
        if resource is not None:
            row = resources.find(session, org.id, resource)
            if row is None:
                raise CliError(f"no resource {resource!r} (atende resource list)")
            only = row.id
        entries = repo.between(session, org.id, start, end, only, cancelled)
    table = Table("when", "resource", "id", "what", "customer", "status")
    for e in entries:
        local, ends = e.starts_at.astimezone(tz), e.ends_at.astimezone(tz)
        when = f"{local:%H:%M}-{ends:%H:%M}"
        if week:
            when = f"{WEEKDAY_KEYS[local.weekday()]} {local:%d/%m} {when}"
        if e.kind == "block":
            table.add_row(when, e.resource, f"b{e.id}", e.note or "(blocked)", "", "blocked")
            continue
        what = f"{e.service} · {e.pet}" if e.pet else e.service
        who = f"{e.contact_name} {e.contact_phone}" if e.contact_name else e.contact_phone
        table.add_row(when, e.resource, str(e.id), what, who, e.status)
    title = f"{first:%Y-%m-%d}" + (
        f" to {(end - timedelta(days=1)).date():%Y-%m-%d}" if week else ""
    )
    out.print(f"agenda {title} ({len(entries)})")
    out.print(table)


def audit(
    slug: Slug,
    limit: Annotated[int, typer.Option(help="how many, newest first (≤ 200)")] = 50,
) -> None:
    """What staff changed (CLI and admin API): when, who, what, details."""
    import json

    from atende.storage import audit as repo

    if not 1 <= limit <= 200:
        raise CliError("--limit: 1 to 200")
    with database(settings()) as session:
        org = find_org(session, slug)
        tz = ZoneInfo(org.timezone)
        rows = repo.page(session, org.id, None, limit).rows
        shown = [
            (
                e.at.astimezone(tz),
                e.actor,
                e.action,
                e.subject,
                json.dumps(e.details, ensure_ascii=False),
            )
            for e in rows
        ]
    table = Table("at", "who", "action", "subject", "details")
    for at, who, action, subject, details in shown:
        table.add_row(f"{at:%Y-%m-%d %H:%M:%S}", who, action, subject, details[:120])
    console().print(table)


@block_app.command("add")
def add_block(
    slug: Slug,
    resource: Annotated[str, typer.Option(help="the resource's name")],
    start: Annotated[str, typer.Option("--from", help="2026-12-07 14:00")],
    end: Annotated[str, typer.Option("--to", help="2026-12-07 16:00")],
    note: Annotated[str, typer.Option(help="why")] = "",
) -> None:
    """Block a resource's time: nobody can be booked on it then."""
    from atende.pipeline.agenda import Desk
    from atende.storage import resources

    with database(settings()) as session:
        org = find_org(session, slug)
        row = resources.find(session, org.id, resource)
        if row is None:
            raise CliError(f"no resource {resource!r} (atende resource list)")
        begins = local_time(start, org.timezone, "--from")
        ends = local_time(end, org.timezone, "--to")
        block = Desk(session, org, actor()).block(row.id, begins, ends, note)
        block_id = block.id
    console().print(f"id: {block_id}")


@block_app.command("remove")
def remove_block(
    slug: Slug, block_id: Annotated[int, typer.Argument(help="the block's id (b12 → 12)")]
) -> None:
    """Free a blocked time again."""
    from atende.pipeline.agenda import Desk

    with database(settings()) as session:
        org = find_org(session, slug)
        Desk(session, org, actor()).unblock(block_id)
    console().print(f"removed block {block_id}")
