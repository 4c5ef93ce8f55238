"""Blocked time on a resource: a day off, a meeting, a machine being fixed.

A block makes its resource busy like an appointment (``resources.busy`` counts both),
so free times skip it and ``bookings.book`` will not put anyone there. Adding one takes
the resource's row lock first, as a booking does, and refuses a block over booked
appointments (they are listed: move or cancel them first).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from atende.domain.states import HOLDS_SLOT
from atende.errors import InvalidInput, NotFound, OrphansBookings
from atende.storage import resources as resource_repo
from atende.storage.models import Booking, ResourceBlock
from atende.storage.portable import rowcount

MAX_BLOCK_DAYS = 366


def add_block(
    session: Session,
    org_id: int,
    resource_id: int,
    starts_at: datetime,
    ends_at: datetime,
    note: str = "",
    actor: str = "",
) -> ResourceBlock:
    if not starts_at < ends_at:
        raise InvalidInput("a block must end after it starts")
    if (ends_at - starts_at).days > MAX_BLOCK_DAYS:
        raise InvalidInput(f"a block lasts at most {MAX_BLOCK_DAYS} days")
    if not resource_repo.lock(session, org_id, resource_id):
        raise NotFound(f"resource {resource_id} not found")
    clashing = session.scalars(
        select(Booking.id)
        .where(
            Booking.organization_id == org_id,
            Booking.resource_id == resource_id,
            Booking.status.in_(HOLDS_SLOT),
            Booking.starts_at < ends_at,
            Booking.held_until > starts_at,
        )
        .order_by(Booking.starts_at)
    ).all()
    if clashing:
        ids = list(clashing)
        raise OrphansBookings(
            f"bookings {', '.join(map(str, ids))} are at that time on this resource: "
            "move or cancel them first",
            ids,
        )
    block = ResourceBlock(
        organization_id=org_id,
        resource_id=resource_id,
        starts_at=starts_at,
        ends_at=ends_at,
        note=" ".join(note.split())[:200],
        created_by=actor[:100],
    )
    session.add(block)
    session.flush()
    return block


def remove_block(session: Session, org_id: int, block_id: int) -> bool:
    result = session.execute(
        delete(ResourceBlock).where(
            ResourceBlock.organization_id == org_id, ResourceBlock.id == block_id
        )
    )
    return rowcount(result) == 1
