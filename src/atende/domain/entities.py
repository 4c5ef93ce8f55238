"""Plain value objects the rest of atende passes around.

They mirror rows of the storage layer but carry no database session, so domain rules
(slots, overlaps) can be computed and tested without I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Literal

from atende.domain.grammar import Gender
from atende.domain.sizes import Coat, Size


@dataclass(frozen=True, slots=True)
class OpeningInterval:
    """One open period on a weekday (0 = Monday ... 6 = Sunday), local time."""

    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class SizeRule:
    """A service's price and/or duration for one pet size and/or coat (None: any);
    ``domain/pricing.py`` picks the most specific rule that matches a pet."""

    size: Size | None
    coat: Coat | None
    price: Decimal | None = None
    duration_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """Something the business sells by appointment. ``gender`` and ``plural`` are its
    name's grammar ("a Vacinação", "os Banhos"), for ``domain.grammar``. ``price`` and
    ``duration_minutes`` are the defaults; ``rules`` vary them by size and coat;
    ``cleanup_minutes`` keeps the resource free after each appointment."""

    id: int
    name: str
    price: Decimal
    duration_minutes: int
    gender: Gender = "m"
    plural: bool = False
    rules: tuple[SizeRule, ...] = ()
    cleanup_minutes: int = 0


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """A person or station that does appointments ("Banho 1", "Ana (tosadora)"): the unit
    of capacity. It can do the services in ``service_ids``, one appointment at a time."""

    id: int
    name: str
    kind: str = "station"  # "person" | "station"
    service_ids: frozenset[int] = frozenset()

    def can_do(self, service_id: int) -> bool:
        return service_id in self.service_ids


@dataclass(frozen=True, slots=True)
class Busy:
    """A time range already taken (aware datetimes), on ``resource_id`` when known; for a
    booking it runs to the end of the service's cleanup gap."""

    starts_at: datetime
    ends_at: datetime
    resource_id: int | None = None

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.ends_at and self.starts_at < end


ChoiceKind = Literal["list", "buttons"]


@dataclass(frozen=True, slots=True)
class Choices:
    """Tappable options for the last text of a reply: a list (up to 10 rows) or buttons
    (up to 3). Channels that can show them do; the others send the text, which already
    lists them. Stored as JSON on the outbound message, so a retry shows the same."""

    kind: ChoiceKind
    prompt: str
    options: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "prompt": self.prompt, "options": list(self.options)}

    @classmethod
    def from_json(cls, raw: object) -> Choices | None:
        """What a message row holds; anything unreadable is no choices (plain text)."""
        if not isinstance(raw, dict):
            return None
        kind, prompt, options = raw.get("kind"), raw.get("prompt", ""), raw.get("options")
        if kind not in ("list", "buttons") or not isinstance(options, list):
            return None
        return cls(kind, str(prompt), tuple(str(o) for o in options))
