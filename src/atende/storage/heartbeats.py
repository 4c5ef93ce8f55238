"""Worker heartbeats: who is running which code version."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.storage.models import WorkerHeartbeat
from atende.storage.types import utcnow


def beat(session: Session, worker: str, version: str) -> None:
    row = session.get(WorkerHeartbeat, worker)
    if row is None:
        session.add(WorkerHeartbeat(id=worker, version=version, seen_at=utcnow()))
    else:
        row.version = version
        row.seen_at = utcnow()


def alive(session: Session, within_seconds: float) -> list[WorkerHeartbeat]:
    since = utcnow() - timedelta(seconds=within_seconds)
    return list(session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.seen_at >= since)))


def forget(session: Session, worker: str) -> None:
    row = session.get(WorkerHeartbeat, worker)
    if row is not None:
        session.delete(row)
