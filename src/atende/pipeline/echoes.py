"""Messages the business number sent that atende did not: the owner answering from the
phone. The bot steps aside (conversation ``human``) until a quiet period has passed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atende.channels.base import ChannelConfig, OutboundEcho
from atende.domain.states import ConversationState, MessageStatus
from atende.storage import conversations, messages, orgs
from atende.storage.db import transaction
from atende.storage.models import Message, Organization
from atende.storage.types import utcnow

OWN_SEND_WINDOW = timedelta(minutes=5)


class EchoHandler:
    def __init__(self, sessions: sessionmaker[Session], quiet_minutes: float) -> None:
        self._sessions = sessions
        self._quiet = timedelta(minutes=quiet_minutes)

    def apply(self, channel: ChannelConfig, echo: OutboundEcho) -> str:
        """'ours' (our own send coming back), 'phone' (a person answered), or 'unknown'."""
        with transaction(self._sessions) as session:
            if self._is_ours(session, channel.id, echo):
                return "ours"
            contact_id = conversations.find_contact(
                session, channel.organization_id, echo.recipient
            )
            if contact_id is None:
                return "unknown"
            conv_id = conversations.ensure_conversation(
                session, channel.organization_id, channel.id, contact_id
            )
            conv = conversations.get(session, channel.organization_id, conv_id)
            assert conv is not None
            org = session.get(Organization, channel.organization_id)
            minutes = orgs.settings_of(org).phone_quiet_minutes if org else None
            quiet = self._quiet if minutes is None else timedelta(minutes=minutes)
            conv.state = ConversationState.HUMAN
            conv.human_until = utcnow() + quiet  # each phone reply restarts the wait
            conv.dialogue_state = {}
            conv.last_message_at = utcnow()
            messages.record_phone_reply(
                session, channel.organization_id, conv_id, channel.id, echo.body, echo.provider_id
            )
        return "phone"

    def _is_ours(self, session: Session, channel_id: str, echo: OutboundEcho) -> bool:
        """Sent by us: known provider id, or a reply of ours in flight with the same text
        (the echo can arrive before the send call has returned its id)."""
        known = session.scalar(
            select(Message.id).where(
                Message.channel_id == channel_id, Message.provider_id == echo.provider_id
            )
        )
        if known is not None:
            return True
        recent = session.scalar(
            select(Message.id).where(
                Message.channel_id == channel_id,
                Message.direction == "out",
                Message.author != "phone",
                Message.body == echo.body,
                Message.status.in_(
                    (
                        MessageStatus.SENDING.value,
                        MessageStatus.SENT.value,
                        MessageStatus.QUEUED.value,
                    )
                ),
                Message.updated_at >= utcnow() - OWN_SEND_WINDOW,
            )
        )
        return recent is not None
