"""Plain value objects the rest of atende passes around.

They mirror rows of the storage layer but carry no database session, so domain rules
(slots, overlaps) can be computed and tested without I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from atende.domain.grammar import Gender


@dataclass(frozen=True, slots=True)
class OpeningInterval:
    """One open period on a weekday (0 = Monday ... 6 = Sunday), local time."""

    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """Something the business sells by appointment. ``gender`` and ``plural`` are its
    name's grammar ("a Vacinação", "os Banhos"), for ``domain.grammar``."""

    id: int
    name: str
    price: Decimal
    duration_minutes: int
    gender: Gender = "m"
    plural: bool = False


@dataclass(frozen=True, slots=True)
class Busy:
    """A time range already taken (aware datetimes)."""

    starts_at: datetime
    ends_at: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.ends_at and self.starts_at < end
