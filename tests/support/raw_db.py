"""A database read with plain SQL, past atende's models: what a stolen one shows (the
stored secret columns) and what a migration left in it (a table's columns)."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from atende.storage.db import normalize_url


def raw_secret_columns(url: str) -> str:
    """Every channel's credentials and every organization's settings, as stored text,
    read without atende's column types (an attacker's view of the database)."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            creds = conn.execute(text("SELECT CAST(credentials AS TEXT) FROM channels"))
            settings = conn.execute(text("SELECT CAST(settings AS TEXT) FROM organizations"))
            return "\n".join(str(v) for (v,) in [*creds.all(), *settings.all()])
    finally:
        engine.dispose()


def columns(url: str, table: str) -> set[str]:
    """The column names of ``table`` (none when the table is not there)."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            if table not in inspector.get_table_names():
                return set()
            return {c["name"] for c in inspector.get_columns(table)}
    finally:
        engine.dispose()
