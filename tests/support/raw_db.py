"""What a stolen database shows: the stored secret columns read with plain SQL."""

from __future__ import annotations

from sqlalchemy import create_engine, text

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
