"""Alembic environment: migrations run on the engine atende configures."""

from __future__ import annotations

from alembic import context

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
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
