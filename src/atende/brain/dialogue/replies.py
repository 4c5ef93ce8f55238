"""How the assistant writes in Brazilian Portuguese: warm, short, WhatsApp-style."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal

from atende.domain.entities import OpeningInterval, ServiceInfo
from atende.domain.pricing import price_range

WEEKDAY_NAMES = ["segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"]


def money(value: Decimal) -> str:
    whole, cents = f"{value:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"R$ {grouped},{cents}"


def joined(items: list[str]) -> str:
    """'Rex', 'Rex e Mel', 'Rex, Mel e Bidu'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} e {items[-1]}"


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest:02d}"
    return f"{hours}h" if hours else f"{rest} min"


def hhmm(value: time | datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def day_label(day: date, today: date) -> str:
    """'hoje (22/11)', 'amanhã (23/11)', 'na terça (25/11)', 'no sábado (28/11)'."""
    stamp = f"{day.day:02d}/{day.month:02d}"
    if day == today:
        return f"hoje ({stamp})"
    if (day - today).days == 1:
        return f"amanhã ({stamp})"
    article = "no" if day.weekday() >= 5 else "na"
    return f"{article} {WEEKDAY_NAMES[day.weekday()]} ({stamp})"


def bare_day(label: str) -> str:
    """A day label without its preposition: 'quinta (03/12)', 'amanhã (02/12)'."""
    return label[3:] if label.startswith(("na ", "no ")) else label


def of_day(label: str) -> str:
    """A day label after a noun: 'o banho de amanhã (02/12)', 'da terça', 'do sábado'."""
    if label.startswith("na "):
        return "da " + label[3:]
    if label.startswith("no "):
        return "do " + label[3:]
    return "de " + label


def service_lines(services: Sequence[ServiceInfo]) -> str:
    """One line per service; a price that depends on the pet's size is 'a partir de' the
    lowest."""
    return "\n".join(
        f"• {s.name}: {_from_price(s)} ({duration(s.duration_minutes)})" for s in services
    )


def _from_price(service: ServiceInfo) -> str:
    low, high = price_range(service)
    return f"a partir de {money(low)}" if low != high else money(low)


def opening_hours_text(hours: Sequence[OpeningInterval]) -> str:
    """'segunda a sexta, das 08:00 às 18:00; sábado, das 08:00 às 12:00'."""
    by_day: dict[int, str] = {}
    for h in hours:
        span = f"das {hhmm(h.opens)} às {hhmm(h.closes)}"
        by_day[h.weekday] = f"{by_day[h.weekday]} e {span}" if h.weekday in by_day else span
    groups: list[tuple[int, int, str]] = []
    for day in sorted(by_day):
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == by_day[day]:
            groups[-1] = (groups[-1][0], day, by_day[day])
        else:
            groups.append((day, day, by_day[day]))
    parts = []
    for first, last, span in groups:
        days = (
            WEEKDAY_NAMES[first]
            if first == last
            else f"{WEEKDAY_NAMES[first]} a {WEEKDAY_NAMES[last]}"
        )
        parts.append(f"{days}, {span}")
    return "; ".join(parts) if parts else "horário ainda não cadastrado"


def hello(full_name: str | None) -> str:
    """'Oi, Ana!' by first name when WhatsApp told us the name, else 'Oi!'."""
    first = (full_name or "").split(" ")[0]
    return f"Oi, {first}!" if first else "Oi!"


WHATSAPP_MAX_CHARS = 4096


def whatsapp_text(text: str) -> str:
    """A model's Markdown as WhatsApp shows it: **bold** → *bold*, headings → bold lines,
    within WhatsApp's length limit."""
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    text = re.sub(r"^#{1,6}\s+(.+)$", r"*\1*", text, flags=re.M)
    if len(text) > WHATSAPP_MAX_CHARS:
        text = text[: WHATSAPP_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text.strip()
