"""The outbound send lifecycle: claim, outcome, and what the sweeper finds due.

An outbound message is ``queued`` until a send job claims it (``sending`` with a
lease); the claim is a compare-and-set, so a send job that runs twice sends once. A
claim that outlived its worker can be taken again; the new claim says so, because the
attempt it replaces may have reached the provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from atende.domain.states import MessageStatus
from atende.storage import alerts
from atende.storage.models import Message, SendAttempt
from atende.storage.portable import rowcount
from atende.storage.types import UTCDateTime, utcnow

# The code a send attempt that timed out ends with (channels.base.post_or_raise): the
# provider may have accepted that message even though we never heard back.
TIMED_OUT = "timeout"


@dataclass(frozen=True, slots=True)
class SendClaim:
    """A claimed outbound message. ``outcome_unknown``: an earlier attempt, begun at
    ``started_at``, may have reached the provider — its worker died holding the claim,
    or it timed out waiting for the answer."""

    message: Message
    outcome_unknown: bool
    started_at: datetime


def claim_send(session: Session, message_id: int, lease_seconds: float) -> SendClaim | None:
    """Take a due outbound message for sending; None if another job has it, it is done,
    or another message of its conversation goes first: one is on its way, or one queued
    ahead of it. In a conversation replies go before what atende sends on its own (a
    campaign's message queued an hour ahead never holds back the answer to a customer
    who writes meanwhile), and each class keeps its order.

    Two compare-and-sets, stale claim first, so the caller learns which one it won. A
    fresh attempt starts its clock; one whose predecessor's outcome is unknown (stale
    claim, timeout) keeps the clock of the attempt that may have gone out."""
    now = utcnow()
    lease = {
        "status": MessageStatus.SENDING.value,
        "claimed_until": now + timedelta(seconds=lease_seconds),
        "attempts": Message.attempts + 1,
        "updated_at": now,
    }
    stale = (Message.status == MessageStatus.SENDING) & (Message.claimed_until < now)
    if _claim_where(session, message_id, stale, lease):
        return _claimed(session, message_id, stale=True)
    due = (Message.status == MessageStatus.QUEUED) & or_(
        Message.next_attempt_at.is_(None), Message.next_attempt_at <= now
    )
    now_value = literal(now, UTCDateTime())
    started = case((Message.error_code == TIMED_OUT, Message.send_started_at), else_=now_value)
    if _claim_where(session, message_id, due, {**lease, "send_started_at": started}):
        return _claimed(session, message_id, stale=False)
    return None


def _claimed(session: Session, message_id: int, stale: bool) -> SendClaim:
    msg = session.get(Message, message_id, populate_existing=True)
    assert msg is not None
    unknown = stale or msg.error_code == TIMED_OUT
    return SendClaim(msg, unknown, msg.send_started_at or msg.created_at)


def _claim_where(
    session: Session, message_id: int, condition: ColumnElement[bool], values: dict[str, Any]
) -> bool:
    other = aliased(Message)
    goes_first = (Message.priority > other.priority) | (
        (Message.priority == other.priority) & (other.id < Message.id)
    )
    waiting_for_another = (
        select(other.id)
        .where(
            other.conversation_id == Message.conversation_id,
            other.direction == "out",
            other.id != Message.id,
            or_(
                other.status == MessageStatus.SENDING.value,  # one on its way at a time
                (other.status == MessageStatus.QUEUED.value) & goes_first,
            ),
        )
        .exists()
    )
    result = session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.direction == "out",
            condition,
            ~waiting_for_another,
        )
        .values(**values)
    )
    return rowcount(result) == 1


def known_provider_ids(session: Session, channel_id: str, provider_ids: list[str]) -> set[str]:
    """Which of these provider message ids a message of this channel already carries."""
    if not provider_ids:
        return set()
    stmt = select(Message.provider_id).where(
        Message.channel_id == channel_id, Message.provider_id.in_(provider_ids)
    )
    return {p for p in session.scalars(stmt) if p is not None}


def next_in_line(session: Session, conversation_id: int, after_id: int) -> tuple[int, int] | None:
    """The queued message of a conversation that goes next (its id and send class),
    to send once ``after_id`` is done or back in the queue."""
    row = session.execute(
        select(Message.id, Message.priority)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == "out",
            Message.id != after_id,
            Message.status == MessageStatus.QUEUED,
        )
        .order_by(Message.priority, Message.id)
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def mark_sent(session: Session, message_id: int, provider_id: str | None) -> None:
    """The provider has the message: record its id, and close its failure alert (a
    message that failed earlier and went out after retry-failed needs no one any more)."""
    org_id = session.scalar(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.SENDING)
        .values(
            status=MessageStatus.SENT.value,
            provider_id=provider_id,
            claimed_until=None,
            error_code=None,
            error_detail=None,
            updated_at=utcnow(),
        )
        .returning(Message.organization_id)
    )
    if org_id is not None:
        alerts.resolve(session, org_id, alerts.message_subject(message_id), [alerts.SEND_FAILED])


def mark_retry(
    session: Session, message_id: int, delay_seconds: float, code: str, detail: str
) -> None:
    now = utcnow()
    session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(
            status=MessageStatus.QUEUED.value,
            next_attempt_at=now + timedelta(seconds=delay_seconds),
            claimed_until=None,
            error_code=code,
            error_detail=detail[:2000],
            updated_at=now,
        )
    )


def mark_failed(session: Session, message_id: int, code: str, detail: str) -> None:
    session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(
            status=MessageStatus.FAILED.value,
            claimed_until=None,
            error_code=code,
            error_detail=detail[:2000],
            updated_at=utcnow(),
        )
    )


def due_sends(
    session: Session, grace_seconds: float, limit: int = 500
) -> list[tuple[int, int, int]]:
    """Queued messages whose time has come (plus stale claims) that no job may hold,
    as (id, attempts, send class), replies first: every claim is a new attempt."""
    now = utcnow()
    cutoff = now - timedelta(seconds=grace_seconds)
    stmt = (
        select(Message.id, Message.attempts, Message.priority)
        .where(
            Message.direction == "out",
            or_(
                (Message.status == MessageStatus.QUEUED)
                & or_(
                    (Message.next_attempt_at.is_(None)) & (Message.created_at <= cutoff),
                    Message.next_attempt_at <= cutoff,
                ),
                (Message.status == MessageStatus.SENDING) & (Message.claimed_until < now),
            ),
        )
        .order_by(Message.priority, Message.id)  # the same backlog in the same order
        .limit(limit)
    )
    return [(int(i), int(n), int(p)) for i, n, p in session.execute(stmt)]


def defer(
    session: Session,
    message_id: int,
    delay_seconds: float,
    reason: str,
    *,
    count: bool,
    detail: str | None = None,
    keep_unknown: bool = False,
) -> None:
    """Back to ``queued`` until ``delay_seconds`` from now, giving back the attempt the
    claim took: waiting for the pace, the breaker or a provider's rate limit is no
    attempt. ``count``: a provider's rate-limit answer, counted against the channel's
    ``max_deferrals``. ``keep_unknown``: an earlier attempt may have gone out, and the
    next claim must still ask the provider first."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": MessageStatus.QUEUED.value,
        "next_attempt_at": now + timedelta(seconds=delay_seconds),
        "claimed_until": None,
        "attempts": Message.attempts - 1,
        "error_code": TIMED_OUT if keep_unknown else reason[:64],
        "updated_at": now,
    }
    if count:
        values["deferrals"] = Message.deferrals + 1
        values["error_detail"] = (detail or reason)[:2000]
    session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.SENDING)
        .values(**values)
    )


def log_attempt(
    session: Session,
    message_id: int,
    attempt: int,
    started_at: datetime,
    outcome: str,
    code: str | None,
    detail: str | None,
    next_try_at: datetime | None = None,
) -> None:
    """One attempt of a send, for the manual queue and the message's history."""
    session.add(
        SendAttempt(
            message_id=message_id,
            attempt=attempt,
            started_at=started_at,
            finished_at=utcnow(),
            outcome=outcome,
            code=code,
            detail=None if detail is None else detail[:2000],
            next_try_at=next_try_at,
        )
    )
