"""The waitlist: customers waiting for a time on a full day, and the freed times held for
them.

An entry is ``waiting`` in line (by ``created_at``, then id) for one service on one day,
optionally in a period or near a time. When a time fits it (``pipeline/waitlist.py``
decides), ``offer`` holds that time for it with a ``held`` booking — which blocks the
resource like an appointment, so nobody else books it — until ``offer_expires_at``. The
customer's yes turns the hold into their booking (``accept``); a no releases it and the
entry waits again (``decline``); no answer in time releases it and ends the entry
(``expire_offers``). Releasing deletes the held row: it was never an appointment. Every
start offered to an entry is kept in ``offered``, so none is offered to it twice.

Every change is a conditional update of the entry's status, so two workers racing for
one entry change it once. Every query is scoped by organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from atende.domain.states import BookingStatus
from atende.storage import bookings
from atende.storage.models import Booking, WaitlistEntry
from atende.storage.portable import rowcount
from atende.storage.types import utcnow

WAITING, OFFERED, BOOKED, EXPIRED = "waiting", "offered", "booked", "expired"
STATUSES = (WAITING, OFFERED, BOOKED, EXPIRED)


def join(
    session: Session,
    org_id: int,
    contact_id: int,
    service_id: int,
    day: date,
    *,
    pet_id: int | None = None,
    period: str | None = None,
    wanted_at: time | None = None,
) -> WaitlistEntry:
    """Put the customer in line for ``service_id`` on ``day``; asking again for the same
    service and day keeps their place (and takes the newer pet, period and time)."""
    found = session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.organization_id == org_id,
            WaitlistEntry.contact_id == contact_id,
            WaitlistEntry.service_id == service_id,
            WaitlistEntry.day == day,
            WaitlistEntry.status.in_((WAITING, OFFERED)),
        )
    )
    if found is not None:
        found.pet_id = pet_id if pet_id is not None else found.pet_id
        found.period, found.wanted_at = period, wanted_at
        return found
    entry = WaitlistEntry(
        organization_id=org_id,
        contact_id=contact_id,
        pet_id=pet_id,
        service_id=service_id,
        day=day,
        period=period,
        wanted_at=wanted_at,
        status=WAITING,
        offered=[],
    )
    session.add(entry)
    session.flush()
    return entry


def waiting(session: Session, org_id: int, since: date) -> list[WaitlistEntry]:
    """Entries waiting for a day from ``since`` on, first in line first."""
    stmt = (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.organization_id == org_id,
            WaitlistEntry.status == WAITING,
            WaitlistEntry.day >= since,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    )
    return list(session.scalars(stmt))


def entries_of(session: Session, org_id: int, contact_id: int) -> list[WaitlistEntry]:
    """A customer's entries, any status, oldest first."""
    stmt = (
        select(WaitlistEntry)
        .where(WaitlistEntry.organization_id == org_id, WaitlistEntry.contact_id == contact_id)
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class Due:
    """What the ticker has to do for an organization now."""

    expired_offers: bool
    past_entries: bool
    waiting: bool

    def __bool__(self) -> bool:
        return self.expired_offers or self.past_entries or self.waiting


def due(session: Session, org_id: int, now: datetime, today: date) -> Due:
    """Whether any offer ran out, any entry's day went by, or anyone waits (read-only)."""
    base = select(WaitlistEntry.id).where(WaitlistEntry.organization_id == org_id).limit(1)
    expired = base.where(WaitlistEntry.status == OFFERED, WaitlistEntry.offer_expires_at <= now)
    past = base.where(WaitlistEntry.status == WAITING, WaitlistEntry.day < today)
    waits = base.where(WaitlistEntry.status == WAITING, WaitlistEntry.day >= today)
    return Due(
        session.scalar(expired) is not None,
        session.scalar(past) is not None,
        session.scalar(waits) is not None,
    )


def offer(
    session: Session,
    org_id: int,
    entry: WaitlistEntry,
    start: datetime,
    until: datetime,
    resource_id: int | None = None,
) -> Booking | None:
    """Hold ``start`` for the entry until ``until``: a ``held`` booking on a capable
    resource (``bookings.book``: ``SlotTaken`` when none is free). None when the entry
    is no longer waiting (another worker offered it something)."""
    claimed = session.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.organization_id == org_id,
            WaitlistEntry.id == entry.id,
            WaitlistEntry.status == WAITING,
        )
        .values(status=OFFERED, updated_at=utcnow())
    )
    if rowcount(claimed) != 1:
        return None
    held = bookings.book(
        session,
        org_id,
        entry.contact_id,
        entry.service_id,
        entry.pet_id,
        start,
        resource_id=resource_id,
        status=BookingStatus.HELD,
    )
    session.refresh(entry)
    entry.booking_id = held.id
    entry.offered = [*entry.offered, start.isoformat()]
    entry.offered_at, entry.offer_expires_at = utcnow(), until
    session.flush()
    return held


def offered_entry(
    session: Session, org_id: int, contact_id: int, booking_id: int
) -> WaitlistEntry | None:
    """The customer's entry a held time was offered to, while the offer stands (a
    released hold's id may be another's hold now: SQLite reuses the highest row id)."""
    return session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.organization_id == org_id,
            WaitlistEntry.contact_id == contact_id,
            WaitlistEntry.booking_id == booking_id,
            WaitlistEntry.status == OFFERED,
        )
    )


def accept(session: Session, org_id: int, contact_id: int, booking_id: int) -> Booking | None:
    """The customer took the time held for them: it becomes their booking, the entry is
    ``booked``. None when the hold is gone (released, expired) — even past
    ``offer_expires_at`` a hold the ticker has not released yet is still theirs."""
    entry = offered_entry(session, org_id, contact_id, booking_id)
    if entry is None:
        return None
    done = session.execute(
        update(Booking)
        .where(
            Booking.organization_id == org_id,
            Booking.id == booking_id,
            Booking.status == BookingStatus.HELD,
        )
        .values(status=BookingStatus.BOOKED, created_at=utcnow(), updated_at=utcnow())
    )
    if rowcount(done) != 1:
        return None
    entry.status, entry.offer_expires_at = BOOKED, None
    session.flush()
    return session.get(Booking, booking_id, populate_existing=True)


def decline(
    session: Session, org_id: int, contact_id: int, booking_id: int
) -> WaitlistEntry | None:
    """The customer does not want the time held for them: it is released and the entry
    waits again for another (never this one). None when the hold is gone."""
    entry = offered_entry(session, org_id, contact_id, booking_id)
    if entry is None:
        return None
    _release(session, org_id, entry, WAITING)
    return entry


def expire_offers(session: Session, org_id: int, now: datetime) -> list[WaitlistEntry]:
    """Release every hold whose time to answer ran out; those entries are ``expired``."""
    stmt = select(WaitlistEntry).where(
        WaitlistEntry.organization_id == org_id,
        WaitlistEntry.status == OFFERED,
        WaitlistEntry.offer_expires_at <= now,
    )
    gone = list(session.scalars(stmt.with_for_update()))
    for entry in gone:
        _release(session, org_id, entry, EXPIRED)
    return gone


def expire_past(session: Session, org_id: int, today: date) -> int:
    """Entries still waiting for a day gone by are ``expired``; how many."""
    result = session.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.organization_id == org_id,
            WaitlistEntry.status == WAITING,
            WaitlistEntry.day < today,
        )
        .values(status=EXPIRED, updated_at=utcnow())
    )
    return rowcount(result)


def _release(session: Session, org_id: int, entry: WaitlistEntry, status: str) -> None:
    held = entry.booking_id
    entry.status, entry.booking_id, entry.offer_expires_at = status, None, None
    session.flush()
    if held is not None:
        session.execute(
            delete(Booking).where(
                Booking.organization_id == org_id,
                Booking.id == held,
                Booking.status == BookingStatus.HELD,
            )
        )
