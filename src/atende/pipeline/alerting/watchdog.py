"""The web process's evaluator: what only a process that does not need the workers can see.

Every web process runs one on a daemon thread (``Runtime.start_watchdog``), so the worst
silent failure — webhooks accepted, no worker alive to answer them — is told even when no
worker runs at all. Each round it:

1. pings the database. While it cannot be reached, alerts cannot be stored nor
   deduplicated through it: after two failed pings in a row the watchdog tells the
   ``database_down`` alert itself, by e-mail and webhook, to the organizations it read
   last time (it keeps their targets in memory), once per outage and process; when the
   database answers again it tells the resolution and records the outage as an alert
   already resolved, for the history.
2. otherwise runs the web rules (workers, version skew, the queue, the disk) and tells
   what is due, like any evaluator.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from atende.brain.dialogue import catalogue
from atende.domain.alerting import DATABASE_DOWN, Severity
from atende.errors import NotifyError
from atende.pipeline.alerting.engine import AlertEngine
from atende.pipeline.alerting.notify import Note, OrgView, Target, org_view
from atende.pipeline.alerting.rules import ORG
from atende.storage.db import transaction
from atende.storage.models import Alert, Organization

log = logging.getLogger(__name__)

FAILED_PINGS = 2  # one failed ping is a blip; two in a row an outage


class Watchdog:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        engine: AlertEngine,
        offline_targets: Sequence[Target],
    ) -> None:
        self._sessions = sessions
        self._engine = engine
        self._targets = tuple(offline_targets)  # those that need no database (e-mail, webhook)
        self._orgs: list[OrgView] = []
        self._failed = 0
        self._down_since: datetime | None = None
        self._told: list[tuple[OrgView, Target]] = []
        self._reason = ""

    @property
    def database_down(self) -> bool:
        return self._down_since is not None and self._failed >= FAILED_PINGS

    def tick(self, now: datetime) -> None:
        try:
            self._remember()
        except Exception as exc:
            self._unreachable(now, exc)
            return
        if self._down_since is not None:
            self._recovered(now)
        self._engine.evaluate(now)

    def _remember(self) -> None:
        """Ping the database and keep each organization's targets for an outage."""
        with self._sessions() as session:
            session.execute(text("SELECT 1"))
            orgs = list(session.scalars(select(Organization).order_by(Organization.id)))
            self._orgs = [org_view(org) for org in orgs]

    def _unreachable(self, now: datetime, exc: Exception) -> None:
        self._failed += 1
        if self._down_since is None:
            self._down_since = now
        self._reason = exc.__class__.__name__
        log.error("database unreachable (%s), %s ping(s) in a row", self._reason, self._failed)
        if self._failed == FAILED_PINGS:
            self._told = self._tell("opened", None)

    def _recovered(self, now: datetime) -> None:
        since, told = self._down_since, self._told
        self._down_since, self._failed, self._told = None, 0, []
        if not told or since is None:
            return  # a blip: nobody was told
        log.warning("database reachable again (down since %s)", since.isoformat())
        for org, target in told:
            self._tell_one(org, target, self._note("resolved", since, now))
        message = f"the database was unreachable ({self._reason}) from the web process"
        with transaction(self._sessions) as session:
            for org_id in {org.id for org, _ in told}:
                session.add(
                    Alert(
                        organization_id=org_id,
                        kind=DATABASE_DOWN,
                        subject=ORG,
                        message=message,
                        severity=Severity.CRITICAL.value,
                        created_at=since,
                        resolved_at=now,
                    )
                )

    def _tell(self, event: str, resolved_at: datetime | None) -> list[tuple[OrgView, Target]]:
        told = []
        note = self._note(event, self._down_since, resolved_at)
        for org in self._orgs:
            if not org.alerts.enabled:
                continue
            for target in self._targets:
                if target.configured(org) and self._tell_one(org, target, note):
                    told.append((org, target))
        return told

    def _note(self, event: str, since: datetime | None, until: datetime | None) -> Note:
        return Note(
            event=event,
            kind=DATABASE_DOWN,
            severity=Severity.CRITICAL.value,
            subject=ORG,
            message=f"the database is unreachable from the web process ({self._reason})",
            text=catalogue.staff_alert(DATABASE_DOWN, True, event == "resolved"),
            opened_at=since,
            resolved_at=until,
        )

    @staticmethod
    def _tell_one(org: OrgView, target: Target, note: Note) -> bool:
        try:
            target.tell(org, note)
        except NotifyError as exc:
            log.error("database_down not told by %s to %s: %s", target.name, org.slug, exc)
            return False
        return True
