"""Alerts for the business that must be raised once per key (a day), not per turn."""

from __future__ import annotations

from sqlalchemy.orm import Session

from atende.storage.models import Alert, PeriodicMark
from atende.storage.portable import insert_ignore
from atende.storage.types import utcnow


def raise_once(session: Session, org_id: int, kind: str, key: str, message: str) -> bool:
    """Add the alert unless (org, kind, key) was raised before; the mark in
    ``periodic_marks`` makes it once across workers. True when this call raised it."""
    marked = insert_ignore(
        session,
        PeriodicMark.__table__,  # type: ignore[arg-type]
        {
            "organization_id": org_id,
            "kind": f"alert:{kind}"[:32],
            "key": key,
            "created_at": utcnow(),
        },
        ["organization_id", "kind", "key"],
        returning="organization_id",
    )
    if marked is None:
        return False
    session.add(Alert(organization_id=org_id, kind=kind, message=message))
    return True
