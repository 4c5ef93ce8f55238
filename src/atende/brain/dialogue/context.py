"""What the offline dialogue reads about a business and a customer for one turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from atende.brain.base import Turn
from atende.domain.entities import Busy, OpeningInterval, ServiceInfo
from atende.domain.slots import free_slots, slot_problem
from atende.domain.text import fold
from atende.storage import bookings as booking_repo
from atende.storage import catalog
from atende.storage.models import Booking, Pet


@dataclass
class DialogueContext:
    session: Session
    turn: Turn
    ignore_booking: Booking | None = field(default=None)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.turn.org.timezone)

    @cached_property
    def now(self) -> datetime:
        return self.turn.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        return self.now.date()

    @cached_property
    def services(self) -> list[ServiceInfo]:
        return catalog.services(self.session, self.turn.org.id)

    @cached_property
    def hours(self) -> list[OpeningInterval]:
        return catalog.opening_hours(self.session, self.turn.org.id)

    @cached_property
    def pets(self) -> list[Pet]:
        return catalog.pets_of(self.session, self.turn.org.id, self.turn.contact_id)

    def service(self, service_id: int | None) -> ServiceInfo | None:
        return next((s for s in self.services if s.id == service_id), None)

    def pet(self, pet_id: int | None) -> Pet | None:
        return next((p for p in self.pets if p.id == pet_id), None)

    def pet_named(self, name: str) -> Pet | None:
        """The customer's pet called ``name`` (case and accents aside)."""
        return next((p for p in self.pets if fold(p.name) == fold(name.strip())), None)

    def slot_problem(self, service: ServiceInfo, start: datetime) -> str | None:
        """Why ``start`` cannot be booked for ``service`` now (``past``, ``closed``,
        ``taken``), or None; the booking being rescheduled does not count as taken."""
        return slot_problem(
            start,
            service.duration_minutes,
            self.hours,
            self.busy(service, start.date()),
            self.now,
            self.tz,
        )

    def busy(self, service: ServiceInfo, day: date) -> list[Busy]:
        start = datetime.combine(day, datetime.min.time(), tzinfo=self.tz)
        busy = booking_repo.busy_for_service(
            self.session, self.turn.org.id, service.id, start, start + timedelta(days=1)
        )
        old = self.ignore_booking
        if old is not None:
            busy = [b for b in busy if (b.starts_at, b.ends_at) != (old.starts_at, old.ends_at)]
        return busy

    def free(self, service: ServiceInfo, day: date, period: str | None = None) -> list[datetime]:
        slots = free_slots(
            day, service.duration_minutes, self.hours, self.busy(service, day), self.now, self.tz
        )
        return [s for s in slots if in_period(s, period)]

    def next_free(self, service: ServiceInfo, days: int = 21) -> datetime | None:
        for offset in range(days):
            slots = self.free(service, self.today + timedelta(days=offset))
            if slots:
                return slots[0]
        return None


def in_period(moment: datetime, period: str | None) -> bool:
    if period == "manha":
        return moment.hour < 12
    if period == "tarde":
        return 12 <= moment.hour < 18
    if period == "noite":
        return moment.hour >= 18
    return True
