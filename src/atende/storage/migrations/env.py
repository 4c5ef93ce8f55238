"""Alembic environment: migrations run on the engine atende configures."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, event

from atende.storage.db import make_engine
from atende.storage.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, config.attributes.get("secret_key", ""))
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        event.listen(engine, "connect", _foreign_keys_off)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
    engine.dispose()


def _foreign_keys_off(dbapi_conn: Any, _record: Any) -> None:
    """SQLite's batch mode rebuilds a table (new table, copy, drop the old one): with
    foreign keys enforced, dropping a table other rows point at fails (``pets`` under
    ``bookings``). They are off while migrating and checked whole before the commit."""
    dbapi_conn.execute("PRAGMA foreign_keys=OFF")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left rows pointing nowhere: {broken[:5]}")


run()
