"""Running the queue: inside `atende serve` (no signal handlers) or as `atende worker`.

Polling backs off to at most 0.5 s (huey's default 10 s makes delayed jobs late), and a
ticker thread runs the sweeper and writes this worker's heartbeat.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime

from huey.api import Huey
from huey.consumer import Consumer

from atende.clock import Clock

log = logging.getLogger(__name__)


class EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A consumer that leaves signals to its host (uvicorn); started and stopped by us."""

    def _set_signal_handlers(self) -> None:
        return None


def make_consumer(huey: Huey, workers: int, embedded: bool) -> Consumer:
    cls = EmbeddedConsumer if embedded else Consumer
    return cls(
        huey,
        workers=workers,
        worker_type="thread",
        periodic=False,
        initial_delay=0.05,
        backoff=1.15,
        max_delay=0.5,
        scheduler_interval=1,
        check_worker_health=True,
    )


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Ticker:
    """Calls ``tick(now)`` every ``interval`` seconds on a daemon thread until stopped;
    ``now`` comes from the runtime's clock, the one every other part of it reads."""

    def __init__(self, interval: float, tick: Callable[[datetime], None], clock: Clock) -> None:
        self._interval = interval
        self._tick = tick
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="atende-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                self._tick(self._clock.now())
            except Exception:
                log.exception("ticker step failed")
            if self._stop.wait(self._interval):
                return
