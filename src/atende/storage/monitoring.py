"""What monitoring reads: queues by send class, channels with their breakers, alerts
open and resolved, a window's traffic and reply latency, a message's attempts.

Read-only. Functions taking ``org_id`` see one organization (the admin API, ``atende
status SLUG``); those without see every organization (/metrics, ``atende status``).

Definitions, used everywhere these figures are shown:

- *queued*: an outbound message with status ``queued`` that is due (no
  ``next_attempt_at``, or one in the past); *deferred*: ``queued`` with
  ``next_attempt_at`` in the future (a retry's backoff, the pace, the breaker, a
  campaign's schedule); *sending*: claimed by a send job.
- *oldest age*: how long the longest-waiting *queued* message has been due — since
  ``next_attempt_at`` if it has one, else since it was created. A message held back on
  purpose is not late, so deferred ones do not count.
- *reply latency* of a burst: the ``finished_at`` of the first ``sent`` (or
  ``reconciled``) attempt of its first reply part, minus the ``created_at`` of the
  burst's last inbound message — the one whose ``buffer_version`` the reply answers
  (reply keys are ``reply:<conversation>:<version>:<part>``, ``pipeline/buffer.py``).
  It includes the burst window on purpose: it is what the customer waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from atende.domain.sending import SendClass
from atende.domain.states import MessageStatus
from atende.storage.models import (
    Alert,
    Channel,
    ChannelBreaker,
    LlmCall,
    Message,
    Organization,
    SendAttempt,
    WorkerHeartbeat,
)
from atende.storage.paging import After, Page, by_id_desc, take
from atende.storage.types import utcnow

ACCEPTED = ("sent", "reconciled")  # attempt outcomes where the provider took the message
MAX_ATTEMPTS_SHOWN = 1000


def class_name(priority: int) -> str:
    """``reply``, ``service``, ``campaign`` (``class_<n>`` for a value no class has)."""
    try:
        return SendClass(priority).name.lower()
    except ValueError:
        return f"class_{priority}"


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One send class on one channel (``channel_id`` None: every channel together)."""

    priority: int
    channel_id: str | None
    queued: int
    deferred: int
    sending: int
    oldest_due_at: datetime | None  # since when the longest-waiting queued one is due

    def oldest_age(self, now: datetime) -> float | None:
        at = self.oldest_due_at
        return None if at is None else max(0.0, (now - at).total_seconds())


def queue_rows(session: Session, org_id: int | None, by_channel: bool) -> list[QueueRow]:
    """Outbound backlog by send class (and channel), from the messages table."""
    now = utcnow()
    due = or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now)
    queued = Message.status == MessageStatus.QUEUED
    keys = [Message.priority, Message.channel_id] if by_channel else [Message.priority]
    stmt = select(
        *keys,
        func.count().filter(queued, due),
        func.count().filter(queued, Message.next_attempt_at > now),
        func.count().filter(Message.status == MessageStatus.SENDING),
        func.min(func.coalesce(Message.next_attempt_at, Message.created_at)).filter(queued, due),
    ).where(
        Message.direction == "out",
        Message.status.in_((MessageStatus.QUEUED, MessageStatus.SENDING)),
    )
    if org_id is not None:
        stmt = stmt.where(Message.organization_id == org_id)
    out: list[QueueRow] = []
    for row in session.execute(stmt.group_by(*keys).order_by(*keys)):
        values = tuple(row)
        channel = str(values[1]) if by_channel else None
        q, d, s, oldest = values[-4:]
        out.append(QueueRow(int(values[0]), channel, int(q), int(d), int(s), oldest))
    return out


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    channel: Channel
    org_slug: str
    breaker: ChannelBreaker | None  # no row: the send path never opened it (closed)
    last_message_at: datetime | None = None  # the newest message either way, if asked


def channels(
    session: Session, org_id: int | None, with_last_message: bool = False
) -> list[ChannelHealth]:
    """Channels with their breaker, ordered by organization and id; ``with_last_message``
    adds each one's newest message time (a scan of each channel's messages: for a
    person's screen, not for every scrape)."""
    stmt = (
        select(Channel, Organization.slug, ChannelBreaker)
        .join(Organization, Organization.id == Channel.organization_id)
        .outerjoin(ChannelBreaker, ChannelBreaker.channel_id == Channel.id)
        .order_by(Organization.slug, Channel.id)
    )
    if org_id is not None:
        stmt = stmt.where(Channel.organization_id == org_id)
    found = [ChannelHealth(c, slug, b) for c, slug, b in session.execute(stmt)]
    if not with_last_message:
        return found
    last = _last_messages(session, [f.channel.id for f in found])
    return [ChannelHealth(f.channel, f.org_slug, f.breaker, last.get(f.channel.id)) for f in found]


def _last_messages(session: Session, channel_ids: list[str]) -> dict[str, datetime]:
    if not channel_ids:
        return {}
    newest = (
        select(func.max(Message.id))
        .where(Message.channel_id.in_(channel_ids))
        .group_by(Message.channel_id)
    )
    stmt = select(Message.channel_id, Message.created_at).where(Message.id.in_(newest))
    return {str(c): at for c, at in session.execute(stmt)}


def open_alerts(session: Session, org_id: int | None, limit: int = 100) -> list[Alert]:
    """Unresolved alerts, newest first (every organization's, and those of none, when
    ``org_id`` is None)."""
    stmt = select(Alert).where(Alert.resolved_at.is_(None))
    if org_id is not None:
        stmt = stmt.where(Alert.organization_id == org_id)
    return list(session.scalars(stmt.order_by(Alert.id.desc()).limit(limit)))


def open_alert_count(session: Session, org_id: int) -> int:
    stmt = select(func.count()).where(Alert.organization_id == org_id, Alert.resolved_at.is_(None))
    return int(session.scalar(stmt) or 0)


def alerts_page(
    session: Session,
    org_id: int,
    state: str,
    resolved_since: datetime,
    after: After | None,
    limit: int,
) -> Page[Alert]:
    """Alerts newest first: ``open``, ``resolved`` (since ``resolved_since``) or ``all``
    (open, and resolved since then)."""
    recent = Alert.resolved_at >= resolved_since
    condition = {
        "open": Alert.resolved_at.is_(None),
        "resolved": recent,
        "all": or_(Alert.resolved_at.is_(None), recent),
    }[state]
    stmt = select(Alert).where(Alert.organization_id == org_id, condition)
    rows = list(session.scalars(by_id_desc(stmt, Alert.id, after, limit)))
    return take(rows, limit, lambda a: After(a.id))


def failed_count(session: Session, org_id: int, since: datetime) -> int:
    """Messages waiting in the manual queue that failed since ``since``."""
    stmt = select(func.count()).where(
        Message.organization_id == org_id,
        Message.direction == "out",
        Message.status == MessageStatus.FAILED,
        Message.updated_at >= since,
    )
    return int(session.scalar(stmt) or 0)


def heartbeats(session: Session, since: datetime) -> list[WorkerHeartbeat]:
    """Workers seen since ``since``, most recent first."""
    stmt = select(WorkerHeartbeat).where(WorkerHeartbeat.seen_at >= since)
    return list(session.scalars(stmt.order_by(WorkerHeartbeat.seen_at.desc())))


@dataclass(frozen=True, slots=True)
class Traffic:
    """Messages created in a window, by direction and status (the business phone's own
    messages left out: atende did not send them)."""

    received: int
    by_status: dict[str, int]  # outbound


def traffic(session: Session, org_id: int, since: datetime) -> Traffic:
    stmt = (
        select(Message.direction, Message.status, func.count())
        .where(
            Message.organization_id == org_id,
            Message.created_at >= since,
            Message.author != "phone",
        )
        .group_by(Message.direction, Message.status)
    )
    received, out = 0, {}
    for direction, status, n in session.execute(stmt):
        if direction == "in":
            received += int(n)
        else:
            out[str(status)] = int(n)
    return Traffic(received, out)


def reply_latencies(session: Session, org_id: int, since: datetime) -> list[float]:
    """Seconds from each burst's last inbound message (created since ``since``) to the
    provider accepting the first part of its reply; bursts not answered yet are left out."""
    inbound, reply = aliased(Message), aliased(Message)
    key = (
        literal("reply:", String)
        + cast(inbound.conversation_id, String)
        + literal(":", String)
        + cast(inbound.buffer_version, String)
        + literal(":0", String)
    )
    stmt = (
        select(inbound.created_at, func.min(SendAttempt.finished_at))
        .join(reply, reply.idempotency_key == key)
        .join(SendAttempt, SendAttempt.message_id == reply.id)
        .where(
            inbound.organization_id == org_id,
            inbound.direction == "in",
            inbound.created_at >= since,
            SendAttempt.outcome.in_(ACCEPTED),
        )
        .group_by(inbound.id, inbound.created_at)
    )
    return [max(0.0, (acc - at).total_seconds()) for at, acc in session.execute(stmt)]


def message(session: Session, org_id: int, message_id: int) -> Message | None:
    return session.scalar(
        select(Message).where(Message.id == message_id, Message.organization_id == org_id)
    )


def attempts(session: Session, message_id: int) -> tuple[list[SendAttempt], int]:
    """A message's send attempts, oldest first (the first ``MAX_ATTEMPTS_SHOWN``), and
    how many there are."""
    stmt = select(SendAttempt).where(SendAttempt.message_id == message_id)
    rows = list(session.scalars(stmt.order_by(SendAttempt.id).limit(MAX_ATTEMPTS_SHOWN)))
    total = session.scalar(select(func.count()).where(SendAttempt.message_id == message_id))
    return rows, int(total or 0)


def recent_attempts(session: Session, window: timedelta) -> list[tuple[str, str, int]]:
    """(channel, outcome, count) of the send attempts finished in the last ``window``,
    every organization: the failure rate per channel."""
    stmt = (
        select(Message.channel_id, SendAttempt.outcome, func.count())
        .join(Message, Message.id == SendAttempt.message_id)
        .where(SendAttempt.finished_at >= utcnow() - window)
        .group_by(Message.channel_id, SendAttempt.outcome)
    )
    return [(str(c), str(o), int(n)) for c, o, n in session.execute(stmt)]


def organizations(session: Session) -> list[Organization]:
    """Every organization, by slug."""
    return list(session.scalars(select(Organization).order_by(Organization.slug)))


def recent_llm_calls(session: Session, window: timedelta) -> list[tuple[str, int]]:
    """(outcome, count) of the language model requests of the last ``window``."""
    stmt = (
        select(LlmCall.outcome, func.count())
        .where(LlmCall.created_at >= utcnow() - window)
        .group_by(LlmCall.outcome)
    )
    return [(str(o), int(n)) for o, n in session.execute(stmt)]


def open_alert_counts(session: Session) -> list[tuple[str, str, int]]:
    """(organization slug, kind, count) of the unresolved alerts; an alert of no
    organization (the server's own) has the slug ``""``."""
    stmt = (
        select(Organization.slug, Alert.kind, func.count())
        .select_from(Alert)
        .outerjoin(Organization, Organization.id == Alert.organization_id)
        .where(Alert.resolved_at.is_(None))
        .group_by(Organization.slug, Alert.kind)
        .order_by(Organization.slug, Alert.kind)
    )
    return [(slug or "", str(kind), int(n)) for slug, kind, n in session.execute(stmt)]
