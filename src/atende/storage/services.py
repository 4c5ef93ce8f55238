"""Managing what a shop sells: add, change and remove services, their prices and
durations by size. Every query is scoped by organization.

A service is never deleted (past bookings name it): removing it deactivates it, and
adding one by the same name later brings it back. ``remove`` refuses while future
appointments of it are on (``OrphansBookings``); the caller may cancel them first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atende.domain.grammar import guess_gender
from atende.domain.shopfile import RuleSpec, ServiceSpec
from atende.domain.states import HOLDS_SLOT
from atende.domain.text import name_key
from atende.errors import Conflict, NotFound, OrphansBookings
from atende.storage import catalog
from atende.storage.models import Booking, Resource, ResourceService, Service, ServicePrice

UNSET: Any = object()


def named(session: Session, org_id: int, name: str, active_only: bool = True) -> Service | None:
    """The service called ``name`` (case and accents aside)."""
    stmt = select(Service).where(Service.organization_id == org_id).order_by(Service.id)
    if active_only:
        stmt = stmt.where(Service.active.is_(True))
    wanted = name_key(name)
    return next((s for s in session.scalars(stmt) if name_key(s.name) == wanted), None)


def get(session: Session, org_id: int, service_id: int) -> Service:
    row = session.scalar(
        select(Service).where(
            Service.organization_id == org_id, Service.id == service_id, Service.active.is_(True)
        )
    )
    if row is None:
        raise NotFound(f"service {service_id} not found")
    return row


def create(session: Session, org_id: int, spec: ServiceSpec) -> Service:
    """A new service (or a removed one of that name, back) as ``spec`` says; no resource
    does it until one is told to (``resources.set_services``)."""
    existing = named(session, org_id, spec.name) or named(
        session, org_id, spec.name, active_only=False
    )  # an active one of that name first: reviving a removed twin would clash with it
    if existing is not None and existing.active:
        raise Conflict(f"service {existing.name!r} already exists")
    if existing is None:
        existing = Service(organization_id=org_id, name=spec.name, price=spec.price)
        existing.duration_minutes = spec.duration
        session.add(existing)
    existing.active = True
    apply(session, org_id, existing, spec)
    return existing


def apply(session: Session, org_id: int, row: Service, spec: ServiceSpec) -> bool:
    """Make ``row`` what ``spec`` says (name, price, duration, grammar, cleanup, return
    interval, rules by size); True when anything changed."""
    gender, plural = guess_gender(spec.name)
    wanted = {
        "name": spec.name,
        "price": spec.price,
        "duration_minutes": spec.duration,
        "gender": spec.gender or gender,
        "plural": plural if spec.plural is None else spec.plural,
        "cleanup_minutes": spec.cleanup,
        "return_days": spec.return_days,
    }
    changed = False
    for column, value in wanted.items():
        if getattr(row, column) != value:
            setattr(row, column, value)
            changed = True
    try:
        with session.begin_nested():  # a name another service has: a clear 409, not a 500
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"another service is already called {spec.name!r}") from exc
    return set_rules(session, org_id, row.id, spec.by_size) or changed


def rules_of(session: Session, org_id: int, service_id: int) -> list[RuleSpec]:
    info = catalog.service_by_id(session, org_id, service_id)
    rules = info.rules if info is not None else ()
    found = [
        RuleSpec(size=r.size, coat=r.coat, price=r.price, duration=r.duration_minutes)
        for r in rules
    ]
    return sorted(found, key=_rule_order)


def _rule_order(rule: RuleSpec) -> tuple[int, int]:
    sizes = ("mini", "pequeno", "medio", "grande", "gigante")
    return (
        sizes.index(rule.size) if rule.size else -1,
        ("curto", "longo").index(rule.coat) if rule.coat else -1,
    )


def set_rules(session: Session, org_id: int, service_id: int, rules: Sequence[RuleSpec]) -> bool:
    """Replace the service's rules by size and coat; False when they were these already."""
    wanted = sorted(rules, key=_rule_order)
    if rules_of(session, org_id, service_id) == wanted:
        return False
    session.execute(
        delete(ServicePrice).where(
            ServicePrice.organization_id == org_id, ServicePrice.service_id == service_id
        )
    )
    for rule in wanted:
        catalog.set_size_price(
            session, org_id, service_id, rule.size, rule.coat, rule.price, rule.duration
        )
    return True


def spec_of(session: Session, org_id: int, row: Service) -> ServiceSpec:
    """What ``row`` is, as a spec (the shop file's and the API's form)."""
    return ServiceSpec(
        name=row.name,
        price=row.price,
        duration=row.duration_minutes,
        gender="f" if row.gender == "f" else "m",
        plural=bool(row.plural),
        cleanup=row.cleanup_minutes or 0,
        return_days=row.return_days,
        by_size=rules_of(session, org_id, row.id),
    )


def future_bookings(
    session: Session,
    org_id: int,
    now: datetime,
    *,
    service_id: int | None = None,
    resource_id: int | None = None,
) -> list[Booking]:
    """Appointments still on (booked or confirmed) that end after ``now``."""
    stmt = select(Booking).where(
        Booking.organization_id == org_id,
        Booking.status.in_(HOLDS_SLOT),
        Booking.ends_at > now,
    )
    if service_id is not None:
        stmt = stmt.where(Booking.service_id == service_id)
    if resource_id is not None:
        stmt = stmt.where(Booking.resource_id == resource_id)
    return list(session.scalars(stmt.order_by(Booking.starts_at, Booking.id)))


def remove(session: Session, org_id: int, service_id: int, now: datetime) -> Service:
    """Deactivate the service; refused while future appointments of it are on."""
    row = get(session, org_id, service_id)
    pending = future_bookings(session, org_id, now, service_id=service_id)
    if pending:
        ids = [b.id for b in pending]
        raise OrphansBookings(
            f"service {row.name!r} has {len(ids)} future booking(s) "
            f"({', '.join(map(str, ids))}): cancel them first, or ask for it "
            "(--cancel-bookings / ?cancel_bookings=true)",
            ids,
        )
    row.active = False
    session.execute(
        delete(ResourceService).where(
            ResourceService.organization_id == org_id, ResourceService.service_id == service_id
        )
    )
    session.flush()
    return row


def doers(session: Session, org_id: int) -> dict[int, list[str]]:
    """Service id → the names of the active resources that do it."""
    stmt = (
        select(ResourceService.service_id, Resource.name)
        .join(Resource, Resource.id == ResourceService.resource_id)
        .where(ResourceService.organization_id == org_id, Resource.active.is_(True))
        .order_by(Resource.id)
    )
    found: dict[int, list[str]] = {}
    for service_id, name in session.execute(stmt):
        found.setdefault(service_id, []).append(name)
    return found


def active(session: Session, org_id: int) -> list[Service]:
    stmt = (
        select(Service)
        .where(Service.organization_id == org_id, Service.active.is_(True))
        .order_by(Service.id)
    )
    return list(session.scalars(stmt))


def count_active(session: Session, org_id: int) -> int:
    stmt = select(func.count(Service.id)).where(
        Service.organization_id == org_id, Service.active.is_(True)
    )
    return int(session.scalar(stmt) or 0)
