"""Migration 0016 up and down on both databases: resource blocks, the audit log and
API key labels come and go, keeping what was there before."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import command

from atende.pipeline.agenda import Desk
from atende.storage import demo, orgs, resources
from atende.storage.db import make_engine, make_sessionmaker, normalize_url, transaction
from atende.storage.migrate import alembic_config, upgrade
from atende.storage.types import utcnow
from tests.support.raw_db import columns


def test_migration_0016_goes_down_and_up(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org = demo.create_demo(s)
        key = orgs.issue_api_key(s, org.id, "recepcao")
        station = resources.find(s, org.id, "Banho 1")
        assert station is not None
        start = utcnow() + timedelta(days=1)
        Desk(s, org, "cli:test").block(station.id, start, start + timedelta(hours=2), "folga")
        org_id = org.id
    with sessions() as s:
        assert orgs.key_holder(s, key) is not None
        found = orgs.key_holder(s, key)
        assert found is not None and found[1] == "recepcao"
        busy = resources.busy(s, org_id, [station.id], start, start + timedelta(hours=1))
        assert len(busy) == 1
    engine.dispose()

    command.downgrade(alembic_config(db_url), "0015")
    assert columns(db_url, "resource_blocks") == set()
    assert columns(db_url, "audit_log") == set()
    assert "label" not in columns(db_url, "api_keys")
    raw = sa.create_engine(normalize_url(db_url))
    with raw.connect() as conn:  # the key and the shop are still there
        assert conn.execute(sa.text("SELECT count(*) FROM api_keys")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM resources")).scalar() == 4
    raw.dispose()

    upgrade(db_url)
    assert {"resource_id", "starts_at", "ends_at", "note"} <= columns(db_url, "resource_blocks")
    assert {"actor", "action", "subject", "details", "at"} <= columns(db_url, "audit_log")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT label FROM api_keys")).scalar() is None
    engine.dispose()
