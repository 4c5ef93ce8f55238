"""The answer to a follow-up ("Já faz 15 dias do último banho de Thor … Tenho estes
horários livres"): a day or time, a yes or "quero agendar" starts the booking of that
service for that pet, with whatever day and time the answer names.

The follow-up (``pipeline/followups.py``) leaves ``followup_service_id``,
``followup_pet_id`` and ``followup_at`` in the dialogue state; they count for
``ANSWER_DAYS`` and while no other flow is in progress. A "não", another service or
any other flow forgets them.
"""

from __future__ import annotations

from datetime import timedelta

from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.reading import Reading
from atende.brain.dialogue.state import DialogueState
from atende.brain.offline import booking
from atende.brain.offline.outcome import Outcome

ANSWER_DAYS = 7


def answer(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Outcome | None:
    """The booking the follow-up invited to, begun; None for an ordinary turn."""
    if st.followup_service_id is None:
        return None
    service = ctx.service(st.followup_service_id)
    fresh = st.followup_at is not None and ctx.now - st.followup_at <= timedelta(days=ANSWER_DAYS)
    other = reading.service is not None and reading.service.id != st.followup_service_id
    declined = reading.no and not reading.yes and not reading.has_when
    if service is None or st.flow is not None or not fresh or other or declined:
        forget(st)
        return None
    thanks = "thanks" in reading.intents and not reading.has_when
    wants = reading.has_when or (reading.yes and not reading.no and not thanks)
    if not (wants or reading.intent in ("book", "slots")):
        return None  # a question, a greeting: answered as usual, the invitation kept
    pet_id = st.followup_pet_id
    forget(st)
    st.start("booking")
    booking.fill(ctx, st, reading)
    st.frame.service_id = service.id
    if st.frame.pet_id is None and st.frame.new_pet is None and ctx.pet(pet_id) is not None:
        st.frame.pet_id = pet_id
    return booking.next_question(ctx, st)


def forget(st: DialogueState) -> None:
    st.followup_service_id, st.followup_pet_id, st.followup_at = None, None, None
