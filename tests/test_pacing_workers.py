"""Real `atende worker` processes and the send classes: two workers sending through one
paced channel keep one pace — it lives in the database (``send_pace``), not in either
process — and a customer's answer is not queued behind a campaign's backlog.

Replies (customers who wrote, answered by the workers' flushes) and campaign messages
(queued through the storage API, scheduled through the real queue) go out through the
fake Twilio, which stamps each arrival; the spacing is read from those stamps, as the
provider would see it. Runs on SQLite + SQLite queue and on PostgreSQL + Redis.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from atende.domain.sending import UNPACED, SendClass
from atende.storage import heartbeats, messages
from atende.storage.db import transaction
from atende.storage.models import Channel, Contact, Conversation, Message
from atende.storage.types import utcnow
from tests.support.cluster import Cluster, phones
from tests.support.fake_twilio import FakeTwilio

pytestmark = pytest.mark.wall_clock  # `atende worker` processes on the machine's clock

MIN_INTERVAL = 0.5  # the channel: one message every half second
PER_CONTACT = 2.0  # one customer: one message every two seconds
# A slot taken at t reaches the provider a few milliseconds after t; the first request of
# a worker also opens its connection, and on a loaded 2-core machine that once arrived 52 ms
# late (gap 0.448 s in a full run): a gap of 0.4 s still proves the pace (unpaced: ~0 s).
SLACK = 0.1
CUSTOMERS = 6
CAMPAIGN_PER_CUSTOMER = 2


@pytest.fixture
def cluster(
    backends: tuple[str, str], tmp_path: Path, fake_twilio: FakeTwilio
) -> Iterator[Cluster]:
    c = Cluster(*backends, tmp_path, fake_twilio, buffer=0.3)
    yield c
    c.close()


def _pace(cluster: Cluster, **pacing: float) -> None:
    with transaction(cluster.runtime.sessions) as s:
        row = s.get(Channel, cluster.channel.id)
        assert row is not None
        row.pacing = {**UNPACED, **pacing}


def _wait_for_workers(cluster: Cluster, timeout: float = 30) -> None:
    """Both workers consuming (each writes its heartbeat as it starts), so the burst
    really is split between them."""
    pids = {f":{proc.pid}" for proc in cluster.workers}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with cluster.runtime.sessions() as s:
            alive = {w.id[w.id.rindex(":") :] for w in heartbeats.alive(s, 60)}
        if pids <= alive:
            return
        time.sleep(0.1)
    raise AssertionError(f"workers did not start; logs:\n{cluster.logs()}")


def _queue_campaign(cluster: Cluster, customers: list[str]) -> None:
    """Campaign messages to the customers who just wrote, scheduled at once."""
    ids: list[int] = []
    channel = cluster.channel
    with transaction(cluster.runtime.sessions) as s:
        conversations = list(
            s.scalars(select(Conversation).where(Conversation.channel_id == channel.id))
        )
        assert len(conversations) == len(customers)
        for conv in conversations:
            for n in range(CAMPAIGN_PER_CUSTOMER):
                msg_id = messages.add_outbound(
                    s,
                    channel.organization_id,
                    conv.id,
                    channel.id,
                    f"Promoção {n} para a conversa {conv.id} 🛁",
                    f"campaign:test:{conv.id}:{n}",
                    author="campaign",
                )
                assert msg_id is not None
                ids.append(msg_id)
    for msg_id in ids:
        cluster.runtime.queue.schedule_send(msg_id, 0.0, SendClass.CAMPAIGN)


def _gaps(stamps: list[datetime]) -> list[float]:
    ordered = sorted(stamps)
    return [(b - a).total_seconds() for a, b in pairwise(ordered)]


def test_two_workers_keep_one_pace_per_channel_and_per_customer(cluster: Cluster) -> None:
    _pace(cluster, min_interval=MIN_INTERVAL, per_contact=PER_CONTACT)
    first, second = cluster.start_worker(), cluster.start_worker()
    _wait_for_workers(cluster)
    customers = phones(CUSTOMERS)
    for n, phone in enumerate(customers):
        cluster.say(phone, "oi", n)  # answered by a flush on either worker
    _queue_campaign(cluster, customers)
    cluster.settle(timeout=40)

    with cluster.runtime.sessions() as s:
        outbound = list(s.scalars(select(Message).where(Message.direction == "out")))
    assert {m.status for m in outbound} == {"sent"}
    assert Counter(m.priority for m in outbound) == {
        SendClass.REPLY: CUSTOMERS,
        SendClass.CAMPAIGN: CUSTOMERS * CAMPAIGN_PER_CUSTOMER,
    }
    sent = list(cluster.twilio.sent)
    copies = Counter((s.form["To"], s.form["Body"]) for s in sent)
    assert len(sent) == len(outbound) and set(copies.values()) == {1}, copies  # each once
    assert sorted(s.sid for s in sent) == sorted(m.provider_id or "" for m in outbound)
    assert cluster.sent_by(first) > 0 and cluster.sent_by(second) > 0  # both sent some

    channel_gaps = _gaps([s.created for s in sent])
    assert min(channel_gaps) >= MIN_INTERVAL - SLACK, channel_gaps
    by_customer: dict[str, list[datetime]] = defaultdict(list)
    for s in sent:
        by_customer[s.form["To"]].append(s.created)
    assert len(by_customer) == CUSTOMERS
    for to, stamps in by_customer.items():
        assert min(_gaps(stamps)) >= PER_CONTACT - 2 * SLACK, (to, _gaps(stamps))


def _audience(cluster: Cluster, count: int) -> list[int]:
    """``count`` clients who talked to the shop, each with a campaign message due now."""
    channel = cluster.channel
    with transaction(cluster.runtime.sessions) as s:
        contacts = [
            Contact(organization_id=channel.organization_id, phone=f"+55118{i:08d}")
            for i in range(count)
        ]
        s.add_all(contacts)
        s.flush()
        conversations = [
            Conversation(
                organization_id=channel.organization_id,
                contact_id=c.id,
                channel_id=channel.id,
                last_inbound_at=utcnow(),
            )
            for c in contacts
        ]
        s.add_all(conversations)
        s.flush()
        ids = [
            messages.add_outbound(
                s,
                channel.organization_id,
                conv.id,
                channel.id,
                f"Promoção para {conv.id} 🛁",
                f"campaign:test:{conv.id}",
                author="campaign",
            )
            for conv in conversations
        ]
    return [i for i in ids if i is not None]


@pytest.fixture
def idle_cluster(
    backends: tuple[str, str], tmp_path: Path, fake_twilio: FakeTwilio
) -> Iterator[Cluster]:
    c = Cluster(*backends, tmp_path, fake_twilio, buffer=0)  # a burst is flushed at once
    yield c
    c.close()


def test_a_customer_is_answered_before_a_campaigns_backlog(idle_cluster: Cluster) -> None:
    """300 campaign sends are queued when a customer writes: the worker answers the
    customer first — the flush that writes the answer, then its send, jump the queue."""
    cluster = idle_cluster
    backlog = _audience(cluster, 300)
    for msg_id in backlog:
        cluster.runtime.queue.schedule_send(msg_id, 0.0, SendClass.CAMPAIGN)
    customer = "+5511977770000"
    cluster.say(customer, "qual o horário de funcionamento?", 0)
    cluster.start_worker()
    cluster.settle(timeout=60)
    order = [s.form["To"] for s in cluster.twilio.sent]
    assert len(order) == len(backlog) + 1
    assert order.index(f"whatsapp:{customer}") < 10, order.index(f"whatsapp:{customer}")
