"""Shapes of the admin API (lists are {"items": [...], "next": cursor | null}, times
ISO 8601 with offset). Text a client sends goes through ``storable`` here, once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from atende import clock
from atende.domain.text import storable

T = TypeVar("T")
# Text from outside as every database can store it (NUL and lone surrogates → U+FFFD).
StorableText = Annotated[str, AfterValidator(storable)]


class Items(BaseModel, Generic[T]):
    """A page of a list; ``next`` is the cursor to the following page, null on the last."""

    items: list[T]
    next: str | None = None


class ServiceOut(BaseModel):
    id: int
    name: str
    price: str
    duration_minutes: int
    gender: Literal["m", "f"]  # the name's grammar: "a Vacinação", "os Banhos"
    plural: bool


class ConversationOut(BaseModel):
    id: int
    contact_phone: str
    state: str
    last_message_at: str | None


class MessageOut(BaseModel):
    id: int
    direction: str
    kind: str
    author: str
    body: str
    status: str
    attempts: int
    error_code: str | None
    created_at: str


class ContactOut(BaseModel):
    id: int
    phone: str
    name: str | None


class PetOut(BaseModel):
    id: int
    name: str
    species: str
    breed: str
    owner_phone: str
    birth_date: str | None = None


class PetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    birth_date: date | None

    @field_validator("birth_date")
    @classmethod
    def _not_in_the_future(cls, value: date | None) -> date | None:
        if value is not None and value > clock.latest_date():
            raise ValueError("birth_date is in the future")
        return value


class BookingOut(BaseModel):
    id: int
    contact_phone: str
    pet_name: str | None
    service: str
    starts_at: str
    ends_at: str
    status: str


class OperatorReply(BaseModel):
    body: StorableText = Field(min_length=1, max_length=4096)


MAX_HOURS = 24 * 365  # how far back failed messages are listed, and may be retried


class RetryFailed(BaseModel):
    hours: float = Field(24, gt=0, le=MAX_HOURS, allow_inf_nan=False)


class AlertOut(BaseModel):
    id: int
    kind: str
    message: str
    created_at: str
    subject: str | None = Field(None, description="What it is about: message:12, channel:ch_x")
    resolved_at: str | None = Field(None, description="null while open")


SendClassName = Annotated[
    str, Field(description="The send class: reply, service or campaign (domain/sending.py)")
]


class FailedOut(BaseModel):
    """A message in the manual queue: retry, resend, discard or mark it handled."""

    id: int
    conversation_id: int
    body: str
    attempts: int = Field(description="Attempts of its last budget")
    error_code: str | None
    error_detail: str | None
    updated_at: str
    channel_id: str
    contact_phone: str
    author: str
    send_class: SendClassName
    reason: str = Field(description="Why it failed: the provider's words, else its code")
    tries: int = Field(description="Every attempt in its history (/messages/{id} lists them)")
    deferrals: int = Field(description="Waits for the pace or the breaker, no attempt spent")
    last_try_at: str | None
    created_at: str


class ResendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: StorableText = Field(min_length=1, max_length=4096)


class ManualActionOut(BaseModel):
    id: int
    status: Literal["queued", "discarded", "handled"]


class QueueClassOut(BaseModel):
    """One send class on one channel."""

    send_class: SendClassName
    channel_id: str
    queued: int = Field(description="Due now, waiting for a send job")
    deferred: int = Field(description="Queued for later: backoff, pace, breaker, schedule")
    sending: int = Field(description="Being handed to the provider")
    oldest_age_seconds: float | None = Field(
        description="How long the longest-waiting due message has been due; null if none"
    )


class QueueStats(BaseModel):
    """The caller's organization only, counted from its own rows (global queue depth is
    on /metrics)."""

    conversations_waiting: int = Field(description="Conversations with an unanswered burst")
    outbound_queued: int = Field(description="Replies due now, waiting for a send job")
    outbound_deferred: int = Field(description="Replies held back: retry backoff, pacing")
    outbound_sending: int = Field(description="Replies being handed to the provider")
    oldest_queued_seconds: float | None = Field(description="Age of the oldest queued reply")
    messages: dict[str, int] = Field(description="Outbound messages by status")
    by_class: list[QueueClassOut] = Field(
        default_factory=list, description="Per send class and channel, busy ones only"
    )


class HealthReasonOut(BaseModel):
    level: Literal["red", "yellow"]
    code: str
    detail: str
    subject: str | None = None


class HealthOut(BaseModel):
    """green: all well; yellow: something needs a look; red: customers are not answered."""

    status: Literal["green", "yellow", "red"]
    reasons: list[HealthReasonOut]
    checked_at: str


class TrafficOut(BaseModel):
    """Messages created in the window (the business phone's own left out)."""

    hours: float
    since: str
    received: int = Field(description="Inbound messages")
    sent: int = Field(description="Outbound accepted by the provider (sent, delivered, read)")
    delivered: int = Field(description="Outbound delivered or read")
    read: int
    failed: int = Field(description="Outbound failed (waiting in the manual queue)")
    pending: int = Field(description="Outbound queued or being sent")
    discarded: int
    handled: int
    delivery_rate: float | None = Field(description="delivered / sent; null when none sent")
    replies_measured: int = Field(description="Bursts whose reply the provider accepted")
    reply_latency_p50_seconds: float | None
    reply_latency_p95_seconds: float | None


class AttemptOut(BaseModel):
    attempt: int
    started_at: str
    finished_at: str
    outcome: str = Field(description="sent, reconciled, retry, deferred or failed")
    code: str | None = Field(description="The provider's answer code")
    detail: str | None
    next_try_at: str | None


class MessageDetailOut(BaseModel):
    id: int
    conversation_id: int
    channel_id: str
    direction: str
    kind: str
    author: str
    send_class: SendClassName
    body: str
    status: str
    provider_id: str | None
    attempts: int
    deferrals: int
    next_attempt_at: str | None
    error_code: str | None
    error_detail: str | None
    created_at: str
    updated_at: str
    send_attempts: list[AttemptOut] = Field(description="Oldest first, the first 1000")
    send_attempts_total: int


class LlmUsageOut(BaseModel):
    days: float
    calls: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: str
    avg_latency_ms: int
    turns: int
    turns_without_llm: int


class KnowledgeDocumentOut(BaseModel):
    name: str
    kind: str
    passages: int
    chars: int


class BookingStatusChange(BaseModel):
    status: Literal["confirmed", "completed", "no_show", "cancelled"]
    amount: Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=2)] | None = Field(
        None, description="completed: the total, said in the 'pet ready' notice (80.00)"
    )
    notify: bool = Field(
        True,
        description="completed: tell the customer the pet is ready (unless the "
        "organization switched pet_ready off); sent once per booking",
    )


class BookingStatusOut(BaseModel):
    id: int
    status: str
    notice: Literal["queued", "already_sent", "off", "unreachable", "not_asked"] | None = Field(
        None, description="completed: what became of the 'pet ready' notice"
    )
