"""Evaluate the rules for every organization, open and resolve alerts, then tell people.

Any number of evaluators may run at once (every worker, every web process): an alert
opens through the partial unique index of open alerts (one row however many raise it),
resolving is an update of what is still open, and each telling is claimed in
``alert_notifications`` — so an alert opens once, resolves once and is told once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.pipeline.alerting.notify import Notifier
from atende.pipeline.alerting.rules import Observed, Rule, Verdict
from atende.storage import alerts, orgs
from atende.storage.db import transaction
from atende.storage.models import Organization
from atende.storage.types import utcnow

log = logging.getLogger(__name__)

Probe = Callable[[datetime], Observed]


@dataclass(frozen=True, slots=True)
class Changes:
    opened: int = 0
    resolved: int = 0
    told: int = 0


class AlertEngine:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        rules: Sequence[Rule],
        notifier: Notifier | None,
        probe: Probe | None = None,
    ) -> None:
        self._sessions = sessions
        self._rules = tuple(rules)
        self._notifier = notifier
        self._probe = probe or (lambda now: Observed(now))
        self._first: datetime | None = None

    def tick(self, now: datetime) -> None:
        self.evaluate(now)

    def evaluate(self, now: datetime | None = None) -> Changes:
        """One round: every rule for every organization, then whatever is left to tell."""
        now = now or utcnow()
        self._first = self._first or now
        seen = replace(self._probe(now), up_seconds=(now - self._first).total_seconds())
        with self._sessions() as session:
            org_ids = list(session.scalars(select(Organization.id).order_by(Organization.id)))
        opened = resolved = 0
        for org_id in org_ids:
            try:
                got = self._evaluate(org_id, seen)
            except Exception:
                log.exception("alert rules failed for organization %s", org_id)
                continue
            opened, resolved = opened + got[0], resolved + got[1]
        told = self._notifier.run(now) if self._notifier is not None else 0
        return Changes(opened, resolved, told)

    def _evaluate(self, org_id: int, seen: Observed) -> tuple[int, int]:
        with transaction(self._sessions) as session:
            org = session.get(Organization, org_id)
            if org is None:
                return 0, 0
            cfg = orgs.settings_of(org).alerts
            verdicts = [rule(session, org, cfg, seen) for rule in self._rules]
            return sync(session, org_id, verdicts)


def sync(session: Session, org_id: int, verdicts: Sequence[Verdict]) -> tuple[int, int]:
    """Open what is found and not open; resolve the owned alerts no longer found."""
    owned = frozenset().union(*(v.owns for v in verdicts))
    wanted = {(f.kind, f.subject) for v in verdicts for f in v.found}
    kept = wanted.union(*(v.keep for v in verdicts))
    resolved = 0
    for alert in alerts.open_of_kinds(session, org_id, owned):
        if (alert.kind, alert.subject or "") not in kept:
            resolved += alerts.resolve(session, org_id, alert.subject or "", [alert.kind])
    opened = 0
    for verdict in verdicts:
        for found in verdict.found:
            if alerts.open_alert(session, org_id, found.kind, found.subject, found.message):
                log.warning("alert opened: %s %s (%s)", found.kind, found.subject, found.message)
                opened += 1
    return opened, resolved
