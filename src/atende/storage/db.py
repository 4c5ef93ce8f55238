"""Engine and sessions. SQLite gets WAL, a busy timeout and write-ahead locking.

On SQLite a write transaction (``transaction()``) starts with ``BEGIN IMMEDIATE``: a
read-then-write transaction could otherwise fail with SQLITE_BUSY when another process
commits between its read and its write. Plain sessions stay ``BEGIN DEFERRED`` so that
reads never wait for a writer (WAL). PostgreSQL uses row locks and needs neither.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from atende.storage import secrets
from atende.storage.keys import box_for_url


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, secret_key: str = "") -> Engine:
    """An engine with its key for stored secrets (``keys.py`` says where it comes from):
    without one, PostgreSQL refuses here, before anything is served."""
    url = normalize_url(url)
    box = box_for_url(url, secret_key)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    secrets.bind(engine, box)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


BEGIN_OPTION = "atende_sqlite_begin"
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def write_lock(engine: Engine) -> threading.RLock | nullcontext[None]:
    """SQLite has one writer at a time: let this process's threads queue on a mutex
    instead of SQLite's busy handler, which sleeps in steps of up to 100 ms."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    lock = _WRITE_LOCKS.get(engine)
    if lock is None:
        lock = _WRITE_LOCKS.setdefault(engine, threading.RLock())
    return lock


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work that writes: commit on success, roll back on any exception."""
    engine: Engine = factory.kw["bind"]
    writer = engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
    with write_lock(engine), factory(bind=writer) as session, session.begin():
        yield session
