"""Answers to information questions — prices, services, opening hours — every one a
burst asks, in order, in one message ("quanto custa o banho? e a tosa? abrem domingo?")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import find_service
from atende.brain.dialogue.reading import Part
from atende.brain.dialogue.when import extract_when
from atende.domain.entities import ServiceInfo


def answer(
    ctx: DialogueContext,
    parts: list[Part],
    address: bool = False,
    extra: Sequence[str] = (),
    booking: bool = False,
) -> str:
    """One message answering every part; services asked about together share a list.
    ``extra`` are answers found elsewhere (the documents); ``booking``: the customer is
    already booking, so no invitation to book."""
    lines: list[str] = []
    priced: list[ServiceInfo] = []
    for part in parts:
        named = _services_in(ctx, part)
        if part.intent in ("prices", "services") and named:
            priced.extend(s for s in named if s not in priced)
            continue
        if priced:
            lines.append(_prices(priced, parts))
            priced = []
        lines.append(_one(ctx, part))
    if priced:
        lines.append(_prices(priced, parts))
    if address:
        where = ctx.turn.org.settings.address
        lines.append(words.address(where) if where else words.NO_ADDRESS)
    lines.extend(extra)
    invited = any(words.INVITE in line for line in lines)
    bare = [line.replace(f"\n{words.INVITE}", "").replace(f" {words.INVITE}", "") for line in lines]
    unique = list(dict.fromkeys(line for line in bare if line))
    if invited and not booking:
        unique.append(words.INVITE)
    return "\n".join(unique)


def _services_in(ctx: DialogueContext, part: Part) -> list[ServiceInfo]:
    """'a vacina e a consulta' names two services; 'banho e tosa' is one."""
    if part.service is None:
        return []
    found = [part.service]
    for chunk in re.split(r"\s+e\s+|,|/", part.text):
        service = find_service(chunk, ctx.services)
        if service is not None and service not in found and part.service.name not in chunk:
            found.append(service)
    return found


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
