"""Migration 0015 up and down on both databases: a confirmed booking holds its slot in
the unique index, services' return_days and the followups table come and go."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError

from atende.domain.states import booking_change_problem
from atende.storage import demo, orgs
from atende.storage.db import make_engine, make_sessionmaker, normalize_url, transaction
from atende.storage.migrate import alembic_config, upgrade
from atende.storage.models import Booking, Contact, Service
from atende.storage.types import utcnow
from tests.support.raw_db import columns


def test_migration_0015_goes_down_and_up_keeping_bookings(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org = demo.create_demo(s)
        contact = Contact(organization_id=org.id, phone="+5511999990061")
        s.add(contact)
        s.flush()
        banho = s.scalars(sa.select(Service).where(Service.name == "Banho")).one()
        assert banho.return_days == 15
        start = utcnow() + timedelta(days=1)
        s.add(
            Booking(
                organization_id=org.id,
                contact_id=contact.id,
                service_id=banho.id,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                status="confirmed",
            )
        )
        ids = (org.id, contact.id, banho.id)
    with pytest.raises(IntegrityError), transaction(sessions) as s:  # the slot is held
        s.add(
            Booking(
                organization_id=ids[0],
                contact_id=ids[1],
                service_id=ids[2],
                starts_at=start,
                ends_at=start + timedelta(hours=1),
            )
        )
    engine.dispose()

    command.downgrade(alembic_config(db_url), "0013")
    assert "return_days" not in columns(db_url, "services")
    assert columns(db_url, "followups") == set()
    raw = sa.create_engine(normalize_url(db_url))
    with raw.connect() as conn:
        statuses = list(conn.execute(sa.text("SELECT status FROM bookings")).scalars())
    raw.dispose()
    assert statuses == ["booked"]  # the appointment stays; its confirmation is lost

    upgrade(db_url)
    assert "return_days" in columns(db_url, "services")
    assert "after_booking_id" in columns(db_url, "followups")
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as s:
        from atende.storage import followups

        assert followups.set_return_days(s, ids[0], "banho", 21)
        assert not followups.set_return_days(s, ids[0], "Hospedagem", 3)
        org = orgs.org_by_id(s, ids[0])
        assert org is not None
        assert followups.return_days(s, ids[0]) == {ids[2]: 21}
    engine.dispose()


def test_a_booking_is_confirmed_only_while_booked() -> None:
    assert booking_change_problem("booked", "confirmed", started=False) is None
    assert booking_change_problem("confirmed", "completed", started=True) is None
    assert booking_change_problem("confirmed", "cancelled", started=False) is None
    assert booking_change_problem("completed", "confirmed", started=True) is not None
    assert booking_change_problem("cancelled", "confirmed", started=False) is not None
    assert booking_change_problem("confirmed", "booked", started=False) is not None
