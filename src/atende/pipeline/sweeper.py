"""The safety net for an at-most-once queue: re-schedule what the database says is due.

huey drops a job whose worker dies while running it. Overdue bursts and queued
messages are found here and scheduled again; the claims make a repeat harmless.

A message that is due but still queued usually has its job waiting behind others, not
lost. Scheduling it again on every sweep would multiply a backlog into a flood of
no-op jobs just when the queue is busiest, so each process re-schedules the same
attempt of a message after growing pauses (grace, 2×, 4×… up to ``MAX_PAUSE``). A new
attempt (a claim that went stale) is scheduled at once, and so is everything in a
process that has just started after a crash.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from atende.pipeline.ports import Scheduler
from atende.storage import clips, conversations, sends
from atende.storage.db import transaction

MAX_PAUSE = 60.0


@dataclass(frozen=True, slots=True)
class SweepResult:
    flushes: int
    sends: int


class Sweeper:
    def __init__(self, sessions: sessionmaker[Session], scheduler: Scheduler) -> None:
        self._sessions = sessions
        self._scheduler = scheduler
        self._pauses: dict[tuple[int, int], tuple[float, float]] = {}  # → (next at, pause)
        self._lock = threading.Lock()

    def sweep(self, grace_seconds: float) -> SweepResult:
        with self._sessions() as session:
            overdue = conversations.overdue_buffers(session, grace_seconds)
            found = sends.due_sends(session, grace_seconds)
        classes = {message_id: send_class for message_id, _, send_class in found}
        due = self._not_paused([(i, n) for i, n, _ in found], grace_seconds)
        for conversation_id in overdue:
            self._scheduler.schedule_flush(conversation_id, 0, 0.0)
        for message_id in due:
            self._scheduler.schedule_send(message_id, 0.0, classes[message_id])
        with transaction(self._sessions) as session:  # voice replies outlive nothing but their TTL
            clips.purge_expired(session)
        return SweepResult(len(overdue), len(due))

    def _not_paused(self, due: list[tuple[int, int]], grace: float) -> list[int]:
        """The due (message, attempt)s whose pause is over; each one's next pause doubles.
        What is no longer due (sent, claimed anew) is forgotten."""
        now = time.monotonic()
        ready: list[int] = []
        still_due = set(due)
        with self._lock:
            pauses = {k: p for k, p in self._pauses.items() if k in still_due}
            for key in due:
                next_at, pause = pauses.get(key, (now, grace / 2))
                if next_at <= now:
                    pause = min(MAX_PAUSE, max(grace, pause * 2))
                    pauses[key] = (now + pause, pause)
                    ready.append(key[0])
            self._pauses = pauses
        return ready
