"""Migration 0019 up and down on both databases: alerts get a severity (filled from their
kind for the rows already there) and the notification log comes and goes; alerts stay."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from atende.storage.db import normalize_url
from atende.storage.migrate import alembic_config, upgrade
from tests.support.raw_db import columns


def _alerts(url: str) -> list[tuple[str, str]]:
    raw = sa.create_engine(normalize_url(url))
    with raw.connect() as conn:
        rows = conn.execute(sa.text("SELECT kind, severity FROM alerts ORDER BY id"))
        found = [(str(k), str(s)) for k, s in rows]
    raw.dispose()
    return found


def test_migration_0019_goes_down_and_up_keeping_alerts(db_url: str) -> None:
    upgrade(db_url)
    command.downgrade(alembic_config(db_url), "0018")
    assert "severity" not in columns(db_url, "alerts")
    assert columns(db_url, "alert_notifications") == set()
    raw = sa.create_engine(normalize_url(db_url))
    with raw.begin() as conn:
        for kind in ("channel_down", "send_failed"):
            conn.execute(
                sa.text(
                    "INSERT INTO alerts (kind, subject, message, created_at) "
                    "VALUES (:kind, 'channel:ch_1', 'x', CURRENT_TIMESTAMP)"
                ),
                {"kind": kind},
            )
    raw.dispose()

    upgrade(db_url)
    assert _alerts(db_url) == [("channel_down", "critical"), ("send_failed", "warning")]
    assert {"alert_id", "event", "target", "status", "attempts"} <= columns(
        db_url, "alert_notifications"
    )
    command.downgrade(alembic_config(db_url), "0018")
    assert columns(db_url, "alert_notifications") == set()
    upgrade(db_url)
    assert len(_alerts(db_url)) == 2
