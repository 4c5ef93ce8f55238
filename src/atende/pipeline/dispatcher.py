"""Outbound: claim a queued message, call the provider, record the outcome.

Transient failures (5xx, 429, timeouts) retry with exponential backoff; permanent ones
and the last attempt end ``failed`` with an alert. The send claim makes a job that
runs twice send once.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.channels.errors import SendError
from atende.pipeline import metrics
from atende.pipeline.channels import ChannelDirectory
from atende.pipeline.ports import PipelineSettings, Scheduler
from atende.storage import messages
from atende.storage.db import transaction
from atende.storage.models import Alert, Contact, Conversation
from atende.storage.types import utcnow

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        directory: ChannelDirectory,
        settings: PipelineSettings,
        scheduler: Scheduler,
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._settings = settings
        self._scheduler = scheduler

    def send(self, message_id: int) -> str:
        """Try to send one message; returns what happened (for logs and tests)."""
        with transaction(self._sessions) as session:
            msg = messages.claim_send(session, message_id, self._settings.claim_lease_seconds)
            if msg is None:
                return "skipped"
            phone = session.scalar(
                select(Contact.phone)
                .join(Conversation, Conversation.contact_id == Contact.id)
                .where(Conversation.id == msg.conversation_id)
            )
            channel_id, body, attempts, org_id = (
                msg.channel_id,
                msg.body,
                msg.attempts,
                msg.organization_id,
            )
        adapter = self._directory.adapter(channel_id)
        if adapter is None or phone is None:
            return self._fail(message_id, org_id, "no_channel", "channel or contact is gone")
        callback = (
            f"{self._settings.public_url}/webhooks/{adapter.config.provider}/{channel_id}/status"
        )
        try:
            result = adapter.send_text(phone, body, status_callback=callback)
        except SendError as exc:
            return self._after_error(
                message_id, org_id, attempts, exc.code, str(exc), exc.is_transient
            )
        except Exception as exc:  # an adapter bug must not lose the message
            log.exception("unexpected error sending message %s", message_id)
            return self._after_error(message_id, org_id, attempts, "error", repr(exc), True)
        with transaction(self._sessions) as session:
            messages.mark_sent(session, message_id, result.provider_id)
        metrics.SENDS.labels("sent").inc()
        return "sent"

    def _after_error(
        self, message_id: int, org_id: int, attempts: int, code: str, detail: str, transient: bool
    ) -> str:
        if not transient or attempts >= self._settings.send_max_attempts:
            return self._fail(message_id, org_id, code, detail)
        delay = self._settings.send_retry_base_seconds * (2 ** (attempts - 1))
        with transaction(self._sessions) as session:
            messages.mark_retry(session, message_id, delay, code, detail)
        metrics.SENDS.labels("retry").inc()
        log.warning("send of message %s failed (%s), retry in %.0fs", message_id, code, delay)
        self._scheduler.schedule_send(message_id, delay)
        return "retry"

    def _fail(self, message_id: int, org_id: int, code: str, detail: str) -> str:
        with transaction(self._sessions) as session:
            messages.mark_failed(session, message_id, code, detail)
            session.add(
                Alert(
                    organization_id=org_id,
                    kind="send_failed",
                    message=f"message {message_id} failed ({code})",
                    created_at=utcnow(),
                )
            )
        metrics.SENDS.labels("failed").inc()
        log.error("message %s failed for good (%s)", message_id, code)
        return "failed"
