"""``atende status [SLUG]``: one screen, what a technician runs first.

Each organization's traffic light (green / yellow / red and why, the rules of
``pipeline/health.py``), its channels (connection state, breaker, last message), the
outbound queues by send class, the open alerts, and the workers (heartbeat age,
version). Without SLUG: every organization.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from atende.cli.common import console, database, find_org, settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from atende.storage.models import Organization

COLOURS = {"green": "green", "yellow": "yellow", "red": "bold red"}
WORKERS_SHOWN_SINCE = timedelta(days=1)
ALERTS_SHOWN = 20


def status(
    slug: Annotated[str | None, typer.Argument(help="one organization (default: all)")] = None,
) -> None:
    """Channels, breakers, queues by class, open alerts and workers, on one screen."""
    from atende import __version__
    from atende.storage import monitoring
    from atende.storage.types import utcnow

    config = settings()
    out = console()
    with database(config) as session:
        chosen = [find_org(session, slug)] if slug else monitoring.organizations(session)
        org_id = chosen[0].id if slug else None
        now = utcnow()
        out.print(f"atende {__version__} · {now:%Y-%m-%d %H:%M:%S} UTC · " + (slug or "all"))
        out.print(_health(session, chosen, config.sweep_interval_seconds))
        out.print(_channels(session, org_id, now))
        out.print(_queues(session, org_id, now))
        out.print(_alerts(session, org_id, now))
        out.print(_workers(session, now, config.sweep_interval_seconds, __version__))


def _age(now: datetime, at: datetime | None) -> str:
    if at is None:
        return "—"
    seconds = max(0, int((now - at).total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _health(session: Session, orgs: list[Organization], sweep: float) -> Table:
    from atende import __version__
    from atende.pipeline import health

    window = health.heartbeat_window(sweep)
    table = Table(title="health", title_justify="left", expand=False)
    for name in ("organization", "status", "reasons"):
        table.add_column(name)
    for org in orgs:
        got = health.grade(health.read(session, org.id, window, health.HealthRules()), __version__)
        reasons = "\n".join(f"{r.level}: {r.detail}" for r in got.reasons) or "—"
        table.add_row(org.slug, Text(got.status, style=COLOURS[got.status]), reasons)
    return table


def _channels(session: Session, org_id: int | None, now: datetime) -> Table:
    from atende.storage import monitoring

    table = Table(title="channels", title_justify="left")
    for name in ("organization", "channel", "provider", "connection", "breaker", "last message"):
        table.add_column(name)
    for ch in monitoring.channels(session, org_id, with_last_message=True):
        c, b = ch.channel, ch.breaker
        state = c.connection_state or ("untracked" if c.status == "active" else c.status)
        if c.connection_reason:
            state += f" ({c.connection_reason})"
        if b is None or b.state == "closed":
            breaker = Text("closed" + (f", {b.failures} failing" if b and b.failures else ""))
        else:
            why = f": {b.last_error}" if b.last_error else ""
            breaker = Text(f"open {_age(now, b.opened_at)}{why}", style="bold red")
        up = state.split(" ")[0] in ("open", "untracked")
        table.add_row(
            ch.org_slug,
            c.id,
            c.provider,
            Text(state, style="" if up else "yellow"),
            breaker,
            _age(now, ch.last_message_at),
        )
    return table


def _queues(session: Session, org_id: int | None, now: datetime) -> Table:
    from atende.storage import monitoring

    table = Table(title="outbound queues", title_justify="left")
    for name in ("class", "queued", "deferred", "sending", "oldest due"):
        table.add_column(name, justify="left" if name == "class" else "right")
    rows = {r.priority: r for r in monitoring.queue_rows(session, org_id, by_channel=False)}
    for priority in sorted({0, 1, 2} | set(rows)):
        r = rows.get(priority)
        age = r.oldest_age(now) if r else None
        table.add_row(
            monitoring.class_name(priority),
            str(r.queued if r else 0),
            str(r.deferred if r else 0),
            str(r.sending if r else 0),
            "—" if age is None else f"{age:.0f} s",
        )
    return table


def _alerts(session: Session, org_id: int | None, now: datetime) -> Table:
    from atende.storage import monitoring

    found = monitoring.open_alerts(session, org_id, ALERTS_SHOWN)
    slugs = {o.id: o.slug for o in monitoring.organizations(session)}
    table = Table(title=f"open alerts ({len(found)})", title_justify="left")
    for name in ("organization", "kind", "subject", "message", "open for"):
        table.add_column(name)
    for a in found:
        org = slugs.get(a.organization_id or 0, "—")
        table.add_row(org, a.kind, a.subject or "—", a.message, _age(now, a.created_at))
    return table


def _workers(session: Session, now: datetime, sweep: float, version: str) -> Table:
    from atende.pipeline.health import heartbeat_window
    from atende.storage import monitoring

    alive = heartbeat_window(sweep)
    table = Table(title="workers", title_justify="left")
    for name in ("worker", "version", "heartbeat", "state"):
        table.add_column(name)
    for w in monitoring.heartbeats(session, now - WORKERS_SHOWN_SINCE):
        late = (now - w.seen_at).total_seconds() > alive
        skew = w.version != version
        state = Text("silent", style="bold red") if late else Text("alive", style="green")
        table.add_row(
            w.id,
            Text(w.version, style="yellow" if skew else ""),
            _age(now, w.seen_at),
            state,
        )
    if not table.row_count:
        table.add_row("—", "—", "—", Text("no worker seen", style="bold red"))
    return table
