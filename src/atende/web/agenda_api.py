"""The staff agenda through the admin API: the day or week by resource, booking for any
customer by phone, moving and cancelling (the customer is told on WhatsApp unless
``notify`` is false), blocking a resource's time, and the audit log of every change.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from atende.domain.shopfile import bounded_day
from atende.errors import NotFound
from atende.pipeline.agenda import Change, NewPet
from atende.storage import agenda as agenda_repo
from atende.storage import audit, services
from atende.storage.models import Organization, Resource
from atende.storage.types import utcnow
from atende.web.api import RESPONSES, iso
from atende.web.deps import BlockId, BookingId, RuntimeDep, StaffDep
from atende.web.paging import PageRequest, pager, respond
from atende.web.schemas import Items, StorableText

router = APIRouter(prefix="/api", tags=["agenda"], responses=RESPONSES)
MAX_DAYS = 31
Notify = Field(True, description="tell the customer on WhatsApp (one short message)")


def _bounded(value: datetime) -> datetime:
    bounded_day(value.date())
    return value


Moment = Annotated[datetime, AfterValidator(_bounded)]
Day = Annotated[date, AfterValidator(bounded_day)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PetIn(_Body):
    name: Annotated[StorableText, Field(min_length=1, max_length=100)]
    species: Annotated[StorableText, Field(min_length=1, max_length=50)] = "cachorro"
    breed: Annotated[StorableText, Field(max_length=100)] = ""
    size: Annotated[str, Field(max_length=16)] | None = Field(
        None, description="mini, pequeno, medio, grande, gigante (or P, M, G)"
    )


class BookingIn(_Body):
    phone: Annotated[str, Field(min_length=3, max_length=32)] = Field(
        description="the customer's WhatsApp number; the contact is created if new"
    )
    name: Annotated[StorableText, Field(max_length=200)] | None = None
    service_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    service: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="the service by name, instead of service_id"
    )
    starts_at: Moment = Field(description="ISO 8601; without an offset, the shop's time")
    pet_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    pet: PetIn | None = Field(None, description="found by name among the customer's, or new")
    resource_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = Field(
        None, description="the resource to book on (default: the first capable one free)"
    )
    notify: bool = Notify


class MoveIn(_Body):
    starts_at: Moment
    resource_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    notify: bool = Notify


class CancelIn(_Body):
    notify: bool = Notify


class BookingChangeOut(BaseModel):
    id: int
    status: str
    resource_id: int
    resource: str
    starts_at: str
    ends_at: str
    price: str | None
    notice: Literal["queued", "not_asked", "unreachable", "already_sent", "off"]


class BlockIn(_Body):
    resource_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    starts_at: Moment
    ends_at: Moment
    note: Annotated[StorableText, Field(max_length=200)] = ""


class BlockOut(BaseModel):
    id: int
    resource_id: int
    starts_at: str
    ends_at: str
    note: str


class AgendaEntry(BaseModel):
    kind: Literal["booking", "block"]
    id: int
    resource_id: int
    resource: str
    starts_at: str
    ends_at: str
    status: str
    service: str | None = None
    contact_phone: str | None = None
    contact_name: str | None = None
    pet_name: str | None = None
    price: str | None = None
    note: str | None = None


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


def _local(value: datetime, org: Organization) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(org.timezone))


def _out(change: Change, org: Organization, runtime: Any) -> BookingChangeOut:
    b = change.booking
    with runtime.sessions() as s:
        held = s.get(Resource, b.resource_id)
    return BookingChangeOut(
        id=b.id,
        status=b.status,
        resource_id=b.resource_id,
        resource=held.name if held else "?",
        starts_at=iso(b.starts_at, org),
        ends_at=iso(b.ends_at, org),
        price=None if b.price is None else f"{Decimal(b.price):.2f}",
        notice=change.notice,
    )


@router.post("/bookings", status_code=201)
def create_booking(body: BookingIn, staff: StaffDep, runtime: RuntimeDep) -> BookingChangeOut:
    """Book for a customer who phoned or walked in: the contact (and the pet) are created
    if new; 409 when the time is taken or the shop is closed then."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        service_id = body.service_id
        if service_id is None:
            if body.service is None:
                raise NotFound("give service_id or service")
            row = services.named(desk.session, staff.org.id, body.service)
            if row is None:
                raise NotFound(f"no service {body.service!r}")
            service_id = row.id
        pet = body.pet
        change = desk.book(
            phone=body.phone,
            service_id=service_id,
            starts_at=_local(body.starts_at, staff.org),
            name=body.name,
            pet_id=body.pet_id,
            pet=NewPet(pet.name, pet.species, pet.breed, pet.size) if pet else None,
            resource_id=body.resource_id,
            notify=body.notify,
        )
    return _out(change, staff.org, runtime)


@router.post("/bookings/{booking_id}/move")
def move_booking(
    booking_id: BookingId, body: MoveIn, staff: StaffDep, runtime: RuntimeDep
) -> BookingChangeOut:
    """Move a booking (the same booking: a reschedule); 409 when taken or closed."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        change = desk.move(
            booking_id,
            _local(body.starts_at, staff.org),
            resource_id=body.resource_id,
            notify=body.notify,
        )
    return _out(change, staff.org, runtime)


@router.post("/bookings/{booking_id}/cancel")
def cancel_booking(
    booking_id: BookingId, body: CancelIn, staff: StaffDep, runtime: RuntimeDep
) -> BookingChangeOut:
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        change = desk.cancel(booking_id, notify=body.notify)
    return _out(change, staff.org, runtime)


@router.post("/blocks", status_code=201)
def add_block(body: BlockIn, staff: StaffDep, runtime: RuntimeDep) -> BlockOut:
    """Block a resource's time; 409 (naming them) when bookings are there."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        row = desk.block(
            body.resource_id,
            _local(body.starts_at, staff.org),
            _local(body.ends_at, staff.org),
            body.note,
        )
        out = BlockOut(
            id=row.id,
            resource_id=row.resource_id,
            starts_at=iso(row.starts_at, staff.org),
            ends_at=iso(row.ends_at, staff.org),
            note=row.note,
        )
    return out


@router.delete("/blocks/{block_id}")
def remove_block(block_id: BlockId, staff: StaffDep, runtime: RuntimeDep) -> dict[str, object]:
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        desk.unblock(block_id)
    return {"id": block_id, "removed": True}


@router.get("/agenda")
def get_agenda(
    staff: StaffDep,
    runtime: RuntimeDep,
    day: Annotated[Day | None, Query(description="the first day (today)")] = None,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="how many days")] = 1,
    resource_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    cancelled: Annotated[bool, Query(description="include cancelled bookings")] = False,
) -> Items[AgendaEntry]:
    """Appointments and blocks from ``day`` for ``days`` days, by start and resource."""
    org = staff.org
    tz = ZoneInfo(org.timezone)
    first = day or utcnow().astimezone(tz).date()
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    with runtime.sessions() as s:
        found = agenda_repo.between(
            s, org.id, start, start + timedelta(days=days), resource_id, cancelled
        )
    out = [
        AgendaEntry(
            kind="block" if e.kind == "block" else "booking",
            id=e.id,
            resource_id=e.resource_id,
            resource=e.resource,
            starts_at=iso(e.starts_at, org),
            ends_at=iso(e.ends_at, org),
            status=e.status,
            service=e.service or None,
            contact_phone=e.contact_phone or None,
            contact_name=e.contact_name,
            pet_name=e.pet,
            price=None if e.price is None else f"{Decimal(e.price):.2f}",
            note=e.note or None,
        )
        for e in found
    ]
    return Items(items=out)


@router.get("/audit")
def list_audit(
    staff: StaffDep,
    runtime: RuntimeDep,
    page: Annotated[PageRequest, Depends(pager("audit"))],
) -> Items[AuditOut]:
    """What staff changed (API and CLI), newest first: who, what, when."""
    with runtime.sessions() as s:
        got = audit.page(s, staff.org.id, page.after, page.limit)
    out = [
        AuditOut(
            id=e.id,
            at=iso(e.at, staff.org),
            actor=e.actor,
            action=e.action,
            subject=e.subject,
            details=e.details,
        )
        for e in got.rows
    ]
    return respond("audit", got, out)
