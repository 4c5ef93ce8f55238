"""Request bodies: at most ``max_bytes`` (413) and complete within a deadline (408).

The body is read here, in front of every route and webhook, before anything parses it:
a declared ``Content-Length`` over the limit is refused unread, and a chunked body is
counted as it arrives and refused the moment it passes the limit — always 413 with a
JSON body, never a framework's "could not parse" 400. A client that dribbles its body
is answered 408 once the deadline passes, so it cannot hold a connection and a worker
slot for as long as it likes. The route then receives the body already in memory.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """The body passed the limit while it was being read."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _reject(send, 413, f"request body larger than {self.max_bytes} bytes")
            return
        try:
            async with asyncio.timeout(self.timeout_seconds):
                first = await self._read(receive)
        except BodyTooLarge:
            await _reject(send, 413, f"request body larger than {self.max_bytes} bytes")
            return
        except TimeoutError:
            await _reject(send, 408, f"request body not received within {self.timeout_seconds:g} s")
            return
        await self.app(scope, _replay(first, receive), send)

    async def _read(self, receive: Receive) -> Message:
        """The whole body as one ``http.request`` message (or the disconnect that ended it)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}


def _replay(first: Message, receive: Receive) -> Receive:
    """Hand the app the body read ahead, then the real channel (for the disconnect)."""
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def _reject(send: Send, status: int, detail: str) -> None:
    """Answer and close: the rest of the body is not read, so the connection is done."""
    body = json.dumps({"detail": detail}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
