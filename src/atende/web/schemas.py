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


class FailedOut(BaseModel):
    id: int
    conversation_id: int
    body: str
    attempts: int
    error_code: str | None
    error_detail: str | None
    updated_at: str


class QueueStats(BaseModel):
    """The caller's organization only, counted from its own rows (global queue depth is
    on /metrics)."""

    conversations_waiting: int = Field(description="Conversations with an unanswered burst")
    outbound_queued: int = Field(description="Replies due now, waiting for a send job")
    outbound_deferred: int = Field(description="Replies held back: retry backoff, pacing")
    outbound_sending: int = Field(description="Replies being handed to the provider")
    oldest_queued_seconds: float | None = Field(description="Age of the oldest queued reply")
    messages: dict[str, int] = Field(description="Outbound messages by status")


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
