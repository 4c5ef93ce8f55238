"""Periodic marks: something periodic done once for an organization and a key (a local
date, a booking), whatever the number of workers racing to do it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from atende.storage.models import PeriodicMark
from atende.storage.portable import insert_ignore
from atende.storage.types import utcnow


def marked(session: Session, org_id: int, kind: str, key: str) -> bool:
    found = session.get(PeriodicMark, {"organization_id": org_id, "kind": kind, "key": key})
    return found is not None


def claim(session: Session, org_id: int, kind: str, key: str) -> bool:
    """True for the one caller that marks (org, kind, key) first; the mark is part of the
    caller's transaction, so it holds only if what it stands for is committed with it."""
    return (
        insert_ignore(
            session,
            PeriodicMark.__table__,  # type: ignore[arg-type]
            {"organization_id": org_id, "kind": kind, "key": key, "created_at": utcnow()},
            ["organization_id", "kind", "key"],
            returning="organization_id",
        )
        is not None
    )
