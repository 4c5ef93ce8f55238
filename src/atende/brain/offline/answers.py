"""Answers to information questions — prices, services, opening hours — every one a
burst asks, in order, in one message ("quanto custa o banho? e a tosa? abrem domingo?")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import find_service
from atende.brain.dialogue.pets import pets_meant
from atende.brain.dialogue.reading import Part
from atende.brain.dialogue.when import extract_when
from atende.brain.offline import sizing
from atende.domain.entities import ServiceInfo
from atende.domain.pricing import by_size, quote, varies
from atende.domain.sizes import Coat, Size
from atende.domain.text import fold
from atende.storage import catalog
from atende.storage.models import Pet


def answer(
    ctx: DialogueContext,
    parts: list[Part],
    address: bool = False,
    extra: Sequence[str] = (),
    booking: bool = False,
    pet: Pet | None = None,
    topic: ServiceInfo | None = None,
) -> str:
    """One message answering every part; services asked about together share a list.
    ``extra`` are answers found elsewhere (the documents); ``booking``: the customer is
    already booking, so no invitation to book; ``pet``: the one being booked, whose size
    prices it (else the pet a question names; none named: "a partir de", size by size).
    A price or duration question naming no service is about the one named last — earlier
    in the burst, else ``topic`` ("quanto demora a tosa? e quanto custa pra porte médio?")."""
    lines: list[str] = []
    priced: list[ServiceInfo] = []
    ctx_day: date | None = None  # the day the hours question before this one asked about
    for part in _about_last_named(ctx, parts, topic):
        named = _services_in(ctx, part)
        own_size = part.intent == "prices" and sizing.said_of_pet(part.text) != (None, None)
        if named and own_size:  # "pra pequeno? e pra gigante de pelo longo?": each its own
            if priced:
                lines.append(_prices(ctx, priced, parts, pet))
                priced = []
            lines.append(_prices(ctx, named, [part], pet, said=part.text))
            continue
        if part.intent in ("prices", "services") and named:
            priced.extend(s for s in named if s not in priced)
            continue
        if priced:
            lines.append(_prices(ctx, priced, parts, pet))
            priced = []
        if part.intent == "hours":
            ctx_day = _day_asked(ctx, part.text, ctx_day)
            lines.append(_hours(ctx, part.text, ctx_day))
            continue
        lines.append(_one(ctx, part, pet))
    if priced:
        lines.append(_prices(ctx, priced, parts, pet))
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


def _about_last_named(
    ctx: DialogueContext, parts: list[Part], topic: ServiceInfo | None
) -> list[Part]:
    out = []
    last = topic
    for part in parts:
        if part.service is not None:
            last = part.service
        elif part.intent in ("prices", "duration") and last is not None:
            part = part if _names_another_thing(ctx, part.text) else replace(part, service=last)
        out.append(part)
    return out


# "quanto fica o táxi dog?" asks about a thing of its own; "e pro porte médio?" does not
_THING = re.compile(r"\b(?:o|a|os|as|do|da|dos|das|no|na)\s+([a-z]{3,})")
_NOT_A_THING = frozenset(
    {"porte", "pelo", "pelagem", "meu", "minha", "dele", "dela", "mesmo", "valor", "preco"}
)


def _names_another_thing(ctx: DialogueContext, text: str) -> bool:
    """'e o táxi dog?', 'e pra buscar em casa?', 'e com hidratação?' ask about something
    of their own; 'e pro porte médio?' or 'e pro Rex?' about the service just named."""
    pets = {fold(p.name) for p in ctx.pets}
    folded = fold(text)
    words_named = set(_THING.findall(folded)) - _NOT_A_THING - pets
    return bool(words_named) or bool(_DOING.search(folded))


# "pra buscar", "pra pagar em 3x", "com hidratação": an errand or an extra, not a size
_DOING = re.compile(r"\b(?:pra|para)\s+[a-z]+(?:ar|er|ir)\b|\bcom\s+(?!o\b|a\b)[a-z]{4,}")


def _services_in(ctx: DialogueContext, part: Part) -> list[ServiceInfo]:
    """'a vacina e a consulta' names two services; 'banho e tosa' is one."""
    if part.service is None:
        return []
    found = [part.service]
    combo = fold(part.service.name) if " e " in part.service.name else None
    for chunk in re.split(r"\s+e\s+|,|/", part.text):
        service = find_service(chunk, ctx.services)
        if service is None or service in found or part.service.name in chunk:
            continue
        if combo is not None and combo in fold(part.text) and fold(service.name) in combo:
            continue  # "banho e tosa num shih tzu": the combo, not its parts again
        found.append(service)
    return found


def _prices(
    ctx: DialogueContext,
    services: list[ServiceInfo],
    parts: list[Part],
    pet: Pet | None,
    said: str | None = None,
) -> str:
    """The prices of ``services``, for the size and coat said (in ``said``, else anywhere
    in the burst), else for the pet's, else from the lowest with the price per size."""
    does = any(p.intent == "services" for p in parts) and not any(
        p.intent == "prices" for p in parts
    )
    if pet is None:  # "quanto fica o banho do Thor?"
        named = {p.id: p for part in parts for p in pets_meant(part.text, ctx.pets)}
        pet = next(iter(named.values())) if len(named) == 1 else None
    burst = " ".join(m.text for m in ctx.turn.burst)
    size, coat = sizing.said_of_pet(said or burst)
    if said is not None and (size is None or coat is None):  # "num golden?" + "bem peludo"
        other_size, other_coat = sizing.said_of_pet(burst)
        size, coat = size or other_size, coat or other_coat
    if size is not None or coat is not None:  # "ele é grande e tem pelo longo"
        return words.prices([_said(ctx, s, pet, size, coat) for s in services], does=does)
    return words.prices([quoted(ctx, s, pet) for s in services], does=does)


def _said(
    ctx: DialogueContext,
    service: ServiceInfo,
    pet: Pet | None,
    size: Size | None,
    coat: Coat | None,
) -> words.Priced:
    """The price for the size and coat the customer just said (over what is stored);
    said of a pet we know, it is kept on the pet, so the booking that follows pays it."""
    stored_size, stored_coat = catalog.measure(pet)
    size, coat = size or stored_size, coat or stored_coat
    if pet is not None and (size, coat) != (stored_size, stored_coat):
        catalog.set_size(ctx.session, ctx.turn.org.id, pet.id, size, coat)
    if size is None or not varies(service):
        return quoted(ctx, service, pet)
    return words.Priced(service, quote(service, size, coat), pet.name if pet else None, size)


def quoted(ctx: DialogueContext, service: ServiceInfo, pet: Pet | None = None) -> words.Priced:
    """``service``'s price for ``pet`` (its size stored or read from its breed); while the
    size is unknown and the price depends on it, 'a partir de' and the price per size."""
    quote = ctx.quote(service, pet)
    if pet is None or not varies(service):
        return words.Priced(service, quote, by_size=by_size(service))
    size, _ = catalog.measure(pet)
    return words.Priced(service, quote, pet.name, size, by_size(service))


def _one(ctx: DialogueContext, part: Part, pet: Pet | None = None) -> str:
    if part.intent == "hours":
        return _hours(ctx, part.text)
    if part.intent == "duration" and part.service is not None:
        return words.takes(part.service, say.duration(ctx.minutes(part.service, pet)))
    return words.service_list(ctx.services)


_EVE = re.compile(r"\bvespera\b(?!\s+d[eo]\s)")
_NOW = re.compile(r"\b(agora|neste momento|nesse momento|agorinha)\b")
_TODAY_IS = re.compile(r"\b(que|qual) dia (e|eh) hoje\b")


def _day_asked(ctx: DialogueContext, text: str, before: date | None) -> date | None:
    """The day an hours question asks about; 'e na véspera?' is the day before the one
    just asked about; 'abertos agora?' is today."""
    folded = fold(text)
    if before is not None and _EVE.search(folded):
        return before - timedelta(days=1)
    said = extract_when(text, ctx.today).day  # "abrem agora no sábado?": that Saturday
    if said is None and (_NOW.search(folded) or _TODAY_IS.search(folded)):
        return ctx.today
    return said


def _hours(ctx: DialogueContext, text: str, asked: date | None = None) -> str:
    """'abrem domingo?' answers for Sunday; 'que horas abre?' gives the whole week; a date
    is the calendar's ('dia 25/12 é Natal e a loja fecha'), special days and holidays too;
    'que dia é hoje?' and 'abertos agora?' say today's date and whether it is open now."""
    day = asked if asked is not None else extract_when(text, ctx.today).day
    week = say.opening_hours_text(ctx.hours)
    folded = fold(text)
    if _TODAY_IS.search(folded):
        return words.today_is(say.WEEKDAY_NAMES[ctx.today.weekday()], f"{ctx.today:%d/%m}")
    if _NOW.search(folded) and day == ctx.today:
        plan = ctx.day(day)
        now = ctx.now.time()
        spans = plan.spans if plan.closed is None else []
        closes = next((c for o, c in spans if o <= now < c), None)
        return words.open_now(say.hhmm(closes)) if closes else words.closed_now(week)
    if day is None and _HOLIDAY.search(fold(text)):
        return _next_holiday(ctx, week)
    if day is None:
        return words.hours(week)
    plan = ctx.day(day)
    label = say.day_label(day, ctx.today)
    if plan.closed == "holiday" and plan.holiday:
        return words.holiday_closed(day, plan.holiday, week)
    if plan.closed == "closure":
        return words.closure_on(label, week)
    if plan.closed is not None or not plan.spans:
        return words.closed_on(label, week)
    opened = " e ".join(f"das {say.hhmm(o)} às {say.hhmm(c)}" for o, c in plan.spans)
    if plan.holiday:
        return words.holiday_open(label, plan.holiday, opened)
    return words.open_on(label, opened)


_HOLIDAY = re.compile(r"\bferiados?\b")
HOLIDAYS_AHEAD = 120  # days looked at for "abrem no feriado?"


def _next_holiday(ctx: DialogueContext, week: str) -> str:
    """'vcs abrem feriado?': the next holiday on the shop's calendar and whether it opens."""
    for offset in range(HOLIDAYS_AHEAD):
        day = ctx.today + timedelta(days=offset)
        plan = ctx.day(day)
        if not plan.holiday:
            continue
        label = say.day_label(day, ctx.today)
        if plan.closed is not None or not plan.spans:
            return words.holiday_closed(day, plan.holiday, week)
        opened = " e ".join(f"das {say.hhmm(o)} às {say.hhmm(c)}" for o, c in plan.spans)
        return words.holiday_open(label, plan.holiday, opened)
    return words.hours(week)
