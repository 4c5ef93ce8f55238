"""The database guarantees everything else relies on, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from atende.storage import bookings, conversations, messages, orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.models import Booking
from atende.storage.types import utcnow


def _setup(db_url: str) -> tuple[object, int, str, int, int]:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org = orgs.create_org(s, "shop", "Shop")
        channel = orgs.add_channel(s, org.id, "simulator", "simulator", {})
        service = orgs.add_service(s, org.id, "Banho", Decimal("60"), 60)
        contact = conversations.ensure_contact(s, org.id, "+5511999990001", None)
        ids = (org.id, channel.id, service.id, contact)
    return (sessions, *ids)


def test_only_one_of_many_concurrent_claims_wins(db_url: str) -> None:
    sessions, org_id, channel_id, _, contact_id = _setup(db_url)
    with transaction(sessions) as s:  # type: ignore[arg-type]
        conv = conversations.ensure_conversation(s, org_id, channel_id, contact_id)
        conversations.bump_buffer(s, conv, 0)
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
    sessions, org_id, channel_id, _, contact_id = _setup(db_url)
    with transaction(sessions) as s:  # type: ignore[arg-type]
        conv = conversations.ensure_conversation(s, org_id, channel_id, contact_id)
        conversations.bump_buffer(s, conv, 0)
        first = conversations.try_claim(s, conv, 0.2, 20)
    assert first
    with transaction(sessions) as s:  # type: ignore[arg-type]
        assert conversations.try_claim(s, conv, 30, 20) is None  # still leased
    time.sleep(0.3)
    with transaction(sessions) as s:  # type: ignore[arg-type]
        second = conversations.try_claim(s, conv, 30, 20)
    assert second and second != first
    with transaction(sessions) as s:  # type: ignore[arg-type]
        assert not conversations.finish_claim(s, conv, first, 1, {})
        assert conversations.finish_claim(s, conv, second, 1, {})


def test_a_burst_is_not_claimed_before_its_deadline_unless_full(db_url: str) -> None:
    sessions, org_id, channel_id, _, contact_id = _setup(db_url)
    with transaction(sessions) as s:  # type: ignore[arg-type]
        conv = conversations.ensure_conversation(s, org_id, channel_id, contact_id)
        conversations.bump_buffer(s, conv, 60)
        assert conversations.try_claim(s, conv, 30, 3) is None
        conversations.bump_buffer(s, conv, 60)
        conversations.bump_buffer(s, conv, 60)
        assert conversations.try_claim(s, conv, 30, 3) is not None


def test_replayed_provider_id_is_ignored(db_url: str) -> None:
    sessions, org_id, channel_id, _, contact_id = _setup(db_url)
    with transaction(sessions) as s:  # type: ignore[arg-type]
        conv = conversations.ensure_conversation(s, org_id, channel_id, contact_id)
        values = {
            "organization_id": org_id,
            "conversation_id": conv,
            "channel_id": channel_id,
            "kind": "text",
            "body": "oi",
            "provider_id": "SM1",
            "buffer_version": 1,
        }
        assert messages.insert_inbound(s, values) is not None
        assert messages.insert_inbound(s, values) is None


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
        except bookings.SlotTaken:
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
            assert s.scalar(select(func.count()).select_from(Message)) == 120
    finally:
        runtime.close()
