"""What people do to conversations: take over, give back, reply by hand, re-send failures
(all failures of the last hours, or one at a time from the manual queue)."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session, sessionmaker

from atende.domain.states import ConversationState
from atende.errors import NotFound
from atende.pipeline.ports import Scheduler
from atende.storage import conversations, manual_queue, messages
from atende.storage.db import transaction
from atende.storage.models import Conversation
from atende.storage.types import utcnow


class Operations:
    def __init__(self, sessions: sessionmaker[Session], scheduler: Scheduler) -> None:
        self._sessions = sessions
        self._scheduler = scheduler

    def handoff(self, org_id: int, conversation_id: int) -> None:
        """A person takes over until released (no quiet-period timeout)."""
        with transaction(self._sessions) as session:
            conv = conversations.get(session, org_id, conversation_id)
            if conv is None:
                raise NotFound(f"conversation {conversation_id} not found")
            conv.state = ConversationState.HUMAN
            conv.human_until = None

    def release(self, org_id: int, conversation_id: int) -> None:
        """Give the conversation back to the bot; what the person already handled stays handled."""
        with transaction(self._sessions) as session:
            conv = conversations.get(session, org_id, conversation_id)
            if conv is None:
                raise NotFound(f"conversation {conversation_id} not found")
            conv.state = ConversationState.BOT
            conv.human_until = None
            conv.dialogue_state = {}

    def operator_reply(self, org_id: int, conversation_id: int, body: str) -> int:
        with transaction(self._sessions) as session:
            conv: Conversation | None = conversations.get(session, org_id, conversation_id)
            if conv is None:
                raise NotFound(f"conversation {conversation_id} not found")
            message_id = messages.add_outbound(
                session,
                org_id,
                conversation_id,
                conv.channel_id,
                body,
                "operator:" + secrets.token_hex(12),
                author="operator",
            )
            conv.last_message_at = utcnow()
        assert message_id is not None
        self._scheduler.schedule_send(message_id, 0.0)
        return message_id

    def retry_failed(self, org_id: int, hours: float) -> list[int]:
        with transaction(self._sessions) as session:
            failed = [m.id for m in messages.failed_since(session, org_id, hours)]
            requeued = messages.requeue(session, org_id, failed)
        for message_id in requeued:
            self._scheduler.schedule_send(message_id, 0.0)
        return requeued

    # The manual queue (storage/manual_queue.py): one failed message at a time. Each
    # raises NotFound for another organization's id, Conflict unless it is failed.

    def retry_message(self, org_id: int, message_id: int) -> None:
        """Back to the queue with a fresh attempt budget, sent as soon as a worker can."""
        with transaction(self._sessions) as session:
            manual_queue.retry(session, org_id, message_id)
        self._scheduler.schedule_send(message_id, 0.0)

    def resend_message(self, org_id: int, message_id: int, body: str) -> None:
        """A new text for a failed message, then as ``retry_message``."""
        with transaction(self._sessions) as session:
            manual_queue.resend(session, org_id, message_id, body)
        self._scheduler.schedule_send(message_id, 0.0)

    def discard_message(self, org_id: int, message_id: int) -> None:
        with transaction(self._sessions) as session:
            manual_queue.discard(session, org_id, message_id)

    def mark_handled(self, org_id: int, message_id: int) -> None:
        """A person dealt with it outside atende (by phone): it leaves the queue."""
        with transaction(self._sessions) as session:
            manual_queue.handled(session, org_id, message_id)
