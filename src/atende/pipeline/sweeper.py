"""The safety net for an at-most-once queue: re-schedule what the database says is due.

huey drops a job whose worker dies while running it. Overdue bursts and queued
messages are found here and scheduled again; the claims make a repeat harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from atende.pipeline.ports import Scheduler
from atende.storage import clips, conversations, messages
from atende.storage.db import transaction


@dataclass(frozen=True, slots=True)
class SweepResult:
    flushes: int
    sends: int


def sweep(
    sessions: sessionmaker[Session], scheduler: Scheduler, grace_seconds: float
) -> SweepResult:
    with sessions() as session:
        overdue = conversations.overdue_buffers(session, grace_seconds)
        due = messages.due_sends(session, grace_seconds)
    for conversation_id in overdue:
        scheduler.schedule_flush(conversation_id, 0, 0.0)
    for message_id in due:
        scheduler.schedule_send(message_id, 0.0)
    with transaction(sessions) as session:  # voice replies outlive nothing but their TTL
        clips.purge_expired(session)
    return SweepResult(len(overdue), len(due))
