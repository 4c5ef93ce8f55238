"""The admin API's monitoring: the caller's organization only, counted from its own rows.

``/health`` (green / yellow / red with reasons, rules in ``pipeline/health.py``),
``/alerts`` (open, or recently resolved), ``/metrics`` (a window's traffic and reply
latency), ``/queue-stats`` (by send class and channel), ``/messages/{id}`` (every send
attempt), ``/llm-usage``. The manual queue (``/failed`` and its actions) is in
``web/manual_queue.py``. Definitions of the figures: ``storage/monitoring.py``.

Figures across every organization (the job queue's depth, all waiting conversations)
are an operator's business and live on /metrics alone: a tenant must not watch
another's traffic through them.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from atende import __version__
from atende.errors import NotFound
from atende.pipeline import health as rules
from atende.storage import conversations, messages, monitoring, usage
from atende.storage.models import Alert, Organization, SendAttempt
from atende.storage.monitoring import class_name
from atende.storage.types import utcnow
from atende.web.api import RESPONSES, iso
from atende.web.deps import OrgDep, RuntimeDep, stored_id
from atende.web.paging import PageRequest, pager, respond
from atende.web.schemas import (
    AlertOut,
    AttemptOut,
    HealthOut,
    HealthReasonOut,
    Items,
    LlmUsageOut,
    MessageDetailOut,
    QueueClassOut,
    QueueStats,
    TrafficOut,
)

router = APIRouter(prefix="/api/monitoring", tags=["monitoring"], responses=RESPONSES)

DaysParam = Annotated[float, Query(gt=0, le=366, allow_inf_nan=False)]
WindowHours = Annotated[
    float, Query(gt=0, le=24 * 31, allow_inf_nan=False, description="0 < hours ≤ 744")
]
MessageId = Annotated[int, stored_id("message")]


@router.get("/health")
def org_health(org: OrgDep, runtime: RuntimeDep) -> HealthOut:
    """green / yellow / red, with every reason (the rules: README, "Monitoring")."""
    window = rules.heartbeat_window(runtime.settings.sweep_interval_seconds)
    with runtime.sessions() as s:
        inputs = rules.read(s, org.id, window, rules.HealthRules())
    got = rules.grade(inputs, __version__)
    return HealthOut(
        status=got.status,
        reasons=[
            HealthReasonOut(level=r.level, code=r.code, detail=r.detail, subject=r.subject)
            for r in got.reasons
        ],
        checked_at=iso(inputs.now, org),
    )


@router.get("/queue-stats")
def queue_stats(org: OrgDep, runtime: RuntimeDep) -> QueueStats:
    now = utcnow()
    with runtime.sessions() as s:
        waiting = conversations.waiting_count(s, org.id)
        backlog = messages.outbound_backlog(s, org.id)
        by_status = messages.count_by_status(s, org.id)
        rows = monitoring.queue_rows(s, org.id, by_channel=True)
    oldest = backlog.oldest_queued_at
    return QueueStats(
        conversations_waiting=waiting,
        outbound_queued=backlog.queued,
        outbound_deferred=backlog.deferred,
        outbound_sending=backlog.sending,
        oldest_queued_seconds=None if oldest is None else (now - oldest).total_seconds(),
        messages=by_status,
        by_class=[
            QueueClassOut(
                send_class=class_name(r.priority),
                channel_id=r.channel_id or "",
                queued=r.queued,
                deferred=r.deferred,
                sending=r.sending,
                oldest_age_seconds=r.oldest_age(now),
            )
            for r in rows
        ],
    )


@router.get("/alerts")
def list_alerts(
    org: OrgDep,
    runtime: RuntimeDep,
    page: Annotated[PageRequest, Depends(pager("alerts"))],
    state: Annotated[
        Literal["open", "resolved", "all"],
        Query(description="open (the default), resolved within `hours`, or all of those"),
    ] = "open",
    hours: WindowHours = 24,
) -> Items[AlertOut]:
    """Alerts newest first: unresolved ones unless ``state`` asks otherwise."""
    since = utcnow() - timedelta(hours=hours)
    with runtime.sessions() as s:
        got = monitoring.alerts_page(s, org.id, state, since, page.after, page.limit)
        out = [_alert(a, org) for a in got.rows]
    return respond("alerts", got, out)


def _alert(a: Alert, org: Organization) -> AlertOut:
    return AlertOut(
        id=a.id,
        kind=a.kind,
        message=a.message,
        created_at=iso(a.created_at, org),
        subject=a.subject,
        resolved_at=_iso_or_none(a.resolved_at, org),
    )


@router.get("/metrics")
def traffic(org: OrgDep, runtime: RuntimeDep, hours: WindowHours = 24) -> TrafficOut:
    """Messages of the last ``hours`` and how fast customers got their answer."""
    since = utcnow() - timedelta(hours=hours)
    with runtime.sessions() as s:
        t = monitoring.traffic(s, org.id, since)
        latencies = sorted(monitoring.reply_latencies(s, org.id, since))
    n = t.by_status.get
    read = n("read", 0)
    delivered = n("delivered", 0) + read
    sent = n("sent", 0) + delivered
    return TrafficOut(
        hours=hours,
        since=iso(since, org),
        received=t.received,
        sent=sent,
        delivered=delivered,
        read=read,
        failed=n("failed", 0),
        pending=n("queued", 0) + n("sending", 0),
        discarded=n("discarded", 0),
        handled=n("handled", 0),
        delivery_rate=round(delivered / sent, 4) if sent else None,
        replies_measured=len(latencies),
        reply_latency_p50_seconds=_rank(latencies, 0.50),
        reply_latency_p95_seconds=_rank(latencies, 0.95),
    )


def _rank(ordered: list[float], q: float) -> float | None:
    """The nearest-rank percentile of sorted values (None for none)."""
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3)


@router.get("/messages/{message_id}")
def message_detail(org: OrgDep, runtime: RuntimeDep, message_id: MessageId) -> MessageDetailOut:
    """One message with every send attempt: when, what the provider answered, next try."""
    with runtime.sessions() as s:
        m = monitoring.message(s, org.id, message_id)
        if m is None:
            raise NotFound(f"message {message_id} not found")
        tried, total = monitoring.attempts(s, m.id)
    return MessageDetailOut(
        id=m.id,
        conversation_id=m.conversation_id,
        channel_id=m.channel_id,
        direction=m.direction,
        kind=m.kind,
        author=m.author,
        send_class=class_name(m.priority),
        body=m.body,
        status=m.status,
        provider_id=m.provider_id,
        attempts=m.attempts,
        deferrals=m.deferrals,
        next_attempt_at=_iso_or_none(m.next_attempt_at, org),
        error_code=m.error_code,
        error_detail=m.error_detail,
        created_at=iso(m.created_at, org),
        updated_at=iso(m.updated_at, org),
        send_attempts=[_attempt(a, org) for a in tried],
        send_attempts_total=total,
    )


def _attempt(a: SendAttempt, org: Organization) -> AttemptOut:
    return AttemptOut(
        attempt=a.attempt,
        started_at=iso(a.started_at, org),
        finished_at=iso(a.finished_at, org),
        outcome=a.outcome,
        code=a.code,
        detail=a.detail,
        next_try_at=_iso_or_none(a.next_try_at, org),
    )


def _iso_or_none(at: datetime | None, org: Organization) -> str | None:
    return None if at is None else iso(at, org)


@router.get("/llm-usage")
def llm_usage(org: OrgDep, runtime: RuntimeDep, days: DaysParam = 30) -> LlmUsageOut:
    """Model calls, tokens, estimated cost, and the turns answered without a model."""
    with runtime.sessions() as s:
        u = usage.llm_usage(s, org.id, utcnow() - timedelta(days=days))
    return LlmUsageOut(
        days=days,
        calls=u.calls,
        errors=u.errors,
        prompt_tokens=u.prompt_tokens,
        completion_tokens=u.completion_tokens,
        cost_usd=str(u.cost_usd),
        avg_latency_ms=u.avg_latency_ms,
        turns=u.turns,
        turns_without_llm=u.turns_without_llm,
    )
