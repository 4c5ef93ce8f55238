"""Follow-ups: services' return intervals, the visits they count from, and the nudges
sent (one row per due cycle: unique per visit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from atende.domain.followups import Visit
from atende.domain.states import HAPPENED_OR_ON
from atende.domain.text import fold
from atende.storage.models import Booking, Contact, FollowUp, Message, Pet, Service
from atende.storage.portable import insert_ignore, rowcount
from atende.storage.types import utcnow


def set_return_days(session: Session, org_id: int, service: str, days: int | None) -> bool:
    """The interval after which a pet is due again for ``service`` (its name, case and
    accents aside); None: no follow-ups for it. False when there is no such service."""
    wanted = fold(service.strip())
    found = [
        s.id
        for s in session.scalars(select(Service).where(Service.organization_id == org_id))
        if fold(s.name) == wanted
    ]
    if not found:
        return False
    result = session.execute(update(Service).where(Service.id.in_(found)).values(return_days=days))
    return rowcount(result) > 0


def return_days(session: Session, org_id: int) -> dict[int, int]:
    """Active services with an interval: {service id: days}."""
    stmt = select(Service.id, Service.return_days).where(
        Service.organization_id == org_id,
        Service.active.is_(True),
        Service.return_days.is_not(None),
    )
    return {sid: int(days) for sid, days in session.execute(stmt) if days}


def intervals(session: Session, org_id: int) -> list[tuple[str, int | None]]:
    """(service name, days or None) of every active service, for the owner."""
    stmt = (
        select(Service.name, Service.return_days)
        .where(Service.organization_id == org_id, Service.active.is_(True))
        .order_by(Service.id)
    )
    return [(name, days) for name, days in session.execute(stmt)]


def visits(session: Session, org_id: int, service_ids: list[int], since: datetime) -> list[Visit]:
    """Bookings of these services from ``since`` on (past and future) that happened or
    are still on."""
    if not service_ids:
        return []
    stmt = select(
        Booking.id,
        Booking.contact_id,
        Booking.pet_id,
        Booking.service_id,
        Booking.starts_at,
        Booking.status,
    ).where(
        Booking.organization_id == org_id,
        Booking.service_id.in_(service_ids),
        Booking.starts_at >= since,
        Booking.status.in_(HAPPENED_OR_ON),
    )
    return [Visit(*row) for row in session.execute(stmt)]


def sent_cycles(session: Session, booking_ids: list[int]) -> set[int]:
    """Which of these visits already had their follow-up."""
    if not booking_ids:
        return set()
    stmt = select(FollowUp.after_booking_id).where(FollowUp.after_booking_id.in_(booking_ids))
    return set(session.scalars(stmt))


def contacts_nudged_since(session: Session, org_id: int, since: datetime) -> set[int]:
    stmt = select(FollowUp.contact_id).where(
        FollowUp.organization_id == org_id, FollowUp.created_at >= since
    )
    return set(session.scalars(stmt))


def record(
    session: Session,
    org_id: int,
    visit: Visit,
    due_on: date,
    message_id: int | None,
) -> bool:
    """The follow-up of this cycle, once: False when another worker recorded it first."""
    new_id = insert_ignore(
        session,
        FollowUp.__table__,  # type: ignore[arg-type]
        {
            "organization_id": org_id,
            "contact_id": visit.contact_id,
            "pet_id": visit.pet_id,
            "service_id": visit.service_id,
            "after_booking_id": visit.booking_id,
            "due_on": due_on,
            "message_id": message_id,
            "created_at": utcnow(),
        },
        ["after_booking_id"],
    )
    return new_id is not None


@dataclass(frozen=True, slots=True)
class SentRow:
    sent_at: datetime
    phone: str
    pet: str | None
    service: str
    due_on: date
    status: str | None  # the message's: queued, sent, delivered, read, failed


def sent_since(session: Session, org_id: int, since: datetime, limit: int = 200) -> list[SentRow]:
    """The follow-ups sent from ``since`` on, newest first, with their message's status."""
    stmt = (
        select(FollowUp, Contact.phone, Pet.name, Service.name, Message.status)
        .join(Contact, Contact.id == FollowUp.contact_id)
        .join(Service, Service.id == FollowUp.service_id)
        .outerjoin(Pet, Pet.id == FollowUp.pet_id)
        .outerjoin(Message, Message.id == FollowUp.message_id)
        .where(FollowUp.organization_id == org_id, FollowUp.created_at >= since)
        .order_by(FollowUp.created_at.desc(), FollowUp.id.desc())
        .limit(limit)
    )
    return [
        SentRow(f.created_at, phone, pet, service, f.due_on, status)
        for f, phone, pet, service, status in session.execute(stmt)
    ]
