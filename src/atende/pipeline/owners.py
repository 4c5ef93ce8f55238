"""The owner's own WhatsApp chat with the business's number: where the daily summary and
an emergency notice go."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.domain.phones import normalize_phone
from atende.storage import campaigns, conversations
from atende.storage.models import Channel, Contact, Organization


def owner_conversation(session: Session, org: Organization, phone: str) -> tuple[int, str] | None:
    """The owner's own chat: the latest one on an active channel, or a new one on the
    business's first channel (a real provider before the simulator)."""
    phone = normalize_phone(phone)
    contact_id = conversations.find_contact(session, org.id, phone)
    if contact_id is not None:
        reach = campaigns.reachable(session, org.id, [contact_id])
        if reach:
            return reach[0][1], reach[0][2]
    channels = list(
        session.scalars(
            select(Channel)
            .where(Channel.organization_id == org.id, Channel.status == "active")
            .order_by(Channel.created_at)
        )
    )
    channels.sort(key=lambda c: c.provider == "simulator")
    if not channels:
        return None
    if contact_id is None:
        contact = Contact(organization_id=org.id, phone=phone, name=None)
        session.add(contact)
        session.flush()
        contact_id = contact.id
    return conversations.ensure_conversation(session, org.id, channels[0].id, contact_id), channels[
        0
    ].id
