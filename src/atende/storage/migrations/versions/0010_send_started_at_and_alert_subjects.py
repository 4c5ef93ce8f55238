"""send_started_at on messages; alert subjects, open once per kind and subject

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import atende.storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OPEN = sa.text("resolved_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("send_started_at", atende.storage.types.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=128), nullable=True))
    op.create_index(
        "uq_alerts_open_subject",
        "alerts",
        ["organization_id", "kind", "subject"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_alerts_open_subject", table_name="alerts")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("subject")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("send_started_at")
