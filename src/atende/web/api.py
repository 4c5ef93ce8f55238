"""The admin API, behind the organization's bearer key. Every query is org-scoped.

Routes raise the domain's errors (``atende.errors``); ``web/errors.py`` turns them
into statuses. Every list is paged (``web/paging.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from atende.domain.phones import normalize_phone
from atende.domain.text import storable
from atende.errors import NotFound
from atende.storage import bookings, catalog, conversations, knowledge, messages
from atende.storage.db import transaction
from atende.storage.models import Organization
from atende.web.deps import BookingId, ConversationId, OrgDep, PetId, RuntimeDep, StaffDep
from atende.web.paging import PageRequest, pager, respond
from atende.web.schemas import (
    BookingOut,
    BookingStatusChange,
    BookingStatusOut,
    ContactOut,
    ConversationOut,
    Items,
    KnowledgeDocumentOut,
    MessageOut,
    OperatorReply,
    PetOut,
    PetUpdate,
    ServiceOut,
)

# Every status a route may answer besides 200, so clients (and schemathesis) know them.
RESPONSES: dict[int | str, dict[str, str]] = {
    400: {"description": "Refused input, with `detail` saying why"},
    401: {"description": "Missing or invalid API key"},
    404: {"description": "Not in this organization"},
    409: {"description": "Clashes with what is stored"},
    413: {"description": "Request body too large"},
    422: {"description": "Invalid parameter or body, with `detail` per field"},
}
router = APIRouter(prefix="/api", tags=["admin"], responses=RESPONSES)


def iso(value: datetime, org: Organization) -> str:
    """A stored time in the organization's time zone, ISO 8601 with its offset."""
    return value.astimezone(ZoneInfo(org.timezone)).isoformat()


@router.get("/services")
def list_services(
    org: OrgDep, runtime: RuntimeDep, page: Annotated[PageRequest, Depends(pager("services"))]
) -> Items[ServiceOut]:
    with runtime.sessions() as s:
        got = catalog.services_page(s, org.id, page.after, page.limit)
    out = [
        ServiceOut(
            id=r.id,
            name=r.name,
            price=f"{r.price:.2f}",
            duration_minutes=r.duration_minutes,
            gender=r.gender,
            plural=r.plural,
        )
        for r in got.rows
    ]
    return respond("services", got, out)


PhoneParam = Annotated[str | None, Query(max_length=64, description="E.164, e.g. +5511999990001")]


@router.get("/conversations")
def list_conversations(
    org: OrgDep,
    runtime: RuntimeDep,
    page: Annotated[PageRequest, Depends(pager("conversations", timed=True))],
    phone: PhoneParam = None,
) -> Items[ConversationOut]:
    """Most recent activity (last message, else creation) first."""
    wanted = normalize_phone(storable(phone)) if phone else None
    with runtime.sessions() as s:
        got = conversations.page_for_org(s, org.id, wanted, page.after, page.limit)
    out = [
        ConversationOut(
            id=c.id,
            contact_phone=p,
            state=c.state,
            last_message_at=iso(c.last_message_at, org) if c.last_message_at else None,
        )
        for c, p in got.rows
    ]
    return respond("conversations", got, out)


@router.get("/conversations/{conversation_id}/messages")
def list_messages(
    conversation_id: ConversationId,
    org: OrgDep,
    runtime: RuntimeDep,
    page: Annotated[PageRequest, Depends(pager("messages"))],
) -> Items[MessageOut]:
    """Oldest first."""
    with runtime.sessions() as s:
        if conversations.get(s, org.id, conversation_id) is None:
            raise NotFound("conversation not found")
        got = messages.conversation_page(s, org.id, conversation_id, page.after, page.limit)
    out = [
        MessageOut(
            id=m.id,
            direction=m.direction,
            kind=m.kind,
            author=m.author,
            body=m.body,
            status=m.status,
            attempts=m.attempts,
            error_code=m.error_code,
            created_at=iso(m.created_at, org),
        )
        for m in got.rows
    ]
    return respond("messages", got, out)


@router.post("/conversations/{conversation_id}/handoff")
def handoff(conversation_id: ConversationId, org: OrgDep, runtime: RuntimeDep) -> dict[str, str]:
    """A person takes over: the bot stays silent until /release."""
    runtime.pipeline.operations.handoff(org.id, conversation_id)
    return {"state": "human"}


@router.post("/conversations/{conversation_id}/release")
def release(conversation_id: ConversationId, org: OrgDep, runtime: RuntimeDep) -> dict[str, str]:
    runtime.pipeline.operations.release(org.id, conversation_id)
    return {"state": "bot"}


@router.post("/conversations/{conversation_id}/messages", status_code=202)
def operator_reply(
    conversation_id: ConversationId, reply: OperatorReply, org: OrgDep, runtime: RuntimeDep
) -> dict[str, int | str]:
    """Send a reply written by a person (queued, then sent like any reply)."""
    message_id = runtime.pipeline.operations.operator_reply(org.id, conversation_id, reply.body)
    return {"id": message_id, "status": "queued"}


@router.get("/contacts")
def list_contacts(
    org: OrgDep, runtime: RuntimeDep, page: Annotated[PageRequest, Depends(pager("contacts"))]
) -> Items[ContactOut]:
    with runtime.sessions() as s:
        got = conversations.contacts_page(s, org.id, page.after, page.limit)
    return respond(
        "contacts", got, [ContactOut(id=c.id, phone=c.phone, name=c.name) for c in got.rows]
    )


@router.get("/pets")
def list_pets(
    org: OrgDep, runtime: RuntimeDep, page: Annotated[PageRequest, Depends(pager("pets"))]
) -> Items[PetOut]:
    with runtime.sessions() as s:
        got = catalog.pets_page(s, org.id, page.after, page.limit)
    out = [
        PetOut(
            id=p.id,
            name=p.name,
            species=p.species,
            breed=p.breed,
            owner_phone=phone,
            birth_date=p.birth_date.isoformat() if p.birth_date else None,
        )
        for p, phone in got.rows
    ]
    return respond("pets", got, out)


@router.patch("/pets/{pet_id}")
def update_pet(
    pet_id: PetId, change: PetUpdate, org: OrgDep, runtime: RuntimeDep
) -> dict[str, object]:
    """The pet's birthday, for the owner's birthday campaigns."""
    with transaction(runtime.sessions) as s:
        if not catalog.set_birth_date(s, org.id, pet_id, change.birth_date):
            raise NotFound("pet not found")
    born = change.birth_date.isoformat() if change.birth_date else None
    return {"id": pet_id, "birth_date": born}


@router.get("/bookings")
def list_bookings(
    org: OrgDep,
    runtime: RuntimeDep,
    page: Annotated[PageRequest, Depends(pager("bookings", timed=True))],
) -> Items[BookingOut]:
    """Latest start first."""
    with runtime.sessions() as s:
        got = bookings.bookings_page(s, org.id, page.after, page.limit)
    out = [
        BookingOut(
            id=b.id,
            contact_phone=phone,
            pet_name=pet,
            service=service,
            starts_at=iso(b.starts_at, org),
            ends_at=iso(b.ends_at, org),
            status=b.status,
        )
        for b, phone, pet, service in got.rows
    ]
    return respond("bookings", got, out)


@router.post("/bookings/{booking_id}/status", response_model_exclude_none=True)
def change_booking_status(
    booking_id: BookingId, change: BookingStatusChange, staff: StaffDep, runtime: RuntimeDep
) -> BookingStatusOut:
    """Mark what happened: ``confirmed`` (the customer confirmed by phone), ``completed``
    (done: the customer is told the pet is ready, once, with ``amount`` if given),
    ``no_show`` (the owner's figures count them) or ``cancelled`` (the customer is told,
    unless ``notify`` is false). A change the booking cannot make is a 409. Logged in
    the audit log."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        done = desk.mark(booking_id, change.status, change.amount, change.notify)
    told = change.status in ("completed", "cancelled") and done.notice != "not_asked"
    notice = done.notice if told or change.status == "completed" else None
    return BookingStatusOut(id=booking_id, status=change.status, notice=notice)


@router.get("/knowledge")
def list_knowledge(
    org: OrgDep, runtime: RuntimeDep, page: Annotated[PageRequest, Depends(pager("knowledge"))]
) -> Items[KnowledgeDocumentOut]:
    with runtime.sessions() as s:
        got = knowledge.documents_page(s, org.id, page.after, page.limit)
    out = [
        KnowledgeDocumentOut(name=d.name, kind=d.kind, passages=d.chunks, chars=d.chars)
        for d in got.rows
    ]
    return respond("knowledge", got, out)
