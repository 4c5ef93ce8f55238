"""Messages in and out: storing them, reading histories, status callbacks, failures.
How an outbound message is claimed and sent lives in ``storage.sends``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from atende.domain.entities import Choices
from atende.domain.sending import class_of
from atende.domain.states import MessageStatus, may_advance
from atende.storage.models import Message
from atende.storage.paging import After, Page, by_id, take
from atende.storage.portable import insert_ignore
from atende.storage.types import utcnow


def add_outbound(
    session: Session,
    org_id: int,
    conversation_id: int,
    channel_id: str,
    body: str,
    idempotency_key: str,
    author: str = "bot",
    choices: Choices | None = None,
    kind: str = "text",
    not_before: datetime | None = None,
) -> int | None:
    """Queue a reply; None when a reply with this idempotency key already exists.
    ``not_before`` holds it back (rate-limited campaigns)."""
    now = utcnow()
    return insert_ignore(
        session,
        Message.__table__,  # type: ignore[arg-type]
        {
            "organization_id": org_id,
            "conversation_id": conversation_id,
            "channel_id": channel_id,
            "direction": "out",
            "kind": kind,
            "author": author,
            "body": body,
            "status": MessageStatus.QUEUED.value,
            "attempts": 0,
            "idempotency_key": idempotency_key,
            "choices": choices.as_json() if choices is not None else None,
            "next_attempt_at": not_before,
            "priority": int(class_of(author)),
            "created_at": now,
            "updated_at": now,
        },
        ["idempotency_key"],
    )


def record_phone_reply(
    session: Session,
    org_id: int,
    conversation_id: int,
    channel_id: str,
    body: str,
    provider_id: str,
) -> None:
    """A message a person sent from the business phone: kept in the history, never re-sent."""
    now = utcnow()
    insert_ignore(
        session,
        Message.__table__,  # type: ignore[arg-type]
        {
            "organization_id": org_id,
            "conversation_id": conversation_id,
            "channel_id": channel_id,
            "direction": "out",
            "kind": "text",
            "author": "phone",
            "body": body,
            "provider_id": provider_id,
            "status": MessageStatus.SENT.value,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        },
        ["channel_id", "provider_id"],
    )


def burst(session: Session, conversation_id: int, after: int, upto: int) -> list[Message]:
    """The inbound messages of versions (after, upto]: what one flush answers."""
    stmt = (
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == "in",
            Message.buffer_version > after,
            Message.buffer_version <= upto,
        )
        .order_by(Message.buffer_version)
    )
    return list(session.scalars(stmt))


def recent(session: Session, conversation_id: int, limit: int = 10) -> list[Message]:
    stmt = (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(reversed(list(session.scalars(stmt))))


def apply_status(
    session: Session, channel_id: str, provider_id: str, status: str, error_code: str | None
) -> bool:
    """Move an outbound message forward on a provider callback; never backwards."""
    msg = session.scalar(
        select(Message).where(Message.channel_id == channel_id, Message.provider_id == provider_id)
    )
    if msg is None or not may_advance(msg.status, status):
        return False
    msg.status = status
    if error_code:
        msg.error_code = error_code
    msg.updated_at = utcnow()
    return True


def failed_since(session: Session, org_id: int, hours: float) -> list[Message]:
    since = utcnow() - timedelta(hours=hours)
    stmt = (
        select(Message)
        .where(
            Message.organization_id == org_id,
            Message.direction == "out",
            Message.status == MessageStatus.FAILED,
            Message.updated_at >= since,
        )
        .order_by(Message.id)
    )
    return list(session.scalars(stmt))


def requeue(session: Session, org_id: int, message_ids: list[int]) -> list[int]:
    """Put failed messages back in the queue with a fresh attempt (and deferral) budget."""
    if not message_ids:
        return []
    rows = session.execute(
        update(Message)
        .where(
            Message.organization_id == org_id,
            Message.id.in_(message_ids),
            Message.status == MessageStatus.FAILED,
        )
        .values(
            status=MessageStatus.QUEUED.value,
            attempts=0,
            deferrals=0,
            next_attempt_at=None,
            updated_at=utcnow(),
        )
        .returning(Message.id)
    )
    return [int(r[0]) for r in rows]


def count_by_status(session: Session, org_id: int | None = None) -> dict[str, int]:
    stmt = select(Message.status, func.count()).where(Message.direction == "out")
    if org_id is not None:
        stmt = stmt.where(Message.organization_id == org_id)
    return {s: int(n) for s, n in session.execute(stmt.group_by(Message.status))}


def before(session: Session, conversation_id: int, before_id: int, limit: int) -> list[Message]:
    """Up to ``limit`` text messages (both ways) older than ``before_id``, oldest first."""
    stmt = (
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.id < before_id,
            Message.kind.in_(("text", "audio")),
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(reversed(list(session.scalars(stmt))))


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of these idempotency keys already name a message."""
    if not keys:
        return set()
    stmt = select(Message.idempotency_key).where(Message.idempotency_key.in_(keys))
    return {k for k in session.scalars(stmt) if k is not None}


def queued_at(session: Session, keys: list[str]) -> dict[str, datetime]:
    """When the messages with these idempotency keys were queued."""
    if not keys:
        return {}
    stmt = select(Message.idempotency_key, Message.created_at).where(
        Message.idempotency_key.in_(keys)
    )
    return {k: at for k, at in session.execute(stmt) if k is not None}


def conversation_page(
    session: Session, org_id: int, conversation_id: int, after: After | None, limit: int
) -> Page[Message]:
    """One page of a conversation's messages, oldest first."""
    stmt = select(Message).where(
        Message.organization_id == org_id, Message.conversation_id == conversation_id
    )
    rows = list(session.scalars(by_id(stmt, Message.id, after, limit)))
    return take(rows, limit, lambda m: After(m.id))


def failed_page(
    session: Session, org_id: int, since: datetime, after: After | None, limit: int
) -> Page[Message]:
    """One page of the outbound messages that failed for good since ``since``, oldest first."""
    stmt = select(Message).where(
        Message.organization_id == org_id,
        Message.direction == "out",
        Message.status == MessageStatus.FAILED,
        Message.updated_at >= since,
    )
    rows = list(session.scalars(by_id(stmt, Message.id, after, limit)))
    return take(rows, limit, lambda m: After(m.id))


@dataclass(frozen=True, slots=True)
class Backlog:
    """An organization's replies not yet handed to the provider."""

    queued: int  # due now, waiting for a send job
    deferred: int  # held back: a retry's backoff, or a campaign's pacing
    sending: int  # claimed by a send job right now
    oldest_queued_at: datetime | None


def outbound_backlog(session: Session, org_id: int) -> Backlog:
    """Counted from the messages table, so one organization sees only its own traffic
    (the job queue's depth mixes every organization's and lives on /metrics)."""
    now = utcnow()
    due = or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now)
    stmt = select(
        func.count().filter(Message.status == MessageStatus.QUEUED, due),
        func.count().filter(Message.status == MessageStatus.QUEUED, Message.next_attempt_at > now),
        func.count().filter(Message.status == MessageStatus.SENDING),
        func.min(Message.created_at).filter(Message.status == MessageStatus.QUEUED),
    ).where(
        Message.organization_id == org_id,
        Message.direction == "out",
        Message.status.in_((MessageStatus.QUEUED, MessageStatus.SENDING)),
    )
    queued, deferred, sending, oldest = session.execute(stmt).one()
    return Backlog(int(queued), int(deferred), int(sending), oldest)
