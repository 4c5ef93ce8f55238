"""When a business takes appointments: its calendar.

- **Weekly hours**: one or more ``OpeningInterval`` per weekday; the gaps between the
  intervals of a day are its breaks (lunch).
- **Special days**: a date closed (``closed``: holidays of its own, a renovation), open
  with the weekly hours although it is a holiday (``open``), or with hours of its own
  (``hours``, which may have a break too).
- **Holidays** of the country and the organization's state, from the ``holidays``
  library: closed unless the owner opens on that holiday (by name, every year:
  ``open_holidays``) or on that date (a special day).
- **Notice and horizon**: nothing less than ``min_notice_minutes`` ahead, nothing more
  than ``horizon_days`` days ahead.

``Calendar.problem`` says why a time cannot be booked, in the order a customer should
hear it; ``Calendar.starts`` lists the times that can (resources aside: ``slots.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from atende.domain.entities import OpeningInterval
from atende.domain.text import fold
from atende.errors import InvalidInput

DayKind = Literal["closed", "open", "hours"]
Span = tuple[time, time]
SLOT_STEP_MINUTES = 30


@dataclass(frozen=True, slots=True)
class WorkDay:
    """A day's hours as an owner says them: open from ``opens`` to ``closes`` with
    ``breaks`` (lunch) in between. Stored as the open spans between the breaks."""

    opens: time
    closes: time
    breaks: tuple[Span, ...] = ()

    def spans(self) -> tuple[Span, ...]:
        """The open intervals, earliest first; InvalidInput when the hours make no sense."""
        if not self.opens < self.closes:
            raise InvalidInput(f"opens ({self.opens:%H:%M}) must be before closes")
        spans: list[Span] = []
        begin = self.opens
        for start, end in sorted(self.breaks):
            if not (begin < start < end < self.closes):
                raise InvalidInput(
                    f"a break ({start:%H:%M}-{end:%H:%M}) must lie inside the day's hours "
                    "and not overlap another"
                )
            spans.append((begin, start))
            begin = end
        spans.append((begin, self.closes))
        return tuple(spans)

    @classmethod
    def from_spans(cls, spans: Sequence[Span]) -> WorkDay:
        """The day whose open intervals are ``spans`` (non-empty): gaps become breaks."""
        ordered = sorted(spans)
        gaps = tuple((a[1], b[0]) for a, b in pairwise(ordered) if a[1] < b[0])
        return cls(ordered[0][0], ordered[-1][1], gaps)


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A date that does not follow the week: ``closed``, ``open`` (the weekly hours, even
    on a holiday) or ``hours`` (``spans``, earliest first)."""

    day: date
    kind: DayKind
    spans: tuple[Span, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One date as the calendar sees it: its open ``spans`` (empty when closed), why it is
    closed (``holiday``, ``closure``, ``closed``) and the holiday it is, if any."""

    day: date
    spans: tuple[Span, ...]
    closed: str | None = None
    holiday: str | None = None


@lru_cache(maxsize=64)
def _holidays_of(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=year, language="pt_BR")
    except NotImplementedError:  # a country (or state) the library does not know
        return {}
    return dict(found.items())


def holiday_on(day: date, country: str | None, subdivision: str | None = None) -> str | None:
    """The name of the public holiday on ``day`` in ``country`` (and its state), or None."""
    if not country:
        return None
    return _holidays_of(country, subdivision, day.year).get(day)


def holidays_in(year: int, country: str | None, subdivision: str | None = None) -> dict[date, str]:
    """The public holidays of ``year`` in ``country`` (and its state), by date."""
    return dict(sorted(_holidays_of(country, subdivision, year).items())) if country else {}


@lru_cache(maxsize=8)
def subdivisions(country: str) -> tuple[str, ...]:
    """The states (subdivision codes) the holidays library knows for ``country``."""
    try:
        return tuple(holidays.country_holidays(country).subdivisions)
    except NotImplementedError:
        return ()


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    weekly: tuple[OpeningInterval, ...]
    special: Mapping[date, SpecialDay] = field(default_factory=dict)
    country: str | None = None
    subdivision: str | None = None
    open_holidays: tuple[str, ...] = ()
    min_notice_minutes: int = 0
    horizon_days: int | None = None

    def weekly_spans(self, day: date) -> tuple[Span, ...]:
        chosen = (h for h in self.weekly if h.weekday == day.weekday())
        return tuple(sorted((h.opens, h.closes) for h in chosen))

    def opens_on_holiday(self, name: str) -> bool:
        folded = fold(name)
        return any(fold(wanted).strip() in folded for wanted in self.open_holidays if wanted)

    def plan(self, day: date) -> DayPlan:
        """Whether and when ``day`` is open."""
        holiday = holiday_on(day, self.country, self.subdivision)
        special = self.special.get(day)
        if special is not None and special.kind == "closed":
            return DayPlan(day, (), "closure", holiday)
        if special is not None and special.kind == "hours":
            return DayPlan(day, special.spans, None if special.spans else "closure", holiday)
        opened = special is not None and special.kind == "open"
        if holiday is not None and not opened and not self.opens_on_holiday(holiday):
            return DayPlan(day, (), "holiday", holiday)
        spans = self.weekly_spans(day)
        return DayPlan(day, spans, None if spans else "closed", holiday)

    def ahead_problem(self, start: datetime, now: datetime) -> str | None:
        """``past``, ``too_soon`` or ``too_far`` for ``start`` seen from ``now``."""
        if start <= now:
            return "past"
        if start < now + timedelta(minutes=self.min_notice_minutes):
            return "too_soon"
        days_ahead = (start.astimezone(self.tz).date() - now.astimezone(self.tz).date()).days
        if self.horizon_days is not None and days_ahead > self.horizon_days:
            return "too_far"
        return None

    def problem(self, start: datetime, minutes: int, now: datetime) -> str | None:
        """Why an appointment of ``minutes`` at ``start`` is not possible on the calendar
        (``past``, ``too_soon``, ``too_far``, ``holiday``, ``closure``, ``closed``,
        ``break``), or None. Whether a resource is free is ``slots.py``'s question."""
        ahead = self.ahead_problem(start, now)
        if ahead is not None:
            return ahead
        local = start.astimezone(self.tz)
        plan = self.plan(local.date())
        if plan.closed is not None:
            return plan.closed
        end = local + timedelta(minutes=minutes)
        if end.date() != local.date():
            return "closed"
        begins, ends = local.time(), end.time()
        if any(o <= begins and ends <= c for o, c in plan.spans):
            return None
        if plan.spans[0][0] <= begins and ends <= plan.spans[-1][1]:
            return "break"
        return "closed"

    def starts(
        self, day: date, minutes: int, now: datetime, step: int = SLOT_STEP_MINUTES
    ) -> list[datetime]:
        """Start times on ``day`` (every ``step`` minutes from each opening) where an
        appointment of ``minutes`` fits the calendar, earliest first."""
        found: list[datetime] = []
        length = timedelta(minutes=minutes)
        for opens, closes in self.plan(day).spans:
            start = datetime.combine(day, opens, tzinfo=self.tz)
            close = datetime.combine(day, closes, tzinfo=self.tz)
            while start + length <= close:
                if self.ahead_problem(start, now) is None:
                    found.append(start)
                start += timedelta(minutes=step)
        return found
