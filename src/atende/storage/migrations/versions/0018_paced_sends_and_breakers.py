"""Paced sends in priority classes, the attempts of each send, a breaker per channel

- ``messages.priority``: the send class (0 reply, 1 service, 2 campaign,
  ``domain/sending.py``), filled from the author for the rows already there;
  ``messages.deferrals``: how many times a send waited for the pace, the breaker or a
  provider's rate limit without spending an attempt.
- ``send_attempts``: every attempt of a send — when, the outcome, the provider's answer
  and the next try — for the manual queue and ``/api/monitoring/messages/{id}``.
- ``send_pace``: the next moment a key (a channel, a channel and a customer) may send:
  the pace every worker process shares.
- ``channel_breakers``: a channel's circuit breaker (closed / open), its consecutive
  failures and the next probe.
- ``channels.pacing``: a channel's own pacing settings over its provider's defaults;
  ``channels.campaigns_paused_until``: Meta's spam limit (131048) pauses campaigns.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atende.storage.types import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
SERVICE_AUTHORS = "('reminder', 'followup', 'summary', 'alert', 'waitlist', 'pet_ready', 'agenda')"


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("deferrals", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(f"UPDATE messages SET priority = 1 WHERE author IN {SERVICE_AUTHORS}")
    op.execute("UPDATE messages SET priority = 2 WHERE author = 'campaign'")
    op.create_index(
        "ix_messages_outbound_due", "messages", ["status", "priority", "next_attempt_at"]
    )
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pacing", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("campaigns_paused_until", UTCDateTime(), nullable=True))
    op.create_table(
        "send_attempts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("message_id", Id, sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("next_try_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('sent', 'reconciled', 'retry', 'deferred', 'failed')",
            name="ck_send_attempts_outcome",
        ),
    )
    op.create_index("ix_send_attempts_message", "send_attempts", ["message_id", "id"])
    op.create_table(
        "send_pace",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("next_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "channel_breakers",
        sa.Column("channel_id", sa.String(40), sa.ForeignKey("channels.id"), primary_key=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=True),
        sa.Column("probe_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("state IN ('closed', 'open')", name="ck_channel_breakers_state"),
    )


def downgrade() -> None:
    op.drop_table("channel_breakers")
    op.drop_table("send_pace")
    op.drop_index("ix_send_attempts_message", table_name="send_attempts")
    op.drop_table("send_attempts")
    op.drop_index("ix_messages_outbound_due", table_name="messages")
    # a message discarded or handled by phone was failed before: it is failed again
    op.execute("UPDATE messages SET status = 'failed' WHERE status IN ('discarded', 'handled')")
    if op.get_bind().dialect.name == "sqlite":  # in place: a batch would copy the tables
        for table, column in (
            ("channels", "campaigns_paused_until"),
            ("channels", "pacing"),
            ("messages", "deferrals"),
            ("messages", "priority"),
        ):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column("channels", "campaigns_paused_until")
        op.drop_column("channels", "pacing")
        op.drop_column("messages", "deferrals")
        op.drop_column("messages", "priority")
