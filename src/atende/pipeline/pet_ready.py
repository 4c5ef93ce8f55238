"""'Pet pronto': staff mark a booking done (``completed``) and the customer gets one short
notice that the pet is ready, optionally with the amount ("Total: R$ 80,00").

The notice is the organization's own text (``pet_ready_text``) or the catalogue's, on
unless ``pet_ready`` is off. It is queued as a reply row in the transaction that marks
the booking, with an idempotency key per booking, so marking it done twice, or by two
workers at once, sends it once; the dispatcher sends it like any reply (a template
outside the customer's 24-hour window). A customer who opted out of promotions still
gets it: it is about their own pet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from atende.brain.dialogue import catalogue
from atende.brain.dialogue import replies as say
from atende.domain.sending import SendClass
from atende.domain.states import BookingStatus
from atende.errors import NotFound
from atende.pipeline.ports import Scheduler
from atende.storage import bookings, campaigns, orgs
from atende.storage import messages as message_repo
from atende.storage.db import transaction
from atende.storage.models import Booking, Organization, Pet, Service

Notice = Literal["queued", "already_sent", "off", "unreachable", "not_asked"]


@dataclass(frozen=True, slots=True)
class Done:
    booking_id: int
    notice: Notice
    message_id: int | None = None  # the notice queued now


def key(booking_id: int) -> str:
    return f"petready:{booking_id}"


def mark_done(
    session: Session,
    org: Organization,
    booking_id: int,
    amount: Decimal | None = None,
    notify: bool = True,
) -> Done:
    """Mark the booking completed and queue the customer's notice, in the caller's
    transaction. Raises NotFound, or BookingChangeRefused (a cancelled booking, one
    whose time has not come)."""
    booking = bookings.set_status(session, org.id, booking_id, BookingStatus.COMPLETED)
    if booking is None:
        raise NotFound("booking not found")
    if not notify:
        return Done(booking.id, "not_asked")
    return queue_notice(session, org, booking, amount)


def queue_notice(
    session: Session, org: Organization, booking: Booking, amount: Decimal | None
) -> Done:
    settings = orgs.settings_of(org)
    if not settings.pet_ready:
        return Done(booking.id, "off")
    if message_repo.existing_keys(session, [key(booking.id)]):
        return Done(booking.id, "already_sent")
    reach = campaigns.reachable(session, org.id, [booking.contact_id])
    if not reach:
        return Done(booking.id, "unreachable")
    contact, conv_id, channel_id = reach[0]
    pet = session.get(Pet, booking.pet_id) if booking.pet_id is not None else None
    service = session.get(Service, booking.service_id)
    text = catalogue.pet_ready(
        name=contact.name,
        pet=pet.name if pet else None,
        service=service.name if service else catalogue.APPOINTMENT,
        shop=org.name,
        amount=say.money(amount) if amount is not None else None,
        own=settings.pet_ready_text,
    )
    msg_id = message_repo.add_outbound(
        session, org.id, conv_id, channel_id, text, key(booking.id), author="pet_ready"
    )
    if msg_id is None:  # another worker queued it a moment ago
        return Done(booking.id, "already_sent")
    return Done(booking.id, "queued", msg_id)


class PetReady:
    """What the API calls: mark done, then schedule the notice's send job."""

    def __init__(self, sessions: sessionmaker[Session], scheduler: Scheduler) -> None:
        self._sessions = sessions
        self._scheduler = scheduler

    def mark_done(
        self, org_id: int, booking_id: int, amount: Decimal | None = None, notify: bool = True
    ) -> Done:
        with transaction(self._sessions) as session:
            org = orgs.org_by_id(session, org_id)
            if org is None:
                raise NotFound("organization not found")
            done = mark_done(session, org, booking_id, amount, notify)
        if done.message_id is not None:
            self._scheduler.schedule_send(done.message_id, 0.0, SendClass.SERVICE)
        return done
