"""'que horas fica pronto?', 'dá pra buscar que horas?': when a service ends — of the
booking the customer has, or of the drop-off time they say ("se eu deixar às 10h").

Owners are asked this all day; the answer is arithmetic over what atende already knows
(the booking's end, or the service's duration for that pet), so it never needs a person."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.pets import pets_meant
from atende.brain.dialogue.reading import Reading
from atende.brain.dialogue.state import DialogueState
from atende.domain.text import fold
from atende.storage import bookings as booking_repo

_ASKS = re.compile(
    r"\b(fica(r|ra)? pront[oa]|(que|q) horas? (eu |a gente )?(posso |da pra |pode |consigo |vou )?"
    r"(buscar|pegar|retirar|busco|pego)|(da|pode|posso) (pra )?(buscar|pegar|retirar)\w* (que|q)"
    r" horas|quando (fica pront[oa]|(eu )?(posso|da pra|consigo) (buscar|pegar|retirar)))\b"
)


def asks(text: str) -> bool:
    """Asks when a pet is ready or can be picked up (not when the shop closes)."""
    return bool(_ASKS.search(fold(text)))


def answer(ctx: DialogueContext, st: DialogueState, reading: Reading) -> str | None:
    """When it will be ready: from a drop-off time said with a service (this burst, the
    booking being made, or the service just talked about), else from the one booking of
    the customer's that the question can mean; None when neither is known."""
    if not asks(reading.text):
        return None
    service = (
        reading.service or ctx.service(st.frame.service_id) or ctx.service(st.topic_service_id)
    )
    if reading.when.at is not None and service is not None:
        pets = pets_meant(reading.text, ctx.pets)
        pet = pets[0] if len(pets) == 1 else ctx.pet(st.frame.pet_id)
        day = reading.when.day or ctx.today
        minutes = ctx.minutes(service, pet)
        start = datetime.combine(day, reading.when.at)
        end = start + timedelta(minutes=minutes)
        closing = max((c for _, c in ctx.day(day).spans), default=None)
        if closing is not None and end.time() > closing:  # "se eu deixar às 17h30?"
            took = say.duration(minutes)
            return words.ends_after_closing(service, say.hhmm(start), took, say.hhmm(closing))
        return words.ready_if_left(service, say.hhmm(start), say.hhmm(end))
    booked = booking_repo.upcoming_for_contact(  # the pet may be at the shop right now
        ctx.session, ctx.turn.org.id, ctx.turn.contact_id, unfinished=True
    )
    pet_ids = {p.id for p in pets_meant(reading.text, ctx.pets)}
    of_pet = [b for b in booked if not pet_ids or b.pet_id in pet_ids]
    meant = [b for b in of_pet if service is None or b.service_id == service.id]
    if not meant and service is not None:
        meant = of_pet  # "o banho da Mel" when hers is a "Banho e tosa"
    if len(meant) != 1:
        return None
    one = meant[0]
    start, end = one.starts_at.astimezone(ctx.tz), one.ends_at.astimezone(ctx.tz)
    service_now = ctx.service(one.service_id)
    pet = ctx.pet(one.pet_id)
    label = words.booking_of(service_now, pet.name if pet else "seu pet")
    when = f"{say.WEEKDAY_NAMES[start.weekday()]}, {start:%d/%m}, às {say.hhmm(start)}"
    return words.ready_booked(f"{label} ({when})", say.hhmm(end))
