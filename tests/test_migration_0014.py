"""Migration 0014 (resources, sizes, special days) up and down on both databases: an
existing shop's bookings keep a resource and it books exactly as before; a downgrade
keeps every booking, parallel ones included, and upgrading again spreads them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from atende.errors import SlotTaken
from atende.storage import bookings, resources
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.migrate import alembic_config, upgrade
from atende.storage.models import Booking, Resource
from tests.support.dialogue import TZ, next_weekday

CREATED = "2026-11-01 12:00:00"


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(next_weekday(0), time(hour, minute), tzinfo=TZ)


def _seed_0013(engine: Engine) -> dict[str, int]:
    """An organization of the previous release: two services, a customer and a pet, a
    booking of each service and a cancelled one, written with the 0013 schema."""
    rows: dict[str, int] = {}
    with engine.begin() as conn:

        def insert(sql: str, **values: object) -> int:
            return int(conn.execute(text(sql + " RETURNING id"), values).scalar_one())

        rows["org"] = insert(
            "INSERT INTO organizations (slug, name, timezone, locale, owner_phones, settings, "
            "created_at) VALUES ('old', 'Old Shop', 'America/Sao_Paulo', 'pt-BR', '[]', '{}', "
            ":at)",
            at=CREATED,
        )
        for name, minutes in (("Banho", 60), ("Consulta", 30)):
            rows[name] = insert(
                "INSERT INTO services (organization_id, name, price, duration_minutes, gender, "
                "plural, active, booking_seq) VALUES (:org, :name, 60, :minutes, 'm', false, "
                "true, 0)",
                org=rows["org"],
                name=name,
                minutes=minutes,
            )
        rows["contact"] = insert(
            "INSERT INTO contacts (organization_id, phone, created_at) "
            "VALUES (:org, '+5511999990401', :at)",
            org=rows["org"],
            at=CREATED,
        )
        rows["pet"] = insert(
            "INSERT INTO pets (organization_id, contact_id, name, species, breed, created_at) "
            "VALUES (:org, :contact, 'Thor', 'cachorro', 'golden', :at)",
            org=rows["org"],
            contact=rows["contact"],
            at=CREATED,
        )
        for key, service, start, minutes, status in (
            ("banho", "Banho", _at(10), 60, "booked"),
            ("consulta", "Consulta", _at(10), 30, "booked"),
            ("gone", "Banho", _at(10, 30), 60, "cancelled"),
        ):
            rows[key] = insert(
                "INSERT INTO bookings (organization_id, contact_id, pet_id, service_id, "
                "starts_at, ends_at, status, created_at, updated_at) VALUES (:org, :contact, "
                ":pet, :service, :start, :end, :status, :at, :at)",
                org=rows["org"],
                contact=rows["contact"],
                pet=rows["pet"],
                service=rows[service],
                start=_naive_utc(start),
                end=_naive_utc(start + timedelta(minutes=minutes)),
                status=status,
                at=CREATED,
            )
    return rows


def _naive_utc(moment: datetime) -> datetime:
    """As ``UTCDateTime`` stores it."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_existing_bookings_keep_a_resource_up_and_down(db_url: str) -> None:
    config = alembic_config(db_url)
    command.downgrade(config, "0013")
    engine = make_engine(db_url)
    try:
        assert "resource_id" not in _columns(engine, "bookings")
        ids = _seed_0013(engine)
        engine.dispose()
        upgrade(db_url)
        sessions = make_sessionmaker(engine)
        with sessions() as s:
            found = {r.name: r for r in resources.resources(s, ids["org"])}
            assert set(found) == {"Banho", "Consulta"}
            assert found["Banho"].service_ids == {ids["Banho"]}
            stored = {b.id: b for b in s.scalars(select(Booking))}
            assert stored[ids["banho"]].resource_id == found["Banho"].id
            assert stored[ids["gone"]].resource_id == found["Banho"].id
            assert stored[ids["consulta"]].resource_id == found["Consulta"].id
            assert all(b.held_until == b.ends_at and b.price is None for b in stored.values())
        # the old shop books as before: one bath at a time, the consultation beside it
        with pytest.raises(SlotTaken), transaction(sessions) as s:
            bookings.book(s, ids["org"], ids["contact"], ids["Banho"], ids["pet"], _at(10, 30))
        with transaction(sessions) as s:
            bookings.book(s, ids["org"], ids["contact"], ids["Banho"], None, _at(11))
            # now the shop adds a second bath station: two baths at once
            resources.add_resource(s, ids["org"], "Banho 2", [ids["Banho"]])
            parallel = bookings.book(s, ids["org"], ids["contact"], ids["Banho"], None, _at(10))
            assert parallel.resource_id != found["Banho"].id
        engine.dispose()

        command.downgrade(config, "0013")
        assert not {"resource_id", "held_until", "price"} & _columns(engine, "bookings")
        assert "size" not in _columns(engine, "pets")
        assert "resources" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            count = conn.execute(text("SELECT COUNT(*) FROM bookings")).scalar_one()
        assert count == 5  # every booking kept, the parallel one too
        engine.dispose()

        upgrade(db_url)  # the parallel bath goes to a second resource again
        with sessions() as s:
            names = sorted(
                s.scalars(select(Resource.name).where(Resource.organization_id == ids["org"]))
            )
            assert names == ["Banho", "Banho (2)", "Consulta"]
            at_ten = s.scalars(
                select(Booking.resource_id).where(
                    Booking.service_id == ids["Banho"], Booking.status == "booked"
                )
            ).all()
            assert len(at_ten) == 3 and len(set(at_ten)) == 2
    finally:
        engine.dispose()


def test_the_old_unique_index_comes_back_when_nothing_runs_in_parallel(db_url: str) -> None:
    config = alembic_config(db_url)
    command.downgrade(config, "0013")
    engine = make_engine(db_url)
    try:
        ids = _seed_0013(engine)
        upgrade(db_url)
        command.downgrade(config, "0013")
        indexes = {i["name"]: i for i in inspect(engine).get_indexes("bookings")}
        assert indexes["uq_bookings_service_start_booked"]["unique"]
        # the previous release's guard is back
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO bookings (organization_id, contact_id, service_id, "
                    "starts_at, ends_at, status, created_at, updated_at) SELECT "
                    "organization_id, contact_id, service_id, starts_at, ends_at, status, "
                    "created_at, updated_at FROM bookings WHERE id = :id"
                ),
                {"id": ids["banho"]},
            )
    finally:
        engine.dispose()
