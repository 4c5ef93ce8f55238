"""States of bookings, conversations and messages, and the rules between them."""

from __future__ import annotations

from enum import StrEnum


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


HOLDS_SLOT = (BookingStatus.BOOKED,)


class ConversationState(StrEnum):
    """Who answers a conversation: the bot, or a person who took it over."""

    BOT = "bot"
    HUMAN = "human"


class MessageStatus(StrEnum):
    """Lifecycle of a message; inbound ones are ``received``."""

    RECEIVED = "received"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


STATUS_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.READ: 4,
}


def may_advance(current: str, new: str) -> bool:
    """Provider callbacks arrive out of order: never move a message backwards."""
    if current == new:
        return False
    if new == MessageStatus.FAILED:
        return current not in (MessageStatus.DELIVERED, MessageStatus.READ)
    if current == MessageStatus.FAILED:
        return new in (MessageStatus.DELIVERED, MessageStatus.READ)
    cur = STATUS_RANK.get(MessageStatus(current), -1) if current in STATUS_RANK else -1
    return STATUS_RANK.get(MessageStatus(new), -1) > cur if new in STATUS_RANK else False
