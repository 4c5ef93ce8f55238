"""Joining a full day's waitlist, inside a booking.

When the day asked has no room for the service — the shop is open then, but every
capable resource is booked — the booking offers that day's waitlist instead of only
another day: "Quer entrar na lista de espera de sexta? Se abrir um horário, te aviso na
hora 🙂". A yes puts the customer in line (``storage/waitlist.py``) for that service and
day, with the period or time they asked for and the pet being booked; a no, or another
day or time, goes on with the booking. When a time frees up, ``pipeline/waitlist.py``
offers it to the first in line; ``waitlist_answers.py`` reads the answer.
"""

from __future__ import annotations

from datetime import date, datetime

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.reading import Reading
from atende.brain.dialogue.state import DialogueState, Period, WaitlistAsk
from atende.brain.offline.outcome import Outcome
from atende.domain.entities import ServiceInfo
from atende.storage import waitlist


def offer(
    ctx: DialogueContext,
    st: DialogueState,
    service: ServiceInfo,
    day: date,
    period: Period | None,
    near: datetime | None,
) -> Outcome | None:
    """The waitlist question for ``day``, when it is open but full for ``service``;
    None when the waitlist does not apply (closed, over, switched off, a reschedule)."""
    if st.flow != "booking" or not ctx.turn.org.settings.waitlist or day < ctx.today:
        return None
    if ctx.day(day).closed is not None:
        return None
    pet = ctx.pet(st.frame.pet_id)
    if not ctx.calendar.starts(day, ctx.minutes(service, pet), ctx.now):
        return None  # nothing left of the day on the calendar: not full, over
    at = near.astimezone(ctx.tz).time() if near is not None else None
    st.frame.waitlist = WaitlistAsk(day=day, period=period, at=at)
    st.awaiting = "waitlist"
    return Outcome(question=_question(ctx, service, day))


def _question(ctx: DialogueContext, service: ServiceInfo, day: date) -> words.Question:
    label = say.day_label(day, ctx.today)
    return words.ask_waitlist(service, label, say.bare_day(label))


def answer(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Outcome | None:
    """A yes joins the line; None when the booking goes on as usual (a no, another day
    or time: the frame takes it); the question again when the answer is neither."""
    wanted = st.frame.waitlist
    service = ctx.service(st.frame.service_id)
    if wanted is None or service is None:
        return None
    if reading.has_when or (reading.no and not reading.yes):
        st.frame.waitlist = None
        return None
    if not reading.yes:
        return Outcome(question=_question(ctx, service, wanted.day), progressed=False)
    pet_id = st.frame.pet_id
    if pet_id is None and len(ctx.pets) == 1 and st.frame.new_pet is None:
        pet_id = ctx.pets[0].id
    waitlist.join(
        ctx.session,
        ctx.turn.org.id,
        ctx.turn.contact_id,
        service.id,
        wanted.day,
        pet_id=pet_id,
        period=wanted.period,
        wanted_at=wanted.at,
    )
    st.reset_flow()
    label = say.bare_day(say.day_label(wanted.day, ctx.today))
    return Outcome(final=words.waitlist_joined(label))
