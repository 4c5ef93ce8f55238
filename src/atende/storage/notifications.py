"""The log of alerts told to a person: one row per alert, event and target.

Whoever inserts the row (``claim``) tells; a second worker's insert is ignored, so an
opening or a resolution is told once through each target however many evaluators run.
A telling that failed (the SMTP server was down) is claimed again by a compare-and-set
on its attempts (``reclaim``), a few times, later each time. The organization's rows of
the last hour are its rate limit (``openings_since``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from atende.storage.models import Alert, AlertNotification
from atende.storage.portable import insert_ignore, rowcount
from atende.storage.types import utcnow

OPENED = "opened"
RESOLVED = "resolved"
TOLD = ("sending", "sent", "failed")  # what counts against the hourly limit


def claim(session: Session, alert: Alert, event: str, target: str) -> bool:
    """Take the telling of ``event`` of ``alert`` through ``target``; False if taken."""
    now = utcnow()
    new_id = insert_ignore(
        session,
        AlertNotification.__table__,  # type: ignore[arg-type]
        {
            "alert_id": alert.id,
            "organization_id": alert.organization_id,
            "event": event,
            "target": target,
            "status": "sending",
            "severity": alert.severity,
            "attempts": 1,
            "created_at": now,
            "updated_at": now,
        },
        ["alert_id", "event", "target"],
    )
    return new_id is not None


def reclaim(
    session: Session, alert_id: int, event: str, target: str, max_attempts: int, backoff: float
) -> bool:
    """Take a failed telling again, once its back-off (``backoff`` s × attempts) passed."""
    row = session.scalars(
        select(AlertNotification).where(
            AlertNotification.alert_id == alert_id,
            AlertNotification.event == event,
            AlertNotification.target == target,
        )
    ).first()
    if row is None or row.status != "failed" or row.attempts >= max_attempts:
        return False
    if row.updated_at > utcnow() - timedelta(seconds=backoff * row.attempts):
        return False
    result = session.execute(
        update(AlertNotification)
        .where(
            AlertNotification.id == row.id,
            AlertNotification.status == "failed",
            AlertNotification.attempts == row.attempts,
        )
        .values(status="sending", attempts=row.attempts + 1, updated_at=utcnow())
    )
    return rowcount(result) == 1


def finish(
    session: Session, alert_id: int, event: str, target: str, ok: bool, detail: str | None
) -> None:
    session.execute(
        update(AlertNotification)
        .where(
            AlertNotification.alert_id == alert_id,
            AlertNotification.event == event,
            AlertNotification.target == target,
        )
        .values(
            status="sent" if ok else "failed",
            detail=None if detail is None else detail[:200],
            updated_at=utcnow(),
        )
    )


def told(session: Session, alert_ids: Iterable[int]) -> dict[tuple[int, str, str], str]:
    """(alert, event, target) → status, for these alerts."""
    ids = list(alert_ids)
    if not ids:
        return {}
    stmt = select(
        AlertNotification.alert_id,
        AlertNotification.event,
        AlertNotification.target,
        AlertNotification.status,
    ).where(AlertNotification.alert_id.in_(ids))
    return {(a, e, t): s for a, e, t, s in session.execute(stmt)}


def openings_since(session: Session, org_id: int, since: datetime, severity: str) -> int:
    """How many alerts of ``severity`` had their opening told since ``since``."""
    stmt = select(func.count(func.distinct(AlertNotification.alert_id))).where(
        AlertNotification.organization_id == org_id,
        AlertNotification.event == OPENED,
        AlertNotification.severity == severity,
        AlertNotification.status.in_(TOLD),
        AlertNotification.created_at >= since,
    )
    return int(session.scalar(stmt) or 0)


def candidates(session: Session, org_id: int, kinds: Iterable[str], since: datetime) -> list[Alert]:
    """Alerts that may have something left to tell: open and raised since ``since``, or
    resolved since then; oldest first."""
    stmt = (
        select(Alert)
        .where(
            Alert.organization_id == org_id,
            Alert.kind.in_(tuple(kinds)),
            or_(
                and_(Alert.resolved_at.is_(None), Alert.created_at >= since),
                Alert.resolved_at >= since,
            ),
        )
        .order_by(Alert.id)
        .limit(500)
    )
    return list(session.scalars(stmt))
