"""The pace every worker process shares, and each channel's circuit breaker.

Both live in the database, never in a process's memory: two ``atende worker`` processes
on two machines sending through one WhatsApp number must respect one pace. A key
(``channel:ID``, ``contact:ID:PHONE``…) holds the next moment it may send; taking a slot
is a compare-and-set on that moment, so two workers never take the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from atende.domain.states import MessageStatus
from atende.storage.models import ChannelBreaker, Message, SendAttempt, SendPace
from atende.storage.portable import insert_if_absent, rowcount

CAS_TRIES = 5


def wait_for(session: Session, key: str, now: datetime) -> float:
    """Seconds until ``key`` may send (0: now), taking nothing."""
    next_at = session.scalar(select(SendPace.next_at).where(SendPace.key == key))
    return 0.0 if next_at is None else max(0.0, (next_at - now).total_seconds())


def take(session: Session, key: str, interval: float, now: datetime) -> float:
    """Take ``key``'s next slot and push it ``interval`` seconds on; the seconds to wait
    for the slot taken (0: it is free now). Replies queue for the next slot this way."""
    for _ in range(CAS_TRIES):
        current = session.scalar(select(SendPace.next_at).where(SendPace.key == key))
        if current is None:
            values = {"key": key, "next_at": now + timedelta(seconds=interval)}
            if insert_if_absent(session, SendPace.__table__, values, ["key"]):  # type: ignore[arg-type]
                return 0.0
            continue  # another worker created it meanwhile
        start = max(now, current)
        moved = session.execute(
            update(SendPace)
            .where(SendPace.key == key, SendPace.next_at == current)
            .values(next_at=start + timedelta(seconds=interval))
        )
        if rowcount(moved) == 1:
            return (start - now).total_seconds()
    return interval  # lost every race: try again a slot later


def take_free(session: Session, keys: list[tuple[str, float]], now: datetime) -> bool:
    """Take the slot of every key at once if each is free ``now`` (each pushed its
    interval on); True when taken. All or none: a send that cannot go holds no slot
    another one could use."""
    try:
        with session.begin_nested():
            for key, interval in keys:
                until = now + timedelta(seconds=interval)
                values = {"key": key, "next_at": until}
                if insert_if_absent(session, SendPace.__table__, values, ["key"]):  # type: ignore[arg-type]
                    continue
                moved = session.execute(
                    update(SendPace)
                    .where(SendPace.key == key, SendPace.next_at <= now)
                    .values(next_at=until)
                )
                if rowcount(moved) != 1:
                    raise _Lost  # another worker took it meanwhile: undo the others
    except _Lost:
        return False
    return True


class _Lost(Exception):
    pass


def push(session: Session, key: str, until: datetime) -> None:
    """Nothing goes out on ``key`` before ``until`` (a provider's rate-limit answer)."""
    if insert_if_absent(session, SendPace.__table__, {"key": key, "next_at": until}, ["key"]):  # type: ignore[arg-type]
        return
    session.execute(
        update(SendPace).where(SendPace.key == key, SendPace.next_at < until).values(next_at=until)
    )


def sent_since(session: Session, channel_id: str, since: datetime) -> list[datetime]:
    """When each business-initiated message of the channel went out since ``since``,
    oldest first (for the hourly and daily caps)."""
    stmt = (
        select(SendAttempt.finished_at)
        .join(Message, Message.id == SendAttempt.message_id)
        .where(
            Message.channel_id == channel_id,
            Message.priority > 0,
            SendAttempt.outcome.in_(("sent", "reconciled")),
            SendAttempt.finished_at >= since,
        )
        .order_by(SendAttempt.finished_at)
    )
    return list(session.scalars(stmt))


# --- the breaker --------------------------------------------------------------------

BreakerGate = Literal["go", "probe", "wait"]


@dataclass(frozen=True, slots=True)
class BreakerVerdict:
    gate: BreakerGate
    wait: float = 0.0


def breaker_gate(
    session: Session, channel_id: str, now: datetime, probe_interval: float
) -> BreakerVerdict:
    """Closed: go. Open: the first send after ``probe_at`` goes as the probe (and moves
    ``probe_at`` one interval on, so only one goes per interval); the others wait for it."""
    row = session.get(ChannelBreaker, channel_id, populate_existing=True)
    if row is None or row.state == "closed":
        return BreakerVerdict("go")
    probe_at = row.probe_at or now
    if probe_at <= now:
        won = session.execute(
            update(ChannelBreaker)
            .where(
                ChannelBreaker.channel_id == channel_id,
                ChannelBreaker.state == "open",
                ChannelBreaker.probe_at == row.probe_at,
            )
            .values(probe_at=now + timedelta(seconds=probe_interval), updated_at=now)
        )
        if rowcount(won) == 1:
            return BreakerVerdict("probe")
        return BreakerVerdict("wait", probe_interval)
    return BreakerVerdict("wait", (probe_at - now).total_seconds())


def breaker_failure(
    session: Session,
    channel_id: str,
    now: datetime,
    threshold: int,
    probe_interval: float,
    error: str,
) -> bool:
    """Count a transient failure in a row; True when this one opened the breaker."""
    insert_if_absent(
        session,
        ChannelBreaker.__table__,  # type: ignore[arg-type]
        {"channel_id": channel_id, "state": "closed", "failures": 0, "updated_at": now},
        ["channel_id"],
    )
    session.execute(
        update(ChannelBreaker)
        .where(ChannelBreaker.channel_id == channel_id)
        .values(failures=ChannelBreaker.failures + 1, last_error=error[:200], updated_at=now)
    )
    opened = session.execute(
        update(ChannelBreaker)
        .where(
            ChannelBreaker.channel_id == channel_id,
            ChannelBreaker.state == "closed",
            ChannelBreaker.failures >= threshold,
        )
        .values(state="open", opened_at=now, probe_at=now + timedelta(seconds=probe_interval))
    )
    return rowcount(opened) == 1


def open_breaker(
    session: Session, channel_id: str, now: datetime, probe_interval: float, reason: str
) -> bool:
    """Open the breaker at once (the connection is not open); True if it was closed."""
    insert_if_absent(
        session,
        ChannelBreaker.__table__,  # type: ignore[arg-type]
        {"channel_id": channel_id, "state": "closed", "failures": 0, "updated_at": now},
        ["channel_id"],
    )
    opened = session.execute(
        update(ChannelBreaker)
        .where(ChannelBreaker.channel_id == channel_id, ChannelBreaker.state == "closed")
        .values(
            state="open",
            opened_at=now,
            probe_at=now + timedelta(seconds=probe_interval),
            last_error=reason[:200],
            updated_at=now,
        )
    )
    return rowcount(opened) == 1


def breaker_success(session: Session, channel_id: str, now: datetime) -> bool:
    """A send went out: the failures in a row are over; True when this closed the breaker."""
    closed = session.execute(
        update(ChannelBreaker)
        .where(ChannelBreaker.channel_id == channel_id, ChannelBreaker.state == "open")
        .values(state="closed", failures=0, probe_at=None, updated_at=now)
    )
    if rowcount(closed) == 1:
        return True
    session.execute(
        update(ChannelBreaker)
        .where(ChannelBreaker.channel_id == channel_id, ChannelBreaker.failures > 0)
        .values(failures=0, updated_at=now)
    )
    return False


def held_back(session: Session, channel_id: str, limit: int = 5000) -> list[tuple[int, int]]:
    """The channel's queued messages, in order, as (id, priority): the backlog a closing
    breaker releases."""
    stmt = (
        select(Message.id, Message.priority)
        .where(
            Message.channel_id == channel_id,
            Message.direction == "out",
            Message.status == MessageStatus.QUEUED,
        )
        .order_by(Message.priority, Message.id)
        .limit(limit)
    )
    return [(int(i), int(p)) for i, p in session.execute(stmt)]


def release(session: Session, channel_id: str, now: datetime) -> None:
    """The backlog held for the breaker is due now (the pace spreads it out)."""
    session.execute(
        update(Message)
        .where(
            Message.channel_id == channel_id,
            Message.direction == "out",
            Message.status == MessageStatus.QUEUED,
            Message.next_attempt_at > now,
            Message.error_code == "breaker_open",
        )
        .values(next_attempt_at=now)
    )


def count_open(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(ChannelBreaker).where(ChannelBreaker.state == "open")
        )
        or 0
    )
