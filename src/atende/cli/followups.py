"""``atende followups SLUG``: the follow-ups that bring customers back — who is due, what
was sent, each service's return interval (``--every Banho=15``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from atende.cli.common import CliError, console, database, find_org, settings

Slug = Annotated[str, typer.Argument(help="the organization's slug")]


def followups(
    slug: Slug,
    every: Annotated[
        list[str] | None,
        typer.Option(
            metavar="SERVICE=DAYS",
            help="a service's return interval, e.g. Banho=15 or Consulta=off (repeatable)",
        ),
    ] = None,
    days: Annotated[int, typer.Option(help="list what was sent in this many days")] = 30,
) -> None:
    """What is due today and what was sent; ``org settings SLUG --followups off`` stops them."""
    from atende.pipeline.followups import due_today
    from atende.storage import followups as repo
    from atende.storage import orgs
    from atende.storage.models import Contact, Pet, Service
    from atende.storage.types import utcnow

    changes = [_interval(raw) for raw in every or []]
    out = console()
    with database(settings()) as session:
        org = find_org(session, slug)
        for service, interval in changes:
            if not repo.set_return_days(session, org.id, service, interval):
                raise CliError(f"no service {service!r} in {slug}")
        current = orgs.settings_of(org)
        now = utcnow()
        tz = ZoneInfo(org.timezone)
        state = f"on at {current.followup_time}" if current.followups else "off"
        out.print(f"follow-ups: {state}")
        shown = [f"{n} {d} dias" if d else f"{n} —" for n, d in repo.intervals(session, org.id)]
        out.print("return intervals: " + " · ".join(shown))
        due = due_today(session, org.id, now)
        out.print(f"due now ({len(due)}):")
        for item in due:
            contact = session.get(Contact, item.last.contact_id)
            pet = session.get(Pet, item.last.pet_id) if item.last.pet_id else None
            service_row = session.get(Service, item.last.service_id)
            note = " (opted out: none sent)" if contact and contact.opted_out_at else ""
            out.print(
                f"  {contact.phone if contact else '?'} {pet.name if pet else '-'} — "
                f"{service_row.name if service_row else '?'}, due {item.due_on.isoformat()}, "
                f"last visit {item.days_since} days ago{note}"
            )
        sent = repo.sent_since(session, org.id, now - timedelta(days=days))
        out.print(f"sent in the last {days} days ({len(sent)}):")
        for row in sent:
            at = row.sent_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            out.print(
                f"  {at} {row.phone} {row.pet or '-'} — {row.service} ({row.status or 'recorded'})"
            )


def _interval(raw: str) -> tuple[str, int | None]:
    name, sep, value = raw.rpartition("=")
    if not sep or not name.strip():
        raise CliError(f"--every: {raw!r} is not SERVICE=DAYS (Banho=15, Consulta=off)")
    value = value.strip().lower()
    if value in ("off", "0", "none", ""):
        return name.strip(), None
    if not value.isdigit() or not 1 <= int(value) <= 3650:
        raise CliError(f"--every: {raw!r}: days are 1 to 3650, or off")
    return name.strip(), int(value)
