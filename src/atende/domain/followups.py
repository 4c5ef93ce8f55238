"""When a pet is due again: its last visit for a service plus the service's return
interval ("banho a cada 15 dias"), unless it is already booked again.

A *visit* is a booking that happened or is still on (booked, confirmed, completed);
cancelled and missed ones are no visit. A pet's *due cycle* is the visit it counts
from: one nudge per cycle, and a new visit starts a new cycle.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from atende.domain.states import HAPPENED_OR_ON, HOLDS_SLOT

WINDOW_DAYS = 30  # due longer ago than this: an inactive client, not a follow-up
GAP_DAYS = 7  # a customer gets at most one follow-up in this many days


@dataclass(frozen=True, slots=True)
class Visit:
    booking_id: int
    contact_id: int
    pet_id: int | None  # None: a booking made before pets were asked; the customer's
    service_id: int
    starts_at: datetime  # aware
    status: str


@dataclass(frozen=True, slots=True)
class Due:
    last: Visit  # the visit the cycle counts from
    due_on: date
    days_since: int  # from the last visit to today


def due(
    visits: list[Visit],
    return_days: dict[int, int],
    now: datetime,
    tz: ZoneInfo,
    window_days: int = WINDOW_DAYS,
) -> list[Due]:
    """Each (customer, pet, service) whose last visit plus the service's interval falls
    within the last ``window_days`` days and that has no booking of the service ahead,
    earliest due first."""
    today = now.astimezone(tz).date()
    groups: defaultdict[tuple[int, int | None, int], list[Visit]] = defaultdict(list)
    for visit in visits:
        if visit.service_id in return_days:
            groups[(visit.contact_id, visit.pet_id, visit.service_id)].append(visit)
    found: list[Due] = []
    for (_, _, service_id), group in groups.items():
        if any(v.starts_at > now and v.status in HOLDS_SLOT for v in group):
            continue  # booked again already
        past = [v for v in group if v.starts_at <= now and v.status in HAPPENED_OR_ON]
        if not past:
            continue
        last = max(past, key=lambda v: (v.starts_at, v.booking_id))
        last_day = last.starts_at.astimezone(tz).date()
        due_on = last_day + timedelta(days=return_days[service_id])
        if due_on <= today <= due_on + timedelta(days=window_days):
            found.append(Due(last, due_on, (today - last_day).days))
    return sorted(found, key=lambda d: (d.due_on, d.last.booking_id))


def oldest_visit_needed(return_days: dict[int, int], now: datetime) -> datetime:
    """How far back the visits that can still be due go."""
    longest = max(return_days.values(), default=0)
    return now - timedelta(days=longest + WINDOW_DAYS + 1)
