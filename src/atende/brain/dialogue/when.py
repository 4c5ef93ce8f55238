"""Dates and times the way Brazilians write them on WhatsApp.

"amanhã às 10h", "dia 25/11", "25 de novembro", "15h30", "de manhã", "duas da tarde",
"depois de amanhã", "próxima terça", "sexta q vem", "às 3 da tarde", "meio dia e meia",
"semana que vem de manhã", "fim de semana", "sabdo" (typo). dateparser gets several of
these wrong, hence this small extractor.

``extract_when(text, today)`` takes a ``date`` or a local ``datetime``. With a datetime, a
weekday named that is today with a time (or period) already gone means next week.
Spans ("semana que vem", "fim de semana") come back as ``earliest``/``latest``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from atende.brain.dialogue.fuzzy import closest
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
HOUR_WORDS = {
    "uma": 1,
    "um": 1,
    "duas": 2,
    "dois": 2,
    "tres": 3,
    "quatro": 4,
    "cinco": 5,
    "seis": 6,
    "sete": 7,
    "oito": 8,
    "nove": 9,
    "dez": 10,
    "onze": 11,
    "doze": 12,
}
_UNITS = {"um": 1, "dois": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6}
_UNITS.update({"sete": 7, "oito": 8, "nove": 9})
_TENS = {"vinte": 20, "trinta": 30, "quarenta": 40, "cinquenta": 50}
MINUTE_WORDS = {"meia": 30, "quinze": 15, "dez": 10, "cinco": 5, **_TENS}
MINUTE_WORDS.update({f"{t} e {u}": tv + uv for t, tv in _TENS.items() for u, uv in _UNITS.items()})

# Real words a weekday fuzz must leave alone ("um segundo", "sabão", "quintal").
_NOT_TYPOS = frozenset(
    {
        *("segundo", "segundos", "quinto", "quintal", "quintais", "sexto", "sextou"),
        *("seguida", "seguidas", "seguido", "seguidos", "seguinte"),
        *("quarto", "quartos", "quanta", "quantas", "terco", "terra", "sabao", "sabor"),
        *("domingos", "sabia", "quarenta", "quatorze", "catorze", "quinhentos"),
        *("quatrocentos", "setenta", "sessenta", "quitar", "terceira", "sacado"),
        *("troca", "trocar", "trocas", "trocou", "troco", "tarde", "tarefa", "tesoura"),
        *("quieta", "quieto", "quente", "questao", "quinze", "segura", "seguro", "serena"),
        *MINUTE_WORDS,
    }
)
_WEEKDAY_CUTOFF = 78.0  # "tersa" and "quinat" score 80 and 83 against terca/quinta
_MONTH_CUTOFF = 80.0
_PERIOD_WORDS = {
    "manha": "manha",
    "manhazinha": "manha",
    "tarde": "tarde",
    "tardezinha": "tarde",
    "tardinha": "tarde",
    "noite": "noite",
    "noitinha": "noite",
}
_PERIOD_ENDS = {"manha": time(12, 0), "tarde": time(18, 0), "noite": time(23, 59)}

_GREETING = re.compile(
    r"\b(?:bo+[mn]+\s+dia+|boa+\s+(?:tarde|tade|trade|tardi|noite|noit|note|noiti|madrugada)\w*|"
    r"mais\s+tarde|tarde\s+demais|muito\s+tarde)\b"
)
_DAY_ABBREV = re.compile(r"\b(qua|qui|sex)\b\.?")
_DAY_ABBREV_CONTEXT = re.compile(  # "ter" is also a verb, "dom" a noun: only in context
    r"\b(na|no|proxim[ao]|ness[ae]|nest[ae]|ess[ae]|est[ae])\s+(ter|dom)\b\.?"
    r"|\b(ter)\b\.?(?=\s*(?:-?\s*feira|que\s+vem|\d))"
    r"|\b(dom)\b\.?(?=\s*(?:-?\s*feira|que\s+vem|\d|as\b|(?:d[ae]|a)\s+(?:manha|tarde|noite)))"
)
_DAY_ABBREV_FULL = {
    "qua": "quarta",
    "qui": "quinta",
    "sex": "sexta",
    "ter": "terca",
    "dom": "domingo",
}

_NUMERIC_DATE = re.compile(
    r"(?<![\d,.])\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?\b"
    r"(?![.,]\d)(?!\s*(?:kg|kilo|quilo|g\b|mg|ml|l\b|%))"
)
_WRITTEN_DATE = re.compile(r"\b(\d{1,2})\s+de\s+(" + "|".join(MONTHS) + r")(?:\s+de\s+(\d{4}))?\b")
_DAY_ONLY = re.compile(r"\bdia\s+(\d{1,2})\b(?!\s*(?:h\b|hs|hrs?\b|horas?|:|[/.-]\s*\d))")
_RECENT_PAST = timedelta(days=60)  # a dd/mm this far back is that date, gone; older: next year
# What starts a correction inside one message: the value after it wins.
_CORRECTION = re.compile(
    r"\bnao\b\s*[,.;:!-]|\bna\s+(?:verdade|vdd)\b|\bquer\s+dizer\b|\bquis\s+dizer\b"
    r"|\bmelhor\b|\berrei\b"
)
_WEEKDAY = re.compile(
    r"\b(?:(proxim[ao]|nest[ae]|ness[ae]|est[ae]|ess[ae])\s+)?("
    + "|".join(WEEKDAYS)
    + r")s?(?:[\s-]*feira)?(\s+(?:que\s+vem|da\s+semana\s+que\s+vem|da\s+proxima\s+semana))?\b"
)

_WEEKEND = re.compile(
    r"\b(?:(proximo|esse|este|nesse|neste)\s+)?(?:fim|final)\s+de\s+semana(\s+que\s+vem)?\b"
    r"|\bfds\b"
)
_START_NEXT_WEEK = re.compile(
    r"\b(?:inicio|comeco|comecinho)\s+da\s+(?:semana\s+que\s+vem|proxima\s+semana)\b"
)
_END_NEXT_WEEK = re.compile(r"\b(?:fim|final)\s+da\s+(?:semana\s+que\s+vem|proxima\s+semana)\b")
_NEXT_WEEK = re.compile(r"\b(?:semana\s+que\s+vem|proxima\s+semana|semana\s+seguinte)\b")
_THIS_WEEK = re.compile(r"\b(?:ess|est|ness|nest)a\s+semana\b")
_NEXT_MONTH = re.compile(r"\b(?:mes\s+que\s+vem|proximo\s+mes)\b")

_MINW = "|".join(sorted(MINUTE_WORDS, key=len, reverse=True))
_HW = "|".join(sorted(HOUR_WORDS, key=len, reverse=True))
_NOON = re.compile(r"\bmeio[\s-]?dia(?:\s+e\s+(" + _MINW + r"|\d{2}))?\b")
_CLOCK = re.compile(
    r"\b(\d{1,2})\s*(?::\s*(\d{2})\s*(?:h|hs|hrs?)?|(h|hs|hrs?|horas?)(?:\s*(\d{2}))?"
    r"(?:\s+e\s+(" + _MINW + r"))?)(?:\s*min)?\b"
)
_MARKER = (
    r"para\s+as|pra\s+as|pras|pelas|umas|por\s+volta\s+das?|perto\s+das?|depois\s+das?|"
    r"antes\s+das?|ate\s+as|a\s+partir\s+das?|entre|das|as|a"
)
_WEAK_MARKERS = frozenset({"as", "a", "das", "umas"})
# "levo as duas", "são as 2": the plural article, not "às"
_NOT_BEFORE_WEAK = re.compile(
    r"\b(?:levar|levo|levaria|trazer|trago|trouxe|buscar|busco|pegar|pego|banhar|tosar|"
    r"vacinar|deixar|deixo|cuidar|tenho|sao|todas|com|ambas|mandar|mando|castrar|"
    r"uma|qual|quais)\s+$"
)
_STREET = re.compile(r"\b(?:rua|r|av|avenida|praca|travessa|alameda|rodovia|estrada)\.?\s+$")
_SPOKEN = re.compile(
    r"\b(?:(" + _MARKER + r")\s+)?(\d{1,2}|" + _HW + r")\b(\s+horas?\b)?"
    r"(?:\s+e\s+(" + _MINW + r"|\d{2})\b)?"
    r"(?:\s+(?:da|de)\s+(manha|tarde|noite)\b)?"
)
_MARKED = re.compile(r"\b(?:" + _MARKER + r")\s+$")
_HOW_LONG_AFTER = re.compile(r"\s+(?:de\s+(?!manha|tarde|noite)\w+|seguid\w*|direto\w*)")
_PERIOD_AFTER = re.compile(r"\s*(?:da|de|a)\s+(manha|tarde|noite)\b")
_DURATION_BEFORE = re.compile(
    r"\b(?:demora|demoram|leva|levam|dura|duram|durante|por|em|ha|faz|mais\s+de|menos\s+de|"
    r"cerca\s+de)\s+(?:umas?\s+|uns\s+|quase\s+|mais\s+ou\s+menos\s+)?$"
)
# What may follow a bare "às 10" for it to be an hour and not "as 2 cadelas".
_AFTER_BARE_HOUR = re.compile(
    r"\s*(?:$|[^\w\s]|\d|(?:e|ou|da|de|do|dia|no|na|nesse|nessa|hoje|amanha|depois|pode|por|"
    r"ta|to|ok|entao|certo|mesmo|blz|beleza|ai|la|que|com|pra|para|se|seria|sera|fica|tem|"
    r"consegue|mais|ate|tambem|sim|nao|certinho|em\s+ponto|horario|as|pelas|a|"
    + "|".join(WEEKDAYS)
    + r"|manha|tarde|noite)\b)"
)
_PERIOD = re.compile(r"\b(" + "|".join(_PERIOD_WORDS) + r")\b")
_PERIOD_PHRASES = (
    (re.compile(r"\b(?:depois|apos)\s+d?o\s+almoco\b|\b(?:fim|final)\s+do\s+dia\b"), "tarde"),
    (re.compile(r"\bantes\s+do\s+almoco\b|\bcedinho\b|(?<!mais\s)(?<!bem\s)\bcedo\b"), "manha"),
)


@dataclass(frozen=True, slots=True)
class When:
    day: date | None = None
    at: time | None = None
    period: str | None = None  # manha | tarde | noite
    earliest: date | None = None  # a span ("semana que vem"): first day it allows
    latest: date | None = None  # ... and the last

    @property
    def empty(self) -> bool:
        return (
            self.day is None
            and self.at is None
            and self.period is None
            and self.earliest is None
            and self.latest is None
        )


Span = tuple[int, int]
Found = tuple[date, Span, bool] | None  # the day, where it was, whether it was a weekday


@dataclass(slots=True)
class _Parts:
    """What one stretch of a message says, before 'now' is applied."""

    day: date | None
    by_weekday: bool
    at: time | None
    period: str | None
    earliest: date | None
    latest: date | None
    next_week: bool


def _segments(folded: str) -> list[str]:
    """The message cut at each correction ('às 10h, não, às 11h', 'sexta, quer dizer,
    sábado'); a marker at the very start corrects an earlier message, not this one."""
    parts: list[str] = []
    start = 0
    for m in _CORRECTION.finditer(folded):
        if not folded[start : m.start()].strip(" ,.;:!?-"):
            continue
        parts.append(folded[start : m.start()])
        start = m.end()
    parts.append(folded[start:])
    return parts


def _read(text: str, today: date, next_week_before: bool) -> _Parts:
    earliest, latest, next_week, text = _extract_span(text, today)
    if earliest is None:
        next_week = next_week_before
    day, by_weekday, rest = _extract_day(text, today, next_week)
    at, period, rest = _extract_time(rest)
    if period is None:
        period = _period(rest)
    return _Parts(day, by_weekday, at, period, earliest, latest, next_week)


def extract_when(text: str, today: date | datetime) -> When:
    """Find a day (or a span of days), a time of day and a period in free text; each may
    be missing. ``today`` may be a local datetime, which lets a weekday whose time has
    already passed today mean next week. A correction inside the message ('às 10h, não,
    às 11h', 'sexta, quer dizer, sábado') takes the later value: a day said after it
    replaces the day, a time or period replaces the time and period."""
    now = today if isinstance(today, datetime) else None
    base = today.date() if isinstance(today, datetime) else today
    parts: _Parts | None = None
    for segment in _segments(_normalize(text)):
        later = _read(segment, base, parts.next_week if parts else False)
        if parts is None:
            parts = later
            continue
        if later.day is not None or later.earliest is not None:
            parts.day, parts.by_weekday = later.day, later.by_weekday
            parts.earliest, parts.latest = later.earliest, later.latest
            parts.next_week = later.next_week
        if later.at is not None or later.period is not None:
            parts.at, parts.period = later.at, later.period
    assert parts is not None
    day, by_weekday, at, period = parts.day, parts.by_weekday, parts.at, parts.period
    earliest, latest = parts.earliest, parts.latest
    if at is not None and period in ("tarde", "noite") and at.hour < 12:
        at = time(at.hour + 12, at.minute)
    if now is not None and by_weekday and day == base:
        passed = at if at is not None else _PERIOD_ENDS.get(period or "")
        if passed is not None and passed <= now.time():
            day = base + timedelta(days=7)
    if day is not None:
        earliest = latest = None
    return When(day, at, period, earliest, latest)


def _period(text: str) -> str | None:
    m = _PERIOD.search(text)
    if m:
        return _PERIOD_WORDS[m.group(1)]
    for pattern, period in _PERIOD_PHRASES:
        if pattern.search(text):
            return period
    return None


def _normalize(text: str) -> str:
    text = re.sub(r"(?i)(?<!\w)[àá]s(?=\s)", "pelas", text)  # "às" with its accent is a time
    folded = fold_chat(text)
    folded = _GREETING.sub(" ", folded)
    folded = re.sub(r"\bprox\b\.?", "proxima", folded)
    folded = _DAY_ABBREV.sub(lambda m: _DAY_ABBREV_FULL[m.group(1)], folded)
    folded = _DAY_ABBREV_CONTEXT.sub(
        lambda m: (
            (m.group(1) + " " if m.group(1) else "")
            + _DAY_ABBREV_FULL[m.group(2) or m.group(3) or m.group(4)]
        ),
        folded,
    )
    return re.sub(r"[a-z]+", _fix_typo, folded)


def _fix_typo(m: re.Match[str]) -> str:
    word = m.group(0)
    if word in _NOT_TYPOS or word in WEEKDAYS or word in MONTHS or len(word) < 5:
        return word
    stem = word[:-1] if word.endswith("s") and word[:-1] in WEEKDAYS else word
    fixed = closest(stem, WEEKDAYS, cutoff=_WEEKDAY_CUTOFF)
    if fixed is not None and fixed[0] == word[0]:
        return fixed
    before = m.string[: m.start()]
    if re.search(r"\b\d{1,2}\s+de\s+$", before):
        month = closest(word, MONTHS, cutoff=_MONTH_CUTOFF)
        if month is not None and month[0] == word[0]:
            return month
    return word


def _cut(text: str, span: Span) -> str:
    return text[: span[0]] + " " + text[span[1] :]


def _monday_after(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _extract_span(text: str, today: date) -> tuple[date | None, date | None, bool, str]:
    """A span of days, and the text without it; the flag is 'next week' (so a weekday
    named with it falls in next week)."""
    m = _WEEKEND.search(text)
    if m:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            saturday = today + timedelta(days=6)
        elif today.weekday() == 5:
            saturday = today
        sunday = saturday + timedelta(days=1)
        return saturday, sunday, False, _cut(text, m.span())
    monday = _monday_after(today)
    m = _START_NEXT_WEEK.search(text)
    if m:
        return monday, monday + timedelta(days=2), True, _cut(text, m.span())
    m = _END_NEXT_WEEK.search(text)
    if m:
        return monday + timedelta(days=3), monday + timedelta(days=6), True, _cut(text, m.span())
    m = _NEXT_WEEK.search(text)
    if m:
        return monday, monday + timedelta(days=6), True, _cut(text, m.span())
    m = _THIS_WEEK.search(text)
    if m:
        return today, today + timedelta(days=6 - today.weekday()), False, _cut(text, m.span())
    m = _NEXT_MONTH.search(text)
    if m:
        first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - timedelta(days=1), False, _cut(text, m.span())
    return None, None, False, text


def _extract_day(text: str, today: date, next_week: bool) -> tuple[date | None, bool, str]:
    """The first recognisable day, whether it was a weekday, and the text with it removed
    (so '25/11' is no time). In 'de terça pra quarta' the day wanted is the one after 'pra'."""
    impossible = _impossible_dates(text)
    if impossible:  # "dia 31/04", "13/13": no day at all, and no time read from it
        for span in reversed(impossible):
            text = _cut(text, span)
        return None, False, text
    found = _first_day(text, today, next_week)
    if found is None:
        return None, False, text
    day, (start, end), by_weekday = found
    rest = text[:start] + " " + text[end:]
    move = re.match(r"\s*(pra|para|p/)\s", text[end:])
    if move:
        tail = text[end + move.end() :]
        target = _first_day(tail, today, next_week)
        if target is not None:
            t_start, t_end = target[1]
            return target[0], target[2], text[:start] + " " + tail[:t_start] + " " + tail[t_end:]
    return day, by_weekday, rest


# Days named by their holiday: the next one on the calendar ("abrem no natal?")
_NAMED_DAYS = (
    (re.compile(r"\bvespera\s+d[eo]\s+(?:ano\s+novo|reveillon)\b|\breveillon\b"), 12, 31),
    (re.compile(r"\bvespera\s+d[eo]\s+natal\b|\bnoite\s+de\s+natal\b"), 12, 24),
    (re.compile(r"\bnatal\b"), 12, 25),
    (re.compile(r"\b(?:ano\s+novo|primeiro\s+do\s+ano|virada\s+do\s+ano)\b"), 1, 1),
    (re.compile(r"\bdia\s+das\s+criancas\b"), 10, 12),
    (re.compile(r"\bfinados\b"), 11, 2),
    (re.compile(r"\btiradentes\b"), 4, 21),
    (re.compile(r"\bdia\s+do\s+trabalh\w*\b"), 5, 1),
)


def _holiday_named(text: str, today: date) -> Found:
    """'abrem no natal?': that day. Not 'cheiroso pro natal' or 'antes do natal', which
    say why or by when, not the day."""
    for pattern, month, day in _NAMED_DAYS:
        m = pattern.search(text)
        if m and _FOR_THE_DAY.search(text[: m.start()]):
            continue
        if m:
            found = date(today.year, month, day)
            if found < today:
                found = date(today.year + 1, month, day)
            return found, m.span(), False
    return None


_FOR_THE_DAY = re.compile(r"\b(?:pro|pra|para o|antes do|depois do|ate o|ate a)\s+$")


def _first_day(text: str, today: date, next_week: bool) -> Found:
    found = (
        _written_date(text, today)
        or _numeric_date(text, today)
        or _relative_day(text, today)
        or _holiday_named(text, today)  # "e no ano novo, dia 1?": the holiday's own day
        or _day_of_month(text, today)  # "segunda dia 14": the 14th names the day exactly
        or _weekday(text, today, next_week)
    )
    return found


def _numeric_date(text: str, today: date) -> Found:
    for m in _NUMERIC_DATE.finditer(text):
        day, month = int(m.group(1)), int(m.group(2))
        year = _year(m.group(3), today)
        found = _safe_date(year, month, day, today, explicit_year=m.group(3) is not None)
        if found:
            return found, m.span(), False
    return None


def _impossible_dates(text: str) -> list[Span]:
    """Where ``text`` writes a day/month with a slash that no calendar has ('31/04',
    '13/13')."""
    spans = []
    for m in _NUMERIC_DATE.finditer(text):
        if "/" not in m.group(0):
            continue
        year = _year(m.group(3), date(2000, 1, 1))  # no year: 2000, a leap one
        try:
            date(year, int(m.group(2)), int(m.group(1)))
        except ValueError:
            spans.append(m.span())
    return spans


def _written_date(text: str, today: date) -> Found:
    m = _WRITTEN_DATE.search(text)
    if not m or _STREET.search(text[: m.start()]):
        return None  # "Rua 25 de Março" is an address
    year = _year(m.group(3), today)
    found = _safe_date(
        year, MONTHS[m.group(2)], int(m.group(1)), today, explicit_year=m.group(3) is not None
    )
    return (found, m.span(), False) if found else None


_IN_DAYS = re.compile(r"\b(?:daqui|em)\s+(?:a\s+)?(\d{1,2}|dois|tres|quatro|cinco)\s+dias\b")
_DAY_WORDS = {"dois": 2, "tres": 3, "quatro": 4, "cinco": 5}


def _relative_day(text: str, today: date) -> Found:
    ahead = _IN_DAYS.search(text)
    if ahead:  # "daqui 2 dias", "em 3 dias"
        raw = ahead.group(1)
        days = int(raw) if raw.isdigit() else _DAY_WORDS[raw]
        return today + timedelta(days=days), ahead.span(), False
    for pattern, offset in (
        (r"\bdepois\s+d[eo]?\s*amanha\b", 2),
        (r"\bamanha\b", 1),
        (r"\bhoje\b", 0),
    ):
        m = re.search(pattern, text)
        if m:
            return today + timedelta(days=offset), m.span(), False
    return None


# A weekday said to be ruled out: "qualquer dia menos segunda", "segunda não vou conseguir"
_RULED_OUT_BEFORE = re.compile(
    r"\b(?:menos|exceto|fora|sem ser|nem|nao (?:pode ser|da|consigo|posso|vou poder))"
    r"\s+(?:(?:na|no|a|o|de)\s+)?(?:\w+\s+(?:e|ou|nem)\s+(?:(?:na|no|a|o)\s+)?)?$"
)
_RULED_OUT_AFTER = re.compile(
    r"^\s*,?\s*(?:nao|n)\s+(?:vou|vai|da|posso|consigo|rola|podemos|poderei|tenho como)\b"
    r"(?!.{0,30}\b(?:manha|tarde|noite|cedo|horario|vaga|ser (?:de|a|as))\b)"
)


# "a de quarta não vou conseguir": the day names the booking, which the caller looks up
_BOOKING_OF_DAY = re.compile(r"\b(?:o|a|os|as) d[aeo]s?\s+$")


def _ruled_out(text: str, found: re.Match[str]) -> bool:
    return bool(_RULED_OUT_BEFORE.search(text[: found.start()])) or bool(
        _RULED_OUT_AFTER.match(text[found.end() :])
        and not _BOOKING_OF_DAY.search(text[: found.start()])
    )


def ruled_out_weekdays(text: str) -> list[int]:
    """The weekdays (0 = Monday) ``text`` rules out: 'qualquer dia menos segunda' → [0],
    so no day offered afterwards falls on one."""
    folded = _normalize(text)
    return [WEEKDAYS[m.group(2)] for m in _WEEKDAY.finditer(folded) if _ruled_out(folded, m)]


def _weekday(text: str, today: date, next_week: bool) -> Found:
    m = next((found for found in _WEEKDAY.finditer(text) if not _ruled_out(text, found)), None)
    if not m:
        return None
    target = WEEKDAYS[m.group(2)]
    if next_week or (m.group(3) and "semana" in m.group(3)):
        return _monday_after(today) + timedelta(days=target), m.span(), True
    ahead = (target - today.weekday()) % 7
    if (m.group(1) and m.group(1).startswith("proxim")) or m.group(3):
        ahead = ahead or 7
    return today + timedelta(days=ahead), m.span(), True


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
            return candidate, m.span(), False
    return None


def _year(raw: str | None, today: date) -> int:
    if raw is None:
        return today.year
    year = int(raw)
    return year + 2000 if year < 100 else year


def _safe_date(year: int, month: int, day: int, today: date, explicit_year: bool) -> date | None:
    """The date meant. Without a year: the first one from ``_RECENT_PAST`` before today
    on (so '20/11' said on 22/11 is that gone day, '01/01' is next year's)."""
    if explicit_year:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for candidate_year in (year - 1, year, year + 1):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today - _RECENT_PAST:
            return candidate
    return None


def _minutes(raw: str | None) -> int:
    if raw is None:
        return 0
    return int(raw) if raw.isdigit() else MINUTE_WORDS[re.sub(r"\s+", " ", raw)]


def _hour(raw: str) -> int:
    return int(raw) if raw.isdigit() else HOUR_WORDS[raw]


def _shop_hour(hour: int, period: str | None) -> int:
    """'às 3' at a shop is 15:00; 'às 8' is 08:00 unless the period says otherwise."""
    if period is None and 1 <= hour <= 6:
        return hour + 12
    return hour


def _extract_time(text: str) -> tuple[time | None, str | None, str]:
    """A time of day, the period said with it ('3 da tarde'), and the text without both."""
    m = _NOON.search(text)
    if m:
        return _make_time(12, _minutes(m.group(1))), None, _cut(text, m.span())
    for m in _CLOCK.finditer(text):
        if _DURATION_BEFORE.search(text[: m.start()]):
            continue
        hour, unit = int(m.group(1)), m.group(3) or ""
        after = _PERIOD_AFTER.match(text, m.end())
        if (
            unit.startswith("hora")
            and hour <= 6
            and not after
            and not _MARKED.search(text[: m.start()])
        ):
            continue  # "1 hora?" is how long, not when
        minute = int(m.group(2) or m.group(4) or 0)
        if m.group(5):
            minute = _minutes(m.group(5))
        period = after.group(1) if after else None
        end = after.end() if after else m.end()
        at = _make_time(_shop_hour(hour, period), minute)
        if at is not None:
            return at, period, _cut(text, (m.start(), end))
    for m in _SPOKEN.finditer(text):
        marker, raw_hour, hours_word, raw_minute, period = m.groups()
        alone = hours_word and not (marker or raw_minute or period)
        if alone and (_hour(raw_hour) <= 6 or _HOW_LONG_AFTER.match(text, m.end())):
            continue  # "duas horas", "dez horas de viagem": how long; "nove horas": when
        if not (marker or raw_minute or period or hours_word):
            continue
        bare = raw_minute is None and period is None and not hours_word
        if bare and not _AFTER_BARE_HOUR.match(text, m.end()):
            continue
        if _DURATION_BEFORE.search(text[: m.start()]):
            continue
        if marker is None and raw_hour.isdigit() and re.search(r"[$]\s*$", text[: m.start()]):
            continue
        if marker == "entre":
            raw_minute = None  # "entre 10 e 11": from 10
        if marker in _WEAK_MARKERS and _NOT_BEFORE_WEAK.search(text[: m.start()]):
            continue
        if marker and not raw_minute and not period:
            after = _PERIOD_AFTER.match(text, m.end())
            if after:
                period = after.group(1)
        at = _make_time(_shop_hour(_hour(raw_hour), period), _minutes(raw_minute))
        if at is not None:
            return at, period, _cut(text, m.span())
    return None, None, text


def _make_time(hour: int, minute: int) -> time | None:
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return time(hour, minute)
    return None
