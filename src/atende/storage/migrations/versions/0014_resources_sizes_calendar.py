"""resources, prices by size, special days: capacity is per resource, not per service

- ``resources`` (people or stations) and ``resource_services`` (what each can do); every
  existing service gets one resource named after it, able to do it, and every existing
  booking gets its service's resource — so an existing shop books exactly as before.
  (Booked rows of one service that overlap — only after a downgrade from this revision
  kept parallel bookings — are spread over as many resources as needed.)
- ``bookings.resource_id`` (required), ``held_until`` (the end plus the service's cleanup:
  ``ends_at`` for existing rows), ``price`` (as quoted; empty for existing rows).
- the unique index on (service, start) of booked rows becomes one on (resource, start);
  on PostgreSQL an exclusion constraint also refuses two overlapping booked rows of one
  resource (no extension needed: the resource id as a one-point range).
- ``services.cleanup_minutes``, ``service_prices`` (price/duration by size and coat),
  ``pets.size`` and ``pets.coat``, ``special_days`` (closures, special hours, holidays open).

Downgrading drops all of it. Where two booked rows of one service start at the same time
(two resources in parallel, which the previous release cannot express) both bookings are
kept and the old (service, start) index is created without uniqueness, with a warning.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import atende.storage.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
BOOKED = sa.text("status = 'booked'")
SIZES = "'mini', 'pequeno', 'medio', 'grande', 'gigante'"
COATS = "'curto', 'longo'"
EXCLUSION = "ex_bookings_resource_overlap"
_SERVICES = sa.table(
    "services", sa.column("id", Id), sa.column("organization_id", Id), sa.column("name")
)
_RESOURCES = sa.table(
    "resources",
    sa.column("id", Id),
    sa.column("organization_id", Id),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("booking_seq", sa.Integer),
    sa.column("created_at", atende.storage.types.UTCDateTime()),
)
_BOOKINGS = sa.table(
    "bookings",
    sa.column("id", Id),
    sa.column("service_id", Id),
    sa.column("resource_id", Id),
    sa.column("status", sa.String),
    sa.column("starts_at", atende.storage.types.UTCDateTime()),
    sa.column("ends_at", atende.storage.types.UTCDateTime()),
)
_RESOURCE_SERVICES = sa.table(
    "resource_services",
    sa.column("organization_id", Id),
    sa.column("resource_id", Id),
    sa.column("service_id", Id),
)


def _org() -> sa.Column[int]:
    return sa.Column("organization_id", Id, sa.ForeignKey("organizations.id"), nullable=False)


def _create_tables() -> None:
    op.create_table(
        "resources",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _org(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("booking_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", atende.storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("organization_id", "name"),
        sa.CheckConstraint("kind IN ('person', 'station')", name="ck_resources_kind"),
    )
    op.create_index("ix_resources_organization_id", "resources", ["organization_id"])
    op.create_table(
        "resource_services",
        _org(),
        sa.Column(
            "resource_id",
            Id,
            sa.ForeignKey("resources.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "service_id", Id, sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_index(
        "ix_resource_services_organization_id", "resource_services", ["organization_id"]
    )
    op.create_table(
        "service_prices",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _org(),
        sa.Column(
            "service_id", Id, sa.ForeignKey("services.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("size", sa.String(length=16), nullable=True),
        sa.Column("coat", sa.String(length=16), nullable=True),
        sa.Column("price", sa.Numeric(10, 2), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.UniqueConstraint("service_id", "size", "coat"),
        sa.CheckConstraint(f"size IS NULL OR size IN ({SIZES})", name="ck_service_prices_size"),
        sa.CheckConstraint(f"coat IS NULL OR coat IN ({COATS})", name="ck_service_prices_coat"),
    )
    op.create_index("ix_service_prices_organization_id", "service_prices", ["organization_id"])
    op.create_table(
        "special_days",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _org(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("opens", sa.Time(), nullable=True),
        sa.Column("closes", sa.Time(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('closed', 'open', 'hours')", name="ck_special_days_kind"),
    )
    op.create_index("ix_special_days_organization_day", "special_days", ["organization_id", "day"])


def _add_resource(conn: sa.Connection, org_id: int, name: str, service_id: int) -> int:
    resource_id: int = conn.execute(
        _RESOURCES.insert()
        .values(
            organization_id=org_id,
            name=name,
            kind="station",
            active=True,
            booking_seq=0,
            created_at=atende.storage.types.utcnow(),
        )
        .returning(_RESOURCES.c.id)
    ).scalar_one()
    conn.execute(
        _RESOURCE_SERVICES.insert().values(
            organization_id=org_id, resource_id=resource_id, service_id=service_id
        )
    )
    return resource_id


def _one_resource_per_service() -> None:
    conn = op.get_bind()
    services = conn.execute(sa.select(_SERVICES)).all()
    first = {s.id: _add_resource(conn, s.organization_id, s.name, s.id) for s in services}
    op.execute(
        "UPDATE bookings SET held_until = ends_at, resource_id = (SELECT rs.resource_id "
        "FROM resource_services rs WHERE rs.service_id = bookings.service_id)"
    )
    for service in services:
        _spread_overlaps(conn, service.organization_id, service.id, service.name, first[service.id])


def _spread_overlaps(
    conn: sa.Connection, org_id: int, service_id: int, name: str, first: int
) -> None:
    """Booked rows of one service never overlapped under the previous release, except
    after a downgrade from this one kept parallel bookings: those go to more resources of
    the service ("Banho (2)"), as many as the most that overlap at once."""
    rows = conn.execute(
        sa.select(_BOOKINGS.c.id, _BOOKINGS.c.starts_at, _BOOKINGS.c.ends_at)
        .where(_BOOKINGS.c.service_id == service_id, _BOOKINGS.c.status == "booked")
        .order_by(_BOOKINGS.c.starts_at, _BOOKINGS.c.id)
    ).all()
    lanes: list[tuple[int, datetime]] = []  # (resource, end of its last booking)
    for row in rows:
        lane = next((i for i, (_, end) in enumerate(lanes) if end <= row.starts_at), len(lanes))
        if lane == len(lanes):
            extra = _add_resource(conn, org_id, f"{name} ({lane + 1})", service_id) if lane else 0
            lanes.append((extra or first, row.ends_at))
        resource_id = lanes[lane][0]
        lanes[lane] = (resource_id, row.ends_at)
        if resource_id != first:
            conn.execute(
                _BOOKINGS.update().where(_BOOKINGS.c.id == row.id).values(resource_id=resource_id)
            )


def upgrade() -> None:
    _create_tables()
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cleanup_minutes", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("pets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("size", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("coat", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint("ck_pets_size", f"size IS NULL OR size IN ({SIZES})")
        batch_op.create_check_constraint("ck_pets_coat", f"coat IS NULL OR coat IN ({COATS})")
    op.drop_index("uq_bookings_service_start_booked", table_name="bookings")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resource_id", Id, nullable=True))
        batch_op.add_column(
            sa.Column("held_until", atende.storage.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("price", sa.Numeric(10, 2), nullable=True))
    _one_resource_per_service()
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.alter_column("resource_id", existing_type=Id, nullable=False)
        batch_op.alter_column(
            "held_until", existing_type=atende.storage.types.UTCDateTime(), nullable=False
        )
        batch_op.create_foreign_key(
            "fk_bookings_resource_id_resources", "resources", ["resource_id"], ["id"]
        )
    op.create_index(
        "uq_bookings_resource_start_booked",
        "bookings",
        ["resource_id", "starts_at"],
        unique=True,
        sqlite_where=BOOKED,
        postgresql_where=BOOKED,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE bookings ADD CONSTRAINT {EXCLUSION} EXCLUDE USING gist "
            "(int8range(resource_id, resource_id, '[]') WITH =, "
            "tsrange(starts_at, held_until) WITH &&) WHERE (status = 'booked')"
        )


def _service_index_can_be_unique() -> bool:
    clashes = op.get_bind().execute(
        sa.text(
            "SELECT service_id, starts_at FROM bookings WHERE status = 'booked' "
            "GROUP BY service_id, starts_at HAVING COUNT(*) > 1"
        )
    )
    count = len(clashes.all())
    if count:
        log.warning(
            "%d times have several booked rows of one service (parallel resources): "
            "kept; uq_bookings_service_start_booked is created without uniqueness",
            count,
        )
    return count == 0


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE bookings DROP CONSTRAINT IF EXISTS {EXCLUSION}")
    op.drop_index("uq_bookings_resource_start_booked", table_name="bookings")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint("fk_bookings_resource_id_resources", type_="foreignkey")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("price")
        batch_op.drop_column("held_until")
        batch_op.drop_column("resource_id")
    op.create_index(
        "uq_bookings_service_start_booked",
        "bookings",
        ["service_id", "starts_at"],
        unique=_service_index_can_be_unique(),
        sqlite_where=BOOKED,
        postgresql_where=BOOKED,
    )
    with op.batch_alter_table("pets", schema=None) as batch_op:
        batch_op.drop_constraint("ck_pets_coat", type_="check")
        batch_op.drop_constraint("ck_pets_size", type_="check")
        batch_op.drop_column("coat")
        batch_op.drop_column("size")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("cleanup_minutes")
    op.drop_index("ix_special_days_organization_day", table_name="special_days")
    op.drop_table("special_days")
    op.drop_index("ix_service_prices_organization_id", table_name="service_prices")
    op.drop_table("service_prices")
    op.drop_index("ix_resource_services_organization_id", table_name="resource_services")
    op.drop_table("resource_services")
    op.drop_index("ix_resources_organization_id", table_name="resources")
    op.drop_table("resources")
