"""Webhook in, one database transaction, acknowledgement out.

Framework-free: takes the raw body and headers, returns what to answer. A replayed
provider message id is a no-op (unique constraint), a forged signature stores nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from atende.channels.base import (
    Channel,
    ChannelConfig,
    ConnectionUpdate,
    DeliveryStatus,
    InboundMessage,
    OutboundEcho,
    SubscriptionVerifier,
    WebhookRequest,
)
from atende.channels.errors import BadPayload, SignatureInvalid, SignatureMissing
from atende.pipeline import metrics
from atende.pipeline.channels import ChannelDirectory
from atende.pipeline.connections import ConnectionManager
from atende.pipeline.echoes import EchoHandler
from atende.pipeline.ports import PipelineSettings, Scheduler
from atende.storage import messages
from atende.storage.db import transaction
from atende.storage.inbound import InboundWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    status: int
    body: str
    media_type: str = "application/json"


def _error(status: int, detail: str) -> WebhookOutcome:
    return WebhookOutcome(status, json.dumps({"detail": detail}))


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
            metrics.WEBHOOKS.labels(provider, "unknown_channel").inc()
            return None
        return adapter

    def handle_webhook(
        self, provider: str, channel_id: str, request: WebhookRequest
    ) -> WebhookOutcome:
        adapter = self._adapter(provider, channel_id)
        if adapter is None:
            return _error(404, "unknown channel")
        try:
            adapter.verify(request)
            events = adapter.parse(request)
        except SignatureMissing as exc:
            metrics.WEBHOOKS.labels(provider, "unsigned").inc()
            return _error(401, str(exc))
        except SignatureInvalid as exc:
            metrics.WEBHOOKS.labels(provider, "forged").inc()
            return _error(403, str(exc))
        except BadPayload as exc:
            metrics.WEBHOOKS.labels(provider, "bad_payload").inc()
            return _error(400, str(exc))
        for event in events:
            if isinstance(event, InboundMessage):
                self.ingest(adapter.config, event)
            elif isinstance(event, DeliveryStatus):
                self.apply_status(adapter.config, event)
            elif isinstance(event, OutboundEcho):
                self.echoes.apply(adapter.config, event)
            elif isinstance(event, ConnectionUpdate):
                self.connections.apply(adapter.config, event)
        metrics.WEBHOOKS.labels(provider, "accepted").inc()
        ack = adapter.ack()
        return WebhookOutcome(ack.status, ack.body, ack.media_type)

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
        """Store one inbound message and schedule its burst; None for a replay."""
        fields = {
            "kind": msg.kind,
            "body": msg.body,
            "media_url": msg.media_url,
            "media_type": msg.media_type,
            "provider_id": msg.provider_id,
        }
        recorded = self.writer.record(
            channel.organization_id,
            channel.id,
            msg.sender,
            msg.sender_name,
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
