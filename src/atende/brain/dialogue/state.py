"""The dialogue state: what a conversation remembers between bursts, as one typed object.

It is stored as JSON in ``conversations.dialogue_state`` (so a restart mid-booking loses
nothing) and read and written only through :class:`DialogueState`. Every value a flow
can be in, or wait for, is a ``Literal``: a new one must be added here, and the type
checker then points at every ``match`` that has to handle it.

A state stored by an older version (flat keys: ``service_id``, ``date``, ``new_pet``…)
is read by :meth:`DialogueState.load`; migration 0013 rewrote the stored ones, and
``load`` keeps accepting them so a row written by a worker still on the old code during
a rolling upgrade is not lost. Anything unreadable starts a fresh conversation state
rather than failing the turn.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from atende.domain.sizes import Coat, Size

log = logging.getLogger(__name__)

Flow = Literal["booking", "reschedule", "cancel", "register"]
Awaiting = Literal[
    "service",  # which service to book
    "date",  # which day
    "time",  # which of the offered times
    "pet_name",  # the name of the pet (a new one, or which of theirs)
    "pet_species",  # cachorro, gato…
    "pet_breed",  # any text is a breed
    "pet_choice",  # which of the customer's pets
    "confirm",  # "Posso confirmar?" for a booking or a reschedule
    "choose_booking",  # which upcoming booking to cancel or reschedule
    "confirm_cancel",  # "Quer cancelar …?"
    "person",  # we offered to call a person after missing the same answer twice
    "pet_size",  # "Qual o porte do Thor?" — asked once, when the price depends on it
    "waitlist",  # "Quer entrar na lista de espera de sexta?" — the day asked is full
]
Period = Literal["manha", "tarde", "noite"]
Asked = Literal["prices", "duration", "hours"]  # what "e o banho?", "e no sábado?" ask again
ProposalAction = Literal["book", "reschedule", "cancel", "register_pet"]

STATE_VERSION = 2


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class NewPet(_Model):
    """A pet the customer is telling us about, not registered yet."""

    name: str | None = None
    species: str | None = None
    breed: str | None = None
    birth_date: date | None = None

    @property
    def complete(self) -> bool:
        return bool(self.name and self.species and self.breed)


class WaitlistAsk(_Model):
    """The full day we offered the waitlist of, and what the customer wanted of it."""

    day: date
    period: Period | None = None
    at: time | None = None


class Frame(_Model):
    """The booking being put together, filled from every message and correctable at any
    step. ``booking_id`` is the booking being rescheduled or cancelled."""

    service_id: int | None = None
    day: date | None = None
    at: time | None = None
    period: Period | None = None
    earliest: date | None = None  # "semana que vem": look for times from this day…
    latest: date | None = None  # …to this one
    span_start: date | None = None  # the span named: a weekday alone later falls inside it
    not_weekdays: list[int] = Field(default_factory=list)  # "qualquer dia menos segunda"
    asked_at: time | None = None  # the last time the customer asked for ("mesmo horário")
    pet_id: int | None = None
    new_pet: NewPet | None = None
    booking_id: int | None = None
    booking_ids: list[int] = Field(default_factory=list)  # "cancela os dois": every one
    resource_id: int | None = None  # the professional asked for by name ("com a Ana")
    size: Size | None = None  # the pet's size (porte) as the customer said it
    coat: Coat | None = None  # and its coat ("pelo longo"), when said
    size_asked: bool = False  # we asked the size once: never again in this booking
    waitlist: WaitlistAsk | None = None  # the full day whose waitlist we offered
    after_previous: bool = False  # "o Toddy e a Amora logo em seguida": when his ends


class Proposal(_Model):
    """A change the LLM agent proposed; the customer's "sim" in a later turn commits it."""

    action: ProposalAction
    summary: str = ""
    service_id: int | None = None
    starts_at: str | None = None  # ISO 8601 with offset
    pet_id: int | None = None
    pet: NewPet | None = None
    booking_id: int | None = None
    booking_ids: list[int] = Field(default_factory=list)  # "cancela os dois": every one


class DialogueState(_Model):
    version: int = STATE_VERSION
    flow: Flow | None = None
    awaiting: Awaiting | None = None
    frame: Frame = Field(default_factory=Frame)
    queued: list[Frame] = Field(default_factory=list)  # "pro Thor e pra Mel": the next ones
    offered: list[str] = Field(default_factory=list)  # times offered, "HH:MM"
    offered_days: list[date] = Field(default_factory=list)  # days offered by number
    offered_bookings: list[int] = Field(default_factory=list)  # "Qual destes agendamentos?"
    request: str | None = None  # the request a "which one?" interrupted, read again after
    then: str | None = None  # a second request of the same message, taken up after the first
    misses: int = 0  # turns in a row the question in ``awaiting`` went unanswered
    last_texts: list[str] = Field(default_factory=list)  # what we said last: never twice
    person_offered: bool = False  # we offered a person: the next miss calls one
    question: str | None = None  # the question last asked (first wording): a miss repeats it
    said_at: datetime | None = None  # when we last spoke: a repeat after a long pause is fine
    topic_service_id: int | None = None  # the one service last talked about ("e marca pro Zeca")
    invited: bool = False  # our last words were "Quer agendar?": a yes starts a booking
    topic_asked: Asked | None = None  # we just told a price or duration: "e a tosa?" asks it
    pending: Proposal | None = None  # the LLM agent's proposal awaiting a yes
    campaigns: list[int] = Field(default_factory=list)  # owner: drafts just shown
    campaign_pending: int | None = None  # owner: the draft asked to send
    # what the periodic jobs wrote first, so the answer is read as one (brain/offline/
    # reminder_answers.py, followup_answers.py, waitlist_answers.py)
    reminded_booking_id: int | None = None  # the booking our reminder asked to confirm
    reminded_at: datetime | None = None  # when: a question of ours since takes "1" back
    followup_service_id: int | None = None  # a follow-up invited to book this again…
    followup_pet_id: int | None = None  # …for this pet
    followup_at: datetime | None = None  # when it went out
    waitlist_booking_id: int | None = None  # the freed time held for them (pipeline/waitlist)
    waitlist_offered_at: datetime | None = None  # when the offer went out
    cancelled_ids: list[int] = Field(default_factory=list)  # just cancelled: undoable…
    cancelled_at: datetime | None = None  # …for a while after (brain/offline/undo.py)

    @classmethod
    def load(cls, raw: object) -> DialogueState:
        """The state stored in a conversation row (this version's or the previous one's);
        anything else — another JSON value, a version this code does not know — starts
        afresh, with a warning, rather than failing every turn of the conversation."""
        if not raw:
            return cls()
        if not isinstance(raw, dict) or raw.get("version", 1) not in (1, STATE_VERSION):
            log.warning("unreadable dialogue state (%s), starting afresh", type(raw).__name__)
            return cls()
        data = dict(raw) if raw.get("version") == STATE_VERSION else _from_v1(raw)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            log.warning("unreadable dialogue state, starting afresh: %s", exc.error_count())
            return cls()

    def dump(self) -> dict[str, Any]:
        """The JSON stored back in the conversation row."""
        return self.model_dump(mode="json", exclude_defaults=False)

    def copy_state(self) -> DialogueState:
        return self.model_copy(deep=True)

    def reset_flow(self) -> None:
        """End the current flow (done, abandoned or handed over); owner memory stays."""
        self.flow = None
        self.awaiting = None
        self.frame = Frame()
        self.queued = []
        self.offered = []
        self.offered_days = []
        self.offered_bookings = []
        self.request = None
        self.misses = 0
        self.person_offered = False
        self.question = None

    def start(self, flow: Flow) -> None:
        self.reset_flow()
        self.flow = flow


def _from_v1(raw: dict[str, Any]) -> dict[str, Any]:
    """The flat dictionary of state version 1 in the shape of version 2."""
    frame: dict[str, Any] = {
        "service_id": raw.get("service_id"),
        "day": raw.get("date"),
        "at": raw.get("time"),
        "period": raw.get("period"),
        "pet_id": raw.get("pet_id"),
        "booking_id": raw.get("booking_id"),
    }
    if isinstance(raw.get("new_pet"), dict):
        frame["new_pet"] = raw["new_pet"]
    return {
        "version": STATE_VERSION,
        "flow": raw.get("flow"),
        "awaiting": raw.get("awaiting"),
        "frame": {k: v for k, v in frame.items() if v is not None},
        "offered": raw.get("offered") or [],
        "pending": raw.get("pending"),
        "campaigns": raw.get("campaigns") or [],
        "campaign_pending": raw.get("campaign_pending"),
    }
