"""Opening hours as an owner types them: ``seg-sex 08-18 almoço 12-13``, ``sab 8h-12h``,
``dom fechado``; and the pieces: weekdays (``seg``, ``sábado``, ``mon``), times
(``8``, ``8h``, ``8h30``, ``08:30``) and ranges (``08-18``, ``12:00-13:00``).

Weekdays are numbered as ``date.weekday()``: 0 is Monday, 6 is Sunday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from atende.domain.opening import Span, WorkDay
from atende.domain.text import fold
from atende.errors import InvalidInput

WEEKDAY_KEYS = ("seg", "ter", "qua", "qui", "sex", "sab", "dom")
_WEEKDAY_WORDS = {
    **{key: i for i, key in enumerate(WEEKDAY_KEYS)},
    **{
        word: i
        for i, words in enumerate(
            (
                ("segunda", "segunda-feira", "mon", "monday"),
                ("terca", "terca-feira", "tue", "tuesday"),
                ("quarta", "quarta-feira", "wed", "wednesday"),
                ("quinta", "quinta-feira", "thu", "thursday"),
                ("sexta", "sexta-feira", "fri", "friday"),
                ("sabado", "sat", "saturday"),
                ("domingo", "sun", "sunday"),
            )
        )
        for word in words
    },
}
_BREAK_WORDS = {"almoco", "pausa", "intervalo", "break", "lunch"}
_CLOSED_WORDS = {"fechado", "fechada", "closed", "nao abre"}
_TIME = re.compile(r"^(\d{1,2})(?:(?::|h)(\d{2})?)?$")


def weekday(text: str) -> int:
    """'seg', 'Sábado', 'mon', '0'..'6' → 0..6."""
    key = fold(text.strip()).rstrip(".")
    if key.isdigit() and 0 <= int(key) <= 6:
        return int(key)
    if key in _WEEKDAY_WORDS:
        return _WEEKDAY_WORDS[key]
    raise InvalidInput(f"{text!r} is not a weekday (seg, ter, qua, qui, sex, sab, dom)")


def weekdays(text: str) -> list[int]:
    """'seg-sex' → [0..4], 'seg,qua,sex' → [0, 2, 4], 'sab' → [5]."""
    found: list[int] = []
    for piece in text.split(","):
        first, dash, last = piece.strip().partition("-")
        if dash and not last.strip().startswith("feira"):
            start, end = weekday(first), weekday(last)
            if end < start:
                raise InvalidInput(f"{piece.strip()!r}: a range of weekdays goes forward")
            found.extend(range(start, end + 1))
        else:
            found.append(weekday(piece))
    return sorted(set(found))


def clock_time(text: str) -> time:
    """'8', '8h', '8h30', '08:30' → a time of day ('24' and '24:00' are refused)."""
    match = _TIME.match(fold(text.strip()))
    if match is None:
        raise InvalidInput(f"{text!r} is not a time (08:00, 8h, 8h30)")
    hour, minute = int(match[1]), int(match[2] or 0)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise InvalidInput(f"{text!r} is not a time of day")
    return time(hour, minute)


def hhmm(value: time) -> str:
    return f"{value:%H:%M}"


def span(text: str) -> Span:
    """'08-18', '12:00-13:00', '8h-12h30' → (start, end), start before end."""
    first, dash, last = text.strip().partition("-")
    if not dash:
        raise InvalidInput(f"{text!r} is not a range of hours (08:00-18:00)")
    start, end = clock_time(first), clock_time(last)
    if not start < end:
        raise InvalidInput(f"{text!r}: the end must come after the start")
    return start, end


def span_text(value: Span) -> str:
    return f"{hhmm(value[0])}-{hhmm(value[1])}"


@dataclass(frozen=True, slots=True)
class DayLine:
    """One line of hours: these weekdays, open with breaks (``hours``) or closed (None)."""

    weekdays: tuple[int, ...]
    hours: WorkDay | None


def day_line(text: str) -> DayLine:
    """'seg-sex 08-18 almoço 12-13', 'sab 08-12', 'dom fechado' (also 'seg 08-12 14-18':
    two spans, the gap a break)."""
    words = text.split()
    if len(words) < 2:
        raise InvalidInput(f"{text!r}: say the days and the hours, e.g. 'seg-sex 08-18'")
    days = tuple(weekdays(words[0]))
    rest = fold(" ".join(words[1:]))
    if rest in _CLOSED_WORDS:
        return DayLine(days, None)
    spans: list[Span] = []
    breaks: list[Span] = []
    into = spans
    for word in re.split(r"[\s,;]+", rest):
        if not word:
            continue
        if word.strip(":") in _BREAK_WORDS:
            into = breaks
            continue
        into.append(span(word))
    if not spans:
        raise InvalidInput(f"{text!r}: no opening hours (e.g. 08-18)")
    day = WorkDay.from_spans(spans)
    if breaks:
        if len(spans) > 1:
            raise InvalidInput(f"{text!r}: give either two ranges or one range and a break")
        day = WorkDay(day.opens, day.closes, tuple(sorted(breaks)))
    day.spans()  # refuses breaks outside the day
    return DayLine(days, day)


def describe(day: WorkDay | None) -> str:
    """'08:00-18:00, almoço 12:00-13:00' (or 'fechado')."""
    if day is None:
        return "fechado"
    out = span_text((day.opens, day.closes))
    if day.breaks:
        out += ", almoço " + ", ".join(span_text(b) for b in day.breaks)
    return out
