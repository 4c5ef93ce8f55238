"""Committing what the agent proposed, once the customer said yes in a later turn.

The commit runs inside the flush transaction, re-checking everything (the slot may have
been taken since the proposal): the customer is told the truth about what was written.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import is_no, is_yes
from atende.brain.dialogue.state import NewPet, Proposal
from atende.brain.dialogue.when import extract_when
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
                return words.pet_registered(pet.name or "")
            if action == "cancel" and proposal.booking_id is not None:
                if not booking_repo.cancel(ctx.session, org_id, proposal.booking_id):
                    return words.BOOKING_GONE
                return words.CANCELLED_PLAIN
            if action == "reschedule":
                return _reschedule(ctx, proposal)
            if action == "book":
                return _book(ctx, proposal)
    except (SlotTaken, IntegrityError):
        return words.JUST_TAKEN_BY_OTHER
    return words.COULD_NOT_DO


GONE = words.SLOT_GONE


def _still_possible(ctx: DialogueContext, service_id: int, start: datetime) -> bool:
    """A "sim" may come hours after the proposal: the time may have passed meanwhile."""
    service = ctx.service(service_id)
    return service is not None and ctx.calendar_problem(service, start) is None


def _book(ctx: DialogueContext, proposal: Proposal) -> str:
    org_id, contact_id = ctx.turn.org.id, ctx.turn.contact_id
    if proposal.starts_at is None or proposal.service_id is None:
        return GONE
    start = datetime.fromisoformat(proposal.starts_at)
    service = ctx.service(proposal.service_id)
    if service is None:
        return words.SERVICE_GONE
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
    return words.booked(service, pet_name, when, reschedule=False)


def _reschedule(ctx: DialogueContext, proposal: Proposal) -> str:
    org_id, contact_id = ctx.turn.org.id, ctx.turn.contact_id
    upcoming = booking_repo.upcoming_for_contact(ctx.session, org_id, contact_id)
    old = next((b for b in upcoming if b.id == proposal.booking_id), None)
    if old is None or proposal.starts_at is None:
        return words.BOOKING_GONE
    start = datetime.fromisoformat(proposal.starts_at)
    if not _still_possible(ctx, old.service_id, start):
        return GONE
    booking_repo.move(ctx.session, org_id, old.id, start)  # a reschedule in every figure
    local = start.astimezone(ctx.tz)
    return words.rescheduled(f"{say.day_label(local.date(), ctx.today)} às {say.hhmm(local)}")
