"""States of bookings, conversations and messages, and the rules between them."""

from __future__ import annotations

from enum import StrEnum


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CONFIRMED = "confirmed"  # the customer answered the reminder: "1 confirma"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    # a freed time offered to the waitlist's first in line, held until they answer or the
    # hold expires (then the row is deleted): it blocks the slot, and counts nowhere else
    HELD = "held"


# A confirmed booking is a booked one the customer vouched for: it holds its slot and
# counts wherever a booked one does (free times, upcoming lists, the owner's figures).
HOLDS_SLOT = (BookingStatus.BOOKED, BookingStatus.CONFIRMED)
HAPPENED_OR_ON = (*HOLDS_SLOT, BookingStatus.COMPLETED)  # not cancelled, not missed
# what keeps a resource busy: appointments on, and a time held for the waitlist
BLOCKS_SLOT = (*HOLDS_SLOT, BookingStatus.HELD)


def booking_change_problem(current: str, new: str, started: bool) -> str | None:
    """Why a booking cannot move from ``current`` to ``new`` (None when it can): a
    cancellation is final, and only an appointment whose time has come can be marked
    attended or missed (a mistake between those two can be corrected); only a booking
    still on can be confirmed; a time held for the waitlist is the waitlist's own."""
    if current == new:
        return None
    if BookingStatus.HELD in (current, new):
        return "a time held for the waitlist changes only through the waitlist"
    if current == BookingStatus.CANCELLED:
        return "a cancelled booking cannot change"
    if new == BookingStatus.CONFIRMED and current != BookingStatus.BOOKED:
        return "only a booked appointment can be confirmed"
    if new in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW) and not started:
        return "only a booking whose time has come can be marked completed or no_show"
    if new == BookingStatus.BOOKED:
        return "a booking cannot go back to booked; book again instead"
    return None


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
    # the manual queue's ends for a failed message: let go, or dealt with by a person
    DISCARDED = "discarded"
    HANDLED = "handled"  # "resolvido por telefone"


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
