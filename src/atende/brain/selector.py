"""Which brain answers a turn: the owner assistant for the owner's numbers, otherwise
the organization's choice (``settings.brain``) or the environment's default."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from atende.brain.agent.brain import LlmBrain
from atende.brain.base import Brain, Reply, Turn
from atende.brain.dialogue import catalogue
from atende.brain.dialogue.urgency import emergency_in
from atende.brain.offline.brain import OfflineBrain
from atende.brain.owner.assistant import OwnerAssistant
from atende.storage import shop

log = logging.getLogger(__name__)


class BrainSelector:
    name = "selector"

    def __init__(
        self,
        offline: OfflineBrain,
        owner: OwnerAssistant,
        llm: LlmBrain | None,
        default: str = "offline",
        owner_llm: Brain | None = None,
    ) -> None:
        self.offline = offline
        self.owner = owner
        self.llm = llm
        self.default = default
        self.owner_llm = owner_llm
        self._warned: set[int] = set()

    def pick(self, turn: Turn) -> Brain:
        wants_llm = (turn.org.settings.brain or self.default) == "openai"
        usable = self.llm is not None and self.llm.settings_for(turn).llm.usable
        if wants_llm and not usable and turn.org.id not in self._warned:
            self._warned.add(turn.org.id)
            log.warning(
                "organization %s wants the LLM brain but no model is set "
                "(ATENDE_LLM_MODEL or `atende org settings --llm-model`); "
                "the offline brain answers",
                turn.org.id,
            )
        if turn.owner:
            return self.owner_llm if (wants_llm and usable and self.owner_llm) else self.owner
        if wants_llm and usable and self.llm is not None:
            return self.llm
        return self.offline

    def prepare(self, session: Session, turn: Turn) -> Any:
        if _setting_up(session, turn):
            return None  # nothing to think about: see respond
        return self.pick(turn).prepare(session, turn)

    def respond(self, session: Session, turn: Turn) -> Reply:
        if _setting_up(session, turn):
            state = turn.state.copy_state()
            state.reset_flow()
            return Reply([catalogue.SETTING_UP], state, "setting_up", handoff=True, brain="setup")
        brain = self.pick(turn)
        reply = brain.respond(session, turn)
        reply.brain = reply.brain or brain.name
        return reply


def _setting_up(session: Session, turn: Turn) -> bool:
    """A customer of a shop with no services, hours or resources yet: nothing can be
    listed, quoted or booked, so instead of an empty list they are told the shop is
    being set up and a person is called (an emergency still gets the brain's answer)."""
    if turn.owner or not shop.gaps(session, turn.org.id):
        return False
    return not any(emergency_in(m.text) for m in turn.burst if m.text)
