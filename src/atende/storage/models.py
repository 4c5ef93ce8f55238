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
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine.default import DefaultExecutionContext
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
    # who holds the key ("recepcao", "ana"): the audit log's actor for changes made with it
    label: Mapped[str | None] = mapped_column(String(64), default=None)
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
    # the channel's own pacing over its provider's defaults (domain/sending.py)
    pacing: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    campaigns_paused_until: Mapped[datetime | None] = mapped_column(default=None)  # Meta 131048

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
        Index("ix_messages_outbound_due", "status", "priority", "next_attempt_at"),
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
    # the send class (domain/sending.py: 0 reply, 1 service, 2 campaign): lower goes first
    priority: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # waits for the pace, the breaker or a provider's rate limit: no attempt spent
    deferrals: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SendAttempt(Base):
    """One attempt to send a message: its outcome, the provider's answer, the next try."""

    __tablename__ = "send_attempts"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('sent', 'reconciled', 'retry', 'deferred', 'failed')",
            name="ck_send_attempts_outcome",
        ),
        Index("ix_send_attempts_message", "message_id", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    attempt: Mapped[int] = mapped_column()
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    next_try_at: Mapped[datetime | None] = mapped_column(default=None)


class SendPace(Base):
    """The next moment a key (``channel:ID``, ``contact:ID:PHONE``…) may send: the pace
    every worker process shares, advanced by compare-and-set."""

    __tablename__ = "send_pace"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[datetime] = mapped_column()


class ChannelBreaker(Base):
    """A channel's circuit breaker: after N transient failures in a row its sends wait,
    one probe goes out per interval, and the first success closes it."""

    __tablename__ = "channel_breakers"
    __table_args__ = (
        CheckConstraint("state IN ('closed', 'open')", name="ck_channel_breakers_state"),
    )
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(8), default="closed")
    failures: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime | None] = mapped_column(default=None)
    probe_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pet(Base):
    __tablename__ = "pets"
    __table_args__ = (
        CheckConstraint(
            "size IS NULL OR size IN ('mini', 'pequeno', 'medio', 'grande', 'gigante')",
            name="ck_pets_size",
        ),
        CheckConstraint("coat IS NULL OR coat IN ('curto', 'longo')", name="ck_pets_coat"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    species: Mapped[str] = mapped_column(String(50))
    breed: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date(), default=None)
    # porte and pelagem as someone said them (domain/sizes.py); None: inferred from the breed
    size: Mapped[str | None] = mapped_column(String(16), default=None)
    coat: Mapped[str | None] = mapped_column(String(16), default=None)
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
    # the resource stays free this long after each appointment (cleaning, drying)
    cleanup_minutes: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # days after a visit when the pet is due again (banho 15, vacinação 365); None: never
    return_days: Mapped[int | None] = mapped_column(default=None)


class ServicePrice(Base):
    """A service's price and/or duration for a pet size and/or coat (None: any); the
    service's own price and duration apply where no row matches (domain/pricing.py)."""

    __tablename__ = "service_prices"
    __table_args__ = (
        UniqueConstraint("service_id", "size", "coat"),
        CheckConstraint(
            "size IS NULL OR size IN ('mini', 'pequeno', 'medio', 'grande', 'gigante')",
            name="ck_service_prices_size",
        ),
        CheckConstraint(
            "coat IS NULL OR coat IN ('curto', 'longo')", name="ck_service_prices_coat"
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    size: Mapped[str | None] = mapped_column(String(16), default=None)
    coat: Mapped[str | None] = mapped_column(String(16), default=None)
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), default=None)
    duration_minutes: Mapped[int | None] = mapped_column(default=None)


class Resource(Base):
    """A person or station that does appointments, one at a time: the unit of capacity.
    ``booking_seq`` is bumped by every booking of it, a row lock that serializes them."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        CheckConstraint("kind IN ('person', 'station')", name="ck_resources_kind"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="station")
    active: Mapped[bool] = mapped_column(default=True)
    booking_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourceService(Base):
    """Which services a resource can do."""

    __tablename__ = "resource_services"
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )


class OpeningHours(Base):
    __tablename__ = "opening_hours"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    weekday: Mapped[int] = mapped_column()
    opens: Mapped[time] = mapped_column(Time())
    closes: Mapped[time] = mapped_column(Time())


class SpecialDay(Base):
    """A date that does not follow the weekly hours: ``closed``; ``open`` with the weekly
    hours although it is a holiday; or ``hours``: one row per open interval that day."""

    __tablename__ = "special_days"
    __table_args__ = (
        Index("ix_special_days_organization_day", "organization_id", "day"),
        CheckConstraint("kind IN ('closed', 'open', 'hours')", name="ck_special_days_kind"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    day: Mapped[date] = mapped_column(Date())
    kind: Mapped[str] = mapped_column(String(8))
    opens: Mapped[time | None] = mapped_column(Time(), default=None)
    closes: Mapped[time | None] = mapped_column(Time(), default=None)
    note: Mapped[str] = mapped_column(String(200), default="")


def _first_resource_of_service(context: DefaultExecutionContext) -> int | None:
    service_id = context.get_current_parameters()["service_id"]  # type: ignore[no-untyped-call]
    found = context.connection.execute(
        text(
            "SELECT resource_id FROM resource_services WHERE service_id = :service "
            "ORDER BY resource_id LIMIT 1"
        ),
        {"service": service_id},
    ).scalar()
    return None if found is None else int(found)


def _ends_at(context: DefaultExecutionContext) -> Any:
    return context.get_current_parameters()["ends_at"]  # type: ignore[no-untyped-call]


BLOCKING = "status IN ('booked', 'confirmed', 'held')"  # domain.states.BLOCKS_SLOT, as SQL


class Booking(Base):
    """One appointment on one resource. Two booked rows of a resource never overlap
    (``held_until`` includes the cleanup gap): ``storage/bookings.py`` serializes the
    bookings of a resource on its row; the partial unique index and, on PostgreSQL, an
    exclusion constraint over ``tsrange(starts_at, held_until)`` (migration 0014) are the
    database's own guard."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_resource_start_booked",
            "resource_id",
            "starts_at",
            unique=True,
            sqlite_where=text(BLOCKING),
            postgresql_where=text(BLOCKING),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    pet_id: Mapped[int | None] = mapped_column(ForeignKey("pets.id"), default=None)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    # ``bookings.book`` chooses both; a row written without them (a fixture, a script)
    # gets its service's first resource and no cleanup: the constraints still hold
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id"), default=_first_resource_of_service
    )
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    held_until: Mapped[datetime] = mapped_column(default=_ends_at)  # ends_at + cleanup
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), default=None)  # as quoted
    status: Mapped[str] = mapped_column(String(16), default="booked")
    # a cancelled booking that was moved: the booking it became (a reschedule, never a
    # cancellation, in the owner's figures). No foreign key, so SQLite can drop it in place
    moved_to_id: Mapped[int | None] = mapped_column(Id, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WaitlistEntry(Base):
    """A customer waiting for a time on a full day: ``waiting`` → ``offered`` (a freed
    time held for them in ``booking_id``, a ``held`` booking, until ``offer_expires_at``)
    → ``booked``, or back to ``waiting`` when they decline it, or ``expired`` (no answer
    in time, or the day went by). ``offered`` lists every start offered, never twice."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        Index("ix_waitlist_entries_organization_day", "organization_id", "day", "status"),
        CheckConstraint(
            "status IN ('waiting', 'offered', 'booked', 'expired')",
            name="ck_waitlist_entries_status",
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    pet_id: Mapped[int | None] = mapped_column(ForeignKey("pets.id"), default=None)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    day: Mapped[date] = mapped_column(Date())
    period: Mapped[str | None] = mapped_column(String(8), default=None)  # manha|tarde|noite
    wanted_at: Mapped[time | None] = mapped_column(Time(), default=None)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), default=None)
    offered: Mapped[list[str]] = mapped_column(JSON, default=list)
    offered_at: Mapped[datetime | None] = mapped_column(default=None)
    offer_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ResourceBlock(Base):
    """Time a resource is not available (a day off, a meeting, a machine being fixed):
    busy like a booking, for no customer (``storage/blocks.py``)."""

    __tablename__ = "resource_blocks"
    __table_args__ = (
        Index("ix_resource_blocks_resource_start", "resource_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ck_resource_blocks_span"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One change made by staff (CLI or admin API): who, what, to what, when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_organization_id", "organization_id", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    actor: Mapped[str] = mapped_column(String(100))  # an API key's label, or cli:<user>
    action: Mapped[str] = mapped_column(String(64))  # booking.move, resource.remove…
    subject: Mapped[str] = mapped_column(String(128), default="")  # booking:42
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


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
    # "critical" (told at once, through quiet hours) or "warning": domain/alerting.py
    severity: Mapped[str] = mapped_column(String(16), default="warning", server_default="warning")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)


class AlertNotification(Base):
    """One telling of an alert's opening or resolution through one target (whatsapp,
    email, webhook): unique per alert, event and target, so whoever inserts the row
    sends, and two workers never tell the same thing twice."""

    __tablename__ = "alert_notifications"
    __table_args__ = (
        UniqueConstraint("alert_id", "event", "target"),
        CheckConstraint("event IN ('opened', 'resolved')", name="ck_alert_notifications_event"),
        CheckConstraint(
            "status IN ('sending', 'sent', 'failed', 'skipped')",
            name="ck_alert_notifications_status",
        ),
        Index("ix_alert_notifications_org_created", "organization_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    event: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))
    severity: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=1)
    detail: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


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
