"""The admin API's monitoring: the caller's organization only, counted from its own rows.

Figures across every organization (the job queue's depth, all waiting conversations)
are an operator's business and live on /metrics alone: a tenant must not watch
another's traffic through them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from atende.storage import alerts, conversations, messages, usage
from atende.storage.types import utcnow
from atende.web.api import RESPONSES, iso
from atende.web.deps import OrgDep, RuntimeDep
from atende.web.paging import PageRequest, pager, respond
from atende.web.schemas import (
    MAX_HOURS,
    AlertOut,
    FailedOut,
    Items,
    LlmUsageOut,
    QueueStats,
    RetryFailed,
)

router = APIRouter(prefix="/api/monitoring", tags=["monitoring"], responses=RESPONSES)

HoursParam = Annotated[
    float,
    Query(gt=0, le=MAX_HOURS, allow_inf_nan=False, description=f"0 < hours ≤ {MAX_HOURS}"),
]
DaysParam = Annotated[float, Query(gt=0, le=366, allow_inf_nan=False)]


@router.get("/queue-stats")
def queue_stats(org: OrgDep, runtime: RuntimeDep) -> QueueStats:
    with runtime.sessions() as s:
        waiting = conversations.waiting_count(s, org.id)
        backlog = messages.outbound_backlog(s, org.id)
        by_status = messages.count_by_status(s, org.id)
    oldest = backlog.oldest_queued_at
    return QueueStats(
        conversations_waiting=waiting,
        outbound_queued=backlog.queued,
        outbound_deferred=backlog.deferred,
        outbound_sending=backlog.sending,
        oldest_queued_seconds=None if oldest is None else (utcnow() - oldest).total_seconds(),
        messages=by_status,
    )


@router.get("/alerts")
def open_alerts(
    org: OrgDep, runtime: RuntimeDep, page: Annotated[PageRequest, Depends(pager("alerts"))]
) -> Items[AlertOut]:
    """Unresolved alerts, newest first."""
    with runtime.sessions() as s:
        got = alerts.open_page(s, org.id, page.after, page.limit)
        out = [
            AlertOut(id=a.id, kind=a.kind, message=a.message, created_at=iso(a.created_at, org))
            for a in got.rows
        ]
    return respond("alerts", got, out)


@router.get("/failed")
def failed(
    org: OrgDep,
    runtime: RuntimeDep,
    page: Annotated[PageRequest, Depends(pager("failed"))],
    hours: HoursParam = 24 * 7,
) -> Items[FailedOut]:
    """Replies that failed for good in the last ``hours``, oldest first."""
    since = utcnow() - timedelta(hours=hours)
    with runtime.sessions() as s:
        got = messages.failed_page(s, org.id, since, page.after, page.limit)
    out = [
        FailedOut(
            id=m.id,
            conversation_id=m.conversation_id,
            body=m.body,
            attempts=m.attempts,
            error_code=m.error_code,
            error_detail=m.error_detail,
            updated_at=iso(m.updated_at, org),
        )
        for m in got.rows
    ]
    return respond("failed", got, out)


@router.post("/retry-failed")
def retry_failed(
    org: OrgDep, runtime: RuntimeDep, body: RetryFailed | None = None
) -> dict[str, list[int]]:
    """Re-queue messages that failed in the last ``hours`` with a fresh attempt budget."""
    hours = body.hours if body else 24
    return {"requeued": runtime.pipeline.operations.retry_failed(org.id, hours)}


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
