"""Campaign drafts and where to reach each client."""

from __future__ import annotations

from sqlalchemy import select, true, update
from sqlalchemy.orm import Session

from atende.storage.models import Campaign, Channel, Contact, Conversation
from atende.storage.portable import rowcount
from atende.storage.types import utcnow


def create_draft(
    session: Session, org_id: int, kind: str, body: str, audience: list[int]
) -> Campaign:
    campaign = Campaign(organization_id=org_id, kind=kind, body=body, audience=audience)
    session.add(campaign)
    session.flush()
    return campaign


def get(session: Session, org_id: int, campaign_id: int) -> Campaign | None:
    return session.scalar(
        select(Campaign).where(Campaign.organization_id == org_id, Campaign.id == campaign_id)
    )


def start_sending(session: Session, org_id: int, campaign_id: int) -> bool:
    """Draft → sending, once: a second confirmation cannot send it twice."""
    result = session.execute(
        update(Campaign)
        .where(
            Campaign.organization_id == org_id,
            Campaign.id == campaign_id,
            Campaign.status == "draft",
        )
        .values(status="sent", confirmed_at=utcnow())
    )
    return rowcount(result) == 1


def discard(session: Session, org_id: int, campaign_id: int) -> None:
    session.execute(
        update(Campaign)
        .where(
            Campaign.organization_id == org_id,
            Campaign.id == campaign_id,
            Campaign.status == "draft",
        )
        .values(status="discarded")
    )


def reachable(
    session: Session, org_id: int, contact_ids: list[int], marketing: bool = False
) -> list[tuple[Contact, int, str]]:
    """(contact, conversation id, channel id) of each contact's latest conversation on an
    active channel; contacts never talked to on WhatsApp cannot be reached and are left out,
    and ``marketing`` leaves out those who asked not to get campaigns."""
    if not contact_ids:
        return []
    stmt = (
        select(Contact, Conversation.id, Conversation.channel_id)
        .join(Conversation, Conversation.contact_id == Contact.id)
        .join(Channel, Channel.id == Conversation.channel_id)
        .where(
            Contact.organization_id == org_id,
            Contact.id.in_(contact_ids),
            Channel.status == "active",
            Contact.opted_out_at.is_(None) if marketing else true(),
        )
        .order_by(
            Contact.id, Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc()
        )
    )
    seen: dict[int, tuple[Contact, int, str]] = {}
    for contact, conv_id, channel_id in session.execute(stmt):
        seen.setdefault(contact.id, (contact, conv_id, channel_id))
    return list(seen.values())
