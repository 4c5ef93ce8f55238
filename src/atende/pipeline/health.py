"""One organization's traffic light: green, yellow or red, with every reason.

**red** — customers are not being answered:
  ``no_worker``      no worker heartbeat within the liveness window (webhooks are
                     accepted, nobody answers); the window is 3 sweeps, at least 30 s
  ``no_channel``     no active channel can send (none configured, or every one closed,
                     waiting for pairing, or with its breaker open)
  ``reply_backlog``  a customer's reply has been due for more than 10 minutes

**yellow** — something needs a look:
  ``channel_down``, ``channel_needs_pairing``, ``channel_connecting``  a channel's
                     connection (WhatsApp Web) is not open
  ``breaker_open``   a channel's breaker holds its sends after failures in a row
  ``backlog``        a queued message has been due for more than 2 minutes, or more
                     than 50 are due at once (every send class)
  ``version_skew``   a live worker runs another version than this process
  ``open_alerts``    alerts are open (``/api/monitoring/alerts``)
  ``manual_queue``   messages failed in the last 7 days and wait for a person

**green** — none of these.

``grade`` is pure (thresholds in ``HealthRules``); ``read`` gathers what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from atende.domain.sending import SendClass
from atende.storage import monitoring
from atende.storage.models import WorkerHeartbeat
from atende.storage.monitoring import ChannelHealth, QueueRow
from atende.storage.types import utcnow

Level = Literal["red", "yellow"]
Status = Literal["green", "yellow", "red"]
DOWN_STATES = {
    "close": "channel_down",
    "needs_pairing": "channel_needs_pairing",
    "connecting": "channel_connecting",
}


@dataclass(frozen=True, slots=True)
class HealthRules:
    backlog_seconds: float = 120.0
    backlog_count: int = 50
    reply_backlog_seconds: float = 600.0
    manual_queue_days: float = 7.0
    min_heartbeat_seconds: float = 30.0


def heartbeat_window(sweep_interval_seconds: float, rules: HealthRules = HealthRules()) -> float:
    """How recent a worker's heartbeat must be for it to count as alive."""
    return max(rules.min_heartbeat_seconds, sweep_interval_seconds * 3)


@dataclass(frozen=True, slots=True)
class Reason:
    level: Level
    code: str
    detail: str
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Health:
    status: Status
    reasons: list[Reason]


@dataclass(frozen=True, slots=True)
class HealthInputs:
    channels: list[ChannelHealth]
    queues: list[QueueRow]
    workers: list[WorkerHeartbeat]  # alive
    open_alerts: int
    failed: int
    now: datetime = field(compare=False)


def read(
    session: Session, org_id: int, heartbeat_seconds: float, rules: HealthRules
) -> HealthInputs:
    now = utcnow()
    return HealthInputs(
        channels=monitoring.channels(session, org_id),
        queues=monitoring.queue_rows(session, org_id, by_channel=False),
        workers=monitoring.heartbeats(session, now - timedelta(seconds=heartbeat_seconds)),
        open_alerts=monitoring.open_alert_count(session, org_id),
        failed=monitoring.failed_count(
            session, org_id, now - timedelta(days=rules.manual_queue_days)
        ),
        now=now,
    )


def channel_problems(ch: ChannelHealth) -> list[Reason]:
    """Why this channel cannot send right now (empty: it can)."""
    subject = f"channel:{ch.channel.id}"
    out: list[Reason] = []
    state = ch.channel.connection_state
    if state in DOWN_STATES:
        why = f" ({ch.channel.connection_reason})" if ch.channel.connection_reason else ""
        detail = f"{ch.channel.provider} channel {ch.channel.id} is {state}{why}"
        out.append(Reason("yellow", DOWN_STATES[state], detail, subject))
    if ch.breaker is not None and ch.breaker.state == "open":
        last = f": {ch.breaker.last_error}" if ch.breaker.last_error else ""
        detail = f"channel {ch.channel.id}: breaker open after {ch.breaker.failures} failures{last}"
        out.append(Reason("yellow", "breaker_open", detail, subject))
    return out


def grade(inputs: HealthInputs, version: str, rules: HealthRules = HealthRules()) -> Health:
    reasons = _workers(inputs, version) + _channels(inputs) + _backlog(inputs, rules)
    if inputs.open_alerts:
        reasons.append(Reason("yellow", "open_alerts", f"{inputs.open_alerts} open alert(s)"))
    if inputs.failed:
        detail = f"{inputs.failed} failed message(s) wait in the manual queue"
        reasons.append(Reason("yellow", "manual_queue", detail))
    levels = {r.level for r in reasons}
    status: Status = "red" if "red" in levels else "yellow" if levels else "green"
    return Health(status, sorted(reasons, key=lambda r: r.level != "red"))


def _workers(inputs: HealthInputs, version: str) -> list[Reason]:
    if not inputs.workers:
        return [Reason("red", "no_worker", "no worker heartbeat: messages are not answered")]
    others = sorted({w.version for w in inputs.workers} - {version})
    if others:
        detail = f"workers run {', '.join(others)}; this process runs {version}"
        return [Reason("yellow", "version_skew", detail)]
    return []


def _channels(inputs: HealthInputs) -> list[Reason]:
    active = [c for c in inputs.channels if c.channel.status == "active"]
    reasons: list[Reason] = []
    usable = 0
    for ch in active:
        problems = channel_problems(ch)
        reasons += problems
        usable += not problems
    if not usable:
        detail = "no channel can send" if active else "no channel configured"
        reasons.append(Reason("red", "no_channel", detail))
    return reasons


def _backlog(inputs: HealthInputs, rules: HealthRules) -> list[Reason]:
    reasons: list[Reason] = []
    due = sum(q.queued for q in inputs.queues)
    ages = {q.priority: q.oldest_age(inputs.now) or 0.0 for q in inputs.queues}
    reply_age = ages.get(SendClass.REPLY, 0.0)
    oldest = max(ages.values(), default=0.0)
    if reply_age > rules.reply_backlog_seconds:
        detail = f"a customer's reply has waited {reply_age:.0f} s to be sent"
        reasons.append(Reason("red", "reply_backlog", detail))
    if oldest > rules.backlog_seconds or due > rules.backlog_count:
        detail = f"{due} message(s) due, the oldest waiting {oldest:.0f} s"
        reasons.append(Reason("yellow", "backlog", detail))
    return reasons
