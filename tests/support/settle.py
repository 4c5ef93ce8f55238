"""Waiting until the pipeline has nothing left to do."""

from __future__ import annotations

import os
import time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.storage.models import Conversation, Message


def is_settled(sessions: sessionmaker[Session]) -> bool:
    """Every burst answered and no reply waiting to be sent."""
    with sessions() as s:
        waiting = s.scalar(
            select(Conversation.id).where(
                Conversation.buffer_version > Conversation.answered_version
            )
        )
        queued = s.scalar(
            select(Message.id).where(
                Message.direction == "out", Message.status.in_(("queued", "sending"))
            )
        )
    return waiting is None and queued is None


def wait_settled(sessions: sessionmaker[Session], timeout: float, poll: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_settled(sessions):
            return True
        time.sleep(poll)
    return False


def clock_environment() -> dict[str, str]:
    """What a child process needs to share this one's clock: libfaketime's variables when
    the suite runs under scripts/test-at.sh (nothing otherwise)."""
    return {k: v for k, v in os.environ.items() if k == "LD_PRELOAD" or k.startswith("FAKETIME")}
