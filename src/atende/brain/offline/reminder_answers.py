"""The answer to a reminder that asked "1 confirma · 2 remarcar · 3 cancelar".

The reminder (``pipeline/periodic.py``) leaves ``reminded_booking_id`` and
``reminded_at`` in the dialogue state. While that booking is still ahead, the
customer's "1", "confirmo", "👍" or the tapped *Confirmar* button confirms it; "2" or
"quero remarcar" starts the reschedule of that booking; "3" or "cancela" asks to
confirm its cancellation. Numbers and a plain "sim"/"não" count only while the reminder
is the last thing we asked; explicit words ("confirmo", "remarcar", "cancelar") count
until the booking is answered or over, except inside a flow begun after the reminder
(its "Posso confirmar?" takes its own "confirmo"). Anything else is an ordinary turn.

``OfflineBrain._turn`` calls :func:`answer` first, which also reads a follow-up's
answer ("quinta às 10": ``followup_answers``); the LLM brain routes a burst that
:func:`reads_as_answer` to the offline brain before calling its model (a follow-up's
answer it leaves to its model, which sees the follow-up in the history).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import is_no, is_yes
from atende.brain.dialogue.normalize import normalize
from atende.brain.dialogue.reading import Reading
from atende.brain.dialogue.state import DialogueState
from atende.brain.offline import booking, followup_answers, manage
from atende.brain.offline.outcome import Outcome
from atende.storage import alerts
from atende.storage import bookings as booking_repo
from atende.storage.models import Booking

Choice = Literal["confirm", "reschedule", "cancel", "unsure"]

_BUTTON = re.compile(r"^\s*choice:([0-2])\s*$")  # a tapped button's id, when no title came
_NUMBER = re.compile(r"^\W*(?:opcao\s*|op\s*|n\s*)?([123])\W*$")
_CONFIRM = re.compile(
    r"^\W*(confirm\w*|pode confirmar|vou sim|vamos sim|estarei( la)?|estaremos( la)?"
    r"|vou estar( la)?|pode contar|ta confirmado|esta confirmado|combinadissimo)\b"
)
_RESCHEDULE = re.compile(
    r"\b(remarc\w*|reagend\w*|outro (dia|horario)|(mudar|trocar|alterar) (o |a )?"
    r"(dia|horario|data|hora))\b"
)
_CANCEL = re.compile(
    r"\b(cancel\w*|desmarc\w*|nao (vou|vamos) (poder )?(ir|levar|conseguir)"
    r"|nao (vai|vou) dar)\b"
)


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: Outcome
    intent: str


def choice_in(text: str, last_asked: bool) -> Choice | None:
    """What the burst answers to the reminder. ``last_asked``: the reminder is the last
    thing we asked, so a number or a bare yes/no is its answer."""
    button = _BUTTON.match(text)
    if button:
        return ("confirm", "reschedule", "cancel")[int(button.group(1))]
    norm = normalize(text)
    number = _NUMBER.match(norm)
    if number and last_asked:
        return ("confirm", "reschedule", "cancel")[int(number.group(1)) - 1]
    if _RESCHEDULE.search(norm):
        return "reschedule"  # "cancelar e remarcar pra sexta" moves it
    if _CANCEL.search(norm):
        return "cancel"
    if _CONFIRM.search(norm) or (last_asked and is_yes(text)):
        return "confirm"
    if last_asked and is_no(text):
        return "unsure"
    return None


def reads_as_answer(state: DialogueState, texts: list[str]) -> bool:
    """Whether this burst answers the reminder (the LLM brain lets the offline brain take
    it rather than its model); whether the booking is still ahead is checked there."""
    last_asked = _last_asked(state)
    if state.reminded_booking_id is None or (state.flow and not last_asked):
        return False
    text = " ".join(t.strip() for t in texts if t.strip())
    return choice_in(text, last_asked) is not None


def answer(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Answer | None:
    """The reminder's (or a follow-up's) answer acted on, or None for an ordinary turn."""
    if st.reminded_booking_id is None:
        return _followup(ctx, st, reading)
    reminded = _upcoming(ctx, st.reminded_booking_id)
    if reminded is None:  # gone: cancelled, moved or begun
        st.reminded_booking_id, st.reminded_at = None, None
        return _followup(ctx, st, reading)
    last_asked = _last_asked(st)
    choice = None if st.flow and not last_asked else choice_in(reading.text, last_asked)
    if choice is None:  # not an answer, or a flow begun after the reminder takes the words
        return _followup(ctx, st, reading)
    if choice != "unsure":
        st.reminded_booking_id, st.reminded_at = None, None
    described = manage.describe(ctx, reminded, in_sentence=True)
    match choice:
        case "confirm":
            return _confirm(ctx, st, reminded, described)
        case "reschedule":
            return Answer(_reschedule(ctx, st, reminded, reading), "reminder:reschedule")
        case "cancel":
            st.start("cancel")
            st.frame.booking_id = reminded.id
            st.awaiting = "confirm_cancel"
            return Answer(Outcome(question=words.confirm_cancel(described)), "reminder:cancel")
        case "unsure":
            st.reset_flow()
            return Answer(Outcome(question=words.reminder_unsure(described)), "reminder:unsure")


def _followup(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Answer | None:
    outcome = followup_answers.answer(ctx, st, reading)
    return None if outcome is None else Answer(outcome, "followup:book")


def _last_asked(st: DialogueState) -> bool:
    """The reminder is the last thing we asked: it came after our last words, or nothing
    we said since waits for an answer (no question, no "Quer agendar?")."""
    if st.said_at is None or st.reminded_at is None or st.reminded_at >= st.said_at:
        return True
    return st.awaiting is None and not st.invited


def _upcoming(ctx: DialogueContext, booking_id: int) -> Booking | None:
    return next((b for b in manage.upcoming_of(ctx) if b.id == booking_id), None)


def _confirm(ctx: DialogueContext, st: DialogueState, reminded: Booking, described: str) -> Answer:
    st.reset_flow()
    org_id = ctx.turn.org.id
    booking_repo.confirm(ctx.session, org_id, reminded.id)  # False: confirmed already
    alerts.resolve(
        ctx.session, org_id, alerts.booking_subject(reminded.id), [alerts.BOOKING_UNCONFIRMED]
    )
    return Answer(Outcome(final=words.reminder_confirmed(described)), "reminder:confirm")


def _reschedule(
    ctx: DialogueContext, st: DialogueState, reminded: Booking, reading: Reading
) -> Outcome:
    """The reschedule flow on the reminded booking; "2, pode ser sexta às 10" goes
    straight to the new time."""
    st.start("reschedule")
    frame = st.frame
    frame.booking_id, frame.service_id, frame.pet_id = (
        reminded.id,
        reminded.service_id,
        reminded.pet_id,
    )
    ctx.ignore_booking = reminded
    if reading.has_when and not _NUMBER.match(normalize(reading.text)):
        booking.fill(ctx, st, reading)
        frame.service_id, frame.pet_id = reminded.service_id, reminded.pet_id
        if frame.day is not None or frame.at is not None or frame.earliest is not None:
            return booking.next_question(ctx, st)
    st.awaiting = "date"
    described = manage.describe(ctx, reminded, in_sentence=True)
    return Outcome(question=words.reschedule_when(described))
