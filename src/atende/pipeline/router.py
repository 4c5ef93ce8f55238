"""Who answers a burst: the customer agent, or nobody because a person took over."""

from __future__ import annotations

from enum import StrEnum

from atende.domain.states import ConversationState
from atende.storage.models import Contact, Conversation, Organization


class Route(StrEnum):
    CLIENT = "client"
    SILENT = "silent"


def route_for(org: Organization, contact: Contact, conv: Conversation) -> Route:
    if conv.state == ConversationState.HUMAN:
        return Route.SILENT
    return Route.CLIENT
