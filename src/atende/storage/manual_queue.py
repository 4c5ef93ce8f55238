"""The manual queue: outbound messages that ended ``failed``, waiting for a person.

Each waits with its reason (the last error) and its attempt history (``send_attempts``).
A person ends its wait one of four ways, each only from ``failed`` and each a
compare-and-set on the status, so two operators acting at once change it once:

- ``retry``: back to ``queued`` with a fresh budget (attempts and deferrals at 0); the
  last error stays on the row, so a message whose last attempt timed out is looked up
  at the provider before it is sent again (``storage.sends``);
- ``resend``: a new body, then as ``retry`` — the old error is cleared, a new text is
  never "already sent";
- ``discard``: ``discarded``, let go;
- ``handled``: ``handled``, dealt with by a person (by phone).

Scheduling the send is the caller's (``pipeline.operations``): storage only moves rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from atende.domain.states import MessageStatus
from atende.errors import Conflict, NotFound
from atende.storage import alerts
from atende.storage.models import Contact, Conversation, Message, SendAttempt
from atende.storage.paging import After, Page, by_id, take
from atende.storage.portable import rowcount
from atende.storage.types import utcnow


@dataclass(frozen=True, slots=True)
class Failed:
    """A message in the manual queue, with what the list shows of its history."""

    message: Message
    phone: str
    tries: int  # rows in send_attempts, every budget and deferral included
    last_try_at: datetime | None

    @property
    def reason(self) -> str:
        """What a person reads first: the provider's words, else its code."""
        m = self.message
        return m.error_detail or m.error_code or "unknown"


def failed_page(
    session: Session, org_id: int, since: datetime, after: After | None, limit: int
) -> Page[Failed]:
    """The organization's messages that failed since ``since`` (by their last change),
    oldest first, each with its customer's phone and attempt count."""
    tries = (
        select(
            SendAttempt.message_id,
            func.count().label("tries"),
            func.max(SendAttempt.finished_at).label("last"),
        )
        .group_by(SendAttempt.message_id)
        .subquery()
    )
    stmt = (
        select(Message, Contact.phone, tries.c.tries, tries.c.last)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(tries, tries.c.message_id == Message.id)
        .where(
            Message.organization_id == org_id,
            Message.direction == "out",
            Message.status == MessageStatus.FAILED,
            Message.updated_at >= since,
        )
    )
    rows = [
        Failed(m, phone, int(n or 0), last)
        for m, phone, n, last in session.execute(by_id(stmt, Message.id, after, limit))
    ]
    return take(rows, limit, lambda f: After(f.message.id))


def retry(session: Session, org_id: int, message_id: int) -> None:
    """A failed message back to ``queued`` with a fresh attempt budget."""
    _leave(session, org_id, message_id, "be retried", _requeued())


def resend(session: Session, org_id: int, message_id: int, body: str) -> None:
    """A failed message with a new body, back to ``queued`` (its old error cleared)."""
    values = {**_requeued(), "body": body, "error_code": None, "error_detail": None}
    _leave(session, org_id, message_id, "be edited and resent", values)


def discard(session: Session, org_id: int, message_id: int) -> None:
    """Let the message go; its failure alert closes with it (nobody needs it any more)."""
    _leave(session, org_id, message_id, "be discarded", _ended(MessageStatus.DISCARDED))
    alerts.resolve(session, org_id, alerts.message_subject(message_id), [alerts.SEND_FAILED])


def handled(session: Session, org_id: int, message_id: int) -> None:
    """A person dealt with it (by phone); its failure alert closes with it."""
    _leave(session, org_id, message_id, "be marked handled", _ended(MessageStatus.HANDLED))
    alerts.resolve(session, org_id, alerts.message_subject(message_id), [alerts.SEND_FAILED])


def _requeued() -> dict[str, Any]:
    return {
        "status": MessageStatus.QUEUED.value,
        "attempts": 0,
        "deferrals": 0,
        "next_attempt_at": None,
        "claimed_until": None,
        "updated_at": utcnow(),
    }


def _ended(status: MessageStatus) -> dict[str, Any]:
    return {"status": status.value, "next_attempt_at": None, "updated_at": utcnow()}


def _leave(
    session: Session, org_id: int, message_id: int, action: str, values: Mapping[str, Any]
) -> None:
    """Apply ``values`` to the organization's failed outbound message, or say why not:
    NotFound (no such message here), Conflict (it is not failed, or no longer)."""
    result = session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.organization_id == org_id,
            Message.direction == "out",
            Message.status == MessageStatus.FAILED,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) == 1:
        return
    status = session.scalar(
        select(Message.status).where(
            Message.id == message_id,
            Message.organization_id == org_id,
            Message.direction == "out",
        )
    )
    if status is None:
        raise NotFound(f"message {message_id} not found")
    raise Conflict(
        f"message {message_id} is {status}: only a failed message can {action} "
        "(it left the manual queue)"
    )
