"""What the alert rules read: sends, backlog, channels and their breakers, model calls.

Each query is one organization's and returns plain figures; ``pipeline/alerting/rules.py``
decides what they mean. Tables another part fills (``send_attempts``,
``channel_breakers``) may be empty: then they say nothing is wrong.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from atende.domain.states import MessageStatus
from atende.storage.models import Channel, ChannelBreaker, LlmCall, Message, SendAttempt

SENT = ("sent", "reconciled")
FAILED_ATTEMPT = ("retry", "failed")
DELIVERED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)


def send_outcomes(session: Session, org_id: int, since: datetime) -> dict[str, tuple[int, int]]:
    """Channel id → (failed, total) sends since ``since``: from the attempts where the
    dispatcher records them, else from the messages that ended sent or failed."""
    out: dict[str, tuple[int, int]] = {}
    attempts = (
        select(Message.channel_id, SendAttempt.outcome, func.count())
        .join(Message, Message.id == SendAttempt.message_id)
        .where(
            Message.organization_id == org_id,
            SendAttempt.finished_at >= since,
            SendAttempt.outcome.in_(SENT + FAILED_ATTEMPT),
        )
        .group_by(Message.channel_id, SendAttempt.outcome)
    )
    for channel_id, outcome, count in session.execute(attempts):
        failed, total = out.get(channel_id, (0, 0))
        out[channel_id] = (failed + (count if outcome in FAILED_ATTEMPT else 0), total + count)
    ended = (
        select(Message.channel_id, Message.status, func.count())
        .where(
            Message.organization_id == org_id,
            Message.direction == "out",
            Message.updated_at >= since,
            Message.status.in_([*DELIVERED, MessageStatus.FAILED]),
        )
        .group_by(Message.channel_id, Message.status)
    )
    by_messages: dict[str, tuple[int, int]] = {}
    for channel_id, status, count in session.execute(ended):
        failed, total = by_messages.get(channel_id, (0, 0))
        by_messages[channel_id] = (failed + (count if status == "failed" else 0), total + count)
    for channel_id, figures in by_messages.items():
        out.setdefault(channel_id, figures)
    return out


def backlog(session: Session, org_id: int, now: datetime) -> dict[str, tuple[int, datetime]]:
    """Channel id → (messages due and still queued, when the oldest became due). A
    message held for later (``next_attempt_at`` ahead: paced, retried) is not due."""
    due_at = func.coalesce(Message.next_attempt_at, Message.created_at)
    stmt = (
        select(Message.channel_id, func.count(), func.min(due_at))
        .where(
            Message.organization_id == org_id,
            Message.direction == "out",
            Message.status == MessageStatus.QUEUED.value,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
        )
        .group_by(Message.channel_id)
    )
    return {c: (n, oldest) for c, n, oldest in session.execute(stmt) if n}


def channels(session: Session, org_id: int) -> list[tuple[Channel, ChannelBreaker | None]]:
    """The organization's channels, each with its breaker row if it has one."""
    stmt = (
        select(Channel, ChannelBreaker)
        .outerjoin(ChannelBreaker, ChannelBreaker.channel_id == Channel.id)
        .where(Channel.organization_id == org_id)
        .order_by(Channel.created_at, Channel.id)
    )
    return [(c, b) for c, b in session.execute(stmt)]


def llm_outcomes(session: Session, org_id: int, since: datetime) -> tuple[int, int]:
    """(failed, total) model requests of the organization since ``since``."""
    stmt = select(LlmCall.outcome, func.count()).where(
        LlmCall.organization_id == org_id, LlmCall.created_at >= since
    )
    failed = total = 0
    for outcome, count in session.execute(stmt.group_by(LlmCall.outcome)):
        total += count
        failed += count if outcome != "ok" else 0
    return failed, total


def sqlite_file(session: Session) -> Path | None:
    """The SQLite database's file, or None (PostgreSQL, in memory)."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    name = bind.engine.url.database
    return Path(name) if name and name != ":memory:" else None
