"""The owner's own WhatsApp chat with the business's number: where the daily summary, an
emergency notice and alert notifications go.

A customer is always answered through the channel they wrote to. The owner is told
things *by* the business, on whatever number can reach them now: when the channel of
their usual chat is down (its breaker open, its WhatsApp Web session closed), a summary
or an alert that went there would wait for it — so they go through another open channel
of the organization instead. One choice for every message to the owner, here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.domain.connections import NOT_OPEN
from atende.domain.phones import normalize_phone
from atende.storage import conversations, watch
from atende.storage.models import Contact, Conversation

# WhatsApp Web sessions that cannot send now (Evolution's connection states)


def healthy_channels(session: Session, org_id: int, avoid: str | None = None) -> list[str]:
    """The organization's channels that can send now — active, breaker not open, session
    not closed — real providers first, then the simulator; never ``avoid``."""
    usable = [
        channel
        for channel, breaker in watch.channels(session, org_id)
        if channel.status == "active"
        and channel.id != avoid
        and (breaker is None or breaker.state != "open")
        and channel.connection_state not in NOT_OPEN
    ]
    usable.sort(key=lambda c: c.provider == "simulator")
    return [c.id for c in usable]


def _reaching_a_phone(session: Session, org_id: int, channels: list[str]) -> list[str]:
    """``channels`` without the simulator when the organization has a real provider: the
    simulator (``atende chat``, the demo) reaches no phone, so a summary or an alert
    "sent" there while WhatsApp is down would be one nobody reads."""
    active = [c for c, _ in watch.channels(session, org_id) if c.status == "active"]
    simulators = {c.id for c in active if c.provider == "simulator"}
    if len(simulators) == len(active):
        return channels
    return [c for c in channels if c not in simulators]


def _active_channels(session: Session, org_id: int, avoid: str | None) -> list[str]:
    """Every active channel, real providers first: where a message waits when none is
    healthy (it goes out when its channel recovers)."""
    active = [
        channel
        for channel, _ in watch.channels(session, org_id)
        if channel.status == "active" and channel.id != avoid
    ]
    active.sort(key=lambda c: c.provider == "simulator")
    return [c.id for c in active]


def owner_conversation(
    session: Session,
    org_id: int,
    phone: str,
    *,
    avoid: str | None = None,
    healthy_only: bool = False,
) -> tuple[int, str] | None:
    """(conversation id, channel id) of the owner's chat to send to: their latest chat on a
    healthy channel, else a new chat on the first healthy channel; the simulator only in
    an organization with no real provider. With no healthy channel, their latest chat on
    any active channel, so the message waits there for the channel to come back — or
    None when ``healthy_only`` (an alert: its telling is tried again later) or the
    organization has no channel. ``avoid``: a channel never to use (the one an alert is
    about)."""
    channels = _reaching_a_phone(session, org_id, healthy_channels(session, org_id, avoid))
    if not channels and not healthy_only:
        channels = _reaching_a_phone(session, org_id, _active_channels(session, org_id, avoid))
    if not channels:
        return None
    phone = normalize_phone(phone)
    contact_id = conversations.find_contact(session, org_id, phone)
    if contact_id is None:
        contact = Contact(organization_id=org_id, phone=phone, name=None)
        session.add(contact)
        session.flush()
        contact_id = contact.id
    latest = session.execute(
        select(Conversation.id, Conversation.channel_id)
        .where(
            Conversation.organization_id == org_id,
            Conversation.contact_id == contact_id,
            Conversation.channel_id.in_(channels),
        )
        .order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc())
        .limit(1)
    ).first()
    if latest is not None:
        return latest[0], latest[1]
    return conversations.ensure_conversation(session, org_id, channels[0], contact_id), channels[0]
