"""The sweeper re-schedules what the database says is due, without flooding the queue:
a message still waiting in a backlog is not scheduled again on every sweep, while a
claim left by a dead worker is picked up at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from atende.pipeline.sweeper import Sweeper
from atende.storage import conversations, messages
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.demo import create_demo
from atende.storage.models import Channel, Contact, Message
from atende.storage.types import utcnow


class Recorder:
    """The queue port, collecting what would be enqueued."""

    def __init__(self) -> None:
        self.sends: list[int] = []

    def schedule_flush(self, conversation_id: int, version: int, delay: float) -> None:
        return None

    def schedule_send(self, message_id: int, delay: float, send_class: int = 0) -> None:
        self.sends.append(message_id)

    def schedule_reconnect(self, channel_id: str, delay: float) -> None:
        return None


def test_a_backlog_is_swept_once_and_a_dead_workers_claim_at_once(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org = create_demo(s)
        channel_id = org_channel(s, org.id)
        contact = Contact(organization_id=org.id, phone="+5511988887777")
        s.add(contact)
        s.flush()
        conv = conversations.ensure_conversation(s, org.id, channel_id, contact.id)
        ids = [messages.add_outbound(s, org.id, conv, channel_id, f"r{n}", f"k{n}") for n in (1, 2)]
        s.execute(update(Message).values(created_at=utcnow() - timedelta(minutes=5)))
    queue = Recorder()
    sweeper = Sweeper(sessions, queue)
    sweeper.sweep(30)
    sweeper.sweep(30)
    assert queue.sends == ids  # waiting behind each other in the queue: not again
    with transaction(sessions) as s:  # the first was claimed by a worker that then died
        s.execute(
            update(Message)
            .where(Message.id == ids[0])
            .values(status="sending", attempts=1, claimed_until=utcnow() - timedelta(seconds=1))
        )
    sweeper.sweep(30)
    assert queue.sends == [*ids, ids[0]]
    engine.dispose()


def org_channel(s: Session, org_id: int) -> str:
    channel = s.scalar(select(Channel.id).where(Channel.organization_id == org_id))
    assert channel is not None
    return channel
