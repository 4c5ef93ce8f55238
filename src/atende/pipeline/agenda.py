"""The agenda staff run: book, move, cancel and mark appointments for any customer, and
block a resource's time — each change logged (``storage/audit.py``) and, for the
customer's appointments, told to the customer on WhatsApp.

A ``Desk`` is one staff member's changes in one transaction: ``actor`` (an API key's
label or ``cli:<user>``) goes into the audit log, and the notices it queues — reply rows
``queued`` with an idempotency key per change, sent by the dispatcher like any reply —
are listed in ``queued`` for the caller to schedule once the transaction commits
(``Agenda.desk`` does; the CLI leaves them to a running worker's sweeper).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.brain.dialogue import catalogue
from atende.brain.dialogue import replies as say
from atende.domain.phones import normalize_typed_phone
from atende.domain.pricing import hold_minutes
from atende.domain.sending import SendClass
from atende.domain.sizes import parse_size
from atende.domain.states import HOLDS_SLOT, BookingStatus
from atende.domain.text import fold
from atende.errors import InvalidInput, NotFound, SlotTaken, SlotUnavailable
from atende.pipeline import pet_ready
from atende.pipeline.ports import Scheduler
from atende.storage import audit, blocks, bookings, calendar, campaigns, catalog, orgs
from atende.storage import conversations as conversation_repo
from atende.storage import messages as message_repo
from atende.storage.db import transaction
from atende.storage.models import Booking, Contact, Organization, Pet, ResourceBlock, Service
from atende.storage.types import utcnow

Notice = Literal["queued", "not_asked", "unreachable", "already_sent", "off"]
REFUSED = {  # why the calendar refuses a time (domain/opening.py), for staff
    "past": "that time has passed",
    "holiday": "it is a holiday the shop closes on",
    "closure": "the shop is closed that day",
    "closed": "it is outside opening hours",
    "break": "it falls in a break",
}


@dataclass(frozen=True, slots=True)
class NewPet:
    """A pet to find among the customer's (by name) or register."""

    name: str
    species: str = "cachorro"
    breed: str = ""
    size: str | None = None


@dataclass(slots=True)
class Change:
    booking: Booking
    notice: Notice = "not_asked"


@dataclass
class Desk:
    session: Session
    org: Organization
    actor: str
    now: datetime = field(default_factory=utcnow)
    queued: list[int] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.org.timezone)

    def log(self, action: str, subject: str, **details: object) -> int:
        return audit.record(self.session, self.org.id, self.actor, action, subject, details).id

    # --- appointments -----------------------------------------------------------------

    def book(
        self,
        *,
        phone: str,
        service_id: int,
        starts_at: datetime,
        name: str | None = None,
        pet_id: int | None = None,
        pet: NewPet | None = None,
        resource_id: int | None = None,
        notify: bool = True,
    ) -> Change:
        contact = self._contact(phone, name)
        chosen = self._pet(contact, pet_id, pet)
        self._fits_calendar(service_id, chosen, starts_at)
        try:
            booking = bookings.book(
                self.session,
                self.org.id,
                contact.id,
                service_id,
                chosen.id if chosen else None,
                starts_at,
                resource_id=resource_id,
            )
        except SlotTaken:
            raise self._taken(starts_at, resource_id) from None
        entry = self.log(
            "booking.create",
            f"booking:{booking.id}",
            phone=contact.phone,
            service_id=service_id,
            pet=chosen.name if chosen else None,
            starts_at=booking.starts_at.astimezone(self.tz),
            resource_id=booking.resource_id,
        )
        return Change(booking, self._tell(booking, "booked", entry, notify))

    def move(
        self,
        booking_id: int,
        starts_at: datetime,
        *,
        resource_id: int | None = None,
        notify: bool = True,
    ) -> Change:
        current = self._booking(booking_id)
        before, was_on = current.starts_at, current.resource_id
        pet = self.session.get(Pet, current.pet_id) if current.pet_id else None
        self._fits_calendar(current.service_id, pet, starts_at)
        try:
            booking = bookings.move_in_place(
                self.session, self.org.id, booking_id, starts_at, resource_id=resource_id
            )
        except SlotTaken:
            raise self._taken(starts_at, resource_id) from None
        entry = self.log(
            "booking.move",
            f"booking:{booking.id}",
            before=before.astimezone(self.tz),
            after=booking.starts_at.astimezone(self.tz),
            resource_before=was_on,
            resource_id=booking.resource_id,
        )
        same_time = before == booking.starts_at
        kind = "moved" if not same_time else "resource"
        return Change(booking, self._tell(booking, kind, entry, notify and not same_time, before))

    def cancel(self, booking_id: int, *, notify: bool = True, why: str = "") -> Change:
        booking = self._booking(booking_id)
        if booking.status not in HOLDS_SLOT:
            raise InvalidInput(f"booking {booking_id} is {booking.status}, not on")
        bookings.cancel(self.session, self.org.id, booking_id)
        self.session.refresh(booking)
        entry = self.log(
            "booking.cancel",
            f"booking:{booking.id}",
            starts_at=booking.starts_at.astimezone(self.tz),
            why=why or None,
        )
        return Change(booking, self._tell(booking, "cancelled", entry, notify))

    def mark(
        self, booking_id: int, status: str, amount: Decimal | None = None, notify: bool = True
    ) -> Change:
        """confirmed, completed (the "pet pronto" notice), no_show or cancelled."""
        if status == BookingStatus.CANCELLED and self._booking(booking_id).status in HOLDS_SLOT:
            return self.cancel(booking_id, notify=notify)
        if status == BookingStatus.COMPLETED:
            done = pet_ready.mark_done(self.session, self.org, booking_id, amount, notify)
            if done.message_id is not None:
                self.queued.append(done.message_id)
            notice: Notice = done.notice
        else:
            if bookings.set_status(self.session, self.org.id, booking_id, status) is None:
                raise NotFound("booking not found")
            notice = "not_asked"
        self.log("booking.status", f"booking:{booking_id}", status=status, amount=amount)
        return Change(self._booking(booking_id), notice)

    # --- blocked time -----------------------------------------------------------------

    def block(
        self, resource_id: int, starts_at: datetime, ends_at: datetime, note: str = ""
    ) -> ResourceBlock:
        row = blocks.add_block(
            self.session, self.org.id, resource_id, starts_at, ends_at, note, self.actor
        )
        self.log(
            "block.add",
            f"block:{row.id}",
            resource_id=resource_id,
            starts_at=starts_at.astimezone(self.tz),
            ends_at=ends_at.astimezone(self.tz),
            note=row.note or None,
        )
        return row

    def unblock(self, block_id: int) -> None:
        if not blocks.remove_block(self.session, self.org.id, block_id):
            raise NotFound(f"block {block_id} not found")
        self.log("block.remove", f"block:{block_id}")

    # --- helpers ----------------------------------------------------------------------

    def _booking(self, booking_id: int) -> Booking:
        row = self.session.scalar(
            select(Booking).where(Booking.organization_id == self.org.id, Booking.id == booking_id)
        )
        if row is None:
            raise NotFound("booking not found")
        return row

    def _contact(self, phone: str, name: str | None) -> Contact:
        country = orgs.settings_of(self.org).country
        number = normalize_typed_phone(phone, country)
        found = conversation_repo.find_contact(self.session, self.org.id, number)
        contact = self.session.get(Contact, found) if found is not None else None
        if contact is None:
            contact = Contact(organization_id=self.org.id, phone=number)
            self.session.add(contact)
        if name and name.strip() and not contact.name:
            contact.name = " ".join(name.split())[:200]
        self.session.flush()
        return contact

    def _pet(self, contact: Contact, pet_id: int | None, new: NewPet | None) -> Pet | None:
        pets = catalog.pets_of(self.session, self.org.id, contact.id)
        if pet_id is not None:
            chosen = next((p for p in pets if p.id == pet_id), None)
            if chosen is None:
                raise NotFound(f"pet {pet_id} is not this customer's")
            return chosen
        if new is None:
            return None
        if not new.name.strip() or not new.species.strip():
            raise InvalidInput("a new pet needs a name and a species")
        same = next((p for p in pets if fold(p.name) == fold(new.name.strip())), None)
        if same is not None:
            return same
        size = parse_size(new.size) if new.size else None
        if new.size and size is None:
            raise InvalidInput(f"size {new.size!r}: mini, pequeno, medio, grande or gigante")
        return catalog.register_pet(
            self.session,
            self.org.id,
            contact.id,
            " ".join(new.name.split())[:100],
            new.species.strip()[:50],
            new.breed.strip()[:100],
            size=size,
        )

    def _fits_calendar(self, service_id: int, pet: Pet | None, start: datetime) -> None:
        """Staff book on the shop's calendar too — hours, breaks, closures, holidays —
        but may book at short notice and beyond the customers' horizon."""
        service = catalog.service_by_id(self.session, self.org.id, service_id)
        if service is None:
            raise NotFound(f"service {service_id} not found")
        settings = orgs.settings_of(self.org)
        since = start.astimezone(self.tz).date()
        cal = calendar.calendar_for(self.session, self.org.id, self.tz, settings, since)
        cal = dataclasses.replace(cal, min_notice_minutes=0, horizon_days=None)
        minutes = hold_minutes(service, *catalog.measure(pet))
        problem = cal.problem(start, minutes, self.now)
        if problem is not None:
            local = start.astimezone(self.tz)
            why = REFUSED.get(problem, problem)
            raise SlotUnavailable(f"{local:%Y-%m-%d %H:%M} cannot be booked: {why}")

    def _taken(self, start: datetime, resource_id: int | None) -> SlotTaken:
        local = f"{start.astimezone(self.tz):%Y-%m-%d %H:%M}"
        if resource_id is not None:
            return SlotTaken(f"{local}: that resource is busy then (booked or blocked)")
        return SlotTaken(f"{local}: no resource able to do it is free then")

    def _when(self, moment: datetime) -> str:
        local = moment.astimezone(self.tz)
        label = say.day_label(local.date(), self.now.astimezone(self.tz).date())
        return f"{say.bare_day(label)} às {say.hhmm(local)}"

    def _tell(
        self,
        booking: Booking,
        kind: str,
        entry: int,
        notify: bool,
        before: datetime | None = None,
    ) -> Notice:
        """Queue the customer's notice of this change (one per change: keyed by its
        audit entry)."""
        if not notify:
            return "not_asked"
        reach = self._reach(booking.contact_id)
        if reach is None:
            return "unreachable"
        contact, conv_id, channel_id = reach
        service = self.session.get(Service, booking.service_id)
        pet = self.session.get(Pet, booking.pet_id) if booking.pet_id else None
        hello, shop, when = say.hello(contact.name), self.org.name, self._when(booking.starts_at)
        what = service.name if service else catalogue.APPOINTMENT
        whose = pet.name if pet else None
        if kind == "booked":
            text = catalogue.staff_booked(
                hello=hello, service=what, pet=whose, when=when, shop=shop
            )
        elif kind == "cancelled":
            text = catalogue.staff_cancelled(
                hello=hello, service=what, pet=whose, when=when, shop=shop
            )
        else:
            assert before is not None
            text = catalogue.staff_moved(
                hello=hello,
                service=what,
                pet=whose,
                before=self._when(before),
                when=when,
                shop=shop,
            )
        key = f"agenda:{kind}:{booking.id}:{entry}"
        msg_id = message_repo.add_outbound(
            self.session, self.org.id, conv_id, channel_id, text, key, author="agenda"
        )
        if msg_id is None:
            return "already_sent"
        self.queued.append(msg_id)
        return "queued"

    def _reach(self, contact_id: int) -> tuple[Contact, int, str] | None:
        """The customer's latest conversation, or a new one on the shop's first active
        channel (a customer who phoned in and never wrote)."""
        found = campaigns.reachable(self.session, self.org.id, [contact_id])
        if found:
            return found[0]
        active = [c for c in orgs.channels_of(self.session, self.org.id) if c.status == "active"]
        channels = sorted(active, key=lambda c: c.provider == "simulator")  # real ones first
        contact = self.session.get(Contact, contact_id)
        if not channels or contact is None:
            return None
        conv_id = conversation_repo.ensure_conversation(
            self.session, self.org.id, channels[0].id, contact_id
        )
        return contact, conv_id, channels[0].id


class Agenda:
    """What the admin API uses: a ``Desk`` in one transaction, then the notices' send
    jobs scheduled once it has committed."""

    def __init__(self, sessions: sessionmaker[Session], scheduler: Scheduler) -> None:
        self._sessions = sessions
        self._scheduler = scheduler

    @contextmanager
    def desk(self, org_id: int, actor: str) -> Iterator[Desk]:
        with transaction(self._sessions) as session:
            org = orgs.org_by_id(session, org_id)
            if org is None:
                raise NotFound("organization not found")
            desk = Desk(session, org, actor)
            yield desk
        for message_id in desk.queued:
            self._scheduler.schedule_send(message_id, 0.0, SendClass.SERVICE)
