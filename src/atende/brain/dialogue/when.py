"""Dates and times the way Brazilians write them on WhatsApp.

"amanhã às 10h", "dia 25/11", "25 de novembro", "15h30", "de manhã",
"depois de amanhã", "próxima terça", "segunda que vem", "às 3 da tarde", "meio-dia".
dateparser gets several of these wrong, hence this small extractor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from atende.domain.text import fold_chat

WEEKDAYS = {
    "segunda": 0,
    "terca": 1,
    "quarta": 2,
    "quinta": 3,
    "sexta": 4,
    "sabado": 5,
    "domingo": 6,
}
MONTHS = {
    "janeiro": 1,
    "fevereiro": 2,
    "marco": 3,
    "abril": 4,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "agosto": 8,
    "setembro": 9,
    "outubro": 10,
    "novembro": 11,
    "dezembro": 12,
}

_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?\b")
_WRITTEN_DATE = re.compile(r"\b(\d{1,2})\s+de\s+(" + "|".join(MONTHS) + r")(?:\s+de\s+(\d{4}))?\b")
_DAY_ONLY = re.compile(r"\bdia\s+(\d{1,2})\b")
_WEEKDAY = re.compile(
    r"\b(?:(proxim[ao]|nest[ae]|ness[ae]|est[ae])\s+)?("
    + "|".join(WEEKDAYS)
    + r")(?:[\s-]*feira)?(\s+que\s+vem)?\b"
)
_HM = re.compile(r"\b(\d{1,2})\s*(?:h|hs|hrs?|horas?|:)\s*(\d{2})?\b(?!\s*(?:min|/))")
_AS_HOUR = re.compile(r"\b(?:as|a|para as|pras|pelas|umas)\s+(\d{1,2})\b(?!\s*[/.-]\d)")
_OF_PERIOD = re.compile(r"\b(\d{1,2})\s*(?:h\s*)?da\s+(manha|tarde|noite)\b")
_NOON = re.compile(r"\bmeio[\s-]dia(?:\s+e\s+meia)?\b")
_PERIOD = re.compile(r"\b(manha|tarde|noite)\b")


@dataclass(frozen=True, slots=True)
class When:
    day: date | None = None
    at: time | None = None
    period: str | None = None  # manha | tarde | noite

    @property
    def empty(self) -> bool:
        return self.day is None and self.at is None and self.period is None


def extract_when(text: str, today: date) -> When:
    """Find a day, a time of day and a period in free text; each may be missing."""
    folded = fold_chat(text)
    day, rest = _extract_day(folded, today)
    at = _extract_time(rest)
    period_match = _PERIOD.search(rest.replace("amanha", ""))
    period = period_match.group(1) if period_match else None
    if at is not None and period == "tarde" and at.hour < 12:
        at = time(at.hour + 12, at.minute)
    return When(day, at, period)


def _extract_day(text: str, today: date) -> tuple[date | None, str]:
    """The first recognisable day, and the text with it removed (so '25/11' is no time).
    In 'de terça pra quarta' the day wanted is the one after 'pra'."""
    found = _first_day(text, today)
    if found is None:
        return None, text
    day, (start, end) = found
    rest = text[:start] + " " + text[end:]
    move = re.match(r"\s*(pra|para|p/)\s", text[end:])
    if move:
        tail = text[end + move.end() :]
        target = _first_day(tail, today)
        if target is not None:
            t_start, t_end = target[1]
            return target[0], text[:start] + " " + tail[:t_start] + " " + tail[t_end:]
    return day, rest


def _first_day(text: str, today: date) -> Found:
    for finder in (_written_date, _numeric_date, _relative_day, _weekday, _day_of_month):
        found = finder(text, today)
        if found is not None:
            return found
    return None


Found = tuple[date, tuple[int, int]] | None


def _numeric_date(text: str, today: date) -> Found:
    for m in _NUMERIC_DATE.finditer(text):
        day, month = int(m.group(1)), int(m.group(2))
        year = _year(m.group(3), today)
        found = _safe_date(year, month, day, today, explicit_year=m.group(3) is not None)
        if found:
            return found, m.span()
    return None


def _written_date(text: str, today: date) -> Found:
    m = _WRITTEN_DATE.search(text)
    if not m:
        return None
    year = _year(m.group(3), today)
    found = _safe_date(
        year, MONTHS[m.group(2)], int(m.group(1)), today, explicit_year=m.group(3) is not None
    )
    return (found, m.span()) if found else None


def _relative_day(text: str, today: date) -> Found:
    for pattern, offset in ((r"\bdepois de amanha\b", 2), (r"\bamanha\b", 1), (r"\bhoje\b", 0)):
        m = re.search(pattern, text)
        if m:
            return today + timedelta(days=offset), m.span()
    return None


def _weekday(text: str, today: date) -> Found:
    m = _WEEKDAY.search(text)
    if not m:
        return None
    target = WEEKDAYS[m.group(2)]
    ahead = (target - today.weekday()) % 7
    if (m.group(1) and m.group(1).startswith("proxim")) or m.group(3):
        ahead = ahead or 7
    return today + timedelta(days=ahead), m.span()


def _day_of_month(text: str, today: date) -> Found:
    m = _DAY_ONLY.search(text)
    if not m:
        return None
    day = int(m.group(1))
    for months_ahead in (0, 1, 2):
        month = (today.month - 1 + months_ahead) % 12 + 1
        year = today.year + (today.month - 1 + months_ahead) // 12
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate, m.span()
    return None


def _year(raw: str | None, today: date) -> int:
    if raw is None:
        return today.year
    year = int(raw)
    return year + 2000 if year < 100 else year


def _safe_date(year: int, month: int, day: int, today: date, explicit_year: bool) -> date | None:
    try:
        candidate = date(year, month, day)
    except ValueError:
        return None
    if not explicit_year and candidate < today:
        try:
            candidate = date(year + 1, month, day)
        except ValueError:
            return None
    return candidate


def _extract_time(text: str) -> time | None:
    if _NOON.search(text):
        return time(12, 30) if "meia" in _NOON.search(text).group(0) else time(12, 0)  # type: ignore[union-attr]
    m = _OF_PERIOD.search(text)
    if m:
        hour = int(m.group(1))
        if m.group(2) in ("tarde", "noite") and hour < 12:
            hour += 12
        return _make_time(hour, 0)
    m = _HM.search(text)
    if m:
        return _make_time(int(m.group(1)), int(m.group(2) or 0))
    m = _AS_HOUR.search(text)
    if m:
        hour = int(m.group(1))
        if 1 <= hour <= 6:
            hour += 12  # "às 3" at a shop means 15:00
        return _make_time(hour, 0)
    return None


def _make_time(hour: int, minute: int) -> time | None:
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return time(hour, minute)
    return None
