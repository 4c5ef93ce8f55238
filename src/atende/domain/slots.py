"""Free-slot rules: opening hours, service duration, overlaps, never in the past.

All arithmetic happens in the organization's timezone; callers pass aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from atende.domain.entities import Busy, OpeningInterval

SLOT_STEP_MINUTES = 30


def intervals_on(day: date, hours: Iterable[OpeningInterval]) -> list[OpeningInterval]:
    """Opening intervals that apply to ``day``, earliest first."""
    return sorted((h for h in hours if h.weekday == day.weekday()), key=lambda h: h.opens)


def fits_opening_hours(
    start: datetime, duration_minutes: int, hours: Iterable[OpeningInterval], tz: ZoneInfo
) -> bool:
    """True when the whole appointment lies inside one opening interval of its day."""
    local = start.astimezone(tz)
    end = local + timedelta(minutes=duration_minutes)
    if end.date() != local.date():
        return False
    return any(
        h.opens <= local.time() and end.time() <= h.closes
        for h in intervals_on(local.date(), hours)
    )


def free_slots(
    day: date,
    duration_minutes: int,
    hours: Iterable[OpeningInterval],
    busy: Sequence[Busy],
    now: datetime,
    tz: ZoneInfo,
    step_minutes: int = SLOT_STEP_MINUTES,
) -> list[datetime]:
    """Start times on ``day`` where the service fits, is free and is still ahead of ``now``."""
    result: list[datetime] = []
    length = timedelta(minutes=duration_minutes)
    for interval in intervals_on(day, hours):
        start = datetime.combine(day, interval.opens, tzinfo=tz)
        close = datetime.combine(day, interval.closes, tzinfo=tz)
        while start + length <= close:
            end = start + length
            if start > now and not any(b.overlaps(start, end) for b in busy):
                result.append(start)
            start += timedelta(minutes=step_minutes)
    return result


def slot_problem(
    start: datetime,
    duration_minutes: int,
    hours: Iterable[OpeningInterval],
    busy: Sequence[Busy],
    now: datetime,
    tz: ZoneInfo,
) -> str | None:
    """Why ``start`` cannot be booked (``past``, ``closed``, ``taken``), or None when it can."""
    if start <= now:
        return "past"
    if not fits_opening_hours(start, duration_minutes, hours, tz):
        return "closed"
    end = start + timedelta(minutes=duration_minutes)
    if any(b.overlaps(start, end) for b in busy):
        return "taken"
    return None
