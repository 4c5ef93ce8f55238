"""WhatsApp Web sessions: remember each channel's state, reconnect what can be, alert
on what needs a person, repair drift by asking the provider, and notice silence. A
channel that is open again closes its connection alerts; one that receives again
closes its silence alert.

Recent Evolution versions post only final closes (a recoverable drop shows as
connecting → open), so the periodic ``check`` matters as much as the events.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from atende.channels.base import ChannelConfig, ConnectionUpdate
from atende.channels.errors import ChannelError
from atende.channels.evolution import connect_state
from atende.domain.connections import NEEDS_PAIRING, on_close
from atende.pipeline.channels import ChannelDirectory
from atende.pipeline.ports import Scheduler
from atende.storage import alerts
from atende.storage.db import transaction
from atende.storage.models import Channel, Conversation
from atende.storage.types import utcnow

log = logging.getLogger(__name__)


class ConnectionManager:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        directory: ChannelDirectory,
        scheduler: Scheduler,
        silence_hours: float = 12.0,
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._scheduler = scheduler
        self._silence = timedelta(hours=silence_hours)

    def apply(self, channel: ChannelConfig, update: ConnectionUpdate) -> str:
        """Record a state change; returns the decision taken (for logs and tests)."""
        with transaction(self._sessions) as session:
            row = session.get(Channel, channel.id)
            if row is None:
                return "unknown"
            row.connection_updated_at = utcnow()
            if update.state == "open":
                row.connection_state, row.connection_reason = "open", None
                row.reconnect_attempts, row.next_reconnect_at, row.pairing_code = 0, None, None
                alerts.resolve(
                    session,
                    row.organization_id,
                    alerts.channel_subject(row.id),
                    alerts.CONNECTION_KINDS,
                )
                return "open"
            if update.state == "connecting":
                row.connection_state = "connecting"
                row.pairing_code = update.pairing_code or row.pairing_code
                return "connecting"
            reason = "refused" if update.state == "refused" else update.reason
            row.connection_state, row.connection_reason = "close", reason
            row.reconnect_attempts = 0
            return self._plan(session, row)

    def _plan(self, session: Session, row: Channel) -> str:
        """Reconnect later, or stop and tell a person."""
        reason = row.connection_reason
        decision = on_close("401" if reason == "refused" else reason, row.reconnect_attempts)
        if decision.reconnect:
            row.next_reconnect_at = utcnow() + timedelta(seconds=decision.delay)
            self._scheduler.schedule_reconnect(row.id, decision.delay)
            return f"reconnect in {decision.delay:g}s"
        row.next_reconnect_at = None
        pairing = reason == "refused" or reason in NEEDS_PAIRING
        if pairing:
            row.connection_state = "needs_pairing"
        _alert(
            session,
            row,
            alerts.CHANNEL_NEEDS_PAIRING if pairing else alerts.CHANNEL_DOWN,
            decision.alert or "",
        )
        return "needs_pairing" if pairing else "gave up"

    def reconnect(self, channel_id: str) -> str:
        """One reconnect attempt, if the channel is still closed and the attempt is due."""
        with transaction(self._sessions) as session:
            row = session.get(Channel, channel_id)
            if row is None or row.connection_state != "close":
                return "not needed"
            due = row.next_reconnect_at
            if due is None or due > utcnow() + timedelta(seconds=1):
                return "not due"
            row.reconnect_attempts += 1
            row.next_reconnect_at = None
        adapter = self._directory.adapter(channel_id)
        try:
            answer = adapter.connect() if adapter is not None else {}  # type: ignore[attr-defined]
        except ChannelError as exc:
            log.warning("reconnect of %s failed: %s", channel_id, exc)
            answer = {}
        if connect_state(answer) == "open":
            config = self._directory.config(channel_id)
            assert config is not None
            return self.apply(config, ConnectionUpdate("open"))
        with transaction(self._sessions) as session:  # the outcome comes as an event; plan on
            row = session.get(Channel, channel_id)
            if row is None or row.connection_state != "close":
                return "recovered"
            return self._plan(session, row)

    def check(self, channel_id: str) -> str:
        """Ask the provider for the real state and repair what we believe; watch silence."""
        adapter = self._directory.adapter(channel_id)
        if adapter is None or not hasattr(adapter, "connection_state"):
            return "not a session"
        try:
            actual = str(adapter.connection_state())
        except ChannelError as exc:
            return f"unreachable: {exc}"
        with self._sessions() as session:
            row = session.get(Channel, channel_id)
            believed = row.connection_state if row else None
        if row is not None and actual != believed and believed != "needs_pairing":
            reason = None if actual == "open" else (row.connection_reason or "drift")
            self.apply(adapter.config, ConnectionUpdate(actual, reason))
        if actual == "open":
            self._watch_silence(channel_id)
        return actual

    def check_all(self) -> None:
        with self._sessions() as session:
            ids = list(session.scalars(select(Channel.id).where(Channel.provider == "evolution")))
        for channel_id in ids:
            self.check(channel_id)

    def _watch_silence(self, channel_id: str) -> None:
        """Alert once when a channel that usually receives messages has gone quiet; the
        alert closes once messages arrive again."""
        now = utcnow()
        with transaction(self._sessions) as session:
            last = session.scalar(
                select(func.max(Conversation.last_inbound_at)).where(
                    Conversation.channel_id == channel_id
                )
            )
            usual = session.scalar(
                select(func.count()).where(
                    Conversation.channel_id == channel_id,
                    Conversation.last_inbound_at >= now - timedelta(days=7),
                )
            )
            row = session.get(Channel, channel_id)
            if row is None or last is None:
                return
            if now - last < self._silence:
                subject = alerts.channel_subject(row.id)
                alerts.resolve(session, row.organization_id, subject, [alerts.CHANNEL_SILENT])
            elif (usual or 0) >= 3:
                since = f"nothing received since {last:%Y-%m-%d %H:%M} UTC"
                _alert(session, row, alerts.CHANNEL_SILENT, since)


def _alert(session: Session, row: Channel, kind: str, message: str) -> None:
    """One open alert per channel and kind: repeating it helps nobody."""
    subject = alerts.channel_subject(row.id)
    alerts.open_alert(session, row.organization_id, kind, subject, f"channel {row.id}: {message}")
