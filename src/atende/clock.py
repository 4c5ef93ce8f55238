"""The one clock a process reads "now" from.

Opening hours, the 24-hour window, reminders, the owner's daily summary, leases, retry
times and "not in the future" checks all ask what time it is. They ask here, through
``now()`` (``atende.storage.types.utcnow`` delegates to it), never ``datetime.now``,
``date.today`` or ``time.time``: so a process has one clock, and a test can install a
chosen one for everything the runtime runs — the ticker's periodic jobs, the sweeper,
flushes, the dispatcher, validators — instead of mixing the wall clock with a fixed time
(a reminder computed at the real hour arriving in a test that fixed the evening).

The current clock is module state, installed by ``build_runtime(settings, clock=...)``
or a test, because one process serves one timeline; passing a clock into every function
that touches a timestamp would thread it through every repository for no gain. APIs that
already take ``now`` (``PeriodicJobs.run``) get it from the runtime's clock explicitly.

Like ``atende.errors``, this is a leaf every room may import (it imports nothing of
atende): channels check webhook token expiry with it, storage stamps rows with it.

Monotonic timers (latencies, lease renewals, polling deadlines) stay on
``time.monotonic``: they measure durations, not dates.

- ``SystemClock``: the wall clock (the default).
- ``ShiftedClock``: starts at a chosen instant and runs at real speed, so buffers,
  leases and retry delays still elapse; ``advance`` jumps ahead (the next day).
- ``FrozenClock``: stands still until moved; for pure functions, not a running worker.
- ``PROCESS``: the installed clock, whichever it is when asked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ShiftedClock:
    """The wall clock moved to start at ``start``: time passes as it really does."""

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._offset = _aware(start) - datetime.now(UTC)

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta

    def __repr__(self) -> str:
        return f"ShiftedClock(now={self.now().isoformat()})"


class FrozenClock:
    """Always the same instant, until ``advance`` moves it."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def __repr__(self) -> str:
        return f"FrozenClock({self._at.isoformat()})"


class ProcessClock:
    """Whatever clock is installed at the moment of asking: what long-lived parts (the
    ticker) hold, so a clock installed later is still the only one they read."""

    def now(self) -> datetime:
        return now()

    def __repr__(self) -> str:
        return f"ProcessClock({_current!r})"


_current: Clock = SystemClock()
PROCESS = ProcessClock()


def now() -> datetime:
    """What time it is for this process: the installed clock's answer, aware UTC."""
    return _current.now().astimezone(UTC)


def latest_date() -> date:
    """The date where it is latest on Earth (UTC+14): a date after it is in the future
    everywhere, whatever the time zone of whoever typed it."""
    return (now() + timedelta(hours=14)).date()


def current() -> Clock:
    return _current


def install(clock: Clock) -> Clock:
    """Make ``clock`` the process's clock; returns the one it replaces (to restore)."""
    global _current
    previous, _current = _current, clock
    return previous


@contextmanager
def installed(clock: Clock) -> Iterator[Clock]:
    previous = install(clock)
    try:
        yield clock
    finally:
        install(previous)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a clock needs a timezone-aware datetime")
    return moment.astimezone(UTC)
