"""Outbound: claim a queued message, wait for its pace, call the provider, record the outcome.

Before each send the pacing gate (``pipeline/pacing.py``) says whether it may go now: the
channel's breaker, the caps and the pace shared by every worker. A reply to a customer
goes with the channel's "typing…" first where the provider shows it (WhatsApp Web). A
message that must wait goes back to ``queued`` for later without spending an attempt; so
does one the provider answers with a rate limit (Meta 130429/131056/131048, Twilio 63018,
any 429), up to the channel's ``max_deferrals``. Other transient failures (5xx, timeouts)
retry with exponential backoff and count towards the channel's breaker; permanent ones
and the last attempt end ``failed`` with an alert, in the manual queue. Every attempt is
logged (``send_attempts``). The send claim makes a job that runs twice send once. A
worker that dies between the provider's answer and our commit leaves a stale claim, and a
timeout leaves us not knowing either: before sending such a message again we ask the
provider whether it already has it (``SentLookup``); where it cannot tell, the resend is
counted in ``atende_sends_outcome_unknown_total``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.channels.base import Channel, SendResult, SentLookup, WindowedChannel
from atende.domain.entities import Choices
from atende.domain.org_settings import OrgSettings
from atende.domain.sending import Pacing, SendClass, typing_seconds
from atende.errors import SendError, SynthesisError
from atende.pipeline import metrics
from atende.pipeline.channels import ChannelDirectory
from atende.pipeline.pacing import (
    REPLY_QUEUES_WITHIN,
    BreakerSettings,
    Sending,
    Verdict,
    gate,
    pacing_of,
)
from atende.pipeline.ports import PipelineSettings, Scheduler
from atende.pipeline.voice import VoiceReplies
from atende.storage import alerts, pace, sends
from atende.storage.db import transaction
from atende.storage.models import Channel as ChannelRow
from atende.storage.models import Contact, Conversation, Organization
from atende.storage.types import utcnow

log = logging.getLogger(__name__)

# Provider clocks drift and their timestamps are whole seconds: search a little earlier
# than the attempt began (a match must still carry our exact body, to our customer).
LOOKUP_MARGIN = timedelta(seconds=60)
# what a rate-limit answer makes a message wait, before it doubles with each deferral
RATE_LIMIT_WAIT = {"channel": 5.0, "contact": 6.0, "campaigns": 60.0}
CAMPAIGN_PAUSE = timedelta(hours=1)  # Meta's spam limit (131048) pauses campaigns this long
MAX_WAIT = 600.0
# how many times a reply sleeps for a moment that is near and asks the gate again
# (its customer's slot, the breaker's probe) before going back to the queue
REPLY_ASKS = 3
# transient failures that say the channel itself is in trouble (not our speech synthesis)
BREAKER_CODES_FROM = 500


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
    send_class: SendClass
    deferrals: int
    pacing: Pacing
    sending: Sending
    first_part: bool  # the first part of a reply to a burst: its latency is the customer's wait

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
        self._breaker = BreakerSettings(settings.breaker_failures, settings.breaker_probe_seconds)

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
        verdict = self._gate(claimed)
        for _ in range(REPLY_ASKS):  # a reply whose moment is near waits for it here
            if verdict.go or claimed.send_class != SendClass.REPLY:
                break
            if verdict.wait > REPLY_QUEUES_WITHIN:
                break
            time.sleep(verdict.wait)
            verdict = self._gate(claimed)
        if not verdict.go:
            return self._wait(claimed, verdict)
        if verdict.wait > 0:
            time.sleep(verdict.wait)  # the slot this reply took is moments away
        began = time.monotonic()
        try:
            result = self._deliver(adapter, claimed)
        except _Refused as refused:
            return self._fail(claimed, refused.code, refused.detail)
        except SendError as exc:
            if exc.rate_limit is not None:
                return self._rate_limited(claimed, exc)
            if exc.is_transient and _channel_trouble(exc.code):
                self._breaker_failure(claimed, exc.code)
            return self._after_error(claimed, exc.code, str(exc), exc.is_transient)
        except SynthesisError as exc:  # speech synthesis failed: try again later
            return self._after_error(claimed, "tts", str(exc), True)
        except Exception as exc:  # an adapter bug must not lose the message
            log.exception("unexpected error sending message %s", message_id)
            return self._after_error(claimed, "error", repr(exc), True)
        finally:
            metrics.observe_send(adapter.config.provider, time.monotonic() - began)
        if claimed.first_part and claimed.last_inbound_at is not None:
            waited = (utcnow() - claimed.last_inbound_at).total_seconds()
            metrics.observe_reply_latency(max(0.0, waited))
        return self._sent(claimed, result.provider_id, "sent")

    def _gate(self, claimed: _Claimed) -> Verdict:
        with transaction(self._sessions) as session:
            return gate(session, claimed.sending, claimed.pacing, self._breaker, utcnow())

    def _wait(self, claimed: _Claimed, verdict: Verdict) -> str:
        """Back to the queue until its slot, the probe or the caps allow: no attempt spent."""
        delay = min(verdict.wait, MAX_WAIT * 6)
        with transaction(self._sessions) as session:
            sends.defer(session, claimed.id, delay, verdict.reason, count=False)
        metrics.SENDS.labels("waited").inc()
        self._scheduler.schedule_send(claimed.id, delay, claimed.send_class)
        self._send_next(claimed)
        return "waited"

    def _rate_limited(self, claimed: _Claimed, exc: SendError) -> str:
        """The provider said "too fast": wait (the channel, the customer or the
        campaigns, as it said) without spending an attempt, up to ``max_deferrals``."""
        scope = exc.rate_limit or "channel"
        if claimed.deferrals + 1 > claimed.pacing.max_deferrals:
            detail = f"rate limited {claimed.deferrals + 1} times: {exc}"
            return self._fail(claimed, exc.code, detail)
        base = exc.retry_after or RATE_LIMIT_WAIT.get(scope, 5.0)
        delay = min(MAX_WAIT, base * (2 ** min(claimed.deferrals, 6)))
        now = utcnow()
        until = now + timedelta(seconds=delay)
        channel_id = claimed.channel_id
        with transaction(self._sessions) as session:
            if scope == "contact":
                pace.push(session, f"contact:{channel_id}:{claimed.phone}", until)
            elif scope == "campaigns":
                row = session.get(ChannelRow, channel_id)
                if row is not None:
                    row.campaigns_paused_until = now + CAMPAIGN_PAUSE
                if claimed.send_class == SendClass.CAMPAIGN:
                    delay = CAMPAIGN_PAUSE.total_seconds()
            else:
                pace.push(session, f"channel:{channel_id}", until)
            sends.defer(session, claimed.id, delay, exc.code, count=True, detail=str(exc))
            sends.log_attempt(
                session,
                claimed.id,
                claimed.attempts,
                claimed.started_at,
                "deferred",
                exc.code,
                str(exc),
                now + timedelta(seconds=delay),
            )
        metrics.SENDS.labels("rate_limited").inc()
        log.warning("message %s rate limited (%s), waits %.0fs", claimed.id, exc.code, delay)
        self._scheduler.schedule_send(claimed.id, delay, claimed.send_class)
        self._send_next(claimed)
        return "rate_limited"

    def _breaker_failure(self, claimed: _Claimed, code: str) -> None:
        with transaction(self._sessions) as session:
            opened = pace.breaker_failure(
                session,
                claimed.channel_id,
                utcnow(),
                self._breaker.threshold,
                self._breaker.probe_seconds,
                code,
            )
        if opened:
            metrics.BREAKER_OPENED.inc()
            log.error("channel %s: breaker open after repeated failures", claimed.channel_id)

    def _sent(self, claimed: _Claimed, provider_id: str | None, outcome: str) -> str:
        with transaction(self._sessions) as session:
            sends.mark_sent(session, claimed.id, provider_id)
            sends.log_attempt(
                session, claimed.id, claimed.attempts, claimed.started_at, outcome, None, None
            )
            released = pace.breaker_success(session, claimed.channel_id, utcnow())
            if released:
                pace.release(session, claimed.channel_id, utcnow())
                backlog = pace.held_back(session, claimed.channel_id)
        metrics.SENDS.labels(outcome).inc()
        if released:  # the first success after an outage: the backlog goes, in order, paced
            log.info("channel %s: breaker closed, %d held back", claimed.channel_id, len(backlog))
            for message_id, priority in backlog:
                self._scheduler.schedule_send(message_id, 0.0, priority)
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
            phone,
            claimed.body,
            status_callback=callback,
            choices=claimed.choices,
            typing=_typing(claimed),
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
            channel = session.get(ChannelRow, msg.channel_id)
            send_class = SendClass(msg.priority)
            pacing = pacing_of(channel)
            now = utcnow()
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
                send_class,
                msg.deferrals,
                pacing,
                Sending(
                    msg.id,
                    msg.channel_id,
                    phone or "",
                    send_class,
                    msg.kind == "audio",
                    (now - channel.created_at).days if channel is not None else 0,
                    channel.campaigns_paused_until if channel is not None else None,
                    channel is None or channel.connection_state in (None, "open"),
                ),
                send_class == SendClass.REPLY
                and (msg.idempotency_key or "").startswith("reply:")
                and (msg.idempotency_key or "").endswith(":0"),
            )

    def _send_next(self, claimed: _Claimed) -> None:
        """A conversation's messages go out one at a time: this one is done or back in
        the queue, so the next one may go (its job found this one on its way)."""
        with self._sessions() as session:
            following = sends.next_in_line(session, claimed.conversation_id, claimed.id)
        if following is not None:
            self._scheduler.schedule_send(following[0], 0.0, following[1])

    def _after_error(self, claimed: _Claimed, code: str, detail: str, transient: bool) -> str:
        if not transient or claimed.attempts >= self._settings.send_max_attempts:
            return self._fail(claimed, code, detail)
        delay = self._settings.send_retry_base_seconds * (2 ** (claimed.attempts - 1))
        with transaction(self._sessions) as session:
            sends.mark_retry(session, claimed.id, delay, code, detail)
            sends.log_attempt(
                session,
                claimed.id,
                claimed.attempts,
                claimed.started_at,
                "retry",
                code,
                detail,
                utcnow() + timedelta(seconds=delay),
            )
        metrics.SENDS.labels("retry").inc()
        log.warning("send of message %s failed (%s), retry in %.0fs", claimed.id, code, delay)
        self._scheduler.schedule_send(claimed.id, delay, claimed.send_class)
        self._send_next(claimed)
        return "retry"

    def _fail(self, claimed: _Claimed, code: str, detail: str) -> str:
        with transaction(self._sessions) as session:
            sends.mark_failed(session, claimed.id, code, detail)
            sends.log_attempt(
                session, claimed.id, claimed.attempts, claimed.started_at, "failed", code, detail
            )
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


def _typing(claimed: _Claimed) -> float:
    """Seconds of "typing…" before a reply to a customer who wrote (the channel's
    ``typing_delay``, by the text's length); what atende starts itself goes without."""
    if claimed.send_class != SendClass.REPLY:
        return 0.0
    return typing_seconds(claimed.pacing, claimed.body)


def _channel_trouble(code: str) -> bool:
    """A transient failure that says the channel is down (no answer, 5xx), not one of ours."""
    http_5xx = len(code) == 3 and code.isdigit() and int(code) >= BREAKER_CODES_FROM
    return code in ("transport", "timeout") or http_5xx
