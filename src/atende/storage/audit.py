"""The audit log: every change staff make (CLI, admin API), with who and when.

``record`` is called in the transaction that makes the change, so a change and its
entry are committed together or not at all. ``actor`` is an API key's label (its
prefix when it has none) or ``cli:<user>``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.storage.models import AuditEntry
from atende.storage.paging import After, Page, by_id_desc, take


def record(
    session: Session,
    org_id: int,
    actor: str,
    action: str,
    subject: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry (flushed: its id is known)."""
    entry = AuditEntry(
        organization_id=org_id,
        actor=actor[:100],
        action=action[:64],
        subject=subject[:128],
        details=_plain(details or {}),
    )
    session.add(entry)
    session.flush()
    return entry


def _plain(value: Any) -> Any:
    """Details as JSON can hold them: decimals, dates and times as strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def page(session: Session, org_id: int, after: After | None, limit: int) -> Page[AuditEntry]:
    """Newest first."""
    stmt = select(AuditEntry).where(AuditEntry.organization_id == org_id)
    rows = list(session.scalars(by_id_desc(stmt, AuditEntry.id, after, limit)))
    return take(rows, limit, lambda e: After(e.id))
