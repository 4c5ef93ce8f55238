"""Calendar periods as the owner says them ('hoje', 'esta semana', 'este mês'), in the
business's timezone, as [start, end) aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Period:
    name: str  # today | tomorrow | yesterday | week | last_week | month | last_month
    label: str
    start: datetime
    end: datetime


def period(name: str, now: datetime, tz: ZoneInfo) -> Period:
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    if name == "tomorrow":
        first, last, label = today + timedelta(days=1), today + timedelta(days=2), "amanhã"
    elif name == "yesterday":
        first, last, label = today - timedelta(days=1), today, "ontem"
    elif name == "week":
        first, last, label = monday, monday + timedelta(days=7), "esta semana"
    elif name == "last_week":
        first, last, label = monday - timedelta(days=7), monday, "na semana passada"
    elif name == "month":
        first = month_start
        last = (first + timedelta(days=32)).replace(day=1)
        label = "este mês"
    elif name == "last_month":
        first = (month_start - timedelta(days=1)).replace(day=1)
        last, label = month_start, "no mês passado"
    else:
        name, first, last, label = "today", today, today + timedelta(days=1), "hoje"
    return Period(name, label, _midnight(first, tz), _midnight(last, tz))


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)
