"""The HTTP server: uvicorn, with a deadline for each request's headers.

uvicorn closes idle keep-alive connections, but once a client has sent the first byte
of a request it waits for the rest of the headers forever, so a few hundred clients
dribbling a byte now and then (slowloris) hold every connection the process can take.
Our protocols arm a timer when a connection opens and again after each response; it
is cancelled when the request's headers are complete, and when it fires the client
gets a 408 and the connection is closed. The body's deadline is enforced one layer up,
in ``web/limits.py``. ``atende serve``/``web`` and the tests build the server here, so
they run the same protocol.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from atende.config import Settings

_BODY = json.dumps({"detail": "request headers not received in time"}).encode()
TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    b"connection: close\r\ncontent-length: " + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY
)


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus the header deadline our protocols read."""

    def __init__(self, app: ASGIApp, header_timeout_seconds: float, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.header_timeout_seconds = header_timeout_seconds


class HeaderDeadline:
    """One connection's timer for the headers of the request it is waiting for."""

    def __init__(self, loop: asyncio.AbstractEventLoop, config: uvicorn.Config) -> None:
        self.loop = loop
        self.seconds = getattr(config, "header_timeout_seconds", 10.0)
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None

    def arm(self, transport: asyncio.Transport) -> None:
        self.cancel()
        if not transport.is_closing():
            self.transport = transport
            self.timer = self.loop.call_later(self.seconds, self._expire)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _expire(self) -> None:
        self.timer = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(TIMEOUT_RESPONSE)
            self.transport.close()


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's pure-Python protocol with the header deadline."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.deadline = HeaderDeadline(self.loop, self.config)
        self.deadline.arm(transport)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # a request's headers are in
            self.deadline.cancel()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE:  # waiting for the next request
            self.deadline.arm(self.transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.deadline.cancel()
        super().connection_lost(exc)


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's C-parser protocol (the one it picks when httptools is installed, as
    uvicorn[standard] does) with the header deadline."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.deadline = HeaderDeadline(self.loop, self.config)
        self.deadline.arm(transport)

    def on_headers_complete(self) -> None:
        self.deadline.cancel()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        waiting = not self.pipeline  # no pipelined request whose headers are already in
        super().on_response_complete()
        if waiting:
            self.deadline.arm(self.transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.deadline.cancel()
        super().connection_lost(exc)


def build_server(
    app: ASGIApp,
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str | None = None,
    protocol: type[asyncio.Protocol] = DeadlineHttpToolsProtocol,
) -> uvicorn.Server:
    """The uvicorn server for ``app`` (``web.app.create_app``) with our deadlines;
    ``.run()`` serves until interrupted. ``protocol`` is either of ours."""
    config = ServerConfig(
        app,
        settings.header_timeout_seconds,
        host=host,
        port=port,
        http=protocol,
        log_level=(log_level or settings.log_level).lower(),
        access_log=False,
        lifespan="on",
    )
    return uvicorn.Server(config)
