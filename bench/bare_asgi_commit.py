"""A second reference: the bare ASGI endpoint that also commits each message to SQLite
(WAL, synchronous=NORMAL, one writer thread) before answering. No signature check,
no framework: the floor of a durable ingest in one Python process."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from bench.bare_asgi import answer_twiml, read_body

_writer = ThreadPoolExecutor(max_workers=1)
_conn = sqlite3.connect(os.environ.get("BENCH_DB", "bench-bare.db"), check_same_thread=False)
_conn.execute("PRAGMA journal_mode=WAL")
_conn.execute("PRAGMA synchronous=NORMAL")
_conn.execute("CREATE TABLE IF NOT EXISTS messages (sid TEXT PRIMARY KEY, sender TEXT, body TEXT)")


def _store(raw: bytes) -> None:
    form = dict(parse_qsl(raw.decode()))
    with _conn:
        _conn.execute(
            "INSERT OR IGNORE INTO messages VALUES (?, ?, ?)",
            (form.get("MessageSid"), form.get("From"), form.get("Body")),
        )


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = await read_body(receive)
    await asyncio.get_running_loop().run_in_executor(_writer, _store, body)
    await answer_twiml(send)
