"""A real uvicorn serving the app on 127.0.0.1, in a thread of the test process, built
by ``web.server.build_server`` like ``atende serve`` (same protocol, same deadlines)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

from atende.config import Settings
from atende.web.server import DeadlineHttpToolsProtocol, build_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(
        self,
        app: Any,
        port: int | None = None,
        settings: Settings | None = None,
        protocol: type[asyncio.Protocol] = DeadlineHttpToolsProtocol,
    ) -> None:
        self.port = port or free_port()
        self.server = build_server(
            app,
            settings or Settings(_env_file=None),  # type: ignore[call-arg]
            port=self.port,
            log_level="warning",
            protocol=protocol,
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
