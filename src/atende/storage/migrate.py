"""Create or upgrade the schema to the newest Alembic revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, secret_key: str = "") -> Config:
    """``secret_key`` as in ``make_engine``: migration 0009 encrypts stored secrets with it."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["secret_key"] = secret_key
    return cfg


def upgrade(url: str, secret_key: str = "", revision: str = "head") -> None:
    command.upgrade(alembic_config(url, secret_key), revision)
