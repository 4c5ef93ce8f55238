"""Webhook in, one database transaction per item, acknowledgement out.

Framework-free: takes the raw body and headers, returns what to answer. A replayed
provider message id is a no-op (unique constraint), a forged signature stores nothing.
A batch is applied item by item: a malformed or unstorable item is skipped, logged and
counted (``atende_webhook_items_rejected_total``) while the others are stored; only a
transient storage failure answers 503, so the provider delivers the batch again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import assert_never

from sqlalchemy.orm import Session, sessionmaker

from atende.channels.base import (
    Channel,
    ChannelConfig,
    ConnectionUpdate,
    DeliveryStatus,
    Event,
    InboundMessage,
    OutboundEcho,
    Parsed,
    Rejection,
    SubscriptionVerifier,
    WebhookRequest,
)
from atende.channels.errors import SignatureInvalid, WebhookRejected
from atende.channels.registry import FACTORIES
from atende.domain.text import storable
from atende.pipeline import metrics
from atende.pipeline.channels import ChannelDirectory
from atende.pipeline.connections import ConnectionManager
from atende.pipeline.echoes import EchoHandler
from atende.pipeline.ports import PipelineSettings, Scheduler
from atende.storage import messages
from atende.storage.db import transaction
from atende.storage.inbound import InboundWriter, is_transient

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    status: int
    body: str
    media_type: str = "application/json"


REJECTED = {401: "unsigned", 403: "forged", 400: "bad_payload"}


def _error(status: int, detail: str) -> WebhookOutcome:
    return WebhookOutcome(status, json.dumps({"detail": detail}))


def one_line(exc: BaseException) -> str:
    """An exception as one short log line: its class and the first line of its text
    (SQL parameters, which may hold customers' words, come on later lines)."""
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0][:200]}" if text else exc.__class__.__name__


def _skip(provider: str, rejection: Rejection) -> None:
    metrics.ITEMS_REJECTED.labels(provider, rejection.reason).inc()
    log.warning("%s webhook: item skipped (%s): %s", provider, rejection.reason, rejection.detail)


def _label(event: Event) -> str:
    """How a log line names an event: its kind and provider id (never its text)."""
    ref = getattr(event, "provider_id", None) or getattr(event, "state", "")
    return f"{event.__class__.__name__} {ref}"


class Ingestor:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        directory: ChannelDirectory,
        settings: PipelineSettings,
        scheduler: Scheduler,
        echoes: EchoHandler,
        connections: ConnectionManager,
    ) -> None:
        self.echoes = echoes
        self.connections = connections
        self._sessions = sessions
        self.writer = InboundWriter(sessions.kw["bind"])
        self._directory = directory
        self._settings = settings
        self._scheduler = scheduler

    def _adapter(self, provider: str, channel_id: str) -> Channel | None:
        """The channel the URL names, if it exists and belongs to that provider."""
        adapter = self._directory.adapter(channel_id)
        if adapter is None or adapter.config.provider != provider:
            metrics.WEBHOOKS.labels("unknown", "unknown_channel").inc()  # URL words: no label
            return None
        return adapter

    def handle_webhook(
        self, provider: str, channel_id: str, request: WebhookRequest
    ) -> WebhookOutcome:
        """Verify, parse, store item by item, acknowledge. Never raises: an unexpected
        failure is one log line and a JSON answer (503 when retrying may help)."""
        try:
            return self._handle(provider, channel_id, request)
        except Exception as exc:
            transient = is_transient(exc)
            label = provider if provider in FACTORIES else "unknown"  # the URL's word
            metrics.WEBHOOKS.labels(label, "unavailable" if transient else "error").inc()
            log.error("%s webhook for %s failed: %s", provider, channel_id, one_line(exc))
            if transient:
                return _error(503, "storage is unavailable; deliver this webhook again later")
            return _error(500, "internal error while handling this webhook")

    def _handle(self, provider: str, channel_id: str, request: WebhookRequest) -> WebhookOutcome:
        adapter = self._adapter(provider, channel_id)
        if adapter is None:
            return _error(404, "unknown channel")
        try:
            adapter.verify(request)
            parsed = adapter.parse(request)
        except WebhookRejected as exc:
            metrics.WEBHOOKS.labels(provider, REJECTED.get(exc.status, "bad_payload")).inc()
            return _error(exc.status, str(exc))
        except Exception as exc:  # an adapter bug must not become a traceback per request
            metrics.WEBHOOKS.labels(provider, "unreadable").inc()
            log.error("%s webhook for %s unreadable: %s", provider, channel_id, one_line(exc))
            return _error(400, "this webhook could not be read")
        self._apply_all(provider, adapter.config, parsed)
        metrics.WEBHOOKS.labels(provider, "accepted").inc()
        ack = adapter.ack()
        return WebhookOutcome(ack.status, ack.body, ack.media_type)

    def _apply_all(self, provider: str, channel: ChannelConfig, parsed: Parsed) -> None:
        """Each item on its own: a rejected or unstorable one is skipped and counted;
        a transient storage failure propagates, so the provider delivers again (what
        was stored before it is then a replay)."""
        for rejection in parsed.rejected:
            _skip(provider, rejection)
        for event in parsed.events:
            try:
                self._apply(channel, event)
            except Exception as exc:
                if is_transient(exc):
                    raise
                _skip(provider, Rejection("store_failed", f"{_label(event)}: {one_line(exc)}"))

    def _apply(self, channel: ChannelConfig, event: Event) -> None:
        if isinstance(event, InboundMessage):
            self.ingest(channel, event)
        elif isinstance(event, DeliveryStatus):
            self.apply_status(channel, event)
        elif isinstance(event, OutboundEcho):
            self.echoes.apply(channel, event)
        elif isinstance(event, ConnectionUpdate):
            self.connections.apply(channel, event)
        else:
            assert_never(event)

    def handle_challenge(
        self, provider: str, channel_id: str, query: dict[str, str]
    ) -> WebhookOutcome:
        """A provider's GET handshake that proves we own the webhook URL (Meta)."""
        adapter = self._adapter(provider, channel_id)
        if adapter is None:
            return _error(404, "unknown channel")
        if not isinstance(adapter, SubscriptionVerifier):
            return _error(405, "this provider does not verify webhooks with GET")
        try:
            return WebhookOutcome(200, adapter.verify_subscription(query), "text/plain")
        except SignatureInvalid as exc:
            return _error(403, str(exc))

    def ingest(self, channel: ChannelConfig, msg: InboundMessage) -> int | None:
        """Store one inbound message and schedule its burst; None for a replay.

        Adapters hand over storable text already; the terminal chat and any other
        producer may not, so body and name pass through ``storable`` here too."""
        fields = {
            "kind": msg.kind,
            "body": storable(msg.body),
            "media_url": msg.media_url,
            "media_type": msg.media_type,
            "provider_id": msg.provider_id,
        }
        recorded = self.writer.record(
            channel.organization_id,
            channel.id,
            msg.sender,
            storable(msg.sender_name) if msg.sender_name else None,
            fields,
            self._settings.buffer_seconds,
        )
        if recorded.message_id is None:  # a replay: nothing was changed
            metrics.REPLAYS.inc()
            return None
        metrics.INGESTED.inc()
        self._schedule(recorded.conversation_id, recorded.version, recorded.pending)
        return recorded.message_id

    def _schedule(self, conversation_id: int, version: int, pending: int) -> None:
        """First message of a burst: flush after the window; a full burst: flush now.

        Later messages only move the deadline; the flush job re-schedules itself to it.
        A failed enqueue is not fatal: the message is committed and the sweeper finds it.
        """
        if pending >= self._settings.buffer_max_messages:
            delay = 0.0
        elif pending == 1:
            delay = self._settings.buffer_seconds
        else:
            return
        try:
            self._scheduler.schedule_flush(conversation_id, version, delay)
        except Exception:
            log.exception("could not enqueue flush for conversation %s", conversation_id)

    def apply_status(self, channel: ChannelConfig, status: DeliveryStatus) -> None:
        with transaction(self._sessions) as session:
            messages.apply_status(
                session, channel.id, status.provider_id, status.status, status.error_code
            )
