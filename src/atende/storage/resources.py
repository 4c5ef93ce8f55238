"""Resources — the people and stations that do appointments — and what holds them.

A resource does one appointment at a time; a booking holds exactly one. Which services a
resource can do is ``resource_services``. Every query is scoped by organization.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from atende.domain.entities import Busy, ResourceInfo
from atende.domain.states import BLOCKS_SLOT
from atende.errors import InvalidInput, NotFound
from atende.storage.models import Booking, Resource, ResourceService, Service
from atende.storage.portable import rowcount

KINDS = ("person", "station")


def add_resource(
    session: Session,
    org_id: int,
    name: str,
    service_ids: Iterable[int] = (),
    kind: str = "station",
) -> Resource:
    """A person (``kind="person"``) or a station able to do ``service_ids``."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be 'person' or 'station', not {kind!r}")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("a resource needs a name")
    resource = Resource(organization_id=org_id, name=cleaned, kind=kind)
    session.add(resource)
    session.flush()
    set_services(session, org_id, resource.id, service_ids)
    return resource


def resource_named(session: Session, org_id: int, name: str) -> Resource | None:
    stmt = select(Resource).where(
        Resource.organization_id == org_id, Resource.name == " ".join(name.split())
    )
    return session.scalar(stmt)


def set_services(
    session: Session, org_id: int, resource_id: int, service_ids: Iterable[int]
) -> None:
    """What the resource can do, replacing what it could (services of this org only)."""
    wanted = set(service_ids)
    known = set(
        session.scalars(
            select(Service.id).where(Service.organization_id == org_id, Service.id.in_(wanted))
        )
    )
    if wanted - known:
        raise NotFound(f"services {sorted(wanted - known)} not found")
    owned = session.scalar(
        select(Resource.id).where(Resource.organization_id == org_id, Resource.id == resource_id)
    )
    if owned is None:
        raise NotFound(f"resource {resource_id} not found")
    session.execute(
        delete(ResourceService).where(
            ResourceService.organization_id == org_id, ResourceService.resource_id == resource_id
        )
    )
    for service_id in sorted(wanted):
        session.add(
            ResourceService(organization_id=org_id, resource_id=resource_id, service_id=service_id)
        )
    session.flush()


def add_capability(session: Session, org_id: int, resource_id: int, service_id: int) -> None:
    """The resource can also do ``service_id``."""
    current = {r.id: r.service_ids for r in resources(session, org_id, active_only=False)}
    if resource_id not in current:
        raise NotFound(f"resource {resource_id} not found")
    set_services(session, org_id, resource_id, current[resource_id] | {service_id})


def resources(session: Session, org_id: int, active_only: bool = True) -> list[ResourceInfo]:
    """The organization's resources with the services each can do, in booking order."""
    stmt = select(Resource).where(Resource.organization_id == org_id).order_by(Resource.id)
    if active_only:
        stmt = stmt.where(Resource.active.is_(True))
    rows = list(session.scalars(stmt))
    links = session.execute(
        select(ResourceService.resource_id, ResourceService.service_id).where(
            ResourceService.organization_id == org_id
        )
    ).all()
    can: dict[int, set[int]] = {}
    for resource_id, service_id in links:
        can.setdefault(resource_id, set()).add(service_id)
    return [ResourceInfo(r.id, r.name, r.kind, frozenset(can.get(r.id, ()))) for r in rows]


def lock(session: Session, org_id: int, resource_id: int) -> bool:
    """Take the resource's row lock for the rest of the transaction (PostgreSQL: a row
    lock other bookings of it wait on; SQLite: the writing transaction holds the database
    lock already). False when the resource is not this organization's."""
    result = session.execute(
        update(Resource)
        .where(Resource.organization_id == org_id, Resource.id == resource_id)
        .values(booking_seq=Resource.booking_seq + 1)
    )
    return rowcount(result) == 1


def busy(
    session: Session,
    org_id: int,
    resource_ids: Sequence[int],
    start: datetime,
    end: datetime,
    ignore_booking_id: int | None = None,
) -> list[Busy]:
    """What holds these resources between ``start`` and ``end``: booked and confirmed
    appointments and times held for the waitlist, each to the end of its cleanup."""
    if not resource_ids:
        return []
    stmt = select(Booking.starts_at, Booking.held_until, Booking.resource_id).where(
        Booking.organization_id == org_id,
        Booking.resource_id.in_(list(resource_ids)),
        Booking.status.in_(BLOCKS_SLOT),
        Booking.starts_at < end,
        Booking.held_until > start,
    )
    if ignore_booking_id is not None:
        stmt = stmt.where(Booking.id != ignore_booking_id)
    return [Busy(s, e, r) for s, e, r in session.execute(stmt)]
