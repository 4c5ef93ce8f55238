"""What the language model cost an organization, and how many turns did without it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atende.storage.models import BrainLog, LlmCall

MODEL_BRAINS = ("openai", "offline-fallback", "owner-llm", "owner-fallback")


@dataclass(frozen=True, slots=True)
class Usage:
    calls: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal
    avg_latency_ms: int
    turns: int
    turns_without_llm: int


def llm_usage(session: Session, org_id: int, since: datetime) -> Usage:
    calls = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(LlmCall.prompt_tokens), 0),
            func.coalesce(func.sum(LlmCall.completion_tokens), 0),
            func.coalesce(func.sum(LlmCall.cost_usd), 0),
            func.coalesce(func.avg(LlmCall.latency_ms), 0),
        ).where(LlmCall.organization_id == org_id, LlmCall.created_at >= since)
    ).one()
    errors = session.scalar(
        select(func.count()).where(
            LlmCall.organization_id == org_id,
            LlmCall.created_at >= since,
            LlmCall.outcome != "ok",
        )
    )
    # A filtered count, not GROUP BY brain IN (...): PostgreSQL cannot match a grouped
    # expression whose bound parameters are repeated, and refused every call with a 500.
    total, with_model = session.execute(
        select(func.count(), func.count().filter(BrainLog.brain.in_(MODEL_BRAINS))).where(
            BrainLog.organization_id == org_id, BrainLog.created_at >= since
        )
    ).one()
    without = int(total) - int(with_model)
    return Usage(
        calls=int(calls[0]),
        errors=int(errors or 0),
        prompt_tokens=int(calls[1]),
        completion_tokens=int(calls[2]),
        cost_usd=Decimal(calls[3]).quantize(Decimal("0.000001")),
        avg_latency_ms=round(float(calls[4])),
        turns=int(total),
        turns_without_llm=without,
    )


def tokens_since(session: Session, org_id: int, since: datetime) -> int:
    """Prompt and completion tokens the organization's model calls used since ``since``."""
    total = session.scalar(
        select(func.coalesce(func.sum(LlmCall.prompt_tokens + LlmCall.completion_tokens), 0)).where(
            LlmCall.organization_id == org_id, LlmCall.created_at >= since
        )
    )
    return int(total or 0)
