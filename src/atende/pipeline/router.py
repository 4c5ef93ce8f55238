"""Who answers a burst: the owner assistant, the customer agent, or nobody because a
person took over."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from atende.domain.states import ConversationState
from atende.storage.models import Contact, Conversation, Organization


class Route(StrEnum):
    CLIENT = "client"
    OWNER = "owner"
    SILENT = "silent"


def route_for(org: Organization, contact: Contact, conv: Conversation, now: datetime) -> Route:
    """The owner's numbers always reach the owner assistant, never the customer agent.
    A takeover from the phone ends by itself after its quiet period; one from the
    dashboard or the API lasts until released."""
    if contact.phone in (org.owner_phones or []):
        return Route.OWNER
    if conv.state != ConversationState.HUMAN:
        return Route.CLIENT
    if conv.human_until is not None and conv.human_until <= now:
        conv.state = ConversationState.BOT
        conv.human_until = None
        return Route.CLIENT
    return Route.SILENT
