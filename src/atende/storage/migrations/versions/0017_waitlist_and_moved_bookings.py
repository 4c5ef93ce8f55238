"""The waitlist, times held for it, and moved bookings told from cancelled ones

- ``waitlist_entries``: a customer waiting for a time on a full day (service, day,
  optionally the period or time wanted), ``waiting`` → ``offered`` → ``booked`` or
  ``expired``; ``booking_id`` is the time held for them while offered.
- ``bookings.status`` gains ``held``: a freed time offered to the first in line, which
  blocks the slot like an appointment, so the partial unique index on (resource, start)
  and, on PostgreSQL, the exclusion constraint over a resource's times (0014, 0015) now
  count it too. Down, held times are released (deleted): the offer is lost, no
  appointment is.
- ``bookings.moved_to_id``: a cancelled booking that was moved points at the booking it
  became, so the owner's figures count a reschedule, not a cancellation. A plain column
  (no foreign key): SQLite drops it in place on the way down, where a batch would have to
  copy ``bookings``, which other tables' foreign keys forbid.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atende.storage.types import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

INDEX = "uq_bookings_resource_start_booked"
EXCLUSION = "ex_bookings_resource_overlap"
BLOCKING = "status IN ('booked', 'confirmed', 'held')"
HELD = "status IN ('booked', 'confirmed')"
Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def _blocking_where(where: str) -> None:
    """The database's guards against two appointments of one resource at once count the
    bookings ``where`` selects (as in 0015)."""
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
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_to_id", Id, nullable=True))
    _blocking_where(BLOCKING)
    op.create_table(
        "waitlist_entries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("organization_id", Id, sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("contact_id", Id, sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("pet_id", Id, sa.ForeignKey("pets.id"), nullable=True),
        sa.Column("service_id", Id, sa.ForeignKey("services.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("period", sa.String(8), nullable=True),
        sa.Column("wanted_at", sa.Time(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("booking_id", Id, sa.ForeignKey("bookings.id"), nullable=True),
        sa.Column("offered", sa.JSON(), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=True),
        sa.Column("offer_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'booked', 'expired')",
            name="ck_waitlist_entries_status",
        ),
    )
    op.create_index(
        "ix_waitlist_entries_organization_day",
        "waitlist_entries",
        ["organization_id", "day", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_waitlist_entries_organization_day", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
    op.execute("DELETE FROM bookings WHERE status = 'held'")
    _blocking_where(HELD)
    # SQLite (3.35+) drops the column in place: a batch would copy ``bookings``, which the
    # foreign keys of other tables forbid once there are bookings
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE bookings DROP COLUMN moved_to_id")
    else:
        op.drop_column("bookings", "moved_to_id")
