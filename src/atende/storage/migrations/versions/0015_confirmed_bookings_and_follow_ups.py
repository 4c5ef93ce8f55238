"""Confirmed bookings, return intervals per service and the follow-ups sent

- ``bookings.status`` gains ``confirmed`` (the customer answered the reminder "1"): it
  holds its slot like ``booked``, so the partial unique index on (resource, start) and,
  on PostgreSQL, the exclusion constraint over a resource's times (0014) now cover both.
  Down, confirmed bookings become booked again (the confirmation is lost, the
  appointment is not).
- ``services.return_days``: days after a visit when the pet is due again (NULL: never).
  Existing services get none; ``atende followups SLUG --every Banho=15`` sets them.
- ``followups``: one row per nudge sent, unique per visit it counts from (the cycle).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atende.storage.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

INDEX = "uq_bookings_resource_start_booked"
EXCLUSION = "ex_bookings_resource_overlap"
HELD = "status IN ('booked', 'confirmed')"
BOOKED = "status = 'booked'"
Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def _held_where(where: str) -> None:
    """The database's guards against two appointments of one resource at once (0014)
    count the bookings ``where`` selects."""
    op.drop_index(INDEX, table_name="bookings")
    op.create_index(
        INDEX,
        "bookings",
        ["resource_id", "starts_at"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE bookings DROP CONSTRAINT IF EXISTS {EXCLUSION}")
        op.execute(
            f"ALTER TABLE bookings ADD CONSTRAINT {EXCLUSION} EXCLUDE USING gist "
            "(int8range(resource_id, resource_id, '[]') WITH =, "
            f"tsrange(starts_at, held_until) WITH &&) WHERE ({where})"
        )


def upgrade() -> None:
    _held_where(HELD)
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_days", sa.Integer(), nullable=True))
    op.create_table(
        "followups",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("organization_id", Id, sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("contact_id", Id, sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("pet_id", Id, sa.ForeignKey("pets.id"), nullable=True),
        sa.Column("service_id", Id, sa.ForeignKey("services.id"), nullable=False),
        sa.Column("after_booking_id", Id, sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("message_id", Id, sa.ForeignKey("messages.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("after_booking_id", name="uq_followups_after_booking"),
    )
    op.create_index(
        "ix_followups_organization_created", "followups", ["organization_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_followups_organization_created", table_name="followups")
    op.drop_table("followups")
    # SQLite (3.35+) drops the column in place: a batch would copy ``services``, which the
    # bookings' foreign keys forbid once there are bookings
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE services DROP COLUMN return_days")
    else:
        op.drop_column("services", "return_days")
    op.execute("UPDATE bookings SET status = 'booked' WHERE status = 'confirmed'")
    _held_where(BOOKED)
