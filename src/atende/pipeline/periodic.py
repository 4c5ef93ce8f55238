"""Periodic jobs: the owner's daily summary and customers' booking reminders.

Every worker's ticker calls ``run`` every minute or so. Each organization's summary is
claimed for its local date in ``periodic_marks`` in the same transaction that queues
the messages, and reminders carry an idempotency key per booking: with any number of
workers, each is sent once.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.brain.dialogue import catalogue
from atende.brain.dialogue import replies as say
from atende.brain.owner import insights
from atende.pipeline.owners import owner_conversation
from atende.pipeline.ports import Scheduler
from atende.storage import bookings, campaigns, orgs
from atende.storage import messages as message_repo
from atende.storage.db import transaction
from atende.storage.models import Booking, Organization, PeriodicMark
from atende.storage.portable import insert_ignore
from atende.storage.types import utcnow

log = logging.getLogger(__name__)


class PeriodicJobs:
    def __init__(self, sessions: sessionmaker[Session], scheduler: Scheduler) -> None:
        self._sessions = sessions
        self._scheduler = scheduler

    def run(self, now: datetime | None = None) -> int:
        """Do what is due for every organization; returns how many messages were queued."""
        now = now or utcnow()
        with self._sessions() as session:
            org_ids = list(session.scalars(select(Organization.id)))
        queued = 0
        for org_id in org_ids:
            for job in (self.daily_summary, self.reminders):
                try:
                    sent = job(org_id, now)
                except Exception:
                    log.exception("periodic %s failed for organization %s", job.__name__, org_id)
                    continue
                for message_id in sent:
                    self._scheduler.schedule_send(message_id, 0.0)
                queued += len(sent)
        return queued

    def daily_summary(self, org_id: int, now: datetime) -> list[int]:
        with self._sessions() as session:  # most minutes nothing is due: decide read-only
            org = session.get(Organization, org_id)
            day = _summary_day(org, now)
            if day is None or _marked(session, org_id, "daily_summary", day):
                return []
        with transaction(self._sessions) as session:
            org = session.get(Organization, org_id)
            if org is None or not _claim(session, org.id, "daily_summary", day):
                return []
            tz = ZoneInfo(org.timezone)
            local = now.astimezone(tz)
            text = insights.daily_summary(
                session, org.id, org.name, now, tz, list(org.owner_phones)
            )
            ids = []
            for phone in org.owner_phones:
                target = owner_conversation(session, org, phone)
                if target is None:
                    log.warning("organization %s has no active channel for its summary", org.id)
                    continue
                conv_id, channel_id = target
                key = f"summary:{org.id}:{local.date().isoformat()}:{phone}"
                msg_id = message_repo.add_outbound(
                    session, org.id, conv_id, channel_id, text, key, author="summary"
                )
                if msg_id is not None:
                    ids.append(msg_id)
            return ids

    def reminders(self, org_id: int, now: datetime) -> list[int]:
        with self._sessions() as session:  # most minutes nothing is due: decide read-only
            org = session.get(Organization, org_id)
            hours = _reminder_hours(org)
            if org is None or hours is None:
                return []
            due = bookings.due_reminders(session, org.id, now, hours)
            keys = [_reminder_key(b) for b, *_ in due]
            if not due or message_repo.existing_keys(session, keys) == set(keys):
                return []
        with transaction(self._sessions) as session:
            org = session.get(Organization, org_id)
            hours = _reminder_hours(org)
            if org is None or hours is None:
                return []
            tz = ZoneInfo(org.timezone)
            due = bookings.due_reminders(session, org.id, now, hours)
            if not due:
                return []
            reach = {
                contact.id: (conv_id, channel_id)
                for contact, conv_id, channel_id in campaigns.reachable(
                    session, org.id, sorted({b.contact_id for b, *_ in due})
                )
            }
            ids = []
            for booking, name, pet, service in due:
                target = reach.get(booking.contact_id)
                if target is None:
                    continue
                local = booking.starts_at.astimezone(tz)
                text = catalogue.reminder(
                    hello=say.hello(name),
                    service=service,
                    pet=pet,
                    day=say.day_label(local.date(), now.astimezone(tz).date()),
                    at=say.hhmm(local),
                    shop=org.name,
                )
                key = _reminder_key(booking)
                msg_id = message_repo.add_outbound(
                    session, org.id, target[0], target[1], text, key, author="reminder"
                )
                if msg_id is not None:
                    ids.append(msg_id)
            return ids


def _summary_day(org: Organization | None, now: datetime) -> str | None:
    """The local date whose summary is due now, or None (no owners, off, too early)."""
    if org is None or not org.owner_phones:
        return None
    settings = orgs.settings_of(org)
    if not settings.summary:
        return None
    local = now.astimezone(ZoneInfo(org.timezone))
    hour, minute = settings.summary_at()
    return local.date().isoformat() if local.time() >= time(hour, minute) else None


def _reminder_hours(org: Organization | None) -> float | None:
    """How long before a booking its reminder goes, or None when reminders are off."""
    settings = orgs.settings_of(org) if org is not None else None
    if settings is None or not settings.reminders:
        return None
    return settings.reminder_hours


def _reminder_key(booking: Booking) -> str:
    return f"reminder:{booking.id}:{booking.starts_at.isoformat()}"


def _marked(session: Session, org_id: int, kind: str, key: str) -> bool:
    return (
        session.get(PeriodicMark, {"organization_id": org_id, "kind": kind, "key": key}) is not None
    )


def _claim(session: Session, org_id: int, kind: str, key: str) -> bool:
    """True for the one caller that marks (org, kind, key) first."""
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
