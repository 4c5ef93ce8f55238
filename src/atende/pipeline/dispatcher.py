"""Outbound: claim a queued message, call the provider, record the outcome.

Transient failures (5xx, 429, timeouts) retry with exponential backoff; permanent ones
and the last attempt end ``failed`` with an alert. The send claim makes a job that
runs twice send once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.channels.base import Channel, SendResult, WindowedChannel
from atende.errors import SendError, SynthesisError
from atende.pipeline import metrics
from atende.pipeline.channels import ChannelDirectory
from atende.pipeline.ports import PipelineSettings, Scheduler
from atende.pipeline.voice import VoiceReplies
from atende.storage import messages
from atende.storage.db import transaction
from atende.storage.models import Alert, Contact, Conversation, Organization
from atende.storage.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Claimed:
    """What a send needs from the claimed row, read inside the claiming transaction."""

    id: int
    conversation_id: int
    organization_id: int
    channel_id: str
    body: str
    attempts: int
    phone: str | None
    choices: dict[str, Any] | None
    last_inbound_at: datetime | None
    org_settings: dict[str, Any]
    kind: str

    @property
    def templates(self) -> dict[str, dict[str, str]]:
        return dict(self.org_settings.get("templates") or {})


class _Refused(Exception):
    """This message cannot be sent as it stands: it ends ``failed`` with the reason."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


NO_TEMPLATE = (
    "the customer's 24-hour window is closed and no template is configured for this "
    "channel (atende org template SLUG PROVIDER ...)"
)


def _window_closed(claimed: _Claimed, hours: float) -> bool:
    """Free text is allowed only within ``hours`` of the customer's last message."""
    last = claimed.last_inbound_at
    return last is None or utcnow() - last > timedelta(hours=hours)


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        directory: ChannelDirectory,
        settings: PipelineSettings,
        scheduler: Scheduler,
        voice: VoiceReplies | None = None,
    ) -> None:
        self._voice = voice
        self._sessions = sessions
        self._directory = directory
        self._settings = settings
        self._scheduler = scheduler

    def send(self, message_id: int) -> str:
        """Try to send one message; returns what happened (for logs and tests)."""
        claimed = self._claim(message_id)
        if claimed is None:
            return "skipped"
        adapter = self._directory.adapter(claimed.channel_id)
        if adapter is None or claimed.phone is None:
            return self._fail(claimed, "no_channel", "channel or contact is gone")
        try:
            result = self._deliver(adapter, claimed)
        except _Refused as refused:
            return self._fail(claimed, refused.code, refused.detail)
        except SendError as exc:
            return self._after_error(claimed, exc.code, str(exc), exc.is_transient)
        except SynthesisError as exc:  # speech synthesis failed: try again later
            return self._after_error(claimed, "tts", str(exc), True)
        except Exception as exc:  # an adapter bug must not lose the message
            log.exception("unexpected error sending message %s", message_id)
            return self._after_error(claimed, "error", repr(exc), True)
        with transaction(self._sessions) as session:
            messages.mark_sent(session, message_id, result.provider_id)
        metrics.SENDS.labels("sent").inc()
        self._send_next(claimed)
        return "sent"

    def _deliver(self, adapter: Channel, claimed: _Claimed) -> SendResult:
        """Voice reply, template outside the customer's window, or plain text."""
        provider = adapter.config.provider
        callback = f"{self._settings.public_url}/webhooks/{provider}/{claimed.channel_id}/status"
        phone = claimed.phone or ""
        if claimed.kind == "audio":
            if self._voice is None:
                raise _Refused("no_speaker", "voice replies are not configured")
            url, audio, content_type = self._voice.prepare(
                claimed.organization_id, claimed.org_settings, claimed.body
            )
            return adapter.send_audio(phone, url, audio, content_type, status_callback=callback)
        if isinstance(adapter, WindowedChannel) and _window_closed(claimed, adapter.window_hours):
            template = claimed.templates.get(provider)
            if not template:
                raise _Refused("outside_window", NO_TEMPLATE)
            return adapter.send_template(phone, claimed.body, template, status_callback=callback)
        return adapter.send_text(
            phone, claimed.body, status_callback=callback, choices=claimed.choices
        )

    def _claim(self, message_id: int) -> _Claimed | None:
        with transaction(self._sessions) as session:
            msg = messages.claim_send(session, message_id, self._settings.claim_lease_seconds)
            if msg is None:
                return None
            phone, last_inbound, settings = session.execute(
                select(Contact.phone, Conversation.last_inbound_at, Organization.settings)
                .join(Conversation, Conversation.contact_id == Contact.id)
                .join(Organization, Organization.id == Conversation.organization_id)
                .where(Conversation.id == msg.conversation_id)
            ).one()
            return _Claimed(
                msg.id,
                msg.conversation_id,
                msg.organization_id,
                msg.channel_id,
                msg.body,
                msg.attempts,
                phone,
                msg.choices,
                last_inbound,
                dict(settings or {}),
                msg.kind,
            )

    def _send_next(self, claimed: _Claimed) -> None:
        """Replies go out one after another: the next one waits for this one to finish."""
        with self._sessions() as session:
            following = messages.next_in_line(session, claimed.conversation_id, claimed.id)
        if following is not None:
            self._scheduler.schedule_send(following, 0.0)

    def _after_error(self, claimed: _Claimed, code: str, detail: str, transient: bool) -> str:
        if not transient or claimed.attempts >= self._settings.send_max_attempts:
            return self._fail(claimed, code, detail)
        delay = self._settings.send_retry_base_seconds * (2 ** (claimed.attempts - 1))
        with transaction(self._sessions) as session:
            messages.mark_retry(session, claimed.id, delay, code, detail)
        metrics.SENDS.labels("retry").inc()
        log.warning("send of message %s failed (%s), retry in %.0fs", claimed.id, code, delay)
        self._scheduler.schedule_send(claimed.id, delay)
        return "retry"

    def _fail(self, claimed: _Claimed, code: str, detail: str) -> str:
        with transaction(self._sessions) as session:
            messages.mark_failed(session, claimed.id, code, detail)
            session.add(
                Alert(
                    organization_id=claimed.organization_id,
                    kind="send_failed",
                    message=f"message {claimed.id} failed ({code})",
                    created_at=utcnow(),
                )
            )
        metrics.SENDS.labels("failed").inc()
        log.error("message %s failed for good (%s)", claimed.id, code)
        self._send_next(claimed)
        return "failed"
