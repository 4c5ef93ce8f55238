"""Undoing a cancellation the customer regrets: 'ops, o da Mel não! volta ele'.

Right after a cancellation (``UNDO_WINDOW``), a message that takes it back ('volta',
'desfaz', 'cancelei errado', 'era pra remarcar, não cancelar', or 'o da Mel não!' naming
one of the pets just cancelled) puts the booking back on its own resource and time; when
it also names a new day or time, the booking, back, then moves there through the
ordinary reschedule (with its "Posso remarcar?"). Someone else having taken the time
meanwhile is said plainly, and the times still free are offered.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.pets import pets_meant
from atende.brain.dialogue.reading import Reading
from atende.brain.dialogue.state import DialogueState
from atende.brain.offline import booking, manage
from atende.brain.offline.outcome import Outcome
from atende.domain.text import fold
from atende.errors import NotFound, SlotTaken
from atende.storage import bookings as booking_repo
from atende.storage.models import Booking

UNDO_WINDOW = timedelta(minutes=30)

_TAKE_BACK = re.compile(
    r"\b(volta\w*|desfaz\w*|descancel\w*|reativ\w*|cancel\w* (errado|sem querer|por engano)"
    r"|(era|e) (pra|para) (remarcar|mudar|trocar|passar)\w*|nao (era|e) (pra|para) cancelar"
    r"|nao (queria|quis) cancelar|errei|me enganei|confundi|troquei|sem querer|por engano)\b"
)
_CANCEL_OTHER = re.compile(r"\b(cancel\w*|desmarc\w*)\b")
_NOT_THAT_ONE = re.compile(r"\b(o|a) d[oa] \w+ nao\b")  # "o da Mel não!"


def answer(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Outcome | None:
    """The cancellation just made, taken back; None when this message does not."""
    if not st.cancelled_ids or st.cancelled_at is None:
        return None
    if ctx.now - st.cancelled_at > UNDO_WINDOW or st.flow is not None:
        st.cancelled_ids, st.cancelled_at = [], None
        return None
    folded = fold(reading.text)
    if not (_TAKE_BACK.search(folded) or _NOT_THAT_ONE.search(folded)):
        return None
    cancelled = _cancelled(ctx, st.cancelled_ids)
    # every pet named, kept ones too: "era o da Pandora, o Rex vai sim — volta o do Rex"
    named = {p.id for p in ctx.pets if re.search(rf"\b{re.escape(fold(p.name))}\b", folded)}
    chosen = [b for b in cancelled if b.pet_id in named] if named else cancelled
    if len(chosen) != 1:
        return None  # several and none named: the ordinary flows ask
    st.cancelled_ids, st.cancelled_at = [], None
    others = named - {chosen[0].pet_id}
    if others and _CANCEL_OTHER.search(folded):  # "era o da Pandora que eu queria cancelar"
        st.then = next((line for line in reading.lines if _CANCEL_OTHER.search(fold(line))), None)
    back = chosen[0]
    try:
        with ctx.session.begin_nested():
            booking_repo.restore(ctx.session, ctx.turn.org.id, back.id)
    except (NotFound, SlotTaken):
        return _taken_meanwhile(ctx, st, back)
    described = manage.describe(ctx, back, in_sentence=True)
    new_day = reading.when.day is not None or reading.when.earliest is not None
    if new_day or (reading.when.at is not None and not reading.same_time):
        out = manage.reschedule(ctx, st, back, reading)  # "era pra remarcar pra quinta"
        out.lead = f"{words.restored(described)} {out.lead}".strip()
        return out
    return Outcome(final=words.restored(described))


# "marcar uma consulta pra ela no lugar, mesmo dia às 16h" right after a cancellation
_IN_PLACE = re.compile(r"\b(no lugar|mesmo dia|msm dia|pra ela|pra ele|para ela|para ele)\b")


def in_place_of_cancelled(ctx: DialogueContext, st: DialogueState, reading: Reading) -> None:
    """A booking asked for 'in place of' the one just cancelled takes its pet (unless
    another is named) and, for 'mesmo dia' / 'no lugar', its day (unless another is said)."""
    fresh = st.cancelled_at is not None and ctx.now - st.cancelled_at <= UNDO_WINDOW
    said = fold(reading.text)
    if not st.cancelled_ids or not fresh or not _IN_PLACE.search(said):
        return
    cancelled = _cancelled(ctx, st.cancelled_ids)
    if len(cancelled) != 1:
        return
    old, frame = cancelled[0], st.frame
    if frame.pet_id is None and frame.new_pet is None and not pets_meant(reading.text, ctx.pets):
        frame.pet_id = old.pet_id
    if frame.day is None and frame.earliest is None and re.search(r"lugar|mesmo dia|msm dia", said):
        frame.day = old.starts_at.astimezone(ctx.tz).date()


def _cancelled(ctx: DialogueContext, ids: list[int]) -> list[Booking]:
    rows = ctx.session.scalars(
        select(Booking).where(Booking.organization_id == ctx.turn.org.id, Booking.id.in_(ids))
    )
    return [b for b in rows if b.starts_at > ctx.now]


def _taken_meanwhile(ctx: DialogueContext, st: DialogueState, old: Booking) -> Outcome:
    """Its time went to someone else: a new booking of the same, times offered."""
    st.start("booking")
    st.frame.service_id, st.frame.pet_id = old.service_id, old.pet_id
    st.frame.day = old.starts_at.astimezone(ctx.tz).date()
    out = booking.next_question(ctx, st)
    out.lead = f"{words.RESTORE_TAKEN} {out.lead}".strip()
    return out
