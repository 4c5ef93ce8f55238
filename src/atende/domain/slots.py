"""Free slots: the calendar (``opening.py``) and the resources that can do a service.

A time is free for a service when the calendar allows it and some resource able to do
the service has nothing booked from the start to the end of the appointment plus the
service's cleanup gap. Resources are tried in a fixed order (by id), so the choice is
deterministic: ``pick_resource`` is what ``storage.bookings.book`` does inside its
transaction, with the same rule.

All arithmetic happens in the organization's timezone; callers pass aware datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from atende.domain.entities import Busy, ResourceInfo, ServiceInfo
from atende.domain.opening import SLOT_STEP_MINUTES, Calendar


def capable(service_id: int, resources: Sequence[ResourceInfo]) -> list[ResourceInfo]:
    """The resources that can do the service, in the order they are tried."""
    return sorted((r for r in resources if r.can_do(service_id)), key=lambda r: r.id)


def held_until(service: ServiceInfo, start: datetime, minutes: int) -> datetime:
    """When the resource is free again after an appointment of ``minutes`` at ``start``."""
    return start + timedelta(minutes=minutes + service.cleanup_minutes)


def pick_resource(
    service: ServiceInfo,
    start: datetime,
    minutes: int,
    resources: Sequence[ResourceInfo],
    busy: Sequence[Busy],
) -> ResourceInfo | None:
    """The first capable resource with nothing booked over the appointment and its cleanup."""
    until = held_until(service, start, minutes)
    for resource in capable(service.id, resources):
        if not any(b.resource_id == resource.id and b.overlaps(start, until) for b in busy):
            return resource
    return None


def free_slots(
    service: ServiceInfo,
    minutes: int,
    day: date,
    calendar: Calendar,
    resources: Sequence[ResourceInfo],
    busy: Sequence[Busy],
    now: datetime,
    step_minutes: int = SLOT_STEP_MINUTES,
) -> list[datetime]:
    """Start times on ``day`` where ``minutes`` of ``service`` fit the calendar and a
    capable resource is free."""
    return [
        start
        for start in calendar.starts(day, minutes, now, step_minutes)
        if pick_resource(service, start, minutes, resources, busy) is not None
    ]


def slot_problem(
    service: ServiceInfo,
    minutes: int,
    start: datetime,
    calendar: Calendar,
    resources: Sequence[ResourceInfo],
    busy: Sequence[Busy],
    now: datetime,
) -> str | None:
    """Why ``start`` cannot be booked — ``past``, ``too_soon``, ``too_far``, ``holiday``,
    ``closure`` (a date the business closed), ``closed`` (outside the day's hours),
    ``break`` (inside the day, across a break) or ``taken`` (no capable resource free) —
    or None when it can."""
    problem = calendar.problem(start, minutes, now)
    if problem is not None:
        return problem
    if pick_resource(service, start, minutes, resources, busy) is None:
        return "taken"
    return None
