"""The brain interface: one burst in, one reply out, with the dialogue state carried along."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from atende.brain.dialogue.state import DialogueState
from atende.domain.entities import Choices
from atende.domain.org_settings import OrgSettings


@dataclass(frozen=True, slots=True)
class OrgProfile:
    id: int
    name: str
    timezone: str
    locale: str
    settings: OrgSettings = field(default_factory=OrgSettings)
    owner_phones: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BurstMessage:
    kind: str
    text: str


@dataclass(slots=True)
class Turn:
    """Everything a brain needs to answer one burst of a conversation."""

    org: OrgProfile
    conversation_id: int
    contact_id: int
    contact_phone: str
    contact_name: str | None
    burst: list[BurstMessage]
    state: DialogueState
    now: datetime
    first_message_id: int = 0  # history is what came before this message
    owner: bool = False  # the business's owner is writing, not a customer
    prepared: Any = None  # what ``Brain.prepare`` found, outside the write transaction


@dataclass(slots=True)
class Reply:
    """What to say. ``choices`` are tappable options for the last text; channels that can
    show them do, the others send the text, which already lists them."""

    texts: list[str]
    state: DialogueState
    intent: str = ""
    handoff: bool = False
    urgent: bool = False  # an emergency: staff are alerted at once, a person takes over
    choices: Choices | None = None
    brain: str = ""
    llm_calls: list[Any] = field(default_factory=list)  # CallRecords, logged with the reply
    sends: list[tuple[int, float]] = field(default_factory=list)  # other messages to send


class Brain(Protocol):
    name: str

    def prepare(self, session: Session, turn: Turn) -> Any:
        """Slow thinking (a model call) done before the write transaction opens, on a
        read-only session, so no lock is held while a model thinks. The result reaches
        ``respond`` as ``turn.prepared``."""

    def respond(self, session: Session, turn: Turn) -> Reply:
        """Answer the burst. Writes (bookings, pets) go through ``session``, which the
        caller commits together with the reply, so a crash leaves neither or both."""
