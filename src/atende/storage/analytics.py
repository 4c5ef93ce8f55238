"""The owner's numbers, read from bookings, contacts and pets (never estimated by a model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atende.domain.sizes import pet_size
from atende.domain.states import HAPPENED_OR_ON
from atende.storage.models import Booking, Contact, Message, Pet, Resource, Service


@dataclass(frozen=True, slots=True)
class BookingRow:
    id: int
    contact_id: int
    contact_phone: str
    contact_name: str | None
    pet_name: str | None
    service: str
    price: Decimal
    starts_at: datetime
    ends_at: datetime
    status: str
    resource: str | None = None  # who or what it held
    moved: bool = False  # cancelled because it was moved: a reschedule
    size: str | None = None  # the pet's size (stored, else from its breed), if known


@dataclass(frozen=True, slots=True)
class Client:
    contact_id: int
    phone: str
    name: str | None
    last_visit: datetime | None


@dataclass(frozen=True, slots=True)
class PetBirthday:
    pet: str
    contact_id: int
    phone: str
    name: str | None
    birth_date: date


def bookings_between(
    session: Session, org_id: int, start: datetime, end: datetime
) -> list[BookingRow]:
    stmt = (
        select(
            Booking,
            Contact.phone,
            Contact.name,
            Pet.name,
            Service.name,
            func.coalesce(Booking.price, Service.price),  # as quoted; older rows: the list price
            Resource.name,
            Pet.size,
            Pet.breed,
            Pet.species,
        )
        .join(Contact, Contact.id == Booking.contact_id)
        .join(Service, Service.id == Booking.service_id)
        .outerjoin(Pet, Pet.id == Booking.pet_id)
        .outerjoin(Resource, Resource.id == Booking.resource_id)
        .where(
            Booking.organization_id == org_id,
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
        .order_by(Booking.starts_at)
    )
    return [
        BookingRow(
            b.id,
            b.contact_id,
            phone,
            name,
            pet,
            service,
            price,
            b.starts_at,
            b.ends_at,
            b.status,
            resource,
            b.moved_to_id is not None,
            pet_size(size, breed or "", species) if pet is not None else None,
        )
        for b, phone, name, pet, service, price, resource, size, breed, species in session.execute(
            stmt
        )
    ]


def inactive_clients(
    session: Session, org_id: int, now: datetime, days: int, exclude_phones: list[str]
) -> list[Client]:
    """Clients who came before but not in the last ``days`` days and have nothing booked."""
    attended = HAPPENED_OR_ON
    last = (
        select(Booking.contact_id, func.max(Booking.starts_at).label("last_visit"))
        .where(
            Booking.organization_id == org_id,
            Booking.status.in_([s.value for s in attended]),
        )
        .group_by(Booking.contact_id)
        .subquery()
    )
    stmt = (
        select(Contact, last.c.last_visit)
        .join(last, last.c.contact_id == Contact.id)
        .where(Contact.organization_id == org_id, last.c.last_visit < now - timedelta(days=days))
        .order_by(last.c.last_visit)
    )
    return [
        Client(c.id, c.phone, c.name, when)
        for c, when in session.execute(stmt)
        if c.phone not in exclude_phones
    ]


def pet_birthdays(session: Session, org_id: int, month: int) -> list[PetBirthday]:
    stmt = (
        select(Pet, Contact.phone, Contact.name)
        .join(Contact, Contact.id == Pet.contact_id)
        .where(Pet.organization_id == org_id, Pet.birth_date.is_not(None))
        .order_by(Pet.birth_date)
    )
    return [
        PetBirthday(p.name, p.contact_id, phone, name, p.birth_date)
        for p, phone, name in session.execute(stmt)
        if p.birth_date is not None and p.birth_date.month == month
    ]


def failed_messages_since(session: Session, org_id: int, since: datetime) -> int:
    stmt = select(func.count()).where(
        Message.organization_id == org_id,
        Message.direction == "out",
        Message.status == "failed",
        Message.updated_at >= since,
    )
    return int(session.scalar(stmt) or 0)
