"""The safety net for an at-most-once queue: re-schedule what the database says is due.

huey drops a job whose worker dies while running it. Overdue bursts and queued
messages are found here and scheduled again; the claims make a repeat harmless.

A message that is due but still queued usually has its job waiting behind others, not
lost. Scheduling it again on every sweep would multiply a backlog into a flood of
no-op jobs just when the queue is busiest, so each process re-schedules the same
message after growing pauses (grace, 2×, 4×… up to ``MAX_PAUSE``). A process that has
just started (after a crash) knows no pauses and re-schedules everything at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from atende.pipeline.ports import Scheduler
from atende.storage import clips, conversations, messages
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
        self._pauses: dict[int, tuple[float, float]] = {}  # message id → (next at, pause)
        self._lock = threading.Lock()

    def sweep(self, grace_seconds: float) -> SweepResult:
        with self._sessions() as session:
            overdue = conversations.overdue_buffers(session, grace_seconds)
            due = self._not_paused(messages.due_sends(session, grace_seconds), grace_seconds)
        for conversation_id in overdue:
            self._scheduler.schedule_flush(conversation_id, 0, 0.0)
        for message_id in due:
            self._scheduler.schedule_send(message_id, 0.0)
        with transaction(self._sessions) as session:  # voice replies outlive nothing but their TTL
            clips.purge_expired(session)
        return SweepResult(len(overdue), len(due))

    def _not_paused(self, due: list[int], grace: float) -> list[int]:
        """The due messages whose pause is over; each one's next pause doubles. Messages
        no longer due (sent, or claimed by a live job) are forgotten."""
        now = time.monotonic()
        ready: list[int] = []
        still_due = set(due)
        with self._lock:
            pauses = {i: p for i, p in self._pauses.items() if i in still_due}
            for message_id in due:
                next_at, pause = pauses.get(message_id, (now, grace / 2))
                if next_at <= now:
                    pause = min(MAX_PAUSE, max(grace, pause * 2))
                    pauses[message_id] = (now + pause, pause)
                    ready.append(message_id)
            self._pauses = pauses
        return ready
