"""Confirmed bookings, return intervals per service and the follow-ups sent

- ``bookings.status`` gains ``confirmed`` (the customer answered the reminder "1"): it
  holds its slot like ``booked``, so the partial unique index on (service, start) now
  covers both. The index is only replaced where it exists as 0001 made it: a branch that
  reworked bookings' uniqueness (resources) keeps its own and must cover ``confirmed``
  there. Down, confirmed bookings become booked again (the confirmation is lost, the
  appointment is not).
- ``services.return_days``: days after a visit when the pet is due again (NULL: never).
  Existing services get none; ``atende followups SLUG --every Banho=15`` sets them.
- ``followups``: one row per nudge sent, unique per visit it counts from (the cycle).

Written independently of revision 0014 (another branch); only 0013 is assumed.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atende.storage.types import UTCDateTime

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEX = "uq_bookings_service_start_booked"
HELD = "status IN ('booked', 'confirmed')"
BOOKED = "status = 'booked'"
Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def _has_index() -> bool:
    return any(i["name"] == INDEX for i in sa.inspect(op.get_bind()).get_indexes("bookings"))


def _unique_index(where: str) -> None:
    """Replace the partial unique index on bookings (service, start) with ``where``."""
    if not _has_index():
        return
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(
            INDEX,
            ["service_id", "starts_at"],
            unique=True,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def upgrade() -> None:
    _unique_index(HELD)
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
    _unique_index(BOOKED)
