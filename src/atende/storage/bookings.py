"""Bookings. Overlaps are refused inside the writing transaction, not only checked before.

``book`` first bumps ``services.booking_seq``: on PostgreSQL that row lock serializes
bookings of one service; on SQLite the transaction already holds the write lock. Only
then does it look for overlaps and insert, so two customers racing for one slot cannot
both win. A partial unique index on (service, start) is the last line of defence.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from atende.domain.entities import Busy
from atende.domain.states import HOLDS_SLOT, BookingStatus, booking_change_problem
from atende.errors import BookingChangeRefused, SlotTaken
from atende.storage.models import Booking, Contact, Pet, Service
from atende.storage.paging import After, Page, by_time_desc, take
from atende.storage.portable import rowcount
from atende.storage.types import utcnow


def busy_for_service(
    session: Session, org_id: int, service_id: int, start: datetime, end: datetime
) -> list[Busy]:
    stmt = select(Booking.starts_at, Booking.ends_at).where(
        Booking.organization_id == org_id,
        Booking.service_id == service_id,
        Booking.status.in_(HOLDS_SLOT),
        Booking.starts_at < end,
        Booking.ends_at > start,
    )
    return [Busy(s, e) for s, e in session.execute(stmt)]


def book(
    session: Session,
    org_id: int,
    contact_id: int,
    service_id: int,
    pet_id: int | None,
    starts_at: datetime,
) -> Booking:
    service = session.scalar(
        select(Service).where(Service.organization_id == org_id, Service.id == service_id)
    )
    if service is None:
        raise LookupError(f"service {service_id} not found")
    session.execute(
        update(Service)
        .where(Service.id == service_id, Service.organization_id == org_id)
        .values(booking_seq=Service.booking_seq + 1)
    )
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    if busy_for_service(session, org_id, service_id, starts_at, ends_at):
        raise SlotTaken(starts_at.isoformat())
    booking = Booking(
        organization_id=org_id,
        contact_id=contact_id,
        pet_id=pet_id,
        service_id=service_id,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    session.add(booking)
    session.flush()
    return booking


def upcoming_for_contact(session: Session, org_id: int, contact_id: int) -> list[Booking]:
    stmt = (
        select(Booking)
        .where(
            Booking.organization_id == org_id,
            Booking.contact_id == contact_id,
            Booking.status.in_(HOLDS_SLOT),
            Booking.starts_at > utcnow(),
        )
        .order_by(Booking.starts_at)
    )
    return list(session.scalars(stmt))


def contact_bookings_since(
    session: Session, org_id: int, contact_id: int, since: datetime
) -> list[Booking]:
    """A customer's bookings starting from ``since`` on, any status, earliest first."""
    stmt = (
        select(Booking)
        .where(
            Booking.organization_id == org_id,
            Booking.contact_id == contact_id,
            Booking.starts_at >= since,
        )
        .order_by(Booking.starts_at)
    )
    return list(session.scalars(stmt))


def cancel(session: Session, org_id: int, booking_id: int) -> bool:
    result = session.execute(
        update(Booking)
        .where(
            Booking.organization_id == org_id,
            Booking.id == booking_id,
            Booking.status.in_(HOLDS_SLOT),
        )
        .values(status=BookingStatus.CANCELLED, updated_at=utcnow())
    )
    return rowcount(result) == 1


BookingRow = tuple[Booking, str, str | None, str]


def bookings_page(
    session: Session, org_id: int, after: After | None, limit: int
) -> Page[BookingRow]:
    """One page of bookings with the contact phone, pet name and service name, latest
    start first, ties by id."""
    stmt = (
        select(Booking, Contact.phone, Pet.name, Service.name)
        .join(Contact, Contact.id == Booking.contact_id)
        .join(Service, Service.id == Booking.service_id)
        .outerjoin(Pet, Pet.id == Booking.pet_id)
        .where(Booking.organization_id == org_id)
    )
    paged = by_time_desc(stmt, Booking.starts_at, Booking.id, after, limit)
    rows: list[BookingRow] = [(b, phone, pet, svc) for b, phone, pet, svc in session.execute(paged)]
    return take(rows, limit, lambda r: After(r[0].id, r[0].starts_at))


def due_reminders(
    session: Session, org_id: int, now: datetime, hours: float
) -> list[tuple[Booking, str | None, str | None, str]]:
    """Appointments still on (booked or confirmed) starting within ``hours`` that were
    booked before that window opened (someone who booked an hour ago needs no reminder),
    with contact name, pet name and service name."""
    window = timedelta(hours=hours)
    stmt = (
        select(Booking, Contact.name, Pet.name, Service.name)
        .join(Contact, Contact.id == Booking.contact_id)
        .join(Service, Service.id == Booking.service_id)
        .outerjoin(Pet, Pet.id == Booking.pet_id)
        .where(
            Booking.organization_id == org_id,
            Booking.status.in_(HOLDS_SLOT),
            Booking.starts_at > now,
            Booking.starts_at <= now + window,
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    return [
        (b, contact, pet, service)
        for b, contact, pet, service in session.execute(stmt)
        if b.created_at <= b.starts_at - window
    ]


def confirm(session: Session, org_id: int, booking_id: int) -> bool:
    """The customer confirmed an appointment still ahead: booked → confirmed, once."""
    result = session.execute(
        update(Booking)
        .where(
            Booking.organization_id == org_id,
            Booking.id == booking_id,
            Booking.status == BookingStatus.BOOKED,
            Booking.starts_at > utcnow(),
        )
        .values(status=BookingStatus.CONFIRMED, updated_at=utcnow())
    )
    return rowcount(result) == 1


def set_status(session: Session, org_id: int, booking_id: int, new: str) -> Booking | None:
    """Mark a booking confirmed, completed, no_show or cancelled; None when it is not this
    org's."""
    booking = session.scalar(
        select(Booking)
        .where(Booking.organization_id == org_id, Booking.id == booking_id)
        .with_for_update()
    )
    if booking is None:
        return None
    problem = booking_change_problem(booking.status, new, booking.starts_at <= utcnow())
    if problem:
        raise BookingChangeRefused(problem)
    booking.status = new
    booking.updated_at = utcnow()
    return booking
