"""llm_calls indexed by organization and time (the daily budget sums them every turn)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_llm_calls_organization_created", "llm_calls", ["organization_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_llm_calls_organization_created", table_name="llm_calls")
