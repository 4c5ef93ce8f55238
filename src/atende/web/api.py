"""The admin API, behind the organization's bearer key. Every query is org-scoped."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import select

from atende.domain.phones import InvalidPhone, normalize_phone
from atende.errors import BookingChangeRefused, NotFound
from atende.storage import bookings, catalog, conversations, knowledge, messages, usage
from atende.storage.db import transaction
from atende.storage.models import Alert, Organization
from atende.storage.types import utcnow
from atende.web.deps import OrgDep, RuntimeDep
from atende.web.schemas import (
    AlertOut,
    BookingOut,
    BookingStatusChange,
    ContactOut,
    ConversationOut,
    FailedOut,
    Items,
    KnowledgeDocumentOut,
    LlmUsageOut,
    MessageOut,
    OperatorReply,
    PetOut,
    PetUpdate,
    QueueStats,
    RetryFailed,
    ServiceOut,
)

router = APIRouter(prefix="/api", tags=["admin"])


def iso(value: datetime | None, org: Organization) -> str | None:
    return None if value is None else value.astimezone(ZoneInfo(org.timezone)).isoformat()


def _iso(value: datetime, org: Organization) -> str:
    return value.astimezone(ZoneInfo(org.timezone)).isoformat()


@router.get("/services")
def list_services(org: OrgDep, runtime: RuntimeDep) -> Items[ServiceOut]:
    with runtime.sessions() as s:
        rows = catalog.services(s, org.id)
    return Items(
        items=[
            ServiceOut(
                id=r.id, name=r.name, price=f"{r.price:.2f}", duration_minutes=r.duration_minutes
            )
            for r in rows
        ]
    )


@router.get("/conversations")
def list_conversations(
    org: OrgDep, runtime: RuntimeDep, phone: Annotated[str | None, Query()] = None
) -> Items[ConversationOut]:
    try:
        wanted = normalize_phone(phone) if phone else None
    except InvalidPhone as exc:
        raise HTTPException(400, str(exc)) from exc
    with runtime.sessions() as s:
        rows = conversations.list_for_org(s, org.id, wanted)
    return Items(
        items=[
            ConversationOut(
                id=c.id, contact_phone=p, state=c.state, last_message_at=iso(c.last_message_at, org)
            )
            for c, p in rows
        ]
    )


@router.get("/conversations/{conversation_id}/messages")
def list_messages(conversation_id: int, org: OrgDep, runtime: RuntimeDep) -> Items[MessageOut]:
    with runtime.sessions() as s:
        if conversations.get(s, org.id, conversation_id) is None:
            raise HTTPException(404, "conversation not found")
        rows = messages.for_conversation(s, org.id, conversation_id)
    return Items(
        items=[
            MessageOut(
                id=m.id,
                direction=m.direction,
                kind=m.kind,
                author=m.author,
                body=m.body,
                status=m.status,
                attempts=m.attempts,
                error_code=m.error_code,
                created_at=_iso(m.created_at, org),
            )
            for m in rows
        ]
    )


def _conversation_action(
    action: str, conversation_id: int, org: Organization, runtime: RuntimeDep
) -> dict[str, str]:
    ops = runtime.pipeline.operations
    try:
        if action == "handoff":
            ops.handoff(org.id, conversation_id)
        else:
            ops.release(org.id, conversation_id)
    except NotFound as exc:
        raise HTTPException(404, "conversation not found") from exc
    return {"state": "human" if action == "handoff" else "bot"}


@router.post("/conversations/{conversation_id}/handoff")
def handoff(conversation_id: int, org: OrgDep, runtime: RuntimeDep) -> dict[str, str]:
    """A person takes over: the bot stays silent until /release."""
    return _conversation_action("handoff", conversation_id, org, runtime)


@router.post("/conversations/{conversation_id}/release")
def release(conversation_id: int, org: OrgDep, runtime: RuntimeDep) -> dict[str, str]:
    return _conversation_action("release", conversation_id, org, runtime)


@router.post("/conversations/{conversation_id}/messages", status_code=202)
def operator_reply(
    conversation_id: int, reply: OperatorReply, org: OrgDep, runtime: RuntimeDep
) -> dict[str, int | str]:
    """Send a reply written by a person (queued, then sent like any reply)."""
    try:
        message_id = runtime.pipeline.operations.operator_reply(org.id, conversation_id, reply.body)
    except NotFound as exc:
        raise HTTPException(404, "conversation not found") from exc
    return {"id": message_id, "status": "queued"}


@router.get("/contacts")
def list_contacts(org: OrgDep, runtime: RuntimeDep) -> Items[ContactOut]:
    with runtime.sessions() as s:
        rows = conversations.contacts_of(s, org.id)
    return Items(items=[ContactOut(id=c.id, phone=c.phone, name=c.name) for c in rows])


@router.get("/pets")
def list_pets(org: OrgDep, runtime: RuntimeDep) -> Items[PetOut]:
    with runtime.sessions() as s:
        rows = catalog.all_pets(s, org.id)
    return Items(
        items=[
            PetOut(
                id=p.id,
                name=p.name,
                species=p.species,
                breed=p.breed,
                owner_phone=phone,
                birth_date=p.birth_date.isoformat() if p.birth_date else None,
            )
            for p, phone in rows
        ]
    )


@router.patch("/pets/{pet_id}")
def update_pet(
    pet_id: int, change: PetUpdate, org: OrgDep, runtime: RuntimeDep
) -> dict[str, object]:
    """The pet's birthday, for the owner's birthday campaigns."""
    with transaction(runtime.sessions) as s:
        if not catalog.set_birth_date(s, org.id, pet_id, change.birth_date):
            raise HTTPException(404, "pet not found")
    born = change.birth_date.isoformat() if change.birth_date else None
    return {"id": pet_id, "birth_date": born}


@router.get("/bookings")
def list_bookings(org: OrgDep, runtime: RuntimeDep) -> Items[BookingOut]:
    with runtime.sessions() as s:
        rows = bookings.list_bookings(s, org.id)
    return Items(
        items=[
            BookingOut(
                id=b.id,
                contact_phone=phone,
                pet_name=pet,
                service=service,
                starts_at=_iso(b.starts_at, org),
                ends_at=_iso(b.ends_at, org),
                status=b.status,
            )
            for b, phone, pet, service in rows
        ]
    )


@router.post("/bookings/{booking_id}/status")
def change_booking_status(
    booking_id: int, change: BookingStatusChange, org: OrgDep, runtime: RuntimeDep
) -> dict[str, str | int]:
    """Mark what happened: ``completed``, ``no_show`` (the owner's figures count them) or
    ``cancelled``."""
    try:
        with transaction(runtime.sessions) as s:
            booking = bookings.set_status(s, org.id, booking_id, change.status)
            if booking is None:
                raise HTTPException(404, "booking not found")
    except BookingChangeRefused as exc:
        raise HTTPException(409, str(exc)) from exc
    return {"id": booking_id, "status": change.status}


@router.get("/monitoring/queue-stats")
def queue_stats(org: OrgDep, runtime: RuntimeDep) -> QueueStats:
    stats = runtime.queue.stats()
    with runtime.sessions() as s:
        waiting = conversations.pending_count(s)
        by_status = messages.count_by_status(s, org.id)
    return QueueStats(
        queue_pending=stats["pending"],
        queue_scheduled=stats["scheduled"],
        conversations_waiting=waiting,
        messages=by_status,
    )


@router.get("/monitoring/alerts")
def alerts(org: OrgDep, runtime: RuntimeDep) -> Items[AlertOut]:
    with runtime.sessions() as s:
        rows = s.scalars(
            select(Alert)
            .where(Alert.organization_id == org.id, Alert.resolved_at.is_(None))
            .order_by(Alert.id.desc())
            .limit(200)
        )
        items = [
            AlertOut(id=a.id, kind=a.kind, message=a.message, created_at=_iso(a.created_at, org))
            for a in rows
        ]
    return Items(items=items)


@router.get("/monitoring/failed")
def failed(
    org: OrgDep, runtime: RuntimeDep, hours: Annotated[float, Query(gt=0)] = 24 * 7
) -> Items[FailedOut]:
    with runtime.sessions() as s:
        rows = messages.failed_since(s, org.id, hours)
    return Items(
        items=[
            FailedOut(
                id=m.id,
                conversation_id=m.conversation_id,
                body=m.body,
                attempts=m.attempts,
                error_code=m.error_code,
                error_detail=m.error_detail,
                updated_at=_iso(m.updated_at, org),
            )
            for m in rows
        ]
    )


@router.post("/monitoring/retry-failed")
def retry_failed(
    org: OrgDep, runtime: RuntimeDep, body: RetryFailed | None = None
) -> dict[str, list[int]]:
    """Re-queue messages that failed in the last ``hours`` with a fresh attempt budget."""
    hours = body.hours if body else 24
    return {"requeued": runtime.pipeline.operations.retry_failed(org.id, hours)}


@router.get("/monitoring/llm-usage")
def llm_usage(
    org: OrgDep, runtime: RuntimeDep, days: Annotated[float, Query(gt=0, le=366)] = 30
) -> LlmUsageOut:
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


@router.get("/knowledge")
def list_knowledge(org: OrgDep, runtime: RuntimeDep) -> Items[KnowledgeDocumentOut]:
    with runtime.sessions() as s:
        docs = knowledge.documents(s, org.id)
    return Items(
        items=[
            KnowledgeDocumentOut(name=d.name, kind=d.kind, passages=d.chunks, chars=d.chars)
            for d in docs
        ]
    )
