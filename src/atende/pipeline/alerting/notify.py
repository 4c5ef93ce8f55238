"""Telling people: each alert's opening and resolution, once per target.

The policy, per organization (``OrgSettings.alerts``):

- Only the kinds in ``domain.alerting.NOTIFIED`` are told (a failed message is told by
  its channel's failure rate, once, instead of once per message).
- A **critical** alert is told at once. A **warning** waits outside the quiet hours, and
  at most ``max_per_hour`` warnings are told per hour; the rest wait their turn.
- A resolution is told through each target that told the opening; an alert that
  resolved before its opening could be told is never told at all.
- A failed telling is tried again, up to three times, a minute later each time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.brain.dialogue import catalogue
from atende.domain.alerting import NOTIFIED, Severity, in_quiet_hours
from atende.domain.org_settings import AlertSettings
from atende.errors import NotifyError
from atende.storage import notifications, orgs
from atende.storage.db import transaction
from atende.storage.models import Alert, Channel, Organization
from atende.storage.notifications import OPENED, RESOLVED

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=1)  # an alert older than this, still untold, is not told any more


@dataclass(frozen=True, slots=True)
class OrgView:
    id: int
    slug: str
    name: str
    owner_phones: tuple[str, ...]
    alerts: AlertSettings


@dataclass(frozen=True, slots=True)
class Note:
    """One thing to tell: an alert's opening or resolution (``event``), or a test."""

    event: str  # "opened", "resolved", "test"
    kind: str
    severity: str
    subject: str
    message: str
    text: str  # the short Brazilian Portuguese line the owner reads
    alert_id: int | None = None
    opened_at: datetime | None = None
    resolved_at: datetime | None = None
    channel_id: str | None = None  # the channel it is about: never the one to tell through

    @property
    def critical(self) -> bool:
        return self.severity == Severity.CRITICAL


class Target(Protocol):
    name: str

    def configured(self, org: OrgView) -> bool: ...

    def tell(self, org: OrgView, note: Note) -> None:
        """Deliver ``note``; raises ``NotifyError`` (its message safe to store)."""


def note_for(alert: Alert, event: str, address: str | None) -> Note:
    subject = alert.subject or ""
    channel_id = subject.removeprefix("channel:") if subject.startswith("channel:") else None
    critical = alert.severity == Severity.CRITICAL
    return Note(
        event=event,
        kind=alert.kind,
        severity=alert.severity,
        subject=alert.subject or "",
        message=alert.message,
        text=catalogue.staff_alert(alert.kind, critical, event == RESOLVED, address),
        alert_id=alert.id,
        opened_at=alert.created_at,
        resolved_at=alert.resolved_at,
        channel_id=channel_id,
    )


def org_view(org: Organization) -> OrgView:
    cfg = orgs.settings_of(org).alerts
    return OrgView(org.id, org.slug, org.name, tuple(org.owner_phones or ()), cfg)


class Notifier:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        targets: Sequence[Target],
        max_attempts: int = 3,
        retry_seconds: float = 60.0,
    ) -> None:
        self._sessions = sessions
        self.targets = tuple(targets)
        self._max_attempts = max_attempts
        self._retry_seconds = retry_seconds

    def run(self, now: datetime) -> int:
        """Tell what is due for every organization; how many tellings succeeded."""
        with self._sessions() as session:
            org_ids = list(session.scalars(select(Organization.id).order_by(Organization.id)))
        told = 0
        for org_id in org_ids:
            try:
                told += self._run_org(org_id, now)
            except Exception:
                log.exception("alert notifications failed for organization %s", org_id)
        return told

    def _run_org(self, org_id: int, now: datetime) -> int:
        with self._sessions() as session:
            org = session.get(Organization, org_id)
            if org is None:
                return 0
            view = org_view(org)
            targets = [t for t in self.targets if t.configured(view)]
            if not view.alerts.enabled or not targets:
                return 0
            pending = notifications.candidates(session, org_id, NOTIFIED, now - LOOKBACK)
            done = notifications.told(session, [a.id for a in pending])
            spent = notifications.openings_since(
                session, org_id, now - timedelta(hours=1), Severity.WARNING
            )
            quiet = in_quiet_hours(
                now.astimezone(ZoneInfo(org.timezone)).time(), view.alerts.quiet()
            )
            notes = [(a, self._address(session, a)) for a in pending]
            session.expunge_all()
        budget = view.alerts.max_per_hour - spent
        told = 0
        for alert, address in notes:
            critical = alert.severity == Severity.CRITICAL
            if not critical and quiet:
                continue
            opening_new = any((alert.id, OPENED, t.name) not in done for t in targets)
            if alert.resolved_at is None and opening_new and not critical:
                if budget <= 0:
                    continue
                budget -= 1
            for target in targets:
                for event in self._due(alert, target.name, done):
                    told += self._tell(view, target, alert, event, address)
        return told

    @staticmethod
    def _due(alert: Alert, target: str, done: dict[tuple[int, str, str], str]) -> list[str]:
        """The events of ``alert`` still to tell (or to try again) through ``target``."""
        opened = done.get((alert.id, OPENED, target))
        due = []
        if alert.resolved_at is None and opened in (None, "failed"):
            due.append(OPENED)
        resolved = done.get((alert.id, RESOLVED, target))
        if alert.resolved_at is not None and opened == "sent" and resolved in (None, "failed"):
            due.append(RESOLVED)
        return due

    def _tell(
        self, org: OrgView, target: Target, alert: Alert, event: str, address: str | None
    ) -> int:
        with transaction(self._sessions) as session:
            mine = notifications.claim(session, alert, event, target.name) or notifications.reclaim(
                session, alert.id, event, target.name, self._max_attempts, self._retry_seconds
            )
        if not mine:
            return 0
        ok, detail = True, None
        try:
            target.tell(org, note_for(alert, event, address))
        except NotifyError as exc:
            ok, detail = False, str(exc)
            log.warning("alert %s (%s) not told by %s: %s", alert.id, event, target.name, exc)
        except Exception as exc:  # a bug in one target must not stop the others
            ok, detail = False, exc.__class__.__name__
            log.exception("alert %s (%s): %s failed", alert.id, event, target.name)
        with transaction(self._sessions) as session:
            notifications.finish(session, alert.id, event, target.name, ok, detail)
        return int(ok)

    @staticmethod
    def _address(session: Session, alert: Alert) -> str | None:
        """The business number a channel alert is about, as the owner knows it."""
        if not (alert.subject or "").startswith("channel:"):
            return None
        channel = session.get(Channel, (alert.subject or "").removeprefix("channel:"))
        if channel is None:
            return None
        return channel.address.removeprefix("whatsapp:")
