"""Reminders that ask: what a reminder leaves in the dialogue state (so "1", "2", "3" are
read as its answer: brain/offline/reminder_answers.py), and the owner's alert for a
booking reminded in time and still unconfirmed a few hours before it.

The alert is opened once per booking (a periodic mark), whatever the number of workers
and even after someone resolved it; it resolves itself when the booking is confirmed,
moved, cancelled or has begun.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from atende.brain.dialogue import catalogue
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.state import DialogueState
from atende.domain.phones import display_phone
from atende.domain.states import BookingStatus
from atende.storage import alerts, bookings, marks, orgs
from atende.storage import messages as message_repo
from atende.storage.db import transaction
from atende.storage.models import Booking, Contact, Organization, Pet, Service

log = logging.getLogger(__name__)

UNCONFIRMED = alerts.BOOKING_UNCONFIRMED  # the alert's kind
MARK = "unconfirmed"  # periodic_marks kind: one alert per booking, ever


def key(booking: Booking) -> str:
    """The reminder's idempotency key: one per booking and start (a moved booking is a
    new appointment and is reminded again)."""
    return f"reminder:{booking.id}:{booking.starts_at.isoformat()}"


subject = alerts.booking_subject


def asked(booking_id: int, now: datetime) -> Callable[[DialogueState], None]:
    """The change a reminder that asks makes to the customer's dialogue state."""

    def change(state: DialogueState) -> None:
        state.reminded_booking_id = booking_id
        state.reminded_at = now

    return change


def unconfirmed_alerts(sessions: sessionmaker[Session], org_id: int, now: datetime) -> int:
    """Open an alert for each reminded booking still unconfirmed ``unconfirmed_alert_hours``
    before it (0: never) and resolve those that no longer apply; how many were opened."""
    with sessions() as session:  # most minutes nothing is due: decide read-only
        org = session.get(Organization, org_id)
        hours = _alert_hours(org)
        due = [] if hours is None else _unconfirmed(session, org_id, now, hours)
        due = [b for b in due if not marks.marked(session, org_id, MARK, str(b.id))]
        stale = _stale(session, org_id, now)
    if not due and not stale:
        return 0
    opened = 0
    with transaction(sessions) as session:
        for about in stale:
            alerts.resolve(session, org_id, about, [UNCONFIRMED])
        org = session.get(Organization, org_id)
        if org is None or hours is None:
            return 0
        for booking in _unconfirmed(session, org_id, now, hours):
            if marks.claim(session, org_id, MARK, str(booking.id)):
                text = _describe(session, org, booking, now)
                opened += alerts.open_alert(session, org_id, UNCONFIRMED, subject(booking.id), text)
    return opened


def _alert_hours(org: Organization | None) -> float | None:
    settings = orgs.settings_of(org) if org is not None else None
    if settings is None or not settings.reminders or not settings.unconfirmed_alert_hours:
        return None
    return settings.unconfirmed_alert_hours


def _unconfirmed(session: Session, org_id: int, now: datetime, hours: float) -> list[Booking]:
    """Booked (not confirmed) appointments within ``hours`` whose reminder asked before
    that window opened (a reminder that went out late had no time to be answered)."""
    rows = [b for b, *_ in bookings.due_reminders(session, org_id, now, hours)]
    asked_at = message_repo.queued_at(session, [key(b) for b in rows])
    window = timedelta(hours=hours)
    return [
        b
        for b in rows
        if b.status == BookingStatus.BOOKED
        and key(b) in asked_at
        and asked_at[key(b)] <= b.starts_at - window
    ]


def _stale(session: Session, org_id: int, now: datetime) -> list[str]:
    """Open alerts that no longer apply: their booking was confirmed, cancelled or began."""
    found = []
    for about in alerts.open_subjects(session, org_id, UNCONFIRMED):
        number = about.removeprefix("booking:")
        booking = session.get(Booking, int(number)) if number.isdigit() else None
        if booking is None or booking.status != BookingStatus.BOOKED or booking.starts_at <= now:
            found.append(about)
    return found


def _describe(session: Session, org: Organization, booking: Booking, now: datetime) -> str:
    tz = ZoneInfo(org.timezone)
    contact = session.get(Contact, booking.contact_id)
    service = session.get(Service, booking.service_id)
    pet = session.get(Pet, booking.pet_id) if booking.pet_id is not None else None
    who = display_phone(contact.phone) if contact else "?"
    if contact is not None and contact.name:
        who = f"{contact.name} ({who})"
    local = booking.starts_at.astimezone(tz)
    when = f"{say.day_label(local.date(), now.astimezone(tz).date())} às {say.hhmm(local)}"
    name = service.name if service is not None else catalogue.APPOINTMENT
    what = f"{name} de {pet.name}" if pet is not None else name
    return catalogue.staff_unconfirmed(what, who, when)
