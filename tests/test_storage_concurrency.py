"""The database guarantees everything else relies on, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from atende.errors import SlotTaken
from atende.storage import bookings, conversations, orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.inbound import InboundWriter, Recorded
from atende.storage.models import Booking
from atende.storage.types import utcnow

PHONE = "+5511999990001"


def _setup(db_url: str) -> tuple[object, int, str, int, int]:
    """An organization, a channel, a service, and a customer whose first message (with a
    burst window of an hour) created the contact and the conversation."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org = orgs.create_org(s, "shop", "Shop")
        channel = orgs.add_channel(s, org.id, "simulator", "simulator", {})
        service = orgs.add_service(s, org.id, "Banho", Decimal("60"), 60)
        ids = (org.id, channel.id, service.id)
    _receive(engine, ids[0], ids[1], "first", 3600)
    with sessions() as s:
        contact = conversations.find_contact(s, ids[0], PHONE)
    assert contact is not None
    return (sessions, *ids, contact)


def _receive(
    engine: Engine, org_id: int, channel_id: str, provider_id: str, window: float
) -> Recorded:
    """One inbound message through the ingest writer the webhooks use."""
    message = {"kind": "text", "body": "oi", "provider_id": provider_id}
    writer = InboundWriter(engine)
    try:
        return writer.record(org_id, channel_id, PHONE, None, message, window)
    finally:
        writer.close()


def _engine(sessions: object) -> Engine:
    return sessions.kw["bind"]  # type: ignore[attr-defined, no-any-return]


def test_only_one_of_many_concurrent_claims_wins(db_url: str) -> None:
    sessions, org_id, channel_id, _, _ = _setup(db_url)
    conv = _receive(_engine(sessions), org_id, channel_id, "now", 0).conversation_id
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        with transaction(sessions) as s:  # type: ignore[arg-type]
            token = conversations.try_claim(s, conv, 30, 20)
        if token:
            winners.append(token)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_an_expired_claim_is_taken_over_and_the_old_holder_cannot_finish(db_url: str) -> None:
    sessions, org_id, channel_id, _, _ = _setup(db_url)
    recorded = _receive(_engine(sessions), org_id, channel_id, "now", 0)
    conv, version = recorded.conversation_id, recorded.version
    with transaction(sessions) as s:  # type: ignore[arg-type]
        first = conversations.try_claim(s, conv, 0.2, 20)
    assert first
    with transaction(sessions) as s:  # type: ignore[arg-type]
        assert conversations.try_claim(s, conv, 30, 20) is None  # still leased
    time.sleep(0.3)
    with transaction(sessions) as s:  # type: ignore[arg-type]
        second = conversations.try_claim(s, conv, 30, 20)
    assert second and second != first
    with transaction(sessions) as s:  # type: ignore[arg-type]
        assert not conversations.finish_claim(s, conv, first, version, {})
        assert conversations.finish_claim(s, conv, second, version, {})


def test_a_burst_is_not_claimed_before_its_deadline_unless_full(db_url: str) -> None:
    sessions, org_id, channel_id, _, _ = _setup(db_url)  # message 1, deadline in an hour
    engine = _engine(sessions)
    conv = _receive(engine, org_id, channel_id, "second", 60).conversation_id
    with transaction(sessions) as s:  # type: ignore[arg-type]
        assert conversations.try_claim(s, conv, 30, 3) is None
    assert _receive(engine, org_id, channel_id, "third", 60).pending == 3
    with transaction(sessions) as s:  # type: ignore[arg-type]
        assert conversations.try_claim(s, conv, 30, 3) is not None


def test_replayed_provider_id_is_ignored(db_url: str) -> None:
    sessions, org_id, channel_id, _, _ = _setup(db_url)
    engine = _engine(sessions)
    stored = _receive(engine, org_id, channel_id, "SM1", 60)
    replay = _receive(engine, org_id, channel_id, "SM1", 60)
    assert stored.message_id is not None and replay.message_id is None
    assert (
        _receive(engine, org_id, channel_id, "SM2", 60).version == stored.version + 1
    )  # no bump left


def test_concurrent_bookings_of_one_slot_let_exactly_one_win(db_url: str) -> None:
    sessions, org_id, _, service_id, contact_id = _setup(db_url)
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def attempt(offset_minutes: int) -> None:
        barrier.wait()
        try:
            with transaction(sessions) as s:  # type: ignore[arg-type]
                bookings.book(
                    s,
                    org_id,
                    contact_id,
                    service_id,
                    None,
                    start + timedelta(minutes=offset_minutes),
                )
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")

    # six customers, overlapping starts (0, 10, ..., 50 min) for a 60-minute service
    threads = [threading.Thread(target=attempt, args=(i * 10,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * 5
    with sessions() as s:  # type: ignore[operator]
        assert len(list(s.scalars(select(Booking)))) == 1


def test_cancelled_booking_frees_its_slot(db_url: str) -> None:
    sessions, org_id, _, service_id, contact_id = _setup(db_url)
    start = datetime.fromisoformat("2030-01-08T13:00:00+00:00")
    with transaction(sessions) as s:  # type: ignore[arg-type]
        first = bookings.book(s, org_id, contact_id, service_id, None, start)
    with transaction(sessions) as s:  # type: ignore[arg-type]
        assert bookings.cancel(s, org_id, first.id)
        assert not bookings.cancel(s, org_id, first.id)
    with transaction(sessions) as s:  # type: ignore[arg-type]
        bookings.book(s, org_id, contact_id, service_id, None, start)


def test_queries_are_scoped_by_organization(db_url: str) -> None:
    sessions, org_id, _, _, contact_id = _setup(db_url)
    with transaction(sessions) as s:  # type: ignore[arg-type]
        other = orgs.create_org(s, "other", "Other")
        assert conversations.contacts_of(s, other.id) == []
        assert len(conversations.contacts_of(s, org_id)) == 1
        assert bookings.upcoming_for_contact(s, other.id, contact_id) == []


def test_ingest_from_many_threads_stores_every_message(db_url: str, tmp_path: Path) -> None:
    """Callers may ingest from any thread: no connection may stay tied to one of them."""
    from concurrent.futures import ThreadPoolExecutor

    from atende.channels.base import ChannelConfig, InboundMessage
    from atende.runtime import build_runtime
    from atende.storage.models import Message
    from tests.conftest import settings_for

    _, org_id, channel_id, _, _ = _setup(db_url)
    runtime = build_runtime(settings_for(db_url, tmp_path, buffer_seconds=60))
    channel = ChannelConfig(channel_id, org_id, "simulator", "simulator", {})
    try:

        def one(n: int) -> int | None:
            msg = InboundMessage(f"many-{n}", f"+55119{n:08d}", None, "text", "oi")
            return runtime.pipeline.ingestor.ingest(channel, msg)

        for round_ in range(2):  # fresh threads each round
            with ThreadPoolExecutor(max_workers=60) as pool:
                ids = list(pool.map(one, range(round_ * 60, round_ * 60 + 60)))
            assert all(ids)
        with runtime.sessions() as s:
            # the 120 sent here, plus the first message of the setup
            assert s.scalar(select(func.count()).select_from(Message)) == 121
    finally:
        runtime.close()
