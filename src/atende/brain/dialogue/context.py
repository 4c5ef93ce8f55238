"""What the offline dialogue reads about a business and a customer for one turn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from atende.brain.base import Turn
from atende.domain.entities import Busy, OpeningInterval, ResourceInfo, ServiceInfo
from atende.domain.opening import Calendar, DayPlan
from atende.domain.pricing import Quote, hold_minutes, quote
from atende.domain.slots import capable, free_slots, slot_problem
from atende.domain.text import fold
from atende.storage import calendar as calendar_repo
from atende.storage import catalog
from atende.storage import resources as resource_repo
from atende.storage.models import Booking, Pet


@dataclass
class DialogueContext:
    session: Session
    turn: Turn
    ignore_booking: Booking | None = field(default=None)
    resource_id: int | None = field(default=None)  # the professional asked for by name

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

    @cached_property
    def calendar(self) -> Calendar:
        """Weekly hours, special days, holidays, notice and horizon (``domain/opening.py``)."""
        org = self.turn.org
        since = self.today - timedelta(days=1)
        return calendar_repo.calendar_for(
            self.session, org.id, self.tz, org.settings, since, weekly=self.hours
        )

    @cached_property
    def resources(self) -> list[ResourceInfo]:
        return resource_repo.resources(self.session, self.turn.org.id)

    @property
    def usable(self) -> list[ResourceInfo]:
        """The resources a booking may take: only the one asked for by name, if any."""
        if self.resource_id is None:
            return self.resources
        return [r for r in self.resources if r.id == self.resource_id]

    def day(self, day: date) -> DayPlan:
        """Whether and when ``day`` is open, and the holiday it is, if any."""
        return self.calendar.plan(day)

    def minutes(self, service: ServiceInfo, pet: Pet | None = None) -> int:
        """How long ``service`` holds a resource for ``pet`` (the longest while its size
        is unknown)."""
        return hold_minutes(service, *catalog.measure(pet))

    def quote(self, service: ServiceInfo, pet: Pet | None = None) -> Quote:
        """The price for ``pet`` ("a partir de" the lowest while its size is unknown)."""
        return quote(service, *catalog.measure(pet))

    def slot_problem(
        self, service: ServiceInfo, start: datetime, pet: Pet | None = None
    ) -> str | None:
        """Why ``start`` cannot be booked for ``service`` now (``past``, ``too_soon``,
        ``too_far``, ``holiday``, ``closure``, ``closed``, ``break``, ``taken``), or None;
        the booking being rescheduled does not count as taken."""
        local = start.astimezone(self.tz)
        return slot_problem(
            service,
            self.minutes(service, pet),
            start,
            self.calendar,
            self.usable,
            self.busy(service, local.date()),
            self.now,
        )

    def calendar_problem(
        self, service: ServiceInfo, start: datetime, pet: Pet | None = None
    ) -> str | None:
        """``slot_problem`` without asking whether a resource is free (``book`` does)."""
        return self.calendar.problem(start, self.minutes(service, pet), self.now)

    def busy(self, service: ServiceInfo, day: date) -> list[Busy]:
        """What holds the resources able to do ``service`` on ``day``."""
        start = datetime.combine(day, datetime.min.time(), tzinfo=self.tz)
        ids = [r.id for r in capable(service.id, self.usable)]
        old = self.ignore_booking
        return resource_repo.busy(
            self.session,
            self.turn.org.id,
            ids,
            start,
            start + timedelta(days=1),
            ignore_booking_id=None if old is None else old.id,
        )

    def free(
        self,
        service: ServiceInfo,
        day: date,
        period: str | None = None,
        pet: Pet | None = None,
    ) -> list[datetime]:
        if self.day(day).closed is not None:  # nothing to look up on a closed day
            return []
        slots = free_slots(
            service,
            self.minutes(service, pet),
            day,
            self.calendar,
            self.usable,
            self.busy(service, day),
            self.now,
        )
        return [s for s in slots if in_period(s, period)]

    def next_free(
        self,
        service: ServiceInfo,
        days: int = 21,
        pet: Pet | None = None,
        period: str | None = None,
        not_weekdays: Sequence[int] = (),
    ) -> datetime | None:
        """The first free time ahead, in ``period`` and on none of ``not_weekdays``."""
        for offset in range(days):
            day = self.today + timedelta(days=offset)
            if day.weekday() in not_weekdays:
                continue
            slots = self.free(service, day, period, pet)
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
