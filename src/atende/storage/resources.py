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
from atende.domain.states import BLOCKS_SLOT, HOLDS_SLOT
from atende.domain.text import name_key
from atende.errors import Conflict, InvalidInput, NotFound, OrphansBookings
from atende.storage.models import Booking, Resource, ResourceBlock, ResourceService, Service
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
    appointments, times held for the waitlist, each to the end of its cleanup, and
    blocked time (``blocks.py``)."""
    if not resource_ids:
        return []
    blocked = select(ResourceBlock.starts_at, ResourceBlock.ends_at, ResourceBlock.resource_id)
    blocked = blocked.where(
        ResourceBlock.organization_id == org_id,
        ResourceBlock.resource_id.in_(list(resource_ids)),
        ResourceBlock.starts_at < end,
        ResourceBlock.ends_at > start,
    )
    stmt = select(Booking.starts_at, Booking.held_until, Booking.resource_id).where(
        Booking.organization_id == org_id,
        Booking.resource_id.in_(list(resource_ids)),
        Booking.status.in_(BLOCKS_SLOT),
        Booking.starts_at < end,
        Booking.held_until > start,
    )
    if ignore_booking_id is not None:
        stmt = stmt.where(Booking.id != ignore_booking_id)
    rows = [*session.execute(stmt), *session.execute(blocked)]
    return [Busy(s, e, r) for s, e, r in rows]


# --- managing them (CLI, admin API, the shop file) -----------------------------------


def find(session: Session, org_id: int, name: str, active_only: bool = True) -> Resource | None:
    """The resource called ``name`` (case and accents aside)."""
    stmt = select(Resource).where(Resource.organization_id == org_id).order_by(Resource.id)
    if active_only:
        stmt = stmt.where(Resource.active.is_(True))
    wanted = name_key(name)
    return next((r for r in session.scalars(stmt) if name_key(r.name) == wanted), None)


def get(session: Session, org_id: int, resource_id: int) -> Resource:
    row = session.scalar(
        select(Resource).where(
            Resource.organization_id == org_id,
            Resource.id == resource_id,
            Resource.active.is_(True),
        )
    )
    if row is None:
        raise NotFound(f"resource {resource_id} not found")
    return row


def create(
    session: Session, org_id: int, name: str, kind: str, service_ids: Iterable[int]
) -> Resource:
    """A new resource, or a removed one of that name back, doing ``service_ids``."""
    existing = find(session, org_id, name, active_only=False)
    if existing is not None and existing.active:
        raise Conflict(f"resource {existing.name!r} already exists")
    if existing is None:
        return add_resource(session, org_id, name, service_ids, kind)
    if kind not in KINDS:
        raise InvalidInput(f"kind must be 'person' or 'station', not {kind!r}")
    existing.active, existing.kind, existing.name = True, kind, " ".join(name.split())
    session.flush()
    set_services(session, org_id, existing.id, service_ids)
    return existing


def change(
    session: Session,
    org_id: int,
    resource_id: int,
    now: datetime,
    *,
    name: str | None = None,
    kind: str | None = None,
    service_ids: Iterable[int] | None = None,
) -> bool:
    """Rename, change the kind or what it does; True when anything changed. Dropping a
    service it has future appointments of is refused (``OrphansBookings``)."""
    row = get(session, org_id, resource_id)
    changed = False
    if name is not None and " ".join(name.split()) != row.name:
        other = find(session, org_id, name, active_only=False)
        if other is not None and other.id != row.id:
            raise Conflict(f"resource {other.name!r} already exists")
        row.name, changed = " ".join(name.split()), True
    if kind is not None and kind != row.kind:
        if kind not in KINDS:
            raise InvalidInput(f"kind must be 'person' or 'station', not {kind!r}")
        row.kind, changed = kind, True
    if service_ids is not None:
        wanted = set(service_ids)
        current = next(r.service_ids for r in resources(session, org_id) if r.id == row.id)
        if wanted != current:
            _refuse_dropped(session, org_id, row, set(current) - wanted, now)
            set_services(session, org_id, row.id, wanted)
            changed = True
    session.flush()
    return changed


def _refuse_dropped(
    session: Session, org_id: int, row: Resource, dropped: set[int], now: datetime
) -> None:
    if not dropped:
        return
    stmt = select(Booking.id).where(
        Booking.organization_id == org_id,
        Booking.resource_id == row.id,
        Booking.service_id.in_(dropped),
        Booking.status.in_(HOLDS_SLOT),
        Booking.ends_at > now,
    )
    ids = list(session.scalars(stmt.order_by(Booking.starts_at)))
    if ids:
        raise OrphansBookings(
            f"{row.name!r} has future bookings ({', '.join(map(str, ids))}) of a service it "
            "would no longer do: move or cancel them first",
            ids,
        )


def remove(
    session: Session, org_id: int, resource_id: int, now: datetime, move: bool = False
) -> list[tuple[int, str]]:
    """Deactivate the resource (its future blocks go). Future appointments on it are
    refused (``OrphansBookings``), or with ``move`` each goes to another resource able to
    do it, free at the same time — all of them or none (the ones that cannot move are
    listed). Returns (booking id, new resource name) for each moved."""
    row = get(session, org_id, resource_id)
    stmt = select(Booking).where(
        Booking.organization_id == org_id,
        Booking.resource_id == row.id,
        Booking.status.in_(HOLDS_SLOT),
        Booking.ends_at > now,
    )
    pending = list(session.scalars(stmt.order_by(Booking.starts_at, Booking.id)))
    if pending and not move:
        ids = [b.id for b in pending]
        raise OrphansBookings(
            f"{row.name!r} has {len(ids)} future booking(s) ({', '.join(map(str, ids))}): "
            "move or cancel them first, or ask for them to be moved "
            "(--move-bookings / ?move=true)",
            ids,
        )
    others = [r for r in resources(session, org_id) if r.id != row.id]
    moved: list[tuple[int, str]] = []
    stuck: list[int] = []
    for booking in pending:
        target = _free_other(session, org_id, booking, others)
        if target is None:
            stuck.append(booking.id)
            continue
        booking.resource_id = target.id
        session.flush()
        moved.append((booking.id, target.name))
    if stuck:
        raise OrphansBookings(
            f"no other resource is free for bookings {', '.join(map(str, stuck))} of "
            f"{row.name!r}: move or cancel them first (nothing was changed)",
            stuck,
        )
    row.active = False
    session.execute(
        delete(ResourceService).where(
            ResourceService.organization_id == org_id, ResourceService.resource_id == row.id
        )
    )
    session.execute(
        delete(ResourceBlock).where(
            ResourceBlock.organization_id == org_id,
            ResourceBlock.resource_id == row.id,
            ResourceBlock.ends_at > now,
        )
    )
    session.flush()
    return moved


def _free_other(
    session: Session, org_id: int, booking: Booking, others: Sequence[ResourceInfo]
) -> ResourceInfo | None:
    for other in others:
        if not other.can_do(booking.service_id):
            continue
        lock(session, org_id, other.id)
        if not busy(session, org_id, [other.id], booking.starts_at, booking.held_until):
            return other
    return None
