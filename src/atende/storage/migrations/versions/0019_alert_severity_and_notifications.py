"""Alerts that reach a person: a severity per alert, and the log of every telling

- ``alerts.severity``: ``critical`` (told at once, through quiet hours) or ``warning``;
  the rows already there are filled from their kind (``domain/alerting.py``).
- ``alert_notifications``: one row per alert, event (opened / resolved) and target
  (whatsapp, email, webhook), unique: whoever inserts it tells, so two workers never tell
  the same thing twice; the organization's rows of the last hour are its rate limit.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atende.storage.types import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
CRITICAL = "('no_worker', 'database_down', 'queue_down', 'channel_down', " + (
    "'channel_needs_pairing', 'channel_breaker_open')"
)


def upgrade() -> None:
    # in place on both (ALTER TABLE ADD COLUMN): a batch would copy the table and its
    # partial unique index of open alerts
    op.add_column(
        "alerts", sa.Column("severity", sa.String(16), nullable=False, server_default="warning")
    )
    op.execute(f"UPDATE alerts SET severity = 'critical' WHERE kind IN {CRITICAL}")
    op.create_table(
        "alert_notifications",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("alert_id", Id, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("organization_id", Id, sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("event", sa.String(8), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("alert_id", "event", "target"),
        sa.CheckConstraint("event IN ('opened', 'resolved')", name="ck_alert_notifications_event"),
        sa.CheckConstraint(
            "status IN ('sending', 'sent', 'failed', 'skipped')",
            name="ck_alert_notifications_status",
        ),
    )
    op.create_index(
        "ix_alert_notifications_org_created",
        "alert_notifications",
        ["organization_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_alert_notifications_org_created", table_name="alert_notifications")
    op.drop_table("alert_notifications")
    if op.get_bind().dialect.name == "sqlite":  # in place: a batch would copy the table
        op.execute("ALTER TABLE alerts DROP COLUMN severity")
    else:
        op.drop_column("alerts", "severity")
