"""Talk to the offline brain through ingest + flush, without HTTP or a worker."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from atende.channels.base import ChannelConfig, InboundMessage
from atende.runtime import Runtime
from atende.storage import orgs
from atende.storage.db import transaction
from atende.storage.models import Contact, Conversation, Message
from atende.storage.types import utcnow

TZ = ZoneInfo("America/Sao_Paulo")


def next_weekday(weekday: int, min_days: int = 2) -> date:
    """The first day with this weekday at least ``min_days`` from today (São Paulo)."""
    day = utcnow().astimezone(TZ).date() + timedelta(days=min_days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


class Customer:
    def __init__(
        self, runtime: Runtime, org_slug: str, phone: str, name: str | None = None
    ) -> None:
        self.runtime = runtime
        self.phone = phone
        self.name = name
        with transaction(runtime.sessions) as s:
            org = orgs.org_by_slug(s, org_slug)
            assert org is not None
            row = orgs.channels_of(s, org.id, "simulator")[0]
            self.channel = ChannelConfig(row.id, org.id, row.provider, row.address, {})

    def send(self, *texts: str) -> list[str]:
        """Send a burst, flush it, return the bot's replies to it."""
        for text in texts:
            msg = InboundMessage("t-" + secrets.token_hex(8), self.phone, self.name, "text", text)
            self.runtime.pipeline.ingestor.ingest(self.channel, msg)
        conv_id = self.conversation().id
        result = self.runtime.pipeline.flush(conv_id)
        assert result is not None, "burst was not answered"
        with self.runtime.sessions() as s:
            rows = s.scalars(
                select(Message.body).where(Message.id.in_(result.reply_ids)).order_by(Message.id)
            )
            return list(rows)

    def say(self, *texts: str) -> str:
        return "\n".join(self.send(*texts))

    def conversation(self) -> Conversation:
        with self.runtime.sessions() as s:
            conv = s.scalar(
                select(Conversation)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.phone == self.phone, Conversation.channel_id == self.channel.id)
            )
            assert conv is not None
            return conv
