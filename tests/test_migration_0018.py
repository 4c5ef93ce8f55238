"""Migration 0018 up and down on both databases: a shop of the previous release (channels,
a conversation, messages of every author) keeps every row; messages get their send class
from their author and no deferrals, channels no pacing of their own (their provider's
defaults) and no campaign pause; the attempts log, the shared pace and the breakers come
and go; a message discarded or handled by phone goes back to failed on the way down."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from atende.domain.sending import SendClass, pacing_for
from atende.pipeline.pacing import pacing_of
from atende.storage.db import make_engine, make_sessionmaker, normalize_url, transaction
from atende.storage.migrate import alembic_config, upgrade
from atende.storage.models import Channel, ChannelBreaker, Message, SendAttempt, SendPace
from atende.storage.secrets import EncryptedJSON
from tests.support.raw_db import columns

CREATED = datetime(2026, 11, 1, 12, 0)  # as UTCDateTime stores it (raw SQL)
AT = CREATED.replace(tzinfo=UTC)  # as the models take it
CREDS = {"account_sid": "AC" + "1" * 32, "auth_token": "old-release-token"}
# (author, direction, status) of the messages already there, and the class each gets
MESSAGES = [
    ("contact", "in", "received", SendClass.REPLY),
    ("bot", "out", "sent", SendClass.REPLY),
    ("operator", "out", "delivered", SendClass.REPLY),
    ("reminder", "out", "queued", SendClass.SERVICE),
    ("summary", "out", "sent", SendClass.SERVICE),
    ("alert", "out", "read", SendClass.SERVICE),
    ("followup", "out", "queued", SendClass.SERVICE),
    ("campaign", "out", "failed", SendClass.CAMPAIGN),
]
NEW_TABLES = ("send_attempts", "send_pace", "channel_breakers")

_orgs = sa.table(
    "organizations",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("name", sa.String),
    sa.column("timezone", sa.String),
    sa.column("locale", sa.String),
    sa.column("owner_phones", sa.JSON),
    sa.column("settings", sa.JSON),
    sa.column("created_at", sa.DateTime),
)
_channels = sa.table(
    "channels",
    sa.column("id", sa.String),
    sa.column("organization_id", sa.Integer),
    sa.column("provider", sa.String),
    sa.column("address", sa.String),
    sa.column("credentials", EncryptedJSON),
    sa.column("status", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("reconnect_attempts", sa.Integer),
)


def _seed_0017(engine: Engine) -> dict[str, Any]:
    """An organization of the 0017 schema with a Twilio channel, a customer's
    conversation and a message of each author."""
    with engine.begin() as conn:
        org = conn.execute(
            _orgs.insert()
            .values(
                slug="old",
                name="Old Shop",
                timezone="America/Sao_Paulo",
                locale="pt-BR",
                owner_phones=["+5511900000000"],
                settings={},
                created_at=CREATED,
            )
            .returning(_orgs.c.id)
        ).scalar_one()
        conn.execute(
            _channels.insert().values(
                id="ch_old",
                organization_id=org,
                provider="twilio",
                address="whatsapp:+551130040001",
                credentials=CREDS,
                status="active",
                created_at=CREATED,
                reconnect_attempts=0,
            )
        )

        def insert(sql: str, **values: object) -> int:
            return int(conn.execute(sa.text(sql + " RETURNING id"), values).scalar_one())

        contact = insert(
            "INSERT INTO contacts (organization_id, phone, created_at) "
            "VALUES (:org, '+5511999990501', :at)",
            org=org,
            at=CREATED,
        )
        conv = insert(
            "INSERT INTO conversations (organization_id, contact_id, channel_id, state, "
            "buffer_version, answered_version, dialogue_state, created_at) VALUES (:org, "
            ":contact, 'ch_old', 'bot', 1, 1, '{}', :at)",
            org=org,
            contact=contact,
            at=CREATED,
        )
        ids = [
            insert(
                "INSERT INTO messages (organization_id, conversation_id, channel_id, direction, "
                "kind, author, body, status, attempts, created_at, updated_at) VALUES (:org, "
                ":conv, 'ch_old', :direction, 'text', :author, :body, :status, 1, :at, :at)",
                org=org,
                conv=conv,
                direction=direction,
                author=author,
                body=f"mensagem de {author}",
                status=status,
                at=CREATED,
            )
            for author, direction, status, _ in MESSAGES
        ]
    return {"org": org, "messages": ids}


def _messages(url: str) -> list[tuple[Any, ...]]:
    raw = sa.create_engine(normalize_url(url))
    with raw.connect() as conn:
        names = {c["name"] for c in sa.inspect(conn).get_columns("messages")}
        extra = ", priority, deferrals" if "priority" in names else ""
        rows = conn.execute(
            sa.text(f"SELECT author, body, status, attempts{extra} FROM messages ORDER BY id")
        )
        found = [tuple(r) for r in rows]
    raw.dispose()
    return found


def _indexes(url: str) -> set[str]:
    raw = sa.create_engine(normalize_url(url))
    with raw.connect() as conn:
        found = {str(i["name"]) for i in sa.inspect(conn).get_indexes("messages")}
    raw.dispose()
    return found


def test_migration_0018_keeps_a_shops_messages_and_channels_up_and_down(db_url: str) -> None:
    command.downgrade(alembic_config(db_url), "0017")
    assert {"priority", "deferrals"}.isdisjoint(columns(db_url, "messages"))
    engine = make_engine(db_url)  # the release's key: its credentials are sealed with it
    seeded = _seed_0017(engine)
    before = _messages(db_url)

    upgrade(db_url, revision="0018")
    assert {"priority", "deferrals"} <= columns(db_url, "messages")
    assert {"pacing", "campaigns_paused_until"} <= columns(db_url, "channels")
    assert all(columns(db_url, t) for t in NEW_TABLES)
    assert "ix_messages_outbound_due" in _indexes(db_url)
    after = _messages(db_url)
    assert [r[:4] for r in after] == before  # bodies, statuses and attempts as they were
    assert [(r[0], r[4], r[5]) for r in after] == [
        (author, int(send_class), 0) for author, _, _, send_class in MESSAGES
    ]
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        channel = s.get(Channel, "ch_old")
        assert channel is not None and channel.credentials == CREDS
        assert channel.pacing is None and channel.campaigns_paused_until is None
        assert pacing_of(channel) == pacing_for("twilio", None)  # the provider's defaults

    # the new send path's rows, and a message a person settled by phone
    with transaction(sessions) as s:
        first = seeded["messages"][1]
        s.add(
            SendAttempt(
                message_id=first,
                attempt=1,
                started_at=AT,
                finished_at=AT,
                outcome="sent",
            )
        )
        s.add(SendPace(key="channel:ch_old", next_at=AT))
        s.add(ChannelBreaker(channel_id="ch_old", state="closed", failures=0, updated_at=AT))
        handled = s.get(Message, seeded["messages"][-1])
        assert handled is not None
        handled.status = "handled"
    engine.dispose()

    command.downgrade(alembic_config(db_url), "0017")
    assert all(not columns(db_url, t) for t in NEW_TABLES)
    assert {"priority", "deferrals"}.isdisjoint(columns(db_url, "messages"))
    assert {"pacing", "campaigns_paused_until"}.isdisjoint(columns(db_url, "channels"))
    assert "ix_messages_outbound_due" not in _indexes(db_url)
    assert _messages(db_url) == before  # the handled campaign message is failed again

    upgrade(db_url)
    assert [(r[0], r[4]) for r in _messages(db_url)] == [
        (author, int(send_class)) for author, _, _, send_class in MESSAGES
    ]
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as s:
        channel = s.get(Channel, "ch_old")
        assert channel is not None and channel.credentials == CREDS
    engine.dispose()
