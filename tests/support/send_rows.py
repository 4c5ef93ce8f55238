"""Rows the send path leaves behind, written directly: an outbound message in any state,
its send attempts, a channel's breaker, an inbound burst. For tests of what monitoring
reads, without running the dispatcher."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from atende.domain.sending import SendClass
from atende.storage.models import Channel, ChannelBreaker, Message, SendAttempt
from atende.storage.types import utcnow


def outbound(
    s: Session,
    org_id: int,
    conversation_id: int,
    channel_id: str,
    status: str = "queued",
    *,
    body: str = "olá",
    send_class: SendClass = SendClass.REPLY,
    created_at: datetime | None = None,
    next_attempt_at: datetime | None = None,
    attempts: int = 0,
    error: tuple[str, str] | None = None,
    key: str | None = None,
) -> int:
    """An outbound message as the send path would have left it."""
    at = created_at or utcnow()
    author = {SendClass.REPLY: "bot", SendClass.SERVICE: "reminder"}.get(send_class, "campaign")
    row = Message(
        organization_id=org_id,
        conversation_id=conversation_id,
        channel_id=channel_id,
        direction="out",
        author=author,
        body=body,
        status=status,
        attempts=attempts,
        priority=int(send_class),
        next_attempt_at=next_attempt_at,
        error_code=error[0] if error else None,
        error_detail=error[1] if error else None,
        idempotency_key=key or "test:" + secrets.token_hex(8),
        created_at=at,
        updated_at=at,
    )
    s.add(row)
    s.flush()
    return row.id


def inbound(
    s: Session, org_id: int, conversation_id: int, channel_id: str, version: int, at: datetime
) -> int:
    """A customer's message, the ``version``-th of its conversation's buffer."""
    row = Message(
        organization_id=org_id,
        conversation_id=conversation_id,
        channel_id=channel_id,
        direction="in",
        body="oi",
        status="received",
        buffer_version=version,
        provider_id="SM" + secrets.token_hex(8),
        created_at=at,
        updated_at=at,
    )
    s.add(row)
    s.flush()
    return row.id


def attempt(
    s: Session,
    message_id: int,
    n: int,
    outcome: str,
    finished_at: datetime | None = None,
    *,
    code: str | None = None,
    detail: str | None = None,
    next_try_in: float | None = None,
) -> None:
    """One send attempt that took a second and ended with ``outcome``."""
    end = finished_at or utcnow()
    s.add(
        SendAttempt(
            message_id=message_id,
            attempt=n,
            started_at=end - timedelta(seconds=1),
            finished_at=end,
            outcome=outcome,
            code=code,
            detail=detail,
            next_try_at=None if next_try_in is None else end + timedelta(seconds=next_try_in),
        )
    )
    s.flush()


def breaker(s: Session, channel_id: str, state: str, failures: int = 0, error: str = "") -> None:
    row = s.get(ChannelBreaker, channel_id) or ChannelBreaker(channel_id=channel_id)
    row.state, row.failures, row.last_error = state, failures, error or None
    row.opened_at = utcnow() if state == "open" else None
    s.add(row)
    s.flush()


def connection(s: Session, channel_id: str, state: str | None, reason: str | None = None) -> None:
    row = s.get(Channel, channel_id)
    assert row is not None
    row.connection_state, row.connection_reason = state, reason
    s.flush()
