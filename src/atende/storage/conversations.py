"""Contacts, conversations, the burst buffer and the per-conversation claim.

A conversation's buffer is two counters: ``buffer_version`` grows by one per inbound
message, ``answered_version`` says up to which version the bot has answered. A flush
claims the conversation with a compare-and-set on ``claim_token`` + ``claimed_until``
(a lease), so any number of workers in any number of processes answer a burst once,
and a crashed worker's claim simply expires.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from atende.storage.models import Contact, Conversation
from atende.storage.paging import After, Page, by_id, by_time_desc, take
from atende.storage.portable import insert_ignore, rowcount
from atende.storage.types import utcnow


def find_contact(session: Session, org_id: int, phone: str) -> int | None:
    return session.scalar(
        select(Contact.id).where(Contact.organization_id == org_id, Contact.phone == phone)
    )


def ensure_conversation(session: Session, org_id: int, channel_id: str, contact_id: int) -> int:
    table = Conversation.__table__
    new_id = insert_ignore(
        session,
        table,  # type: ignore[arg-type]
        {
            "organization_id": org_id,
            "channel_id": channel_id,
            "contact_id": contact_id,
            "state": "bot",
            "buffer_version": 0,
            "answered_version": 0,
            "dialogue_state": {},
            "created_at": utcnow(),
        },
        ["channel_id", "contact_id"],
    )
    if new_id is not None:
        return new_id
    conv_id = session.scalar(
        select(Conversation.id).where(
            Conversation.channel_id == channel_id, Conversation.contact_id == contact_id
        )
    )
    assert conv_id is not None
    return conv_id


def try_claim(
    session: Session, conversation_id: int, lease_seconds: float, max_messages: int
) -> str | None:
    """Claim a conversation whose burst is due; the claim token, or None if not ours."""
    now = utcnow()
    token = secrets.token_hex(16)
    due = or_(
        Conversation.buffer_deadline <= now,
        Conversation.buffer_version - Conversation.answered_version >= max_messages,
    )
    free = or_(Conversation.claim_token.is_(None), Conversation.claimed_until < now)
    result = session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.buffer_version > Conversation.answered_version,
            due,
            free,
        )
        .values(claim_token=token, claimed_until=now + timedelta(seconds=lease_seconds))
    )
    return token if rowcount(result) == 1 else None


def extend_claim(session: Session, conversation_id: int, token: str, lease_seconds: float) -> bool:
    """Keep our claim alive while slow work (a model, a transcription) goes on; False
    when it is no longer ours."""
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.claim_token == token)
        .values(claimed_until=utcnow() + timedelta(seconds=lease_seconds))
    )
    return rowcount(result) == 1


def finish_claim(
    session: Session,
    conversation_id: int,
    token: str,
    answered_version: int,
    dialogue_state: dict[str, Any] | None,
    state: str | None = None,
) -> bool:
    """Record the answered version and release the claim, only if we still hold it."""
    values: dict[str, Any] = {
        "answered_version": answered_version,
        "claim_token": None,
        "claimed_until": None,
    }
    if dialogue_state is not None:
        values["dialogue_state"] = dialogue_state
    if state is not None:
        values["state"] = state
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.claim_token == token)
        .values(**values)
    )
    return rowcount(result) == 1


def release_claim(session: Session, conversation_id: int, token: str) -> None:
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.claim_token == token)
        .values(claim_token=None, claimed_until=None)
    )


def overdue_buffers(session: Session, grace_seconds: float, limit: int = 500) -> list[int]:
    """Conversations with an unanswered burst past its deadline and no live claim."""
    now = utcnow()
    stmt = (
        select(Conversation.id)
        .where(
            Conversation.buffer_version > Conversation.answered_version,
            Conversation.buffer_deadline <= now - timedelta(seconds=grace_seconds),
            or_(Conversation.claim_token.is_(None), Conversation.claimed_until < now),
        )
        .limit(limit)
    )
    return list(session.scalars(stmt))


def get(session: Session, org_id: int, conversation_id: int) -> Conversation | None:
    return session.scalar(
        select(Conversation).where(
            Conversation.organization_id == org_id, Conversation.id == conversation_id
        )
    )


def list_for_org(
    session: Session, org_id: int, phone: str | None = None
) -> list[tuple[Conversation, str]]:
    """Every conversation of the organization, most recent activity first."""
    stmt = (
        select(Conversation, Contact.phone)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.organization_id == org_id)
    )
    if phone:
        stmt = stmt.where(Contact.phone == phone)
    stmt = stmt.order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id)
    return [(c, p) for c, p in session.execute(stmt)]


# A conversation's activity time: its last message, or its creation before any message.
# Never null, so one keyset (activity, id) orders every conversation, newest first.
ACTIVITY = func.coalesce(Conversation.last_message_at, Conversation.created_at)


def page_for_org(
    session: Session, org_id: int, phone: str | None, after: After | None, limit: int
) -> Page[tuple[Conversation, str]]:
    """One page of the organization's conversations, most recent activity first. A
    conversation that gets a message while someone pages moves to the front: it shows on
    the next first page, and is not repeated further down."""
    stmt = (
        select(Conversation, Contact.phone)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.organization_id == org_id)
    )
    if phone:
        stmt = stmt.where(Contact.phone == phone)
    rows = [
        (c, p)
        for c, p in session.execute(by_time_desc(stmt, ACTIVITY, Conversation.id, after, limit))
    ]
    return take(rows, limit, lambda r: After(r[0].id, r[0].last_message_at or r[0].created_at))


def pending_count(session: Session) -> int:
    """Conversations of every organization with an unanswered burst (for /metrics)."""
    return int(
        session.scalar(
            select(func.count()).where(
                and_(Conversation.buffer_version > Conversation.answered_version)
            )
        )
        or 0
    )


def waiting_count(session: Session, org_id: int) -> int:
    """The organization's conversations with an unanswered burst."""
    stmt = select(func.count()).where(
        Conversation.organization_id == org_id,
        Conversation.buffer_version > Conversation.answered_version,
    )
    return int(session.scalar(stmt) or 0)


def contacts_of(session: Session, org_id: int) -> list[Contact]:
    stmt = select(Contact).where(Contact.organization_id == org_id).order_by(Contact.id)
    return list(session.scalars(stmt))


def contacts_page(session: Session, org_id: int, after: After | None, limit: int) -> Page[Contact]:
    stmt = select(Contact).where(Contact.organization_id == org_id)
    rows = list(session.scalars(by_id(stmt, Contact.id, after, limit)))
    return take(rows, limit, lambda c: After(c.id))
