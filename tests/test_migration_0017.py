"""Migration 0017 up and down on both databases: the waitlist table, a held time that
blocks its slot, and bookings.moved_to_id come and go; appointments stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError

from atende.storage import bookings, demo, waitlist
from atende.storage.db import make_engine, make_sessionmaker, normalize_url, transaction
from atende.storage.migrate import alembic_config, upgrade
from atende.storage.models import Booking, Contact, Service
from atende.storage.types import utcnow
from tests.support.raw_db import columns


def _statuses(url: str) -> list[str]:
    raw = sa.create_engine(normalize_url(url))
    with raw.connect() as conn:
        found = list(conn.execute(sa.text("SELECT status FROM bookings ORDER BY id")).scalars())
    raw.dispose()
    return found


def test_migration_0017_goes_down_and_up_keeping_appointments(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    start = utcnow() + timedelta(days=2)
    with transaction(sessions) as s:
        org = demo.create_demo(s)
        contact = Contact(organization_id=org.id, phone="+5511999990091")
        s.add(contact)
        s.flush()
        consult = s.scalars(sa.select(Service).where(Service.name == "Consulta veterinária")).one()
        first = bookings.book(s, org.id, contact.id, consult.id, None, start)
        bookings.move(s, org.id, first.id, start + timedelta(hours=1))
        entry = waitlist.join(s, org.id, contact.id, consult.id, start.date())
        held = waitlist.offer(s, org.id, entry, start, utcnow() + timedelta(minutes=30))
        assert held is not None
        ids = (org.id, contact.id, consult.id)
    with pytest.raises(IntegrityError), transaction(sessions) as s:  # the held time blocks
        s.add(
            Booking(
                organization_id=ids[0],
                contact_id=ids[1],
                service_id=ids[2],
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
            )
        )
    engine.dispose()
    assert _statuses(db_url) == ["cancelled", "booked", "held"]

    command.downgrade(alembic_config(db_url), "0015")
    assert columns(db_url, "waitlist_entries") == set()
    assert "moved_to_id" not in columns(db_url, "bookings")
    assert _statuses(db_url) == ["cancelled", "booked"]  # the hold released, nothing else

    upgrade(db_url)
    assert "moved_to_id" in columns(db_url, "bookings")
    assert "offer_expires_at" in columns(db_url, "waitlist_entries")
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as s:  # the freed time books as before
        again = bookings.book(s, ids[0], ids[1], ids[2], None, start)
        assert again.status == "booked"
    engine.dispose()
