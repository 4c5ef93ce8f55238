"""Calendar periods as the owner says them ('hoje', 'esta semana', 'este mês'), in the
business's timezone, as [start, end) aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Period:
    name: str  # today | tomorrow | week | month
    label: str
    start: datetime
    end: datetime


def period(name: str, now: datetime, tz: ZoneInfo) -> Period:
    today = now.astimezone(tz).date()
    if name == "tomorrow":
        first, last, label = today + timedelta(days=1), today + timedelta(days=2), "amanhã"
    elif name == "week":
        first = today - timedelta(days=today.weekday())
        last, label = first + timedelta(days=7), "esta semana"
    elif name == "month":
        first = today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
        label = "este mês"
    else:
        name, first, last, label = "today", today, today + timedelta(days=1), "hoje"
    return Period(name, label, _midnight(first, tz), _midnight(last, tz))


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)
