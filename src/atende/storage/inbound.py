"""The ingest write: three statements in one transaction, on the webhook's hot path.

Upsert the contact, upsert-and-bump the conversation, insert the message (a replayed
provider id inserts nothing). The SQL is written once per driver and executed without
SQLAlchemy's per-call compilation: this path runs for every webhook.
It is standard SQL that SQLite (>= 3.35) and PostgreSQL both run; the test suite runs
it on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection

from atende.storage.types import utcnow

CONTACT_SQL = """
INSERT INTO contacts (organization_id, phone, name, created_at)
VALUES (:org, :phone, :name, :now)
ON CONFLICT (organization_id, phone)
DO UPDATE SET name = COALESCE(contacts.name, excluded.name)
RETURNING id
"""

CONVERSATION_SQL = """
INSERT INTO conversations (organization_id, channel_id, contact_id, state, buffer_version,
    answered_version, buffer_deadline, dialogue_state, last_message_at, last_inbound_at,
    created_at)
VALUES (:org, :channel, :contact, 'bot', 1, 0, :deadline, '{}', :now, :now, :now)
ON CONFLICT (channel_id, contact_id) DO UPDATE SET
    buffer_version = conversations.buffer_version + 1,
    buffer_deadline = excluded.buffer_deadline,
    last_message_at = excluded.last_message_at,
    last_inbound_at = excluded.last_inbound_at
RETURNING id, buffer_version, answered_version
"""

MESSAGE_SQL = """
INSERT INTO messages (organization_id, conversation_id, channel_id, direction, author, kind,
    body, media_url, media_type, provider_id, buffer_version, status, attempts, created_at,
    updated_at)
VALUES (:org, :conversation, :channel, 'in', 'contact', :kind, :body, :media_url,
    :media_type, :provider_id, :version, 'received', 0, :now, :now)
ON CONFLICT (channel_id, provider_id) DO NOTHING
RETURNING id
"""


@dataclass(frozen=True, slots=True)
class Recorded:
    """Where an inbound message landed; ``message_id`` is None for a replay."""

    conversation_id: int
    version: int
    pending: int
    message_id: int | None


@cache
def _for_driver(sql: str, dialect: str) -> str:
    """':name' placeholders (sqlite3 takes them with a dict) become '%(name)s' for psycopg."""
    if dialect == "sqlite":
        return sql
    return re.sub(r":(\w+)", r"%(\1)s", sql)


def _timestamp(value: datetime, dialect: str) -> Any:
    """Naive UTC, as UTCDateTime stores it (SQLite: the text SQLAlchemy writes)."""
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else naive


def record_inbound(
    conn: Connection,
    org_id: int,
    channel_id: str,
    phone: str,
    name: str | None,
    message: dict[str, Any],
    window_seconds: float,
    now: datetime | None = None,
) -> Recorded:
    """Store one inbound message and push its conversation's burst deadline back."""
    now = now or utcnow()
    dialect = conn.dialect.name
    stamp = _timestamp(now, dialect)
    contact_id = conn.exec_driver_sql(
        _for_driver(CONTACT_SQL, dialect),
        {"org": org_id, "phone": phone, "name": name, "now": stamp},
    ).scalar_one()
    deadline = _timestamp(now + timedelta(seconds=window_seconds), dialect)
    conv_id, version, answered = conn.exec_driver_sql(
        _for_driver(CONVERSATION_SQL, dialect),
        {
            "org": org_id,
            "channel": channel_id,
            "contact": contact_id,
            "deadline": deadline,
            "now": stamp,
        },
    ).one()
    message_id = conn.exec_driver_sql(
        _for_driver(MESSAGE_SQL, dialect),
        {
            "org": org_id,
            "conversation": conv_id,
            "channel": channel_id,
            "version": version,
            "now": stamp,
            "kind": message["kind"],
            "body": message["body"],
            "media_url": message.get("media_url"),
            "media_type": message.get("media_type"),
            "provider_id": message["provider_id"],
        },
    ).scalar_one_or_none()
    return Recorded(int(conv_id), int(version), int(version) - int(answered), message_id)
