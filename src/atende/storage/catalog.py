"""What a business sells and when it is open, plus its customers' pets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from atende.domain.entities import OpeningInterval, ServiceInfo, SizeRule
from atende.domain.grammar import Gender
from atende.domain.sizes import COATS, SIZES, Coat, Size, pet_coat, pet_size
from atende.errors import InvalidInput, NotFound
from atende.storage.models import Contact, OpeningHours, Pet, Service, ServicePrice
from atende.storage.paging import After, Page, by_id, take


def service_info(s: Service, rules: Iterable[SizeRule] = ()) -> ServiceInfo:
    gender: Gender = "f" if s.gender == "f" else "m"
    return ServiceInfo(
        s.id,
        s.name,
        s.price,
        s.duration_minutes,
        gender,
        bool(s.plural),
        tuple(rules),
        s.cleanup_minutes or 0,
    )


def _rules(session: Session, org_id: int, service_ids: list[int]) -> dict[int, list[SizeRule]]:
    stmt = (
        select(ServicePrice)
        .where(ServicePrice.organization_id == org_id, ServicePrice.service_id.in_(service_ids))
        .order_by(ServicePrice.id)
    )
    found: dict[int, list[SizeRule]] = {}
    for row in session.scalars(stmt):
        rule = SizeRule(_size(row.size), _coat(row.coat), row.price, row.duration_minutes)
        found.setdefault(row.service_id, []).append(rule)
    return found


def _infos(session: Session, org_id: int, rows: list[Service]) -> list[ServiceInfo]:
    rules = _rules(session, org_id, [s.id for s in rows]) if rows else {}
    return [service_info(s, rules.get(s.id, ())) for s in rows]


def services(session: Session, org_id: int) -> list[ServiceInfo]:
    """The active services with their prices and durations by size, oldest first."""
    stmt = (
        select(Service)
        .where(Service.organization_id == org_id, Service.active.is_(True))
        .order_by(Service.id)
    )
    return _infos(session, org_id, list(session.scalars(stmt)))


def service_by_id(session: Session, org_id: int, service_id: int) -> ServiceInfo | None:
    """One service of this organization (active or not), with its rules."""
    row = session.scalar(
        select(Service).where(Service.organization_id == org_id, Service.id == service_id)
    )
    return None if row is None else _infos(session, org_id, [row])[0]


def _size(value: str | None) -> Size | None:
    if value is None:
        return None
    if value not in SIZES:
        raise InvalidInput(f"size must be one of {', '.join(SIZES)}, not {value!r}")
    return value


def _coat(value: str | None) -> Coat | None:
    if value is None:
        return None
    if value not in COATS:
        raise InvalidInput(f"coat must be one of {', '.join(COATS)}, not {value!r}")
    return value


def set_size_price(
    session: Session,
    org_id: int,
    service_id: int,
    size: str | None,
    coat: str | None = None,
    price: Decimal | None = None,
    duration_minutes: int | None = None,
) -> ServicePrice:
    """The service's price and/or duration for pets of ``size`` and/or ``coat`` (None:
    any), replacing the rule for the same pair; what is None falls back to the default."""
    chosen_size, chosen_coat = _size(size), _coat(coat)
    if chosen_size is None and chosen_coat is None:
        raise InvalidInput("a size rule needs a size or a coat (the default is the service's)")
    if price is None and duration_minutes is None:
        raise InvalidInput("a size rule needs a price or a duration")
    if (price is not None and price < 0) or (duration_minutes is not None and duration_minutes < 1):
        raise InvalidInput("price must be ≥ 0 and duration ≥ 1 minute")
    if service_by_id(session, org_id, service_id) is None:
        raise NotFound(f"service {service_id} not found")
    row = session.scalar(
        select(ServicePrice).where(
            ServicePrice.organization_id == org_id,
            ServicePrice.service_id == service_id,
            _is(ServicePrice.size, chosen_size),
            _is(ServicePrice.coat, chosen_coat),
        )
    )
    if row is None:
        row = ServicePrice(
            organization_id=org_id, service_id=service_id, size=chosen_size, coat=chosen_coat
        )
        session.add(row)
    row.price, row.duration_minutes = price, duration_minutes
    session.flush()
    return row


def _is(column: InstrumentedAttribute[str | None], value: str | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def opening_hours(session: Session, org_id: int) -> list[OpeningInterval]:
    stmt = (
        select(OpeningHours)
        .where(OpeningHours.organization_id == org_id)
        .order_by(OpeningHours.weekday, OpeningHours.opens)
    )
    return [
        OpeningInterval(weekday=h.weekday, opens=h.opens, closes=h.closes)
        for h in session.scalars(stmt)
    ]


def pets_of(session: Session, org_id: int, contact_id: int) -> list[Pet]:
    stmt = (
        select(Pet)
        .where(Pet.organization_id == org_id, Pet.contact_id == contact_id)
        .order_by(Pet.id)
    )
    return list(session.scalars(stmt))


def register_pet(
    session: Session,
    org_id: int,
    contact_id: int,
    name: str,
    species: str,
    breed: str,
    birth_date: date | None = None,
    size: str | None = None,
    coat: str | None = None,
) -> Pet:
    """A new pet; ``size`` and ``coat`` only when someone said them (otherwise the size
    is read from the breed when needed: ``measure``)."""
    pet = Pet(
        organization_id=org_id,
        contact_id=contact_id,
        name=name,
        species=species,
        breed=breed,
        birth_date=birth_date,
        size=_size(size),
        coat=_coat(coat),
    )
    session.add(pet)
    session.flush()
    return pet


def set_size(
    session: Session, org_id: int, pet_id: int, size: str | None, coat: str | None = None
) -> bool:
    """Store what someone said of the pet's size and coat (None: unknown again)."""
    pet = session.scalar(select(Pet).where(Pet.organization_id == org_id, Pet.id == pet_id))
    if pet is None:
        return False
    pet.size, pet.coat = _size(size), _coat(coat)
    return True


def measure(pet: Pet | None) -> tuple[Size | None, Coat | None]:
    """The size and coat to price ``pet`` by: as stored, the size else from its breed."""
    if pet is None:
        return None, None
    return pet_size(pet.size, pet.breed, pet.species), pet_coat(pet.coat)


def set_birth_date(session: Session, org_id: int, pet_id: int, birth_date: date | None) -> bool:
    pet = session.scalar(select(Pet).where(Pet.organization_id == org_id, Pet.id == pet_id))
    if pet is None:
        return False
    pet.birth_date = birth_date
    return True


def services_page(
    session: Session, org_id: int, after: After | None, limit: int
) -> Page[ServiceInfo]:
    """One page of the active services, in the order they were added."""
    stmt = select(Service).where(Service.organization_id == org_id, Service.active.is_(True))
    rows = _infos(session, org_id, list(session.scalars(by_id(stmt, Service.id, after, limit))))
    return take(rows, limit, lambda s: After(s.id))


def pets_page(
    session: Session, org_id: int, after: After | None, limit: int
) -> Page[tuple[Pet, str]]:
    """One page of the organization's pets with their owner's phone, oldest first."""
    stmt = (
        select(Pet, Contact.phone)
        .join(Contact, Contact.id == Pet.contact_id)
        .where(Pet.organization_id == org_id)
    )
    rows = [(pet, phone) for pet, phone in session.execute(by_id(stmt, Pet.id, after, limit))]
    return take(rows, limit, lambda r: After(r[0].id))
