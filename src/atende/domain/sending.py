"""What goes out first and how fast: priority classes and pacing per channel.

Every outbound message has a *class*: a reply to a customer who wrote (or an operator's
reply) goes first; then what atende writes on its own schedule (reminders, follow-ups,
the daily summary, alerts, the waitlist, "pet pronto"); campaigns last. A campaign of
2,000 messages must never delay the answer to a customer who is waiting.

*Pacing* is how fast a channel may send, set per channel with defaults per provider
(``PROVIDER_PACING``), from the providers' own limits:

- Meta Cloud API: 80 messages/s per number (error 130429 past it), and about one message
  every 6 s to the same person (error 131056): consecutive parts of one reply are merged
  into one message instead (``reply_parts``), so an answer and its question cost one slot.
- Twilio: 10 messages/s of text and about 1/s with media; past that Twilio queues and
  fails what waited 4 h.
- WhatsApp Web (Evolution API): no published limit, but numbers get banned for sending
  like a machine. An answer to a customer who just wrote goes out at once after a short,
  human typing delay (``typing_delay``, shown as "typing…"); everything atende starts
  itself is spaced 10–30 s with jitter under hourly and daily caps, lower while a new
  number warms up.

The numbers live here, in the domain, because they are rules of the business of sending
WhatsApp messages; ``pipeline/pacing.py`` enforces them across every worker through the
database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from atende.domain.entities import Choices
from atende.errors import ConfigurationError


class SendClass(IntEnum):
    """Lower goes first. Stored in ``messages.priority``."""

    REPLY = 0  # an answer to a customer who wrote, or an operator's reply
    SERVICE = 1  # reminders, follow-ups, summaries, alerts, waitlist, "pet pronto"
    CAMPAIGN = 2  # marketing sent to many at once


# who wrote an outbound message → its class; anything not listed is a reply
_SERVICE_AUTHORS = frozenset(
    {"reminder", "followup", "summary", "alert", "waitlist", "pet_ready", "agenda"}
)
_CAMPAIGN_AUTHORS = frozenset({"campaign"})


def class_of(author: str) -> SendClass:
    if author in _CAMPAIGN_AUTHORS:
        return SendClass.CAMPAIGN
    if author in _SERVICE_AUTHORS:
        return SendClass.SERVICE
    return SendClass.REPLY


def queue_priority(send_class: int) -> int:
    """huey runs higher priorities first: a reply's send job is taken before the rest."""
    return 10 * (SendClass.CAMPAIGN - send_class)


class WarmupStep(BaseModel):
    """From ``day`` (0 = the day the number started sending) on, at most these many
    business-initiated messages per hour and per day."""

    model_config = ConfigDict(extra="forbid")
    day: int = Field(ge=0)
    per_hour: int = Field(ge=0)
    per_day: int = Field(ge=0)


class Pacing(BaseModel):
    """How fast one channel sends. Seconds between messages, never a rate in the
    abstract: ``min_interval`` is the spacing of the channel as a whole, ``per_contact``
    the spacing of messages to one person, ``proactive_gap`` the spacing (with
    ``proactive_jitter`` added at random) of what atende starts itself on WhatsApp Web.
    Caps of 0 mean none."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    min_interval: float = Field(default=0.0, ge=0, le=3600)
    media_interval: float = Field(default=0.0, ge=0, le=3600)
    per_contact: float = Field(default=0.0, ge=0, le=3600)
    merge_parts: bool = False  # send the parts of one reply as one message
    # seconds of "typing…" before an answer of about TYPING_CHARS characters (WhatsApp
    # Web); scaled with the answer's length by ``typing_seconds``; 0: none
    typing_delay: float = Field(default=0.0, ge=0, le=30)
    proactive_gap: float = Field(default=0.0, ge=0, le=3600)
    proactive_jitter: float = Field(default=0.0, ge=0, le=3600)
    per_hour: int = Field(default=0, ge=0)  # business-initiated messages, 0 = no cap
    per_day: int = Field(default=0, ge=0)
    warmup: list[WarmupStep] = Field(default_factory=list)
    max_deferrals: int = Field(default=60, ge=1, le=10_000)  # then ``failed``

    def caps_on(self, age_days: int) -> tuple[int, int]:
        """The hourly and daily caps of business-initiated sends for a number that
        started sending ``age_days`` ago (the warm-up step reached, else the caps)."""
        reached = [s for s in self.warmup if s.day <= age_days]
        if reached and age_days <= max(s.day for s in self.warmup):
            step = max(reached, key=lambda s: s.day)
            return step.per_hour, step.per_day
        return self.per_hour, self.per_day


# "typing…" before an answer: ``typing_delay`` for one of TYPING_CHARS characters, in
# proportion for others (a person types about that fast) but between half and 2.5 times
# it, and never past TYPING_MAX (WhatsApp drops the indicator by then, and the send's
# worker waits meanwhile). The default 2 s makes 40 ms a character, 1 to 5 s.
TYPING_CHARS = 50
TYPING_SCALE = (0.5, 2.5)
TYPING_MAX = 20.0


def typing_seconds(pacing: Pacing, text: str) -> float:
    """How long the customer sees "typing…" before ``text`` arrives; 0 for none."""
    if pacing.typing_delay <= 0:
        return 0.0
    low, high = TYPING_SCALE
    scale = min(high, max(low, len(text) / TYPING_CHARS))
    return min(TYPING_MAX, pacing.typing_delay * scale)


# Evolution: 20/h and 50/day on a new number, up to 80/h and 500/day by day 10
# (community heuristics from WhatsApp Web vendors; see the module docstring)
_WARMUP = [
    WarmupStep(day=0, per_hour=20, per_day=50),
    WarmupStep(day=3, per_hour=40, per_day=150),
    WarmupStep(day=6, per_hour=60, per_day=300),
    WarmupStep(day=10, per_hour=80, per_day=500),
]

PROVIDER_PACING: Mapping[str, Pacing] = {
    "meta": Pacing(min_interval=1 / 80, per_contact=6.0, merge_parts=True),
    "twilio": Pacing(min_interval=1 / 10, media_interval=1.0),
    "evolution": Pacing(
        min_interval=0.5,
        typing_delay=2.0,
        proactive_gap=10.0,
        proactive_jitter=20.0,
        per_hour=80,
        per_day=500,
        warmup=_WARMUP,
    ),
    "simulator": Pacing(),
}


# a channel that sends as fast as its workers can (tests and benchmarks of other things)
UNPACED: Mapping[str, Any] = {
    "min_interval": 0,
    "media_interval": 0,
    "per_contact": 0,
    "typing_delay": 0,
    "proactive_gap": 0,
    "proactive_jitter": 0,
    "per_hour": 0,
    "per_day": 0,
    "warmup": [],
}


def pacing_for(provider: str, overrides: Mapping[str, Any] | None) -> Pacing:
    """The provider's defaults with a channel's own settings on top (validated)."""
    base = PROVIDER_PACING.get(provider, Pacing())
    if not overrides:
        return base
    try:
        return Pacing.model_validate({**base.model_dump(), **dict(overrides)})
    except ValidationError as exc:
        raise ConfigurationError(f"invalid pacing for a {provider} channel: {exc}") from exc


# WhatsApp's own limits on what one message holds (Cloud API; Twilio passes them through)
TEXT_LIMIT = 4096  # characters of a text message
CHOICES_TEXT_LIMIT = 1024  # characters of the text above reply buttons or a list
PART_JOINER = "\n\n"  # a blank line between the parts of a reply sent as one message


@dataclass(frozen=True, slots=True)
class Part:
    """One outbound message of a reply: its text and, on the last, its tappable choices."""

    text: str
    choices: Choices | None = None


def reply_parts(texts: Sequence[str], choices: Choices | None, merge: bool) -> list[Part]:
    """The messages a reply goes out as: one per text, ``choices`` on the last; or, when
    the channel's pacing says ``merge_parts`` (Meta lets one message in about 6 s reach a
    person, error 131056), consecutive texts joined by a blank line into one message, so
    an answer and the question after it cost one pace slot, not two.

    Nothing is ever cut to merge: a text that would take a message past ``TEXT_LIMIT``
    starts the next one. The last text carries the choices (buttons, a list), which
    Meta and Twilio show under a body of at most ``CHOICES_TEXT_LIMIT`` characters: the
    texts before it join that body only while it fits (the choices' prompt and the plain
    text a channel without buttons sends grow alike); otherwise the choices go as a
    message of their own after the merged texts. Voice notes and media are not parts:
    they are queued apart and never merged."""
    if not merge:
        return [
            Part(text, choices if i == len(texts) - 1 else None) for i, text in enumerate(texts)
        ]
    texts = [t for t in texts if t.strip()]
    plain = texts[:-1] if choices is not None else texts
    parts: list[Part] = []
    for text in plain:
        if parts and len(parts[-1].text) + len(PART_JOINER) + len(text) <= TEXT_LIMIT:
            parts[-1] = Part(parts[-1].text + PART_JOINER + text)
        else:
            parts.append(Part(text))
    if choices is None or not texts:
        return parts
    last = texts[-1]
    if parts:
        before = parts[-1].text
        prompt = before + PART_JOINER + (choices.prompt or last)
        text = before + PART_JOINER + last
        if len(prompt) <= CHOICES_TEXT_LIMIT and len(text) <= TEXT_LIMIT:
            parts[-1] = Part(text, replace(choices, prompt=prompt))
            return parts
    parts.append(Part(last, choices))
    return parts
