"""The business calendar in the database: weekly hours with breaks, special days, and the
``Calendar`` (``domain/opening.py``) a turn computes slots with.

Weekly hours stay rows of ``opening_hours`` (one per open interval); ``set_week`` and
``week`` speak of days with breaks, so a lunch break is said once, not as two intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from atende.domain.entities import OpeningInterval
from atende.domain.opening import Calendar, DayKind, Span, SpecialDay, WorkDay
from atende.domain.org_settings import OrgSettings
from atende.domain.states import HOLDS_SLOT
from atende.errors import InvalidInput
from atende.storage.catalog import opening_hours
from atende.storage.models import Booking, OpeningHours
from atende.storage.models import SpecialDay as SpecialDayRow

_KINDS: dict[str, DayKind] = {"closed": "closed", "open": "open", "hours": "hours"}


def set_week(session: Session, org_id: int, week: Mapping[int, WorkDay | None]) -> None:
    """The weekly hours, weekday (0 = Monday) → its hours with breaks; a weekday left out
    or None is closed. Replaces what was there."""
    if any(not 0 <= weekday <= 6 for weekday in week):
        raise InvalidInput("weekdays go from 0 (Monday) to 6 (Sunday)")
    rows = [(wd, span) for wd, day in sorted(week.items()) if day for span in day.spans()]
    session.execute(delete(OpeningHours).where(OpeningHours.organization_id == org_id))
    for weekday, (opens, closes) in rows:
        session.add(
            OpeningHours(organization_id=org_id, weekday=weekday, opens=opens, closes=closes)
        )
    session.flush()


def set_day_hours(session: Session, org_id: int, weekday: int, day: WorkDay | None) -> None:
    """One weekday's hours (with its breaks), or None to close it; the others stay."""
    current: dict[int, WorkDay | None] = dict(week(session, org_id))
    current[weekday] = day
    set_week(session, org_id, current)


def week(session: Session, org_id: int) -> dict[int, WorkDay]:
    """The open weekdays with their hours and breaks."""
    spans: dict[int, list[Span]] = {}
    for interval in opening_hours(session, org_id):
        spans.setdefault(interval.weekday, []).append((interval.opens, interval.closes))
    return {weekday: WorkDay.from_spans(found) for weekday, found in sorted(spans.items())}


def _replace_day(
    session: Session, org_id: int, day: date, kind: DayKind, spans: Sequence[Span], note: str
) -> None:
    clear_day(session, org_id, day)
    rows: list[tuple[time | None, time | None]] = [*spans] or [(None, None)]
    for opens, closes in rows:
        session.add(
            SpecialDayRow(
                organization_id=org_id,
                day=day,
                kind=kind,
                opens=opens,
                closes=closes,
                note=note.strip()[:200],
            )
        )
    session.flush()


def close_day(session: Session, org_id: int, day: date, note: str = "") -> None:
    """Closed on ``day`` (a holiday of the shop's own, a renovation, a day off)."""
    _replace_day(session, org_id, day, "closed", (), note)


def open_day(session: Session, org_id: int, day: date, note: str = "") -> None:
    """Open with the weekly hours on ``day`` although it is a holiday."""
    _replace_day(session, org_id, day, "open", (), note)


def set_special_hours(
    session: Session, org_id: int, day: date, hours: WorkDay, note: str = ""
) -> None:
    """Hours of their own on ``day`` (with breaks), instead of the weekday's."""
    _replace_day(session, org_id, day, "hours", hours.spans(), note)


def clear_day(session: Session, org_id: int, day: date) -> None:
    """``day`` follows the weekly hours and the holidays again."""
    session.execute(
        delete(SpecialDayRow).where(
            SpecialDayRow.organization_id == org_id, SpecialDayRow.day == day
        )
    )


def special_days(session: Session, org_id: int, since: date) -> dict[date, SpecialDay]:
    """The special days from ``since`` on."""
    stmt = (
        select(SpecialDayRow)
        .where(SpecialDayRow.organization_id == org_id, SpecialDayRow.day >= since)
        .order_by(SpecialDayRow.day, SpecialDayRow.opens)
    )
    found: dict[date, SpecialDay] = {}
    for row in session.scalars(stmt):
        kind = _KINDS.get(row.kind, "closed")
        before = found.get(row.day)
        spans = before.spans if before is not None else ()
        if kind == "hours" and row.opens is not None and row.closes is not None:
            spans = (*spans, (row.opens, row.closes))
        found[row.day] = SpecialDay(row.day, kind, spans, row.note)
    return found


def calendar_for(
    session: Session,
    org_id: int,
    tz: ZoneInfo,
    settings: OrgSettings,
    since: date,
    weekly: Sequence[OpeningInterval] | None = None,
) -> Calendar:
    """The organization's calendar from ``since`` on (its settings give the holidays'
    country and state, the notice and the horizon)."""
    hours = opening_hours(session, org_id) if weekly is None else weekly
    return Calendar(
        tz=tz,
        weekly=tuple(hours),
        special=special_days(session, org_id, since),
        country=settings.country,
        subdivision=settings.state,
        open_holidays=tuple(settings.open_holidays),
        min_notice_minutes=settings.min_notice_minutes,
        horizon_days=settings.horizon_days,
    )


def _fits(calendar: Calendar, start: datetime, end: datetime) -> bool:
    local, local_end = start.astimezone(calendar.tz), end.astimezone(calendar.tz)
    if local_end.date() != local.date() and local_end.time() != time(0):
        return False
    spans = calendar.plan(local.date()).spans
    ends = local_end.time() if local_end.date() == local.date() else time.max
    return any(o <= local.time() and ends <= c for o, c in spans)


def outside_hours(
    session: Session, org_id: int, tz: ZoneInfo, settings: OrgSettings, now: datetime
) -> list[Booking]:
    """Future appointments still on whose time the calendar no longer opens for (hours,
    breaks, special days and holidays; notice and horizon aside), earliest first."""
    stmt = (
        select(Booking)
        .where(
            Booking.organization_id == org_id,
            Booking.status.in_(HOLDS_SLOT),
            Booking.starts_at > now,
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    pending = list(session.scalars(stmt))
    if not pending:
        return []
    since = pending[0].starts_at.astimezone(tz).date()
    calendar = calendar_for(session, org_id, tz, settings, since)
    return [b for b in pending if not _fits(calendar, b.starts_at, b.ends_at)]
