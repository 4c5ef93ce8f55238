"""Booking (and rescheduling) as slot filling: service → pet → day → time → confirmation.

The state lives in the conversation's ``dialogue_state``, so a restart mid-booking
loses nothing. Nothing is written before the customer says yes; the write itself
re-checks the slot inside the transaction (``storage.bookings.book``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.exc import IntegrityError

from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import find_service, is_no, is_yes, pick_number
from atende.brain.dialogue.pets import breed_in, name_in, named_pet_in, species_in
from atende.brain.dialogue.when import extract_when
from atende.domain.entities import ServiceInfo
from atende.domain.text import fold
from atende.errors import SlotTaken
from atende.storage import bookings as booking_repo
from atende.storage import catalog

State = dict[str, Any]
MAX_OFFERED = 10  # WhatsApp lists show at most 10 rows


def step(ctx: DialogueContext, st: State, text: str) -> list[str]:
    """Take what the customer just wrote into the booking and say what comes next."""
    awaiting = st.get("awaiting")
    offered = st.get("offered") or []
    if awaiting == "time" and (index := pick_number(text, len(offered))) is not None:
        text = offered[index]  # "2" picks the second time offered
    if awaiting == "confirm" and _plain_answer(ctx, text):
        if is_yes(text):
            return _commit(ctx, st)
        if is_no(text):
            st.pop("time", None)
            st.pop("date", None)
            st["awaiting"] = "date"
            return ["Sem problemas! Para qual dia e horário você prefere? 🙂"]
    if awaiting in ("pet_name", "pet_species", "pet_breed", "pet_choice"):
        _take_pet_answer(ctx, st, text, awaiting)
    _take_entities(ctx, st, text)
    return next_question(ctx, st)


def _plain_answer(ctx: DialogueContext, text: str) -> bool:
    """A yes/no that does not also change the day, time or service."""
    when = extract_when(text, ctx.today)
    return when.day is None and when.at is None and find_service(text, ctx.services) is None


def _take_entities(ctx: DialogueContext, st: State, text: str) -> None:
    service = find_service(text, ctx.services)
    if service and st.get("flow") != "reschedule":
        st["service_id"] = service.id
    when = extract_when(text, ctx.today)
    if when.day:
        st["date"] = when.day.isoformat()
        if not when.at:
            st.pop("time", None)
    if when.at:
        st["time"] = when.at.strftime("%H:%M")
    if when.period:
        st["period"] = when.period
    words = set(re.findall(r"\w+", fold(text)))
    for pet in ctx.pets:
        if fold(pet.name) in words:
            st["pet_id"] = pet.id
            st.pop("new_pet", None)
            return
    if st.get("pet_id") or st.get("flow") == "reschedule":
        return
    _take_new_pet_hints(ctx, st, text)


def _take_new_pet_hints(ctx: DialogueContext, st: State, text: str) -> None:
    """'para a Mel', 'meu gato': what the customer already told about the pet."""
    name = named_pet_in(text)
    if name and ctx.pet_named(name) is None:
        st.setdefault("new_pet", {})["name"] = name
    species = species_in(text)
    if species and not st.get("new_pet", {}).get("name"):
        same = [p for p in ctx.pets if fold(p.species) == fold(species)]
        if len(same) == 1:
            st["pet_id"] = same[0].id
            st.pop("new_pet", None)
            return
    if species and (not ctx.pets or "new_pet" in st):
        st.setdefault("new_pet", {}).setdefault("species", species)


def _take_pet_answer(ctx: DialogueContext, st: State, text: str, awaiting: str) -> None:
    new = st.setdefault("new_pet", {})
    if awaiting == "pet_choice":
        index = pick_number(text, len(ctx.pets))
        if index is not None:
            st["pet_id"] = ctx.pets[index].id
            st.pop("new_pet", None)
            return
        if any(w in fold(text) for w in ("outro", "novo", "nova", "outra")):
            return
        awaiting = "pet_name"
    if awaiting == "pet_name" and not any(fold(p.name) in fold(text) for p in ctx.pets):
        name = name_in(text)
        if name:
            new["name"] = name
    if "name" in new and "species" not in new and (species := species_in(text)):
        new["species"] = species
    elif awaiting == "pet_species" and "species" not in new:
        guess = name_in(text)
        if guess:
            new["species"] = guess.lower()
    if awaiting == "pet_breed" and "breed" not in new:
        breed = breed_in(text)
        if breed:
            new["breed"] = breed
    elif "species" in new and "breed" not in new and awaiting != "pet_name":
        pass
    if not new:
        st.pop("new_pet", None)


def next_question(ctx: DialogueContext, st: State) -> list[str]:
    st.setdefault("flow", "booking")
    service = ctx.service(st.get("service_id"))
    if service is None:
        st["awaiting"] = "service"
        return [f"Qual serviço você gostaria de agendar?\n{say.service_lines(ctx.services)}"]
    if not st.get("date"):
        st["awaiting"] = "date"
        return [_ask_day(ctx, service)]
    day = date.fromisoformat(st["date"])
    if day < ctx.today:
        st.pop("date", None)
        st["awaiting"] = "date"
        return ["Essa data já passou 😅 Para qual dia você quer agendar?"]
    if not st.get("time"):
        return _offer_times(ctx, st, service, day)
    start = datetime.combine(day, time.fromisoformat(st["time"]), tzinfo=ctx.tz)
    problem = ctx.slot_problem(service, start)
    if problem:
        st.pop("time", None)
        intro = {
            "past": "Esse horário já passou 😅",
            "closed": "Nesse horário não estamos atendendo.",
            "taken": "Esse horário já está ocupado.",
        }[problem]
        return [intro + " " + _offer_times(ctx, st, service, day)[0]]
    pet_question = _pet_question(ctx, st)
    if pet_question:
        return [pet_question]
    st["awaiting"] = "confirm"
    return [_confirmation(ctx, st, service, start)]


def _pet_question(ctx: DialogueContext, st: State) -> str | None:
    if st.get("pet_id") and ctx.pet(st["pet_id"]):
        return None
    new = st.get("new_pet")
    if new:
        if "name" not in new:
            st["awaiting"] = "pet_name"
            return f"Qual o nome do seu {new.get('species', 'pet')}? 🐾"
        if "species" not in new:
            st["awaiting"] = "pet_species"
            return f"O {new['name']} é cachorro, gato ou outro bichinho?"
        if "breed" not in new:
            st["awaiting"] = "pet_breed"
            return f"E qual a raça do {new['name']}? (se não tiver, pode dizer vira-lata)"
        return None
    if not ctx.pets:
        st["new_pet"] = {}
        st["awaiting"] = "pet_name"
        return "Ótimo! Para agendar, vou cadastrar seu pet 🐾 Qual o nome dele?"
    if len(ctx.pets) == 1:
        st["pet_id"] = ctx.pets[0].id
        return None
    st["awaiting"] = "pet_choice"
    options = "\n".join(f"{i}. {p.name}" for i, p in enumerate(ctx.pets, 1))
    return f"Para qual pet é o agendamento?\n{options}\n(ou me diga o nome de um pet novo)"


def _ask_day(ctx: DialogueContext, service: ServiceInfo) -> str:
    first = ctx.next_free(service)
    hint = ""
    if first is not None:
        when = f"{say.day_label(first.date(), ctx.today)} às {say.hhmm(first)}"
        hint = f" O próximo horário livre é {when}."
    return f"Para qual dia você quer o {service.name}?{hint}"


def _offer_times(ctx: DialogueContext, st: State, service: ServiceInfo, day: date) -> list[str]:
    period = st.get("period")
    slots = ctx.free(service, day, period)
    label = say.day_label(day, ctx.today)
    if slots:
        st["awaiting"] = "time"
        shown = slots[:MAX_OFFERED]
        st["offered"] = [say.hhmm(s) for s in shown]
        lines = "\n".join(f"{i}. {t}" for i, t in enumerate(st["offered"], 1))
        more = (
            f"\n(e mais {len(slots) - len(shown)} horários — é só dizer qual)"
            if len(slots) > len(shown)
            else ""
        )
        return [
            f"Horários livres para {service.name} {label}:\n{lines}{more}\n"
            "Responda com o número ou o horário 🙂"
        ]
    st.pop("date", None)
    st.pop("period", None)
    st["awaiting"] = "date"
    if not [h for h in ctx.hours if h.weekday == day.weekday()]:
        return [
            f"{label[0].upper()}{label[1:]} não abrimos. "
            f"Funcionamos {say.opening_hours_text(ctx.hours)}. Qual outro dia fica bom?"
        ]
    return [f"Não tenho horário livre para {service.name} {label}. {_ask_day(ctx, service)}"]


def _pet_label(ctx: DialogueContext, st: State) -> str:
    pet = ctx.pet(st.get("pet_id"))
    if pet is not None:
        return pet.name
    new = st.get("new_pet") or {}
    return str(new.get("name", "seu pet"))


def _confirmation(ctx: DialogueContext, st: State, service: ServiceInfo, start: datetime) -> str:
    lines = [
        "Posso confirmar?",
        f"• {service.name} para {_pet_label(ctx, st)}",
        f"• {say.day_label(start.date(), ctx.today).capitalize()} às {say.hhmm(start)}",
        f"• {say.money(service.price)}",
    ]
    new = st.get("new_pet")
    if new and not st.get("pet_id"):
        lines.append(f"• vou cadastrar: {new['name']} ({new['species']}, {new['breed']})")
    if st.get("flow") == "reschedule":
        lines[0] = "Posso remarcar para este horário?"
    lines.append("Responda *sim* para confirmar ou *não* para mudar.")
    return "\n".join(lines)


def _commit(ctx: DialogueContext, st: State) -> list[str]:
    service = ctx.service(st.get("service_id"))
    assert service is not None
    day = date.fromisoformat(st["date"])
    start = datetime.combine(day, time.fromisoformat(st["time"]), tzinfo=ctx.tz)
    org_id, contact_id = ctx.turn.org.id, ctx.turn.contact_id
    try:
        with ctx.session.begin_nested():
            if st.get("flow") == "reschedule" and st.get("booking_id"):
                booking_repo.cancel(ctx.session, org_id, int(st["booking_id"]))
            pet_id = st.get("pet_id")
            if not pet_id:
                new = st["new_pet"]
                pet = catalog.register_pet(
                    ctx.session, org_id, contact_id, new["name"], new["species"], new["breed"]
                )
                pet_id = pet.id
            booking_repo.book(ctx.session, org_id, contact_id, service.id, pet_id, start)
    except (SlotTaken, IntegrityError):
        st.pop("time", None)
        return [
            "Poxa, esse horário acabou de ser reservado 😕 "
            + _offer_times(ctx, st, service, day)[0]
        ]
    label = f"{say.day_label(day, ctx.today)} às {say.hhmm(start)}"
    pet_name = _pet_label(ctx, st)
    verb = "remarcado" if st.get("flow") == "reschedule" else "agendado"
    st.clear()
    return [f"Prontinho! ✅ {service.name} do {pet_name} {verb}: {label}. Até lá! 🐾"]
