"""Customers' own choices about what we send them."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from atende.storage.models import Contact
from atende.storage.types import utcnow


def opt_out(session: Session, org_id: int, contact_id: int) -> None:
    """No more campaigns for this customer (reminders of their own bookings still go)."""
    session.execute(
        update(Contact)
        .where(
            Contact.organization_id == org_id,
            Contact.id == contact_id,
            Contact.opted_out_at.is_(None),
        )
        .values(opted_out_at=utcnow())
    )
