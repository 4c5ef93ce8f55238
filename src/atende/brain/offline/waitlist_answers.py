"""The answer to a waitlist offer ("abriu um horário … responda *sim* para ficar com ele").

The offer (``pipeline/waitlist.py``) holds the freed time with a ``held`` booking and
leaves ``waitlist_booking_id`` and ``waitlist_offered_at`` in the dialogue state. While
the offer is the last thing we asked, a yes turns the hold into the customer's booking
and a no releases it (they stay in line for another time that day). A yes after the
hold was released — nobody answered in time and it went to the next in line — is told
so and invited to book again. Anything else is an ordinary turn, the offer kept until
it expires. ``OfflineBrain._turn`` reads this before anything else; the LLM brain
routes a burst that :func:`reads_as_answer` to the offline brain.
"""

from __future__ import annotations

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import is_no, is_yes
from atende.brain.dialogue.reading import Reading
from atende.brain.dialogue.state import DialogueState
from atende.brain.offline.outcome import Outcome
from atende.brain.offline.reminder_answers import Answer
from atende.storage import waitlist
from atende.storage.models import WaitlistEntry


def reads_as_answer(state: DialogueState, texts: list[str]) -> bool:
    """Whether this burst answers the offer (a yes or a no while it is the last thing
    asked); whether the hold still stands is checked there."""
    if state.waitlist_booking_id is None or not _last_asked(state):
        return False
    text = " ".join(t.strip() for t in texts if t.strip())
    return is_yes(text) != is_no(text)


def answer(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Answer | None:
    """The offer taken or declined, or None for an ordinary turn."""
    held_id = st.waitlist_booking_id
    if held_id is None or not _last_asked(st):
        return None
    yes, no = reading.yes and not reading.no, reading.no and not reading.yes
    if not (yes or no):
        return None
    st.waitlist_booking_id, st.waitlist_offered_at = None, None
    org_id, contact_id = ctx.turn.org.id, ctx.turn.contact_id
    entry = waitlist.offered_entry(ctx.session, org_id, contact_id, held_id)
    if entry is None:  # released: nobody answered in time, the next in line has it
        return _gone(ctx, st) if yes else None
    if no:
        waitlist.decline(ctx.session, org_id, contact_id, held_id)
        return Answer(Outcome(final=words.waitlist_declined(_day(ctx, entry))), "waitlist:no")
    booked = waitlist.accept(ctx.session, org_id, contact_id, held_id)
    service = ctx.service(entry.service_id)
    if booked is None or service is None:
        return _gone(ctx, st)
    st.reset_flow()
    pet = ctx.pet(booked.pet_id)
    local = booked.starts_at.astimezone(ctx.tz)
    when = f"{_day(ctx, entry)} às {say.hhmm(local)}"
    text = words.booked(service, pet.name if pet else "seu pet", when, reschedule=False)
    return Answer(Outcome(final=text), "waitlist:yes")


def _gone(ctx: DialogueContext, st: DialogueState) -> Answer:
    entries = waitlist.entries_of(ctx.session, ctx.turn.org.id, ctx.turn.contact_id)
    offered = [e for e in entries if e.offered_at is not None]
    if offered:
        st.topic_service_id = offered[-1].service_id  # "Quer agendar?" — "sim": that service
    return Answer(Outcome(final=words.WAITLIST_GONE), "waitlist:gone")


def _day(ctx: DialogueContext, entry: WaitlistEntry) -> str:
    return say.bare_day(say.day_label(entry.day, ctx.today))


def _last_asked(st: DialogueState) -> bool:
    """The offer is the last thing we asked: it came after our last words, or nothing we
    said since waits for an answer."""
    if st.said_at is None or st.waitlist_offered_at is None:
        return True
    if st.waitlist_offered_at >= st.said_at:
        return True
    return st.awaiting is None and not st.invited
