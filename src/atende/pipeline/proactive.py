"""What atende writes first (a reminder, a follow-up) is remembered in the conversation's
dialogue state, so the customer's answer ("1", "quinta às 10") is read as one.

The state belongs to the flush that answers the conversation: it reads it after claiming
and writes it back with the claim's release. So a periodic job locks the conversation
row and changes the state only while no flush holds the claim; otherwise it leaves the
message for its next run (a minute later), and nothing a turn writes is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from atende.brain.base import OrgProfile, Turn
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.state import DialogueState
from atende.storage import orgs
from atende.storage.models import Conversation, Organization
from atende.storage.types import utcnow


def remember(
    session: Session, conversation_id: int, change: Callable[[DialogueState], None]
) -> bool:
    """Apply ``change`` to the conversation's dialogue state, in the caller's transaction;
    False (nothing changed) while a flush is answering the conversation."""
    conv = session.get(Conversation, conversation_id, with_for_update=True, populate_existing=True)
    if conv is None:
        return False
    if conv.claim_token is not None and conv.claimed_until and conv.claimed_until > utcnow():
        return False
    state = DialogueState.load(conv.dialogue_state)
    change(state)
    conv.dialogue_state = state.dump()
    return True


def shop_context(session: Session, org: Organization, now: datetime) -> DialogueContext:
    """The shop as the dialogue sees it (services, hours, free times), for no customer."""
    profile = OrgProfile(org.id, org.name, org.timezone, org.locale, orgs.settings_of(org))
    turn = Turn(profile, 0, 0, "", None, [], DialogueState(), now)
    return DialogueContext(session, turn)
