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
