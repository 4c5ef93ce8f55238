"""What every command shares: settings, one write transaction on an up-to-date schema,
the organization lookup, and how mistakes are shown (``error: …``, exit code 2)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.console import Console
from sqlalchemy.orm import Session

from atende.config import Settings
from atende.errors import AtendeError

MAX_AMOUNT = Decimal(1_000_000)

if TYPE_CHECKING:
    from atende.storage.models import Organization


class CliError(AtendeError):
    """A user mistake: printed as ``error: …`` with exit code 2, no traceback."""


def console() -> Console:
    """Rich output on a terminal; plain, unwrapped lines when piped, so scripts can read
    them (``id:`` / ``api key:`` / ``webhook:``)."""
    tty = sys.stdout.isatty()
    return Console(soft_wrap=not tty, width=None if tty else 200, highlight=False, markup=False)


def settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except Exception as exc:
        raise CliError(f"invalid configuration: {exc}") from exc


@contextmanager
def database(config: Settings) -> Iterator[Session]:
    """The schema brought up to date, then one write transaction on it."""
    from atende.storage.db import make_engine, make_sessionmaker, transaction
    from atende.storage.migrate import upgrade

    key = config.secret_key.get_secret_value()
    upgrade(config.database_url, key)
    engine = make_engine(config.database_url, key)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


def find_org(session: Session, slug: str) -> Organization:
    """The organization, or the error every command gives for an unknown slug."""
    from atende.storage import orgs

    org = orgs.org_by_slug(session, slug)
    if org is None:
        raise CliError(f"no organization {slug!r}")
    return org


def on_off(value: str | None) -> bool | None:
    return None if value is None else value == "on"


def actor() -> str:
    """Who makes a change from the command line, for the audit log: ``cli:<user>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment
        return "cli:unknown"


def money(raw: str, option: str) -> Decimal:
    """'80', '80,50', 'R$ 80' → Decimal('80.50'); a CliError naming the option otherwise."""
    try:
        value = Decimal(raw.strip().removeprefix("R$").strip().replace(",", "."))
    except InvalidOperation:
        raise CliError(f"{option}: not an amount: {raw!r} (80 or 80,50)") from None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT or value != round(value, 2):
        raise CliError(f"{option}: {raw!r} is not an amount in reais with up to 2 decimals")
    return value


def local_time(raw: str, tz: str, option: str) -> datetime:
    """'2026-12-07 10:00' (or with a T) in the organization's time zone."""
    try:
        parsed = datetime.fromisoformat(raw.strip().replace(" ", "T", 1))
    except ValueError:
        raise CliError(f"{option}: {raw!r} is not a date and time (2026-12-07 10:00)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed


def day(raw: str, option: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise CliError(f"{option}: {raw!r} is not a date (2026-12-07)") from None
