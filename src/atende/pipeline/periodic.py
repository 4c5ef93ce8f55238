"""Periodic jobs: the owner's daily summary, customers' booking reminders (which ask
for a confirmation), the owner's alert for unconfirmed bookings (``reminders.py``), the
follow-ups that bring customers back (``followups.py``) and the waitlist's offers and
expiring holds (``waitlist.py``, claimed once per organization and local minute).

Every worker's ticker calls ``run`` every minute or so. Each organization's summary and
follow-ups are claimed for its local date in ``periodic_marks`` in the same transaction
that queues the messages, and reminders carry an idempotency key per booking: with any
number of workers, each is sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.brain.dialogue import catalogue
from atende.brain.dialogue import replies as say
from atende.brain.owner import insights
from atende.domain.entities import Choices
from atende.domain.sending import SendClass
from atende.domain.states import BookingStatus
from atende.pipeline import reminders
from atende.pipeline.followups import FollowUps, Paced
from atende.pipeline.owners import owner_conversation
from atende.pipeline.ports import Scheduler
from atende.pipeline.proactive import remember
from atende.pipeline.waitlist import WaitlistOffers
from atende.storage import bookings, campaigns, marks, orgs
from atende.storage import messages as message_repo
from atende.storage.db import transaction
from atende.storage.models import Organization
from atende.storage.types import utcnow

log = logging.getLogger(__name__)


class PeriodicJobs:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        scheduler: Scheduler,
        campaign_per_minute: float = 20.0,
    ) -> None:
        self._sessions = sessions
        self._scheduler = scheduler
        self.followups = FollowUps(sessions, campaign_per_minute)
        self.waitlist = WaitlistOffers(sessions)

    def run(self, now: datetime | None = None) -> int:
        """Do what is due for every organization; returns how many messages were queued."""
        now = now or utcnow()
        with self._sessions() as session:
            org_ids = list(session.scalars(select(Organization.id)))
        jobs: dict[str, Callable[[int, datetime], list[Paced]]] = {
            "daily_summary": _at_once(self.daily_summary),
            "reminders": _at_once(self.reminders),
            "unconfirmed_alerts": self._unconfirmed_alerts,
            "followups": self.followups.run,
            "waitlist": self.waitlist.run,
        }
        queued = 0
        for org_id in org_ids:
            for name, job in jobs.items():
                try:
                    sent = job(org_id, now)
                except Exception:
                    log.exception("periodic %s failed for organization %s", name, org_id)
                    continue
                for message_id, delay in sent:  # on their own schedule: after replies
                    self._scheduler.schedule_send(message_id, delay, SendClass.SERVICE)
                queued += len(sent)
        return queued

    def _unconfirmed_alerts(self, org_id: int, now: datetime) -> list[Paced]:
        reminders.unconfirmed_alerts(self._sessions, org_id, now)
        return []

    def daily_summary(self, org_id: int, now: datetime) -> list[int]:
        with self._sessions() as session:  # most minutes nothing is due: decide read-only
            org = session.get(Organization, org_id)
            day = _summary_day(org, now)
            if day is None or marks.marked(session, org_id, "daily_summary", day):
                return []
        with transaction(self._sessions) as session:
            org = session.get(Organization, org_id)
            if org is None or not marks.claim(session, org.id, "daily_summary", day):
                return []
            tz = ZoneInfo(org.timezone)
            local = now.astimezone(tz)
            text = insights.daily_summary(
                session, org.id, org.name, now, tz, list(org.owner_phones)
            )
            ids = []
            for phone in org.owner_phones:
                target = owner_conversation(session, org.id, phone)
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
            done = message_repo.existing_keys(session, [_reminder_key(b) for b, *_ in due])
            for booking, name, pet, service in due:
                target = reach.get(booking.contact_id)
                if target is None or _reminder_key(booking) in done:
                    continue
                local = booking.starts_at.astimezone(tz)
                ask = booking.status == BookingStatus.BOOKED  # "1 confirma · 2 remarcar…"
                if ask and not remember(session, target[0], reminders.asked(booking.id, now)):
                    continue  # the customer is being answered: the next run reminds
                text = catalogue.reminder(
                    hello=say.hello(name),
                    service=service,
                    pet=pet,
                    day=say.day_label(local.date(), now.astimezone(tz).date()),
                    at=say.hhmm(local),
                    shop=org.name,
                    ask=ask,
                )
                key = _reminder_key(booking)
                msg_id = message_repo.add_outbound(
                    session,
                    org.id,
                    target[0],
                    target[1],
                    text,
                    key,
                    author="reminder",
                    choices=Choices("buttons", text, catalogue.REMINDER_BUTTONS) if ask else None,
                )
                if msg_id is not None:
                    ids.append(msg_id)
            return ids


def _at_once(job: Callable[[int, datetime], list[int]]) -> Callable[[int, datetime], list[Paced]]:
    return lambda org_id, now: [(message_id, 0.0) for message_id in job(org_id, now)]


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


_reminder_key = reminders.key
