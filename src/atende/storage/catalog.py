"""What a business sells and when it is open, plus its customers' pets."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.domain.entities import OpeningInterval, ServiceInfo
from atende.domain.grammar import Gender
from atende.storage.models import Contact, OpeningHours, Pet, Service
from atende.storage.paging import After, Page, by_id, take


def service_info(s: Service) -> ServiceInfo:
    gender: Gender = "f" if s.gender == "f" else "m"
    return ServiceInfo(s.id, s.name, s.price, s.duration_minutes, gender, bool(s.plural))


def services(session: Session, org_id: int) -> list[ServiceInfo]:
    stmt = (
        select(Service)
        .where(Service.organization_id == org_id, Service.active.is_(True))
        .order_by(Service.id)
    )
    return [service_info(s) for s in session.scalars(stmt)]


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
) -> Pet:
    pet = Pet(
        organization_id=org_id,
        contact_id=contact_id,
        name=name,
        species=species,
        breed=breed,
        birth_date=birth_date,
    )
    session.add(pet)
    session.flush()
    return pet


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
    rows = [service_info(s) for s in session.scalars(by_id(stmt, Service.id, after, limit))]
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
