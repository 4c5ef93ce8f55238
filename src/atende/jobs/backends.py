"""huey instances from a URL: ``sqlite:///path`` (embedded) or ``redis://…`` (scale-out).

SQLite runs with synchronous=NORMAL in WAL mode: about six times faster enqueues than
huey's default FULL (measured ~18k vs ~2.8k per second), and still safe against an
application crash.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from huey import PriorityRedisExpireHuey, SqliteHuey
from huey.api import Huey
from huey.storage import SqliteStorage

from atende.errors import ConfigurationError

QUEUE_NAME = "atende"


class NormalSyncSqliteStorage(SqliteStorage):  # type: ignore[misc]
    def _create_connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class AtendeSqliteHuey(SqliteHuey):  # type: ignore[misc]
    storage_class = NormalSyncSqliteStorage


class UnsupportedQueueUrl(ConfigurationError):
    pass


def huey_from_url(url: str) -> Huey:
    common: dict[str, Any] = {"results": False, "utc": True}
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return AtendeSqliteHuey(QUEUE_NAME, filename=str(path), timeout=30, **common)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return PriorityRedisExpireHuey(QUEUE_NAME, url=url, **common)
    raise UnsupportedQueueUrl(f"ATENDE_QUEUE_URL must be sqlite:///… or redis://…, got {url!r}")
