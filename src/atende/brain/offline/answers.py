"""Answers to information questions — prices, services, opening hours — every one a
burst asks, in order, in one message ("quanto custa o banho? e a tosa? abrem domingo?")."""

from __future__ import annotations

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.reading import Part
from atende.brain.dialogue.when import extract_when
from atende.domain.entities import ServiceInfo


def answer(ctx: DialogueContext, parts: list[Part]) -> str:
    """One message answering every part; services asked about together share a list."""
    lines: list[str] = []
    priced: list[ServiceInfo] = []
    for part in parts:
        if part.intent in ("prices", "services") and part.service is not None:
            if part.service not in priced:
                priced.append(part.service)
            continue
        if priced:
            lines.append(_prices(priced, parts))
            priced = []
        lines.append(_one(ctx, part))
    if priced:
        lines.append(_prices(priced, parts))
    unique = list(dict.fromkeys(line for line in lines if line))
    return "\n".join(unique)


def _prices(services: list[ServiceInfo], parts: list[Part]) -> str:
    does = any(p.intent == "services" for p in parts) and not any(
        p.intent == "prices" for p in parts
    )
    return words.prices(services, does=does)


def _one(ctx: DialogueContext, part: Part) -> str:
    if part.intent == "hours":
        return _hours(ctx, part.text)
    return words.service_list(ctx.services)


def _hours(ctx: DialogueContext, text: str) -> str:
    """'abrem domingo?' answers for Sunday; 'que horas abre?' gives the whole week."""
    day = extract_when(text, ctx.today).day
    if day is None:
        return words.hours(say.opening_hours_text(ctx.hours))
    spans = [h for h in ctx.hours if h.weekday == day.weekday()]
    label = say.day_label(day, ctx.today)
    if not spans:
        return words.closed_on(label, say.opening_hours_text(ctx.hours))
    opened = " e ".join(f"das {say.hhmm(h.opens)} às {say.hhmm(h.closes)}" for h in spans)
    return words.open_on(label, opened)
