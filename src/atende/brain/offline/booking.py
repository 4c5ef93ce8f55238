"""Booking (and rescheduling) as a frame: service, day, time and pet, filled from every
message — the first one included — and correctable at any step ("na verdade às 11h",
"não, é pra Mel").

Each turn the frame takes whatever the customer's words give, then the flow asks for the
first thing still missing. Nothing is written before the customer says yes; the write
re-checks the slot inside the transaction (``storage.bookings.book``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import cast, get_args

from sqlalchemy.exc import IntegrityError

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import find_service, pick_number, services_named
from atende.brain.dialogue.pets import (
    breed_in,
    breed_only,
    kept_pets,
    known_breed_in,
    listed_names,
    lowercase_names,
    name_in,
    names_in,
    pets_meant,
    species_in,
    time_after_name,
)
from atende.brain.dialogue.professionals import named_resource
from atende.brain.dialogue.reading import Reading
from atende.brain.dialogue.references import new_part_start
from atende.brain.dialogue.state import DialogueState, Frame, NewPet, Period
from atende.brain.dialogue.when import When, extract_when, ruled_out_weekdays
from atende.brain.offline import sizing, waitlist_join
from atende.brain.offline.outcome import Outcome
from atende.domain.entities import ServiceInfo
from atende.domain.text import fold
from atende.errors import NotFound, SlotTaken
from atende.storage import bookings as booking_repo
from atende.storage import catalog
from atende.storage.models import Booking

MAX_OFFERED = 10  # WhatsApp lists show at most 10 rows
DAYS_OFFERED = 5
SEARCH_DAYS = 21
MAX_BREED = 40
_BOTH = re.compile(
    r"\b(os dois|nos dois|as duas|nas duas|ambos|os 2|nos 2|todos eles|pros dois|pras duas"
    r"|para os dois|para as duas|pros 2|pras 2|dos dois|das duas)\b"
)
PERIODS = get_args(Period)


def step(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Outcome:
    """Take what the customer just wrote into the frame and say what comes next."""
    before = st.frame.model_dump()
    awaiting = st.awaiting
    queued_before = len(st.queued)
    if _take_choice(ctx, st, reading):
        reading = replace(reading, when=When(), service=None)  # "segunda opção" is no Monday
    if awaiting == "waitlist":  # "Quer entrar na lista de espera de sexta?"
        joined = waitlist_join.answer(ctx, st, reading)
        if joined is not None:
            return joined
        if reading.no and not reading.has_when:
            out = next_question(ctx, st)
            out.lead = words.NO_PROBLEM
            return out
    if awaiting == "confirm" and (retimed := _retime_queued(ctx, st, reading)) is not None:
        return retimed
    if awaiting == "confirm" and (later := _queued_named(ctx, st, reading)):
        out = next_question(ctx, st)  # "e o Tom?": his comes next, Mel's stays
        out.lead = words.comes_next(say.joined([_booking_label(ctx, f) for f in later]))
        return out
    both = reading.yes and _BOTH.search(fold(reading.text)) and not re.search(r"\d", reading.text)
    if awaiting == "confirm" and both:  # "sim, as duas": both pets, not 2 o'clock
        reading = replace(reading, when=When())
    if awaiting == "confirm":
        fill(ctx, st, reading, correcting=True)
        if st.frame.model_dump() == before:
            changing = reading.intent in ("cancel", "reschedule")  # "quero mudar o horário"
            if reading.yes and not reading.no and not changing:
                return commit(ctx, st)
            if st.flow == "reschedule" and _MOVE_YES.search(fold(reading.text)):
                return commit(ctx, st)  # "sim, pode remarcar", "pode trocar"
            repeated = bool(_NAME_IS.search(reading.text) or _BREED_IS.search(fold(reading.text)))
            if reading.no and repeated:  # "não, o nome é só Frajola" — as it already is
                return next_question(ctx, st)
            if reading.no:
                st.frame.day, st.frame.at = None, None
                out = next_question(ctx, st)
                out.lead = words.NO_PROBLEM
                return out
    elif awaiting in ("pet_name", "pet_species", "pet_breed", "pet_choice"):
        _take_pet_answer(ctx, st, reading)
        fill(ctx, st, reading)
    else:
        fill(ctx, st, reading)
    _retime_by_pet(ctx, st, reading)
    out = next_question(ctx, st)
    if awaiting == "confirm" and len(st.queued) > queued_before:  # "e coloca a Mel tbm"
        added = [_pet_label(ctx, f) for f in st.queued[: len(st.queued) - queued_before]]
        out.lead, out.progressed = words.also_for(say.joined(added)), True
        return out
    restated = bool(_NAME_IS.search(reading.text) or _BREED_IS.search(fold(reading.text)))
    out.progressed = st.frame.model_dump() != before or restated  # "a raça é persa, gente"
    changed = awaiting == "confirm" and st.frame.model_dump() != before
    if changed and st.awaiting == "confirm" and out.question is not None:
        out.question = words.reconfirm(out.question)  # "não, 10h" → "Anotado! Ficou assim…"
    frame = st.frame
    picked = reading.any_day and frame.day is not None and frame.at is not None
    if picked and before.get("at") is None and not out.lead and frame.day and frame.at:
        moment = datetime.combine(frame.day, frame.at, tzinfo=ctx.tz)
        out.lead = words.picked(f"{say.day_label(frame.day, ctx.today)} às {say.hhmm(moment)}")
    return out


_CHANGES_PET = re.compile(r"\b(tira|tirar|sem|muda|mudar|troca|trocar|em vez|cancela\w*|so)\b")


def _queued_named(ctx: DialogueContext, st: DialogueState, reading: Reading) -> list[Frame]:
    """The later bookings of this request a question at the confirmation names, when it
    names nothing else to change ('e o tom? é pros dois')."""
    if not st.queued or reading.has_when or reading.no or reading.correction:
        return []
    if reading.service is not None or _CHANGES_PET.search(fold(reading.text)):
        return []  # "tira o Tom", "pro Tom faz tosa": a change, taken by ``fill``
    said = fold(reading.text)
    current = fold(_pet_label(ctx, st.frame))
    if re.search(rf"\b{re.escape(current)}\b", said):
        return []
    return [
        f
        for f in st.queued
        if (pet := _pet_label(ctx, f)) != "seu pet"
        and re.search(rf"\b{re.escape(fold(pet))}\b", said)
    ]


def _retime_queued(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Outcome | None:
    """'o Simba pode ser às 10h tb?' while Bela's booking waits for its yes: the time of
    the later pet of the same request changes; Bela's stays as it is."""
    at = reading.when.at
    if at is None or not st.queued:
        return None
    said = fold(reading.text)
    named = [
        f
        for f in st.queued
        if (pet := _pet_label(ctx, f)) != "seu pet"
        and re.search(rf"\b{re.escape(fold(pet))}\b", said)
    ]
    current = fold(_pet_label(ctx, st.frame))
    if not named or re.search(rf"\b{re.escape(current)}\b", said):
        return None
    for later in named:
        later.at = at
        if reading.when.day is not None:
            later.day = reading.when.day
    out = next_question(ctx, st)
    moment = datetime.combine(named[0].day or ctx.today, at, tzinfo=ctx.tz)
    out.lead = words.retimed(_pet_label(ctx, named[0]), f"às {say.hhmm(moment)}")
    out.progressed = True
    return out


_MOVE_YES = re.compile(
    r"^\W*((sim|s|isso|ok|beleza|claro|pode sim)\W+)?(pode\s+)?"
    r"(remarc|troc|mud|pass|confirm)\w*(\s+(sim|sim\s+obrigad\w*|por favor|pfv))?\W*$"
)


def _take_choice(ctx: DialogueContext, st: DialogueState, reading: Reading) -> bool:
    """'2', 'o 2', 'opção 2', 'o primeiro': one of what was offered; True if taken."""
    frame = st.frame
    before = frame.model_dump()
    hour = _offered_hour(reading.text, st.offered) if st.awaiting == "time" else None
    if st.awaiting == "time" and st.offered and reading.any_day:
        frame.at = time.fromisoformat(st.offered[0])  # "pode ser qualquer um"
    elif hour is not None:
        frame.at = hour  # "10" with 10:00 on the list is ten o'clock, not the tenth row
    elif st.awaiting == "time" and (i := pick_number(reading.text, len(st.offered))) is not None:
        frame.at = time.fromisoformat(st.offered[i])
    elif (
        st.awaiting == "date" and (i := pick_number(reading.text, len(st.offered_days))) is not None
    ):
        frame.day = st.offered_days[i]
    elif (
        st.awaiting == "service" and (i := pick_number(reading.text, len(ctx.services))) is not None
    ):
        frame.service_id = ctx.services[i].id
    elif (
        st.awaiting == "pet_choice" and (i := pick_number(reading.text, len(ctx.pets))) is not None
    ):
        frame.pet_id, frame.new_pet = ctx.pets[i].id, None
    return frame.model_dump() != before


def _offered_hour(text: str, offered: list[str]) -> time | None:
    """A bare number that is also one of the offered times, as an hour."""
    found = re.fullmatch(r"\s*(?:as|às|a)?\s*(\d{1,2})\s*h?\s*", text.lower())
    if not found:
        return None
    stamp = f"{int(found.group(1)):02d}:00"
    return time.fromisoformat(stamp) if stamp in offered else None


def fill(
    ctx: DialogueContext, st: DialogueState, reading: Reading, correcting: bool = False
) -> None:
    """Everything the customer's words say about the booking goes into the frame."""
    frame = st.frame
    prior = (
        datetime.combine(frame.day, frame.at, tzinfo=ctx.tz)
        if frame.day is not None and frame.at is not None
        else None
    )
    asking_price = reading.intent == "prices" and frame.service_id is not None
    asking_aside = frame.service_id is not None and _service_only_in_questions(reading)
    # "quanto fica banho e tosa?" and "precisa levar a carteirinha de vacina?" change nothing
    changes = st.flow != "reschedule" and not asking_price and not asking_aside
    if reading.service is not None and changes:
        frame.service_id = reading.service.id
    when = reading.when
    if when.day is not None:
        frame.day = _inside_span(frame, when.day, reading.text)
        frame.earliest = frame.latest = None
        if when.at is None and not correcting:
            frame.at = None
    elif when.earliest is not None:
        frame.day, frame.at = None, None
        frame.earliest, frame.latest = when.earliest, when.latest
        frame.span_start = when.earliest
    old_one = ctx.ignore_booking if st.flow == "reschedule" else None
    moved = _moved_to(reading.text, ctx.now) if st.flow == "reschedule" else When()
    if old_one is not None and moved.earliest is not None and moved.day is None:
        frame.day, frame.at = None, None  # "o de quarta joga pra semana que vem": the span
        frame.earliest, frame.latest = moved.earliest, moved.latest
        frame.span_start = moved.earliest
    weekday_said = _WEEKDAY_ALONE.search(fold(reading.text))
    same_day = _SAME_DAY.search(fold(reading.text)) or (reading.same_time and not weekday_said)
    if old_one is not None and frame.earliest is not None and same_day:
        frame.day = _week_after(old_one.starts_at.astimezone(ctx.tz).date(), frame.earliest)
        frame.earliest = frame.latest = None  # "pra semana que vem, mesmo dia e horário"
    if moved.day is not None and moved.day != frame.day:  # "não dá quinta, passa pra sexta"
        frame.day = moved.day
    if moved.at is not None:  # "sexta 9h não vou conseguir, pode ser 16h30?"
        when = replace(when, at=moved.at)
    if when.at is not None:
        frame.at = when.at
        if frame.day is None and frame.earliest is None and st.flow == "reschedule":
            frame.day = _rescheduled_day(ctx, st)
    old = ctx.ignore_booking if st.flow == "reschedule" else None
    base = old.starts_at.astimezone(ctx.tz) if old is not None else prior
    shifted = _shifted(reading.text, base)
    weeks = _WEEKS.search(fold(reading.text)) if old is not None else None
    if weeks is not None and old is not None:  # "adia o banho uma semana": same day and time
        count = 2 if weeks.group(1) in ("duas", "2") else 1
        shifted = old.starts_at.astimezone(ctx.tz) + timedelta(days=7 * count)
        frame.earliest = frame.latest = None
    if shifted is None and old is not None:  # moving: "meia hora depois", "1h antes"
        shifted = _shifted_around(reading.text, old.starts_at.astimezone(ctx.tz))
    if shifted is not None:  # "1h mais tarde", "atrasar em meia hora"
        frame.day, frame.at = shifted.date(), shifted.time()
    if old is not None and _NEXT_DAY.search(fold(reading.text)):
        frame.day = old.starts_at.astimezone(ctx.tz).date() + timedelta(days=1)  # "dia seguinte"
        if frame.at is None and (reading.same_time or when.at is None):
            frame.at = old.starts_at.astimezone(ctx.tz).time()
    elif shifted is None and reading.same_time and when.at is None:  # "mesmo horário"
        if old is not None:
            frame.at = old.starts_at.astimezone(ctx.tz).time()
        elif frame.asked_at is not None:
            frame.at = frame.asked_at  # "domingo 10h" closed — "então segunda, mesmo horário"
    if when.at is not None and shifted is None:
        frame.asked_at = when.at
    latest = _LATEST.search(fold(reading.text))
    earliest = _EARLIEST.search(fold(reading.text))
    service_now = ctx.service(frame.service_id)
    edge = latest or earliest
    if edge and frame.day is None and old is not None:  # "joga pro fim da tarde": same day
        frame.day = old.starts_at.astimezone(ctx.tz).date()
    if edge and frame.day is not None and frame.at is None and service_now is not None:
        free = ctx.free(service_now, frame.day, frame.period, ctx.pet(frame.pet_id))
        if free:  # "sexta, o mais tarde possível", "o primeiro horário de amanhã"
            frame.at = free[-1 if latest else 0].astimezone(ctx.tz).time()
    for weekday in ruled_out_weekdays(reading.text):  # "qualquer dia menos segunda"
        if weekday not in frame.not_weekdays:
            frame.not_weekdays.append(weekday)
    if reading.any_day and frame.day is None and not reading.has_when:
        service = ctx.service(frame.service_id)
        first = (
            ctx.next_free(service, period=frame.period, not_weekdays=frame.not_weekdays)
            if service is not None
            else None
        )
        if first is not None:  # "qualquer dia", "o primeiro que tiver"
            frame.day, frame.at = first.date(), first.time()
    if when.period in PERIODS:
        frame.period = cast(Period, when.period)
    if reading.has_when and _TOGETHER.search(fold(reading.text)):
        for later in st.queued:  # "segunda às 10h, os dois juntos": the same for each
            if later.day is None and later.earliest is None:
                later.day, later.period = frame.day, frame.period
            if later.at is None and later.day == frame.day:
                later.at = frame.at
    if old is not None:
        _not_where_it_is(ctx, frame, old, reading.text)
    _fill_pet(ctx, st, reading)
    professional = named_resource(reading.text, ctx.resources)
    if professional is not None:  # "com a Ana"
        frame.resource_id = professional.id
    sizing.take(st, reading)


_LATEST = re.compile(
    r"\b(o mais tarde( possivel| que (der|tiver|puder))?|(o )?ultimo horario|no fim do dia"
    r"|(?:no|pro|pra|para o) (?:fim|final) da tarde"
    r"|no final do (dia|expediente)|mais tarde possivel)\b"
)
_EARLIEST = re.compile(
    r"\b(o mais cedo( possivel| que (der|tiver|puder))?|mais cedo possivel"
    r"|(o )?primeiro horario( (livre|disponivel|vago|que (tem|tiver)))?|o primeiro que (tem|tiver)"
    r"|logo (que|quando) abr\w*|na abertura)\b"
)
_WEEKDAY_ALONE = re.compile(r"\b(segunda|terca|quarta|quinta|sexta|sabado|domingo)\b")
_NAMES_DATE = re.compile(r"\d{1,2}\s*/\s*\d{1,2}|\bdia \d|\b(hoje|amanha|essa|esta|nessa|nesta)\b")


def _inside_span(frame: Frame, day: date, text: str) -> date:
    """'semana que vem de manhã' … 'na quarta': the Wednesday of that week, not this one."""
    start = frame.span_start
    said = fold(text)
    if start is None or day >= start or _NAMES_DATE.search(said):
        return day
    if not _WEEKDAY_ALONE.search(said):
        return day
    while day < start:
        day += timedelta(days=7)
    return day


_SHIFT = re.compile(
    r"\b(\d{1,2}|uma|meia|duas)\s*(h|hs|horas?|horinhas?|min\w*)?\s+(?:mais\s+)?(tarde|cedo)\b"
    r"|\b(atras\w*|adiant\w*)\b.*?\bem\s+(\d{1,2}|uma|meia|duas)\s*(h|hs|horas?|horinhas?|min\w*)?"
    # "atrasar o banho 1h", "adiantar meia hora" — not "adiantar pra 9h", which is a time
    r"|\b(atras\w*|adiant\w*)\b(?:(?!\b(?:pra|para|pras|as|ate|das|de)\b).)*?"
    r"\b(\d{1,2}|uma|meia|duas)\s*(h|hs|horas?|horinhas?|min\w*)\b"
)
_AMOUNTS = {"uma": 60, "duas": 120, "meia": 30}


_SAME_DAY = re.compile(r"\bmesmo dia\b")
_WEEKS = re.compile(r"\b(uma|1|duas|2) semanas?\b(?! (antes|depois) d)")


def _week_after(booked: date, start: date) -> date:
    """'semana que vem, mesmo dia': the booking's weekday in the week from ``start`` — or,
    when the booking already falls in that week, the week after it."""
    found = start
    while found.weekday() != booked.weekday():
        found += timedelta(days=1)
    if found <= booked < start + timedelta(days=7):
        return booked + timedelta(days=7)
    return found


def _not_where_it_is(ctx: DialogueContext, frame: Frame, old: Booking, text: str) -> None:
    """In a move, a weekday named alone is not today (that is 'hoje') while the booking
    lies ahead; and 'segunda que vem', 'a outra sexta' is not the booking's own day and
    time: both are next week's. ('sexta 9h' for the Friday 9h booked is only a slip.)"""
    said = fold(text)
    if frame.day is None or _NAMES_DATE.search(said) or not _WEEKDAY_ALONE.search(said):
        return
    booked = old.starts_at.astimezone(ctx.tz)
    same_slot = frame.day == booked.date() and frame.at == booked.time()
    if (same_slot and _ANOTHER_WEEK.search(said)) or (
        frame.day == ctx.today and booked.date() > ctx.today
    ):
        frame.day += timedelta(days=7)


_ANOTHER_WEEK = re.compile(
    r"\b(segunda|terca|quarta|quinta|sexta|sabado|domingo)(-feira)?\s+(que vem|q vem)\b"
    r"|\b(proxim[oa]|outr[oa])\s+(segunda|terca|quarta|quinta|sexta|sabado|domingo)\b"
)


def _moved_to(text: str, now: datetime) -> When:
    """The day and time after the last 'pra', 'pode ser', 'que tal'…: the new ones,
    whatever day and time came before them (the booking being left)."""
    start = new_part_start(text, now)
    return When() if start is None else extract_when(text[start:], now)


def _service_only_in_questions(reading: Reading) -> bool:
    """The service is named only inside a question that requests nothing ('precisa levar
    a carteirinha de vacina?'), not as a booking request or a correction."""
    if reading.correction or reading.intent in ("book", "slots"):
        return False
    asking = [p for p in reading.parts if p.service is not None]
    return bool(asking) and all("?" in p.text and p.intent not in ("book", "slots") for p in asking)


def _shifted(text: str, base: datetime | None) -> datetime | None:
    """``base`` (the booking being moved, or the time proposed so far) shifted by what the
    customer said: '1h mais tarde', 'atrasar em meia hora'."""
    found = _SHIFT.search(fold(text))
    if base is None or found is None:
        return None
    if found.group(1):
        amount, unit, direction = found.group(1), found.group(2) or "h", found.group(3)
    elif found.group(4):
        verb, amount, unit = found.group(4), found.group(5), found.group(6) or "min"
        direction = "tarde" if verb.startswith("atras") else "cedo"
        if amount == "meia" and not found.group(6):
            unit = "h"
    else:
        verb, amount, unit = found.group(7), found.group(8), found.group(9)
        direction = "tarde" if verb.startswith("atras") else "cedo"
    sign = 1 if direction == "tarde" else -1
    return base + timedelta(minutes=sign * _minutes_of(amount, unit))


def _minutes_of(amount: str, unit: str) -> int:
    """'meia' (hora) → 30, '2' h → 120, '20' min → 20."""
    if amount in _AMOUNTS:
        return _AMOUNTS[amount]
    return int(amount) * (1 if unit.startswith("min") else 60)


# In a move only: "meia hora depois", "1h antes" (not "depois do almoço"); "dia seguinte"
_SHIFT_AROUND = re.compile(
    r"\b(\d{1,2}|uma|meia|duas)\s*(h|hs|horas?|horinhas?|min\w*)?\s+(depois|antes)\b(?!\s+d[aoe]s?\b)"
)
_NEXT_DAY = re.compile(r"\b(dia seguinte|um dia depois|no outro dia|pro outro dia|dia depois)\b")


def _shifted_around(text: str, booked: datetime) -> datetime | None:
    found = _SHIFT_AROUND.search(fold(text))
    if found is None:
        return None
    amount, unit, direction = found.group(1), found.group(2) or "h", found.group(3)
    minutes = _minutes_of(amount, unit)
    return booked + timedelta(minutes=minutes if direction == "depois" else -minutes)


def _rescheduled_day(ctx: DialogueContext, st: DialogueState) -> date | None:
    """'consegue adiantar o banho pras 9h?': a new time alone keeps the booking's day."""
    old = ctx.ignore_booking
    return old.starts_at.astimezone(ctx.tz).date() if old is not None else None


_ALSO = re.compile(r"\b(tbm|tb|tambem|junto|juntos|juntas)\b|\be (coloca|poe|bota|inclui)\b")
_TOGETHER = re.compile(r"\b(os dois|as duas|ambos|ambas|juntos|juntas|pros dois|nos dois|os 2)\b")


def _fill_pet(ctx: DialogueContext, st: DialogueState, reading: Reading) -> None:
    frame = st.frame
    if st.flow == "reschedule" and frame.booking_id is not None:
        return  # the booking being moved keeps its pet ("põe ele depois da vacina da Luna")
    meant = pets_meant(reading.text, ctx.pets)
    others = [p for p in meant if p.id != frame.pet_id]
    adding = st.awaiting == "confirm" and frame.pet_id is not None and not reading.correction
    if others and adding and _ALSO.search(fold(reading.text)):
        # "e coloca a Mel tbm no mesmo horário": Rex's stays, Mel's comes after it
        more = [frame.model_copy(update={"pet_id": p.id, "new_pet": None}) for p in others]
        st.queued[:0] = more
        return
    if meant:  # the pet named wins; correcting, the one named last ("não, é pra Mel")
        pet = meant[-1] if reading.correction else meant[0]
        frame.pet_id, frame.new_pet = pet.id, None
        return
    if st.flow == "reschedule":
        return
    if frame.pet_id is not None and frame.pet_id in kept_pets(reading.text, ctx.pets):
        frame.pet_id = None  # "na verdade é pra gata, não pro Rex"
    if reading.new_pet:
        frame.pet_id = None
        named = reading.pet_name
        named = named if named and ctx.pet_named(named) is None else None
        frame.new_pet = NewPet(name=named, species=reading.species)
        return
    name = reading.pet_name
    if name is None:  # "pra luna tbm": a new pet, in lower case
        lower = lowercase_names(reading.text, [p.name for p in ctx.pets])
        name = lower[0] if len(lower) == 1 else None
    if name and ctx.pet_named(name) is None:
        frame.pet_id = None
        old = frame.new_pet
        if old is not None and old.name and fold(old.name) != fold(name):
            old = NewPet()  # another pet: Fiona is not the Rottweiler Rex was going to be
        frame.new_pet = (old or NewPet()).model_copy(update={"name": name})
    if reading.species and frame.pet_id is None:
        new = frame.new_pet
        if new is None or new.name is None:
            same = [p for p in ctx.pets if fold(p.species) == fold(reading.species)]
            if len(same) == 1 and new is None:
                frame.pet_id = same[0].id  # "meu gato", and the customer has one cat
                return
        other_kind = not any(fold(p.species) == fold(reading.species) for p in ctx.pets)
        if new is not None or not ctx.pets or other_kind:  # "minha gata", and no cat is known
            frame.new_pet = (new or NewPet()).model_copy(
                update={"species": (new.species if new and new.species else reading.species)}
            )
    _fill_new_pet_details(ctx, st, reading)


# "o nome (dele) é Bobby" — not "meu nome é Carla", the customer's own
_NAME_IS = re.compile(
    r"(?<!meu )(?<!seu )\b(?:o )?nome (?:dele|dela|d[oa] \w+|certo)?\s*(?:e|eh|é)\s+"
    r"(?:(?:so|só|apenas|somente)\s+)?([^\W\d_]+)",
    re.I,
)
_BREED_IS = re.compile(r"\braca (?:dele|dela|d[oa] \w+|certa)?\s*(?:e|eh|é)\s+(.+)$", re.I)


def _fill_new_pet_details(ctx: DialogueContext, st: DialogueState, reading: Reading) -> None:
    """A pet being registered takes its breed (and the species that goes with it) from any
    message ('minha shih tzu Lola', 'ele é labrador'), and corrections of its name or
    breed ('o nome é Bobby', 'a raça é persa') — none asked again."""
    frame = st.frame
    registering = frame.pet_id is None and (frame.new_pet is not None or not ctx.pets)
    if not registering:
        return
    new = frame.new_pet or NewPet()
    folded = fold(reading.text)
    breed = known_breed_in(reading.text)
    if breed is not None and (new.breed is None or reading.correction):
        new = new.model_copy(update={"breed": breed[0]})
        if new.species is None and breed[1] is not None:
            new = new.model_copy(update={"species": breed[1]})
    named = _NAME_IS.search(reading.text)
    if named and fold(named.group(1)) not in ("e", "o", "a"):
        new = new.model_copy(update={"name": named.group(1)[:1].upper() + named.group(1)[1:]})
    said_breed = _BREED_IS.search(folded)
    if said_breed and breed is None:
        free = _free_breed(said_breed.group(1))
        if free:
            new = new.model_copy(update={"breed": free})
    if new != (frame.new_pet or NewPet()):
        frame.new_pet = new


def _take_pet_answer(ctx: DialogueContext, st: DialogueState, reading: Reading) -> None:
    """The answer to a pet question: free text is a valid name, species or breed."""
    frame, text, awaiting = st.frame, reading.text.strip(), st.awaiting
    if frame.pet_id is not None:
        return
    if any(fold(p.name) in set(re.findall(r"\w+", fold(text))) for p in ctx.pets):
        return  # a known pet: ``fill`` takes it
    small_talk = reading.intent in ("greeting", "thanks")
    if reading.question_like or reading.yes or reading.no or small_talk or "?" in text:
        return  # "sim", "oi" or "e a ração? vendem?" is no pet's name or breed
    if reading.correction or _NAME_IS.search(text) or _BREED_IS.search(fold(text)):
        return  # "ops, o nome é Bobby", "aliás, só banho": ``fill`` takes what it says
    if awaiting in ("pet_name", "pet_choice") and reading.service:
        return  # "só banho": a change to the booking, not the pet's name
    if reading.has_when and not reading.species and not known_breed_in(text):
        return  # "14h30", "da pra ser 1h mais tarde": the time, not the pet
    new = frame.new_pet or NewPet()
    if awaiting in ("pet_name", "pet_choice"):
        if reading.new_pet:
            frame.new_pet = NewPet()
            return
        only = breed_only(text)
        if only is not None:  # "vira lata" answers what it is, not its name
            update = {"breed": only[0], "species": new.species or only[1] or reading.species}
            frame.new_pet = new.model_copy(update=update)
            return
        name = name_in(text)
        if name:
            new = new.model_copy(update={"name": name})
            if new.species is None and reading.species:
                new = new.model_copy(update={"species": reading.species})
    elif awaiting == "pet_species":
        species = reading.species or _single_word(text)
        if species:
            new = new.model_copy(update={"species": species})
    elif awaiting == "pet_breed":
        known = known_breed_in(text)
        breed = (
            (known[0] if known else None) or breed_in(_NOISE.sub(" ", text)) or _free_breed(text)
        )
        if breed:
            new = new.model_copy(update={"breed": breed})
    frame.new_pet = new


def _single_word(text: str) -> str | None:
    found = re.findall(r"[^\W\d_]+", text)
    return found[0].lower() if len(found) in (1, 2) and species_in(text) is None else None


_NOISE = re.compile(r"\b(j[aá] (falei|disse)|kk+|rs+|ha(ha)+|n[eé])\b", re.I)


def _free_breed(text: str) -> str | None:
    """Any text is a breed ("golden retriever", "mistura de poodle"), within reason."""
    text = _NOISE.sub(" ", text)
    cleaned = re.sub(
        r"^(?:ele|ela)\s+(?:e|é)\s+|^(?:e|é)\s+(?:um|uma)?\s*", "", text.strip(), flags=re.I
    )
    cleaned = cleaned.strip(" .!")
    if not cleaned or len(cleaned) > MAX_BREED or not re.search(r"[^\W\d_]", cleaned):
        return None
    return cleaned[:1].upper() + cleaned[1:]


def next_question(ctx: DialogueContext, st: DialogueState) -> Outcome:
    """Ask for the first thing the frame still lacks; confirm when nothing does. A
    professional asked for by name is the only resource looked at — unless they do not
    do the service, which is said first."""
    lead = _professional_lead(ctx, st.frame)
    ctx.resource_id = st.frame.resource_id
    out = _next_question(ctx, st)
    if lead:
        out.lead = f"{lead} {out.lead}".strip()
    return out


def _professional_lead(ctx: DialogueContext, frame: Frame) -> str:
    """Keep the professional asked for while they can do the service; else say so."""
    if frame.resource_id is None:
        return ""
    chosen = next((r for r in ctx.resources if r.id == frame.resource_id), None)
    service = ctx.service(frame.service_id)
    if chosen is None or (service is not None and not chosen.can_do(service.id)):
        frame.resource_id = None
        return (
            ""
            if chosen is None or service is None
            else words.professional_cannot(chosen.name, service)
        )
    return ""


def _next_question(ctx: DialogueContext, st: DialogueState) -> Outcome:
    if st.flow is None:
        st.flow = "booking"
    frame = st.frame
    service = ctx.service(frame.service_id)
    if service is None:
        st.awaiting = "service"
        return Outcome(question=words.ask_service(ctx.services))
    if frame.day is None and frame.earliest is not None:
        return _offer_span(ctx, st, service)
    if frame.day is None and frame.at is not None:
        found = _first_day_at(ctx, service, frame.at)  # "meio-dia pode ser?": the next noon
        if found is None:
            frame.at = None
        frame.day = found
    if frame.day is None:
        return _ask_day(ctx, st, service)
    if frame.day < ctx.today:
        frame.day = None
        out = _ask_day(ctx, st, service)
        out.lead = words.PAST_DAY
        return out
    if frame.at is None:
        return _offer_times(ctx, st, service, frame.day)
    start = datetime.combine(frame.day, frame.at, tzinfo=ctx.tz)
    old = ctx.ignore_booking if st.flow == "reschedule" else None
    same_service = old is not None and old.service_id == frame.service_id
    if old is not None and old.starts_at == start and same_service:  # where it already is
        frame.at = None
        out = _offer_times(ctx, st, service, frame.day, near=start)
        out.lead = f"{words.ALREADY_THEN} {out.lead}".strip()
        return out
    problem = ctx.slot_problem(service, start)
    if problem:
        frame.at, frame.period = None, None
        day = frame.day
        out = _offer_times(ctx, st, service, day, near=start)
        lead = words.SLOT_PROBLEM[problem]
        if problem == "closed":  # a closed day says so itself, in the offer
            hours_of_day = _hours_of(ctx, day)
            lead = words.closed_at(hours_of_day) if hours_of_day is not None else ""
            closing = _closes_during(ctx, day, start.time())
            if closing is not None:  # 17:00 is open, but a 1h30 service ends after 18:00
                took = say.duration(ctx.minutes(service, ctx.pet(frame.pet_id)))
                lead = words.ends_after_closing(service, say.hhmm(start), took, closing)
        out.lead = f"{lead} {out.lead}".strip()
        return out
    pet = _pet_question(ctx, st)
    if pet is not None:
        return pet
    size = sizing.question(ctx, st, service)  # once, when the price depends on it
    if size is not None:
        return size
    st.awaiting = "confirm"
    return Outcome(question=_confirmation(ctx, st, service, start))


def _closes_during(ctx: DialogueContext, day: date, at: time) -> str | None:
    """The closing time ('18:00') of the opening span ``at`` falls in, if it falls in one."""
    for opens, closes in ctx.day(day).spans:
        if opens <= at < closes:
            return say.hhmm(closes)
    return None


def _pet_question(ctx: DialogueContext, st: DialogueState) -> Outcome | None:
    frame = st.frame
    if frame.pet_id is not None and ctx.pet(frame.pet_id) is not None:
        return None
    new = frame.new_pet
    if new is None and len(ctx.pets) == 1:
        frame.pet_id = ctx.pets[0].id
        return None
    if new is None and ctx.pets:
        st.awaiting = "pet_choice"
        return Outcome(question=words.ask_which_pet([p.name for p in ctx.pets]))
    new = new or NewPet()
    frame.new_pet = new
    if new.name is None:
        st.awaiting = "pet_name"
        return Outcome(question=words.ask_pet_name(new.species, registering=not ctx.pets))
    if new.species is None:
        st.awaiting = "pet_species"
        return Outcome(question=words.ask_species(new.name))
    if new.breed is None:
        st.awaiting = "pet_breed"
        return Outcome(question=words.ask_breed(new.name))
    return None


def _ask_day(ctx: DialogueContext, st: DialogueState, service: ServiceInfo) -> Outcome:
    st.awaiting = "date"
    days = _days_with_room(ctx, service, ctx.today, SEARCH_DAYS, st.frame.period)
    days = [d for d in days if d.weekday() not in st.frame.not_weekdays][:DAYS_OFFERED]
    st.offered_days = days
    first = ctx.next_free(service, period=st.frame.period, not_weekdays=st.frame.not_weekdays)
    first_label = None
    if first is not None:
        first_label = f"{say.day_label(first.date(), ctx.today)} às {say.hhmm(first)}"
    labels = [say.bare_day(say.day_label(d, ctx.today)) for d in days]
    return Outcome(question=words.ask_day(service, first_label, labels))


def _days_with_room(
    ctx: DialogueContext, service: ServiceInfo, start: date, days: int, period: str | None
) -> list[date]:
    found = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if ctx.free(service, day, period):
            found.append(day)
    return found


def _offer_span(ctx: DialogueContext, st: DialogueState, service: ServiceInfo) -> Outcome:
    """'semana que vem de manhã': the first day of that span with room in that period."""
    frame = st.frame
    assert frame.earliest is not None
    last = frame.latest or frame.earliest
    span = (last - frame.earliest).days + 1
    days = _days_with_room(ctx, service, max(frame.earliest, ctx.today), span, frame.period)
    frame.earliest = frame.latest = None
    if frame.at is not None:  # "no fim de semana às 10h": the first day of it with 10:00 free
        fits = [
            d
            for d in days
            if ctx.slot_problem(service, datetime.combine(d, frame.at, tzinfo=ctx.tz)) is None
        ]
        if fits:
            frame.day = fits[0]
            return next_question(ctx, st)
    if not days:
        out = _ask_day(ctx, st, service)
        out.lead = words.NO_TIMES_IN_SPAN
        return out
    frame.day = days[0]
    return _offer_times(ctx, st, service, days[0])


def _first_day_at(ctx: DialogueContext, service: ServiceInfo, at: time) -> date | None:
    for offset in range(SEARCH_DAYS):
        day = ctx.today + timedelta(days=offset)
        start = datetime.combine(day, at, tzinfo=ctx.tz)
        if ctx.slot_problem(service, start) is None:
            return day
    return None


def _hours_of(ctx: DialogueContext, day: date) -> str | None:
    spans = [h for h in ctx.hours if h.weekday == day.weekday()]
    if not spans:
        return None
    return " e ".join(f"das {say.hhmm(h.opens)} às {say.hhmm(h.closes)}" for h in spans)


def _offer_times(
    ctx: DialogueContext,
    st: DialogueState,
    service: ServiceInfo,
    day: date,
    near: datetime | None = None,
) -> Outcome:
    """The free times of ``day`` (in the period asked for); around ``near`` when the
    customer asked for a time that is not free, so the closest come first."""
    period = st.frame.period
    slots = ctx.free(service, day, period)
    label = say.day_label(day, ctx.today)
    lead = ""
    if not slots and period is not None and ctx.free(service, day):
        slots = ctx.free(service, day)  # "sábado à tarde": not then, but that day has room
        lead = words.not_in_period(period)
        st.frame.period = None
    if slots:
        st.awaiting = "time"
        if near is not None and len(slots) > MAX_OFFERED:
            slots = sorted(sorted(slots, key=lambda s: abs(s - near))[:MAX_OFFERED])
        shown = slots[:MAX_OFFERED]
        st.offered = [say.hhmm(s) for s in shown]
        return Outcome(
            lead=lead,
            question=words.offer_times(service, label, st.offered, len(slots) - len(shown)),
        )
    st.frame.day = None
    st.frame.period = None
    if not [h for h in ctx.hours if h.weekday == day.weekday()]:
        out = _ask_day(ctx, st, service)
        out.lead = words.closed_on(label, say.opening_hours_text(ctx.hours))
        return out
    full = waitlist_join.offer(ctx, st, service, day, period, near)
    if full is not None:  # open, but every capable resource is booked
        return full
    out = _ask_day(ctx, st, service)
    closing = max((h.closes for h in ctx.hours if h.weekday == day.weekday()), default=None)
    if day == ctx.today and closing is not None and ctx.now.time() >= closing:
        out.lead = words.CLOSED_NOW  # "hoje" at 21h: today is over, not full
    else:
        out.lead = words.no_times(service, label)
    return out


def _pet_label(ctx: DialogueContext, frame: Frame) -> str:
    pet = ctx.pet(frame.pet_id)
    if pet is not None:
        return pet.name
    return (frame.new_pet.name if frame.new_pet else None) or "seu pet"


def _confirmation(
    ctx: DialogueContext, st: DialogueState, service: ServiceInfo, start: datetime
) -> words.Question:
    frame = st.frame
    new = frame.new_pet
    registering = None
    if new is not None and frame.pet_id is None:
        registering = f"{new.name} ({new.species}, {new.breed})"
    professional = next((r.name for r in ctx.resources if r.id == frame.resource_id), None)
    return words.confirm_booking(
        service,
        _pet_label(ctx, frame),
        words.day_and_time(start.date(), start, ctx.today),
        registering,
        reschedule=st.flow == "reschedule",
        moving_from=_old_when(ctx, frame.service_id) if st.flow == "reschedule" else None,
        price=sizing.price_text(ctx, frame, service),
        professional=professional,
        then=say.joined([_booking_label(ctx, f) for f in st.queued]) or None,
    )


def _booking_label(ctx: DialogueContext, frame: Frame) -> str:
    return words.booking_of(ctx.service(frame.service_id), _pet_label(ctx, frame))


def _old_when(ctx: DialogueContext, service_id: int | None = None) -> str | None:
    """'na sexta (05/03) às 15:00' — 'a tosa na sexta …' when the move swaps the service."""
    old = ctx.ignore_booking
    if old is None:
        return None
    local = old.starts_at.astimezone(ctx.tz)
    when = f"{say.day_label(local.date(), ctx.today)} às {say.hhmm(local)}"
    was = ctx.service(old.service_id)
    return f"{words.the(was)} {when}" if was is not None and old.service_id != service_id else when


def commit(ctx: DialogueContext, st: DialogueState) -> Outcome:
    frame = st.frame
    service = ctx.service(frame.service_id)
    assert service is not None and frame.day is not None and frame.at is not None
    start = datetime.combine(frame.day, frame.at, tzinfo=ctx.tz)
    org_id, contact_id = ctx.turn.org.id, ctx.turn.contact_id
    try:
        with ctx.session.begin_nested():
            pet_id = frame.pet_id
            if st.flow == "reschedule" and frame.booking_id is not None:
                booking_repo.move(  # a reschedule, never a cancellation, in every figure
                    ctx.session,
                    org_id,
                    frame.booking_id,
                    start,
                    resource_id=frame.resource_id,
                    service_id=frame.service_id,
                )
            elif pet_id is None:
                new = frame.new_pet or NewPet()
                pet = catalog.register_pet(
                    ctx.session,
                    org_id,
                    contact_id,
                    new.name or "",
                    new.species or "",
                    new.breed or "",
                    size=frame.size,
                    coat=frame.coat,
                )
                pet_id = pet.id
            else:
                sizing.store(ctx, frame, pet_id)
            if st.flow != "reschedule" or frame.booking_id is None:
                booking_repo.book(
                    ctx.session,
                    org_id,
                    contact_id,
                    service.id,
                    pet_id,
                    start,
                    resource_id=frame.resource_id,
                )
    except NotFound:  # the booking being moved was cancelled meanwhile
        st.reset_flow()
        return Outcome(final=words.BOOKING_GONE)
    except (SlotTaken, IntegrityError):
        frame.at = None
        out = _offer_times(ctx, st, service, frame.day)
        out.lead = f"{words.JUST_TAKEN} {out.lead}".strip()
        return out
    when = f"{say.bare_day(say.day_label(frame.day, ctx.today))} às {say.hhmm(start)}"
    text = words.booked(service, _pet_label(ctx, frame), when, st.flow == "reschedule")
    if frame.pet_id is None and pet_id is not None:
        _registered(ctx, st, frame, pet_id)
    end = start + timedelta(minutes=service.duration_minutes)
    for n, later in enumerate(st.queued):  # "banho e vacina pra Frida às 9h": after the bath
        same_pet = later.pet_id == pet_id
        if same_pet and later.day == frame.day and later.at == frame.at:
            later.at = end.time()
        if n == 0 and later.after_previous and later.day in (None, frame.day):
            later.day, later.at = frame.day, end.time()  # "a Amora logo em seguida"
    if st.queued:  # "banho pro Thor e pra Mel": now the next pet's
        st.frame, st.queued = st.queued[0], st.queued[1:]
        st.awaiting, st.offered = None, []
        if st.flow == "reschedule":  # "passa os dois banhos pra quinta": the next one moves
            ctx.ignore_booking = _booking_of(ctx, st.frame.booking_id)
        out = next_question(ctx, st)
        following = ctx.service(st.frame.service_id)
        same_pet = st.frame.pet_id is not None and st.frame.pet_id == pet_id
        next_one = (
            words.now_the(following)
            if same_pet and following is not None
            else words.now_for(_pet_label(ctx, st.frame))
        )
        out.lead = f"{text}\n{next_one} {out.lead}".strip()
        return out
    st.reset_flow()
    return Outcome(final=text)


def _booking_of(ctx: DialogueContext, booking_id: int | None) -> Booking | None:
    upcoming = booking_repo.upcoming_for_contact(ctx.session, ctx.turn.org.id, ctx.turn.contact_id)
    return next((b for b in upcoming if b.id == booking_id), None)


def _registered(ctx: DialogueContext, st: DialogueState, frame: Frame, pet_id: int) -> None:
    """The pet just registered is the one the next bookings of the request are for."""
    name = frame.new_pet.name if frame.new_pet else None
    ctx.__dict__.pop("pets", None)  # the cached list of the customer's pets is stale now
    for later in st.queued:
        if later.pet_id is None and later.new_pet is not None and later.new_pet.name == name:
            later.pet_id, later.new_pet = pet_id, None


def split_by_pet(ctx: DialogueContext, st: DialogueState, reading: Reading) -> None:
    """'banho pro Thor e tosa pra Mel', 'banho nos dois', 'o Bidu e meu gatinho novo': one
    frame per pet, in the order named, each with the service named before it (else the one
    the request names) and the time named right after it ('Pipoca às 9h e Paçoca às 10h')."""
    folded = fold(reading.text)
    mentions = _pet_mentions(ctx, reading, folded)
    firsts: dict[int | str, tuple[int, int]] = {}
    for begin, end, key in mentions:
        firsts.setdefault(key, (begin, end))
    order = sorted(firsts, key=lambda k: firsts[k][0])
    segments = [
        folded[(firsts[order[i - 1]][1] if i else 0) : firsts[k][1]] for i, k in enumerate(order)
    ]
    if len(order) < 2 and len(ctx.pets) == 2 and _BOTH.search(folded):
        order, segments = [p.id for p in ctx.pets], ["", ""]
    if len(order) < 2:
        return
    shared = st.frame.service_id
    combo = ctx.service(shared)
    if combo is not None and " e " in combo.name and fold(combo.name) not in folded:
        shared = None  # "banho pro Thor e tosa pra Mel" is no "Banho e tosa"
    times = _times_after(ctx, mentions, folded) or _times_in_order(ctx, order, folded)
    days = _days_after(ctx, mentions, folded)
    frames: list[Frame] = []
    for key, segment in zip(order, segments, strict=True):
        own = find_service(segment, ctx.services) if segment else None
        update: dict[str, object] = {"service_id": own.id if own is not None else shared}
        if isinstance(key, int):
            update.update(pet_id=key, new_pet=None)
        elif key.startswith("name:"):  # "pro Tom e pro Jerry, são gatos sem raça"
            breed = known_breed_in(reading.text)
            new = NewPet(
                name=key[5:],
                species=reading.species or (breed[1] if breed else None),
                breed=breed[0] if breed else None,
            )
            update.update(pet_id=None, new_pet=new)
        else:  # "a gatinha nova que adotei, a Amora": named if a new name was said
            fresh = [n for n in listed_names(reading.text) if ctx.pet_named(n) is None]
            said = fresh[0] if len(fresh) == 1 else None
            breed = known_breed_in(reading.text)
            new = st.frame.new_pet or NewPet(
                name=said, species=species_in(key[4:]), breed=breed[0] if breed else None
            )
            update.update(pet_id=None, new_pet=new)
        if key in days:  # "a Mel segunda 9h e o Bob terça 9h": each its own day
            update["day"] = days[key]
        if key in times:
            update["at"] = times[key]
        elif (own_at := _time_after(ctx, reading.text, key, update)) is not None:
            update["at"] = own_at  # "… e o Bidu logo depois, 10 e meia"
        if frames and _said_after(key, mentions, update, folded):
            update["after_previous"] = True  # "o Toddy e a Amora logo em seguida"
        frames.append(st.frame.model_copy(update=update))
    st.frame, st.queued = frames[0], frames[1:]


_RIGHT_AFTER = re.compile(
    r"\b(\w+)\W+(?:logo )?(?:em seguida|logo depois|logo apos)\b"
    r"|\b(?:depois|dps|apos)\s+(?:o|a)\s+(\w+)\b"  # "primeiro a luna, dps o thor"
)
# "um atrás do outro", "em sequência": each pet after the one before
_ONE_AFTER_ANOTHER = re.compile(
    r"\b(um atras do outro|uma atras da outra|em sequencia|na sequencia|seguidos|seguidas)\b"
)


def _time_after(
    ctx: DialogueContext, text: str, key: int | str, update: dict[str, object]
) -> time | None:
    """The time said right after this pet's name, when one is."""
    new = update.get("new_pet")
    pet = ctx.pet(key) if isinstance(key, int) else None
    name = pet.name if pet is not None else (new.name if isinstance(new, NewPet) else None)
    words = time_after_name(text, name) if name else None
    return extract_when(words, ctx.now).at if words else None


def _said_after(
    key: int | str,
    mentions: list[tuple[int, int, int | str]],
    update: dict[str, object],
    folded: str,
) -> bool:
    """'… e a Amora logo em seguida': this pet is named right before 'em seguida'."""
    new = update.get("new_pet")
    name = fold(new.name) if isinstance(new, NewPet) and new.name else None
    if _ONE_AFTER_ANOTHER.search(folded):
        return True
    for found in _RIGHT_AFTER.finditer(folded):
        group = 1 if found.group(1) else 2
        word_at = found.start(group)
        if name is not None and found.group(group) == name:
            return True
        if any(k == key and start <= word_at < end for start, end, k in mentions):
            return True
    return False


_NEW_PET_WORD = re.compile(
    r"\b(?:cachorr\w*|cadel\w*|gat\w*|filhote\w*|bichinho\w*|pet|coelh\w*)\b"
)


def _pet_mentions(
    ctx: DialogueContext, reading: Reading, folded: str, new_pet: bool = False
) -> list[tuple[int, int, int | str]]:
    """Every mention of a pet in ``folded``: a known pet by its id (not those named only to
    be left out), a new one ('meu gatinho novo', or 'o gatinho' when ``new_pet`` is being
    booked already) as 'new:<word>'."""
    kept = kept_pets(reading.text, ctx.pets)
    found: list[tuple[int, int, int | str]] = [
        (m.start(), m.end(), p.id)
        for p in ctx.pets
        if p.id not in kept
        for m in re.finditer(rf"\b{re.escape(fold(p.name))}\b", folded)
    ]
    if (reading.new_pet or new_pet) and found:
        word = _NEW_PET_WORD.search(folded)
        if word is not None:
            found.extend(
                (m.start(), m.end(), f"new:{word.group(0)}")
                for m in re.finditer(rf"\b{re.escape(word.group(0))}\b", folded)
            )
    for word in re.finditer(r"\b(cachorr[oa]|cadela|gat[oa]|gatinh[oa]|cachorrinh[oa])\b", folded):
        same = [p for p in ctx.pets if species_in(word.group(0)) == species_in(p.species)]
        if len(same) == 1 and same[0].id not in kept:  # "banho pro cachorro e vacina pra gata"
            found.append((word.start(), word.end(), same[0].id))
    if len(folded) == len(reading.text):  # names of pets not registered yet: "pro Zeus"
        known = {fold(p.name) for p in ctx.pets}
        found.extend(
            (start, end, f"name:{name}")
            for start, end, name in names_in(reading.text)
            if fold(name) not in known
        )
        named = {f[2] for f in found}
        for name in lowercase_names(reading.text, [p.name for p in ctx.pets]):
            at = re.search(rf"\b{re.escape(fold(name))}\b", folded)
            written = re.search(rf"\b{re.escape(name)}\b", reading.text)  # also as "Luna"
            if at is not None and f"name:{name}" not in named and written is None:
                found.append((at.start(), at.end(), f"name:{name}"))
    return sorted(found, key=lambda f: f[0])


_A_TIME = re.compile(
    r"\b\d{1,2}\s*(?:h|hs|horas?)\s*\d{0,2}\b|\b\d{1,2}:\d{2}\b|\b\d{1,2} e meia\b"
)


def _times_in_order(
    ctx: DialogueContext, order: list[int | str], folded: str
) -> dict[int | str, time]:
    """'sexta 8h e 9h' for two pets: the first time for the first pet named, and so on."""
    found = [extract_when(m.group(0), ctx.now).at for m in _A_TIME.finditer(folded)]
    times = [t for t in dict.fromkeys(found) if t is not None]
    return dict(zip(order, times, strict=True)) if len(times) == len(order) > 1 else {}


def _retime_by_pet(ctx: DialogueContext, st: DialogueState, reading: Reading) -> None:
    """Pets already queued, then 'o Bidu às 10h e o gatinho às 10 e meia': each its time."""
    if not st.queued:
        return
    frames = [st.frame, *st.queued]
    folded = fold(reading.text)
    new_pet = any(f.pet_id is None for f in frames)
    times = _times_after(ctx, _pet_mentions(ctx, reading, folded, new_pet), folded)
    new_times = [t for k, t in times.items() if isinstance(k, str)]
    for frame in frames:
        if frame.pet_id is not None and frame.pet_id in times:
            frame.at = times[frame.pet_id]
        elif frame.pet_id is None and new_times:
            frame.at = new_times[0]


def _said_after_each(
    ctx: DialogueContext, mentions: list[tuple[int, int, int | str]], folded: str
) -> list[tuple[int | str, When]]:
    """What 'when' each pet mention is followed by, up to the next mention."""
    found = []
    for i, (_, end, key) in enumerate(mentions):
        stop = mentions[i + 1][0] if i + 1 < len(mentions) else len(folded)
        found.append((key, extract_when(folded[end:stop], ctx.now)))
    return found


def _days_after(
    ctx: DialogueContext, mentions: list[tuple[int, int, int | str]], folded: str
) -> dict[int | str, date]:
    """The day named right after each pet, up to the next pet — only when two pets are
    given different days ('banho pra Mel segunda e pro Bob terça')."""
    days: dict[int | str, date] = {}
    for key, when in _said_after_each(ctx, mentions, folded):
        if when.day is not None:
            days.setdefault(key, when.day)
    return days if len(set(days.values())) >= 2 else {}


def _times_after(
    ctx: DialogueContext, mentions: list[tuple[int, int, int | str]], folded: str
) -> dict[int | str, time]:
    """The time named right after each pet, up to the next pet: 'Pipoca às 9h e Paçoca às
    10h'. Only when at least two pets have one — else the burst's time is everyone's."""
    times: dict[int | str, time] = {}
    for key, when in _said_after_each(ctx, mentions, folded):
        if when.at is not None:
            times.setdefault(key, when.at)
    if len(times) >= 2:
        return times
    before: dict[int | str, time] = {}  # "9h a Mimi e 9h30 o Rex": the time comes first
    for i, (start, _, key) in enumerate(mentions):
        begin = mentions[i - 1][1] if i else 0
        at = extract_when(folded[begin:start], ctx.now).at
        if at is not None:
            before.setdefault(key, at)
    return before if len(before) >= 2 else {}


# "logo depois do banho dele": right after a booking the customer already has
_AFTER_BOOKED = re.compile(
    r"\b(?:logo\s+)?(?:depois|apos|em seguida|na sequencia)\s+d[oa]\s+"
    r"(banho e tosa|banho|tosa|consulta|vacina\w*)\b"
)


def one_booked(
    ctx: DialogueContext, service_id: int, day: date | None, pet_ids: set[int] | None = None
) -> Booking | None:
    """The customer's one booking ahead of this service (on ``day``, of one of ``pet_ids``
    when given); None when there is none or more than one."""
    booked = booking_repo.upcoming_for_contact(ctx.session, ctx.turn.org.id, ctx.turn.contact_id)
    same = [
        b
        for b in booked
        if b.service_id == service_id
        and (not pet_ids or b.pet_id in pet_ids)
        and (day is None or b.starts_at.astimezone(ctx.tz).date() == day)
    ]
    return same[0] if len(same) == 1 else None


def booked_before(ctx: DialogueContext, reading: Reading) -> Booking | None:
    """The customer's booking a new one is asked to follow ("depois do banho dele")."""
    found = _AFTER_BOOKED.search(fold(reading.text))
    service = find_service(found.group(1), ctx.services) if found is not None else None
    return one_booked(ctx, service.id, reading.when.day) if service is not None else None


def follow_booked(
    ctx: DialogueContext, st: DialogueState, reading: Reading, before: Booking | None
) -> None:
    """A booking asked to follow ``before``, one the customer has: its day and the time
    it ends."""
    if before is None or st.frame.at is not None:
        return
    asked = find_service(_AFTER_BOOKED.sub(" ", fold(reading.text)), ctx.services)
    if asked is not None:  # "tosa … depois do banho dele" asks for the tosa
        st.frame.service_id = asked.id
    end = before.ends_at.astimezone(ctx.tz)
    st.frame.day, st.frame.at = end.date(), end.time()
    if st.frame.pet_id is None and before.pet_id is not None and st.frame.new_pet is None:
        st.frame.pet_id = before.pet_id


def split_by_service(
    ctx: DialogueContext, st: DialogueState, reading: Reading, before: Booking | None = None
) -> None:
    """'consulta pro Thor e depois banho', 'vacinar e dar banho': one booking per service,
    in the order asked, each confirmed on its own — none silently dropped; the service of
    ``before`` ("logo depois do banho dele", already booked) is not asked again."""
    if st.queued:
        return
    text = _AFTER_BOOKED.sub(" ", fold(reading.text)) if before is not None else None
    named = services_named(text if text is not None else reading.text, ctx.services)
    if len(named) < 2:
        return
    frames = [st.frame.model_copy(update={"service_id": s.id}) for s in named]
    st.frame, st.queued = frames[0], frames[1:]
