"""Bookings. Overlaps are refused inside the writing transaction, not only checked before.

A booking holds one resource (a person or a station) from its start to the end of its
service's cleanup. ``book`` tries the capable resources in order (by id; only the one
asked for, when one is): for each it first takes the resource's row lock (``UPDATE
resources SET booking_seq = booking_seq + 1``) — on PostgreSQL that serializes the
bookings of one resource, on SQLite the writing transaction already holds the database's
write lock — and only then looks for an overlap, so two customers racing for one resource
cannot both win. The first resource with nothing overlapping gets the booking; none
free is ``SlotTaken``. Resources are locked in increasing id order, so two bookings
never wait on each other in a cycle.

The database itself is the last line of defence: a partial unique index on (resource,
start) of booked rows on both databases, and on PostgreSQL an exclusion constraint that
refuses two overlapping booked rows of one resource (migration 0014).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from atende.domain.pricing import hold_minutes, price_for
from atende.domain.slots import capable
from atende.domain.states import HOLDS_SLOT, BookingStatus, booking_change_problem
from atende.errors import BookingChangeRefused, InvalidInput, NotFound, SlotTaken
from atende.storage import catalog
from atende.storage import resources as resource_repo
from atende.storage.models import Booking, Contact, Pet, Service
from atende.storage.paging import After, Page, by_time_desc, take
from atende.storage.portable import rowcount
from atende.storage.types import utcnow


def book(
    session: Session,
    org_id: int,
    contact_id: int,
    service_id: int,
    pet_id: int | None,
    starts_at: datetime,
    *,
    resource_id: int | None = None,
    status: str = BookingStatus.BOOKED,
) -> Booking:
    """Book ``service_id`` at ``starts_at`` on the first capable resource free then (or on
    ``resource_id``). The duration and price are the pet's size's (``catalog.measure``);
    while the size is unknown, the longest duration the service may take. Raises
    ``SlotTaken`` when no capable resource is free, ``NotFound`` for an unknown service,
    ``InvalidInput`` for a resource (of this organization, active) that cannot do it.
    ``status`` ``held``: a time held for the waitlist (``storage/waitlist.py``)."""
    service = catalog.service_by_id(session, org_id, service_id)
    if service is None:
        raise NotFound(f"service {service_id} not found")
    pet = None
    if pet_id is not None:
        pet = session.scalar(select(Pet).where(Pet.organization_id == org_id, Pet.id == pet_id))
    size, coat = catalog.measure(pet)
    minutes = hold_minutes(service, size, coat)
    ends_at = starts_at + timedelta(minutes=minutes)
    held_until = ends_at + timedelta(minutes=service.cleanup_minutes)
    candidates = [r.id for r in capable(service_id, resource_repo.resources(session, org_id))]
    if resource_id is not None:
        if resource_id not in candidates:
            raise InvalidInput(f"resource {resource_id} cannot do service {service_id}")
        candidates = [resource_id]
    for candidate in candidates:
        resource_repo.lock(session, org_id, candidate)
        if resource_repo.busy(session, org_id, [candidate], starts_at, held_until):
            continue
        booking = Booking(
            organization_id=org_id,
            contact_id=contact_id,
            pet_id=pet_id,
            service_id=service_id,
            resource_id=candidate,
            starts_at=starts_at,
            ends_at=ends_at,
            held_until=held_until,
            price=price_for(service, size, coat),
            status=status,
        )
        session.add(booking)
        session.flush()
        return booking
    raise SlotTaken(starts_at.isoformat())


def upcoming_for_contact(
    session: Session, org_id: int, contact_id: int, unfinished: bool = False
) -> list[Booking]:
    """A customer's bookings still ahead, earliest first; with ``unfinished`` also the ones
    under way (the pet is at the shop now: "que horas fica pronto?")."""
    now = utcnow()
    stmt = (
        select(Booking)
        .where(
            Booking.organization_id == org_id,
            Booking.contact_id == contact_id,
            Booking.status.in_(HOLDS_SLOT),
            Booking.ends_at > now if unfinished else Booking.starts_at > now,
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
    """Cancel an appointment still on; False when it is not (any more)."""
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


def restore(session: Session, org_id: int, booking_id: int) -> Booking:
    """Put a cancelled appointment back, on its own resource at its own time ('ops,
    cancelei errado'): ``NotFound`` unless it is cancelled (and was not moved), and
    ``SlotTaken`` when someone else has its time now."""
    row = session.scalar(
        select(Booking).where(Booking.organization_id == org_id, Booking.id == booking_id)
    )
    if row is None or row.status != BookingStatus.CANCELLED or row.moved_to_id is not None:
        raise NotFound(f"booking {booking_id} is not cancelled")
    if row.resource_id is not None:
        resource_repo.lock(session, org_id, row.resource_id)
        if resource_repo.busy(session, org_id, [row.resource_id], row.starts_at, row.held_until):
            raise SlotTaken(row.starts_at.isoformat())
    row.status = BookingStatus.BOOKED
    row.updated_at = utcnow()
    session.flush()
    return row


def move(
    session: Session,
    org_id: int,
    booking_id: int,
    starts_at: datetime,
    *,
    resource_id: int | None = None,
    service_id: int | None = None,
) -> Booking:
    """Move an appointment still on to ``starts_at`` (the same customer and pet; the same
    service unless ``service_id`` swaps it — 'muda o banho pra tosa, mesmo dia'):
    the old row is cancelled with ``moved_to_id`` pointing at the new one, so every figure
    counts a reschedule, not a cancellation. Its own time is free for the move (it is
    cancelled first, in the caller's transaction). ``NotFound`` when the booking is not
    on any more, ``SlotTaken`` as ``book``."""
    old = session.scalar(
        select(Booking).where(Booking.organization_id == org_id, Booking.id == booking_id)
    )
    if old is None or not cancel(session, org_id, booking_id):
        raise NotFound(f"booking {booking_id} is not on")
    new = book(
        session,
        org_id,
        old.contact_id,
        service_id or old.service_id,
        old.pet_id,
        starts_at,
        resource_id=resource_id,
    )
    session.execute(
        update(Booking)
        .where(Booking.organization_id == org_id, Booking.id == booking_id)
        .values(moved_to_id=new.id)
    )
    return new


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


def move_in_place(
    session: Session,
    org_id: int,
    booking_id: int,
    starts_at: datetime,
    *,
    resource_id: int | None = None,
) -> Booking:
    """Move a booking still on to ``starts_at`` (on ``resource_id``, or the first capable
    resource free then, its own first): the same booking row, as staff move it (``move``,
    the customer's reschedule, keeps the old row cancelled and pointing at the new one) —
    never a cancellation. A confirmed one is booked again (the customer confirmed another time).
    The same locks and checks as ``book``; ``SlotTaken`` when no capable resource is free."""
    booking = session.scalar(
        select(Booking)
        .where(Booking.organization_id == org_id, Booking.id == booking_id)
        .with_for_update()
    )
    if booking is None:
        raise NotFound("booking not found")
    if booking.status not in HOLDS_SLOT:
        raise BookingChangeRefused(f"a {booking.status} booking cannot be moved")
    service = catalog.service_by_id(session, org_id, booking.service_id)
    if service is None:
        raise NotFound(f"service {booking.service_id} not found")
    length = booking.ends_at - booking.starts_at
    held = booking.held_until - booking.starts_at
    candidates = [
        r.id for r in capable(booking.service_id, resource_repo.resources(session, org_id))
    ]
    if resource_id is not None:
        if resource_id not in candidates:
            raise InvalidInput(f"resource {resource_id} cannot do service {booking.service_id}")
        candidates = [resource_id]
    elif booking.resource_id in candidates:  # stay where it was when that one is free
        candidates.remove(booking.resource_id)
        candidates.insert(0, booking.resource_id)
    for candidate in sorted(candidates) if resource_id is None else candidates:
        resource_repo.lock(session, org_id, candidate)
    for candidate in candidates:
        taken = resource_repo.busy(
            session, org_id, [candidate], starts_at, starts_at + held, ignore_booking_id=booking.id
        )
        if taken:
            continue
        booking.resource_id = candidate
        booking.starts_at, booking.ends_at = starts_at, starts_at + length
        booking.held_until = starts_at + held
        booking.status = BookingStatus.BOOKED
        booking.updated_at = utcnow()
        session.flush()
        return booking
    raise SlotTaken(starts_at.isoformat())
