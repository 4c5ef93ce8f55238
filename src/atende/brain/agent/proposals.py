"""Committing what the agent proposed, once the customer said yes in a later turn.

The commit runs inside the flush transaction, re-checking everything (the slot may have
been taken since the proposal): the customer is told the truth about what was written.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import is_no, is_yes
from atende.brain.dialogue.state import NewPet, Proposal
from atende.brain.dialogue.when import extract_when
from atende.domain.slots import slot_problem
from atende.errors import SlotTaken
from atende.storage import bookings as booking_repo
from atende.storage import catalog


def answer_to_proposal(texts: list[str], today: Any) -> str | None:
    """'yes' or 'no' when the burst only confirms or declines; None when it says more
    (a new time, a question), which the agent must read."""
    joined = " ".join(t.strip() for t in texts if t.strip())
    if not joined or len(re.findall(r"\w+", joined)) > 8:
        return None
    if not extract_when(joined, today).empty:
        return None
    yes, no = is_yes(joined), is_no(joined)
    if yes and not no:
        return "yes"
    if no and not yes:
        return "no"
    return None


def commit(ctx: DialogueContext, proposal: Proposal) -> str:
    """Do what was proposed; the sentence to tell the customer."""
    action = proposal.action
    org_id, contact_id = ctx.turn.org.id, ctx.turn.contact_id
    try:
        with ctx.session.begin_nested():
            if action == "register_pet" and proposal.pet is not None:
                pet = proposal.pet
                catalog.register_pet(
                    ctx.session,
                    org_id,
                    contact_id,
                    pet.name or "",
                    pet.species or "",
                    pet.breed or "",
                    pet.birth_date,
                )
                return f"Prontinho! {pet.name} está cadastrado ✅🐾"
            if action == "cancel" and proposal.booking_id is not None:
                if not booking_repo.cancel(ctx.session, org_id, proposal.booking_id):
                    return "Esse agendamento já não estava ativo. Posso ajudar em algo mais?"
                return "Pronto, cancelado ✅ Quando quiser remarcar, é só chamar 🙂"
            if action == "reschedule":
                return _reschedule(ctx, proposal)
            if action == "book":
                return _book(ctx, proposal)
    except (SlotTaken, IntegrityError):
        return (
            "Poxa, esse horário acabou de ser reservado por outra pessoa 😕 "
            "Quer que eu veja outro horário?"
        )
    return "Não consegui concluir isso por aqui. Posso chamar alguém da equipe?"


GONE = "Esse horário não está mais disponível 😕 Quer que eu veja outro?"


def _still_possible(ctx: DialogueContext, service_id: int, start: datetime) -> bool:
    """A "sim" may come hours after the proposal: the time may have passed meanwhile."""
    service = ctx.service(service_id)
    return (
        service is not None
        and slot_problem(start, service.duration_minutes, ctx.hours, [], ctx.now, ctx.tz) is None
    )


def _book(ctx: DialogueContext, proposal: Proposal) -> str:
    org_id, contact_id = ctx.turn.org.id, ctx.turn.contact_id
    if proposal.starts_at is None or proposal.service_id is None:
        return GONE
    start = datetime.fromisoformat(proposal.starts_at)
    service = ctx.service(proposal.service_id)
    if service is None:
        return "Esse serviço não está mais disponível 😕 Posso ajudar com outro?"
    if not _still_possible(ctx, service.id, start):
        return GONE
    pet_id = proposal.pet_id
    known = ctx.pet(pet_id)
    pet_name = known.name if known is not None else ""
    if not pet_id:
        new = proposal.pet or NewPet()
        pet = catalog.register_pet(
            ctx.session, org_id, contact_id, new.name or "", new.species or "", new.breed or ""
        )
        pet_id, pet_name = pet.id, pet.name
    booking_repo.book(ctx.session, org_id, contact_id, service.id, pet_id, start)
    local = start.astimezone(ctx.tz)
    when = f"{say.day_label(local.date(), ctx.today)} às {say.hhmm(local)}"
    return f"Prontinho! ✅ {service.name} do {pet_name} agendado: {when}. Até lá! 🐾"


def _reschedule(ctx: DialogueContext, proposal: Proposal) -> str:
    org_id, contact_id = ctx.turn.org.id, ctx.turn.contact_id
    upcoming = booking_repo.upcoming_for_contact(ctx.session, org_id, contact_id)
    old = next((b for b in upcoming if b.id == proposal.booking_id), None)
    if old is None or proposal.starts_at is None:
        return "Esse agendamento já não estava ativo. Quer marcar um novo horário?"
    start = datetime.fromisoformat(proposal.starts_at)
    if not _still_possible(ctx, old.service_id, start):
        return GONE
    booking_repo.cancel(ctx.session, org_id, old.id)
    booking_repo.book(ctx.session, org_id, contact_id, old.service_id, old.pet_id, start)
    local = start.astimezone(ctx.tz)
    return (
        f"Prontinho! ✅ Remarcado para {say.day_label(local.date(), ctx.today)} "
        f"às {say.hhmm(local)}. Até lá! 🐾"
    )
