"""Alerts as the admin API lists them (the rooms that raise alerts insert the rows)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.storage.models import Alert
from atende.storage.paging import After, Page, by_id_desc, take


def open_page(session: Session, org_id: int, after: After | None, limit: int) -> Page[Alert]:
    """One page of the organization's unresolved alerts, newest first."""
    stmt = select(Alert).where(Alert.organization_id == org_id, Alert.resolved_at.is_(None))
    rows = list(session.scalars(by_id_desc(stmt, Alert.id, after, limit)))
    return take(rows, limit, lambda a: After(a.id))
