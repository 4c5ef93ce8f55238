"""The agenda as staff see it: every appointment still on (and those done or missed)
and every block, by resource, between two moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.domain.states import BookingStatus
from atende.storage.models import Booking, Contact, Pet, Resource, ResourceBlock, Service

MAX_ROWS = 2000


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # "booking" | "block"
    id: int
    resource_id: int
    resource: str
    starts_at: datetime
    ends_at: datetime
    status: str = ""  # a booking's; "blocked" for a block
    service: str = ""
    contact_phone: str = ""
    contact_name: str | None = None
    pet: str | None = None
    price: Decimal | None = None
    note: str = ""


def between(
    session: Session,
    org_id: int,
    start: datetime,
    end: datetime,
    resource_id: int | None = None,
    with_cancelled: bool = False,
) -> list[Entry]:
    """Appointments and blocks overlapping [start, end), by start then resource."""
    stmt = (
        select(Booking, Resource.name, Service.name, Contact.phone, Contact.name, Pet.name)
        .join(Resource, Resource.id == Booking.resource_id)
        .join(Service, Service.id == Booking.service_id)
        .join(Contact, Contact.id == Booking.contact_id)
        .outerjoin(Pet, Pet.id == Booking.pet_id)
        .where(
            Booking.organization_id == org_id,
            Booking.starts_at < end,
            Booking.ends_at > start,
        )
    )
    if not with_cancelled:
        stmt = stmt.where(Booking.status != BookingStatus.CANCELLED)
    if resource_id is not None:
        stmt = stmt.where(Booking.resource_id == resource_id)
    entries = [
        Entry(
            "booking",
            b.id,
            b.resource_id,
            resource,
            b.starts_at,
            b.ends_at,
            b.status,
            service,
            phone,
            name,
            pet,
            b.price,
        )
        for b, resource, service, phone, name, pet in session.execute(stmt.limit(MAX_ROWS))
    ]
    held = (
        select(ResourceBlock, Resource.name)
        .join(Resource, Resource.id == ResourceBlock.resource_id)
        .where(
            ResourceBlock.organization_id == org_id,
            ResourceBlock.starts_at < end,
            ResourceBlock.ends_at > start,
        )
    )
    if resource_id is not None:
        held = held.where(ResourceBlock.resource_id == resource_id)
    entries += [
        Entry("block", k.id, k.resource_id, name, k.starts_at, k.ends_at, "blocked", note=k.note)
        for k, name in session.execute(held.limit(MAX_ROWS))
    ]
    return sorted(entries, key=lambda e: (e.starts_at, e.resource_id, e.kind, e.id))
