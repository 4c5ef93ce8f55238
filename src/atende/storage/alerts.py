"""Alerts: open once per organization, kind and subject; resolved when the subject recovers.

A subject names what an alert is about (``message:123``, ``channel:ch_x``). The partial
unique index on open alerts makes "open once" hold even when two workers raise the same
alert at the same moment; resolving stamps ``resolved_at``, so a later failure of the
same subject opens a fresh alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import Session

from atende.domain.alerting import CHANNEL_DOWN as CHANNEL_DOWN
from atende.domain.alerting import CHANNEL_NEEDS_PAIRING as CHANNEL_NEEDS_PAIRING
from atende.domain.alerting import CHANNEL_SILENT as CHANNEL_SILENT
from atende.domain.alerting import Severity, severity_of
from atende.storage.models import Alert
from atende.storage.paging import After, Page, by_id_desc, take
from atende.storage.portable import insert_ignore, rowcount
from atende.storage.types import utcnow

SEND_FAILED = "send_failed"
CONNECTION_KINDS = (CHANNEL_DOWN, CHANNEL_NEEDS_PAIRING, CHANNEL_SILENT)
BOOKING_UNCONFIRMED = "booking_unconfirmed"  # reminded, still unconfirmed hours before


def message_subject(message_id: int) -> str:
    return f"message:{message_id}"


def channel_subject(channel_id: str) -> str:
    return f"channel:{channel_id}"


def booking_subject(booking_id: int) -> str:
    return f"booking:{booking_id}"


def open_alert(
    session: Session,
    org_id: int,
    kind: str,
    subject: str,
    message: str,
    severity: Severity | None = None,
) -> bool:
    """Raise an alert unless the same one is already open; True when a row was added.
    Its severity is the kind's (``domain/alerting.py``) unless given."""
    new_id = insert_ignore(
        session,
        Alert.__table__,  # type: ignore[arg-type]
        {
            "organization_id": org_id,
            "kind": kind,
            "subject": subject,
            "message": message,
            "severity": str(severity or severity_of(kind)),
            "created_at": utcnow(),
        },
        ["organization_id", "kind", "subject"],
        conflict_where=text("resolved_at IS NULL"),
    )
    return new_id is not None


def resolve(session: Session, org_id: int, subject: str, kinds: Iterable[str]) -> int:
    """Close the open alerts of these kinds about ``subject``; how many were closed."""
    result = session.execute(
        update(Alert)
        .where(
            Alert.organization_id == org_id,
            Alert.subject == subject,
            Alert.kind.in_(tuple(kinds)),
            Alert.resolved_at.is_(None),
        )
        .values(resolved_at=utcnow())
    )
    return rowcount(result)


def resolve_all_but(session: Session, org_id: int, kind: str, subject: str) -> int:
    """Close the open alerts of ``kind`` about anything but ``subject`` (an earlier day's
    "budget spent" once the model answers again); how many were closed."""
    result = session.execute(
        update(Alert)
        .where(
            Alert.organization_id == org_id,
            Alert.kind == kind,
            Alert.subject != subject,
            Alert.resolved_at.is_(None),
        )
        .values(resolved_at=utcnow())
    )
    return rowcount(result)


def open_subjects(session: Session, org_id: int, kind: str) -> list[str]:
    """What the organization's open alerts of ``kind`` are about."""
    stmt = select(Alert.subject).where(
        Alert.organization_id == org_id, Alert.kind == kind, Alert.resolved_at.is_(None)
    )
    return [s for s in session.scalars(stmt) if s is not None]


def open_page(session: Session, org_id: int, after: After | None, limit: int) -> Page[Alert]:
    """One page of the organization's unresolved alerts, newest first."""
    stmt = select(Alert).where(Alert.organization_id == org_id, Alert.resolved_at.is_(None))
    rows = list(session.scalars(by_id_desc(stmt, Alert.id, after, limit)))
    return take(rows, limit, lambda a: After(a.id))


def open_of_kinds(session: Session, org_id: int, kinds: Iterable[str]) -> list[Alert]:
    """The organization's open alerts of these kinds."""
    stmt = select(Alert).where(
        Alert.organization_id == org_id, Alert.kind.in_(tuple(kinds)), Alert.resolved_at.is_(None)
    )
    return list(session.scalars(stmt.order_by(Alert.id)))


def recent(session: Session, org_id: int, since: datetime, limit: int = 200) -> list[Alert]:
    """Open alerts and those resolved since ``since``, newest first."""
    stmt = (
        select(Alert)
        .where(
            Alert.organization_id == org_id,
            or_(Alert.resolved_at.is_(None), Alert.resolved_at >= since),
        )
        .order_by(Alert.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
