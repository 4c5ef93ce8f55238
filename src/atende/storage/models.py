"""Tables. Every row that belongs to a business carries ``organization_id``."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from atende.storage.secrets import EncryptedJSON, SealedSecretsJSON
from atende.storage.types import UTCDateTime, utcnow

Id = Integer().with_variant(BigInteger(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Sao_Paulo")
    locale: Mapped[str] = mapped_column(String(16), default="pt-BR")
    owner_phones: Mapped[list[str]] = mapped_column(default=list)
    # secret fields (llm.api_key, tts.api_key…) are encrypted in the database
    settings: Mapped[dict[str, Any]] = mapped_column(SealedSecretsJSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Channel(Base):
    __tablename__ = "channels"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(64))
    credentials: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    status: Mapped[str] = mapped_column(String(32), default="active")
    connection_state: Mapped[str | None] = mapped_column(String(32), default=None)
    connection_reason: Mapped[str | None] = mapped_column(String(64), default=None)
    connection_updated_at: Mapped[datetime | None] = mapped_column(default=None)
    reconnect_attempts: Mapped[int] = mapped_column(default=0)
    next_reconnect_at: Mapped[datetime | None] = mapped_column(default=None)
    pairing_code: Mapped[str | None] = mapped_column(String(64), default=None)
    last_event_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:  # credentials never reach logs or tracebacks
        return f"Channel(id={self.id!r}, provider={self.provider!r})"


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("organization_id", "phone"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    phone: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    opted_out_at: Mapped[datetime | None] = mapped_column(default=None)  # no campaigns
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(Base):
    """One contact on one channel. Buffer, claim and dialogue state live here."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel_id", "contact_id"),
        Index("ix_conversations_pending", "buffer_deadline"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"))
    state: Mapped[str] = mapped_column(String(16), default="bot")
    human_until: Mapped[datetime | None] = mapped_column(default=None)
    buffer_version: Mapped[int] = mapped_column(default=0)
    answered_version: Mapped[int] = mapped_column(default=0)
    buffer_deadline: Mapped[datetime | None] = mapped_column(default=None)
    claim_token: Mapped[str | None] = mapped_column(String(40), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    dialogue_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_message_at: Mapped[datetime | None] = mapped_column(default=None)
    last_inbound_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "provider_id"),
        UniqueConstraint("idempotency_key"),
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_status", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"))
    direction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16), default="text")
    author: Mapped[str] = mapped_column(String(16), default="contact")
    body: Mapped[str] = mapped_column(Text, default="")
    media_url: Mapped[str | None] = mapped_column(Text, default=None)
    media_type: Mapped[str | None] = mapped_column(String(100), default=None)
    transcript: Mapped[str | None] = mapped_column(Text, default=None)
    choices: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    transcript_error: Mapped[str | None] = mapped_column(String(100), default=None)
    provider_id: Mapped[str | None] = mapped_column(String(128), default=None)
    buffer_version: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    # when the current send attempt began; a re-claim of a stale claim keeps it, so the
    # provider lookup that precedes a resend searches from the attempt that may have gone out
    send_started_at: Mapped[datetime | None] = mapped_column(default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    error_detail: Mapped[str | None] = mapped_column(Text, default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Pet(Base):
    __tablename__ = "pets"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    species: Mapped[str] = mapped_column(String(50))
    breed: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date(), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        CheckConstraint("gender IN ('m', 'f')", name="ck_services_gender"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    duration_minutes: Mapped[int] = mapped_column()
    # the name's grammar, for replies ("a Vacinação", "do Banho"): domain/grammar.py
    gender: Mapped[str] = mapped_column(String(1), default="m", server_default="m")
    plural: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    booking_seq: Mapped[int] = mapped_column(default=0)
    # days after a visit when the pet is due again (banho 15, vacinação 365); None: never
    return_days: Mapped[int | None] = mapped_column(default=None)


class OpeningHours(Base):
    __tablename__ = "opening_hours"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    weekday: Mapped[int] = mapped_column()
    opens: Mapped[time] = mapped_column(Time())
    closes: Mapped[time] = mapped_column(Time())


HELD = "status IN ('booked', 'confirmed')"  # domain.states.HOLDS_SLOT, as SQL


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_service_start_booked",
            "service_id",
            "starts_at",
            unique=True,
            sqlite_where=text(HELD),
            postgresql_where=text(HELD),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    pet_id: Mapped[int | None] = mapped_column(ForeignKey("pets.id"), default=None)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="booked")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FollowUp(Base):
    """A nudge that brings a pet back for a service ("faz 15 dias do último banho"): one
    per due cycle, the cycle being the visit it counts from (``after_booking_id``)."""

    __tablename__ = "followups"
    __table_args__ = (
        UniqueConstraint("after_booking_id", name="uq_followups_after_booking"),
        Index("ix_followups_organization_created", "organization_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    pet_id: Mapped[int | None] = mapped_column(ForeignKey("pets.id"), default=None)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    after_booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    due_on: Mapped[date] = mapped_column(Date())
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BrainLog(Base):
    """What the brain saw and said, per turn: for debugging and cost accounting."""

    __tablename__ = "brain_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    brain: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(64), default="")
    input_text: Mapped[str] = mapped_column(Text, default="")
    output_text: Mapped[str] = mapped_column(Text, default="")
    latency_ms: Mapped[int] = mapped_column(default=0)
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """Something a person should look at. ``subject`` names what it is about
    ("message:123", "channel:ch_x"): it is open at most once per kind and subject, and
    resolves itself when its subject recovers."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_open_subject",
            "organization_id",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(128), default=None)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)


class VoiceClip(Base):
    """A synthesized voice reply, fetched by the provider at an unguessable URL and
    deleted once its time is up (in the database so any web process can serve it)."""

    __tablename__ = "voice_clips"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    content_type: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class WorkerHeartbeat(Base):
    """Each running worker's code version, so /health can report skew."""

    __tablename__ = "worker_heartbeats"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeDocument(Base):
    """A file the business added to its knowledge base; re-adding the same name replaces it."""

    __tablename__ = "kb_documents"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    chars: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeChunk(Base):
    """A passage of a document, the unit retrieval returns (with its source)."""

    __tablename__ = "kb_chunks"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("kb_documents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    heading: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class LlmCall(Base):
    """One request to the language model: tokens, latency and estimated cost, per organization."""

    __tablename__ = "llm_calls"
    __table_args__ = (  # the daily budget sums an organization's calls since midnight
        Index("ix_llm_calls_organization_created", "organization_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(default=None)
    model: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(16), default="client")
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    latency_ms: Mapped[int] = mapped_column(default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(12, 6), default=Decimal(0))
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeriodicMark(Base):
    """A periodic job that ran for one organization and one key (a local date), so that
    any number of workers do it once."""

    __tablename__ = "periodic_marks"
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Campaign(Base):
    """A message to many clients, drafted for the owner and sent only after the owner says so."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
