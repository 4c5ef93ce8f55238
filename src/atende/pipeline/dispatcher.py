"""Outbound: claim a queued message, call the provider, record the outcome.

Transient failures (5xx, 429, timeouts) retry with exponential backoff; permanent ones
and the last attempt end ``failed`` with an alert. The send claim makes a job that
runs twice send once. A worker that dies between the provider's answer and our commit
leaves a stale claim, and a timeout leaves us not knowing either: before sending such
a message again we ask the provider whether it already has it (``SentLookup``); where
it cannot tell, the resend is counted in ``atende_sends_outcome_unknown_total``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.channels.base import Channel, SendResult, SentLookup, WindowedChannel
from atende.domain.entities import Choices
from atende.domain.org_settings import OrgSettings
from atende.errors import SendError, SynthesisError
from atende.pipeline import metrics
from atende.pipeline.channels import ChannelDirectory
from atende.pipeline.ports import PipelineSettings, Scheduler
from atende.pipeline.voice import VoiceReplies
from atende.storage import alerts, sends
from atende.storage.db import transaction
from atende.storage.models import Contact, Conversation, Organization
from atende.storage.types import utcnow

log = logging.getLogger(__name__)

# Provider clocks drift and their timestamps are whole seconds: search a little earlier
# than the attempt began (a match must still carry our exact body, to our customer).
LOOKUP_MARGIN = timedelta(seconds=60)


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
    choices: Choices | None
    last_inbound_at: datetime | None
    org_settings: OrgSettings
    kind: str
    outcome_unknown: bool
    started_at: datetime

    @property
    def templates(self) -> dict[str, dict[str, str]]:
        return self.org_settings.templates.for_provider()


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


def _shows_our_text(adapter: Channel, claimed: _Claimed) -> bool:
    """Whether the provider's copy carries our body: not a voice note, not a template."""
    if claimed.kind != "text":
        return False
    return not (
        isinstance(adapter, WindowedChannel) and _window_closed(claimed, adapter.window_hours)
    )


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
        if claimed.outcome_unknown:
            found = self._reconcile(adapter, claimed)
            if found is not None:
                return self._sent(claimed, found, "reconciled")
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
        return self._sent(claimed, result.provider_id, "sent")

    def _sent(self, claimed: _Claimed, provider_id: str | None, outcome: str) -> str:
        with transaction(self._sessions) as session:
            sends.mark_sent(session, claimed.id, provider_id)
        metrics.SENDS.labels(outcome).inc()
        self._send_next(claimed)
        return outcome

    def _reconcile(self, adapter: Channel, claimed: _Claimed) -> str | None:
        """The provider's id for the earlier attempt when the provider shows it went out;
        None to send again. A resend we could not check first is counted."""
        if isinstance(adapter, SentLookup) and _shows_our_text(adapter, claimed):
            since = claimed.started_at - LOOKUP_MARGIN
            try:
                found = adapter.find_sent(claimed.phone or "", claimed.body, since, claimed.choices)
            except Exception as exc:  # the lookup failing must not keep the message from going
                log.warning("could not check whether message %s went out: %r", claimed.id, exc)
            else:
                if found is not None:
                    return self._unrecorded(claimed, found)
        metrics.SENDS_OUTCOME_UNKNOWN.labels(adapter.config.provider).inc()
        log.warning("message %s may have gone out already; sending it again", claimed.id)
        return None

    def _unrecorded(self, claimed: _Claimed, provider_ids: list[str]) -> str | None:
        """The first match no other message of ours carries (two identical replies in a
        row are two provider messages)."""
        with self._sessions() as session:
            known = sends.known_provider_ids(session, claimed.channel_id, provider_ids)
        return next((p for p in provider_ids if p not in known), None)

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
            claim = sends.claim_send(session, message_id, self._settings.claim_lease_seconds)
            if claim is None:
                return None
            msg = claim.message
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
                Choices.from_json(msg.choices),
                last_inbound,
                OrgSettings.load(settings, org_id=msg.organization_id),
                msg.kind,
                claim.outcome_unknown,
                claim.started_at,
            )

    def _send_next(self, claimed: _Claimed) -> None:
        """Replies go out one after another: the next one waits for this one to finish."""
        with self._sessions() as session:
            following = sends.next_in_line(session, claimed.conversation_id, claimed.id)
        if following is not None:
            self._scheduler.schedule_send(following, 0.0)

    def _after_error(self, claimed: _Claimed, code: str, detail: str, transient: bool) -> str:
        if not transient or claimed.attempts >= self._settings.send_max_attempts:
            return self._fail(claimed, code, detail)
        delay = self._settings.send_retry_base_seconds * (2 ** (claimed.attempts - 1))
        with transaction(self._sessions) as session:
            sends.mark_retry(session, claimed.id, delay, code, detail)
        metrics.SENDS.labels("retry").inc()
        log.warning("send of message %s failed (%s), retry in %.0fs", claimed.id, code, delay)
        self._scheduler.schedule_send(claimed.id, delay)
        return "retry"

    def _fail(self, claimed: _Claimed, code: str, detail: str) -> str:
        with transaction(self._sessions) as session:
            sends.mark_failed(session, claimed.id, code, detail)
            alerts.open_alert(
                session,
                claimed.organization_id,
                alerts.SEND_FAILED,
                alerts.message_subject(claimed.id),
                f"message {claimed.id} failed ({code})",
            )
        metrics.SENDS.labels("failed").inc()
        log.error("message %s failed for good (%s)", claimed.id, code)
        self._send_next(claimed)
        return "failed"
