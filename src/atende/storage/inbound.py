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

from sqlalchemy import Engine

from atende.storage.db import write_lock
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


TRANSIENT_NAMES = frozenset(
    {"OperationalError", "InterfaceError", "DisconnectionError", "TimeoutError", "ConnectionError"}
)


def is_transient(exc: BaseException) -> bool:
    """A failure that trying again later may cure (database or queue down, locked,
    timed out, disk full) rather than one the data causes (too long, constraint).

    PEP 249 gives every driver the same class names (sqlite3, psycopg, and SQLAlchemy's
    wrappers of them), so the check is by name and needs no driver imported.
    """
    if isinstance(exc, OSError):
        return True
    return any(cls.__name__ in TRANSIENT_NAMES for cls in type(exc).__mro__)


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


class InboundWriter:
    """Runs the three statements on a DBAPI connection, skipping SQLAlchemy's execution
    layer (pool checkout, events, reset-on-return), which cost more than the SQL itself.

    On SQLite, where the writer lock already serializes every write, one connection is
    kept and used under that lock by whichever thread ingests; on PostgreSQL a connection
    is borrowed from the engine's pool per message and returned at once.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._sqlite: Any = None  # used only while holding write_lock(engine)
        self._sql = tuple(
            _for_driver(sql, self._dialect) for sql in (CONTACT_SQL, CONVERSATION_SQL, MESSAGE_SQL)
        )

    def record(
        self,
        org_id: int,
        channel_id: str,
        phone: str,
        name: str | None,
        message: dict[str, Any],
        window_seconds: float,
    ) -> Recorded:
        """Store one inbound message; a replay (``message_id`` None) changes nothing."""
        with write_lock(self._engine):
            if self._dialect == "sqlite":
                return self._on_sqlite(org_id, channel_id, phone, name, message, window_seconds)
            return self._on_pool(org_id, channel_id, phone, name, message, window_seconds)

    def _on_sqlite(self, *args: Any) -> Recorded:
        if self._sqlite is None:
            self._sqlite = self._engine.raw_connection()
        cursor = self._sqlite.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            recorded = self._statements(cursor, *args)
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT" if recorded.message_id is not None else "ROLLBACK")
        return recorded

    def close(self) -> None:
        with write_lock(self._engine):
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None

    def _on_pool(self, *args: Any) -> Recorded:
        conn = self._engine.raw_connection()
        try:
            recorded = self._statements(conn.cursor(), *args)
            if recorded.message_id is None:
                conn.rollback()
            else:
                conn.commit()
            return recorded
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    def _statements(
        self,
        cursor: Any,
        org_id: int,
        channel_id: str,
        phone: str,
        name: str | None,
        message: dict[str, Any],
        window_seconds: float,
    ) -> Recorded:
        contact_sql, conv_sql, message_sql = self._sql
        now = utcnow()
        stamp = _timestamp(now, self._dialect)
        cursor.execute(contact_sql, {"org": org_id, "phone": phone, "name": name, "now": stamp})
        (contact_id,) = cursor.fetchone()
        deadline = _timestamp(now + timedelta(seconds=window_seconds), self._dialect)
        cursor.execute(
            conv_sql,
            {
                "org": org_id,
                "channel": channel_id,
                "contact": contact_id,
                "deadline": deadline,
                "now": stamp,
            },
        )
        conv_id, version, answered = cursor.fetchone()
        cursor.execute(
            message_sql,
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
        )
        row = cursor.fetchone()
        return Recorded(
            int(conv_id),
            int(version),
            int(version) - int(answered),
            None if row is None else int(row[0]),
        )
