"""The staff agenda: resource blocks, the audit log, labelled API keys

- ``resource_blocks``: time a resource is unavailable (a day off, a meeting); busy for
  free times and bookings like an appointment.
- ``audit_log``: every change staff make through the CLI or the admin API — who (an API
  key's label, or ``cli:<user>``), what, to what, when, with details as JSON.
- ``api_keys.label``: who holds a key, named in the audit log (NULL: the key's prefix).

Down drops all three; nothing else depends on them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atende.storage.types import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "resource_blocks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("organization_id", Id, sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("resource_id", Id, sa.ForeignKey("resources.id"), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ck_resource_blocks_span"),
    )
    op.create_index("ix_resource_blocks_organization_id", "resource_blocks", ["organization_id"])
    op.create_index(
        "ix_resource_blocks_resource_start", "resource_blocks", ["resource_id", "starts_at"]
    )
    op.create_table(
        "audit_log",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("organization_id", Id, sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False, server_default=""),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_audit_log_organization_id", "audit_log", ["organization_id", "id"])
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(64), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops the column in place, as 0015 does
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE api_keys DROP COLUMN label")
    else:
        op.drop_column("api_keys", "label")
    op.drop_index("ix_audit_log_organization_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_resource_blocks_resource_start", table_name="resource_blocks")
    op.drop_index("ix_resource_blocks_organization_id", table_name="resource_blocks")
    op.drop_table("resource_blocks")
