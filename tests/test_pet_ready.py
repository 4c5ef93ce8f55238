"""'Pet pronto': staff mark a booking done (API, CLI) and the customer gets one notice,
through the normal outbound path — once, whatever the number of marks or workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from atende.cli import main
from atende.errors import AtendeError
from atende.pipeline.pet_ready import Done
from atende.runtime import Runtime, build_runtime
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.demo import create_demo
from atende.storage.models import (
    Booking,
    Contact,
    Conversation,
    Message,
    Organization,
    Pet,
    Service,
)
from atende.storage.types import utcnow
from tests.conftest import Shop, demo_runtime, settings_for
from tests.support.dialogue import Customer

MARIA = "+5511999990001"


@pytest.fixture
def runtime_with_maria(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Runtime, int]]:
    """The demo shop on the simulator; Maria wrote once."""
    runtime = demo_runtime(sqlite_url, tmp_path)
    Customer(runtime, "demo", MARIA, "Maria Souza").say("oi")
    yield runtime, 1
    runtime.close()


def done_an_hour_ago(
    sessions: sessionmaker[Session], org_id: int, phone: str, pet: str | None = "Thor"
) -> int:
    """A bath that began an hour ago for the customer's pet (the customer wrote before)."""
    with transaction(sessions) as s:
        contact = s.scalars(select(Contact).where(Contact.phone == phone)).one()
        banho = s.scalars(select(Service).where(Service.name == "Banho")).one()
        pet_id = None
        if pet is not None:
            row = Pet(organization_id=org_id, contact_id=contact.id, name=pet, species="cão")
            s.add(row)
            s.flush()
            pet_id = row.id
        start = utcnow() - timedelta(hours=1)
        booking = Booking(
            organization_id=org_id,
            contact_id=contact.id,
            pet_id=pet_id,
            service_id=banho.id,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
        s.add(booking)
        s.flush()
        return booking.id


def notices(sessions: sessionmaker[Session]) -> list[Message]:
    with sessions() as s:
        stmt = select(Message).where(Message.author == "pet_ready").order_by(Message.id)
        return list(s.scalars(stmt))


def test_marked_done_through_the_api_the_customer_is_told_once(shop: Shop) -> None:
    shop.post_inbound("oi", phone=MARIA)
    shop.wait_replies(MARIA, 1)
    shop.settle()
    booking_id = done_an_hour_ago(shop.runtime.sessions, shop.org_id, MARIA)
    path = f"/api/bookings/{booking_id}/status"
    first = shop.api("POST", path, json={"status": "completed", "amount": "80"})
    assert first.status_code == 200
    assert first.json() == {"id": booking_id, "status": "completed", "notice": "queued"}
    notice = shop.wait_replies(MARIA, 2)[-1]
    assert notice == (
        "Oi, Maria! Tudo pronto com Thor 🐾✨ Já pode vir buscar quando quiser. "
        "— Pet Shop Amigo Fiel\nTotal: R$ 80,00"
    )
    again = shop.api("POST", path, json={"status": "completed", "amount": "80"})
    assert again.json()["notice"] == "already_sent"
    shop.settle()
    assert len(shop.replies_to(MARIA)) == 2
    [row] = notices(shop.runtime.sessions)
    assert row.status == "sent"
    statuses = {b["id"]: b["status"] for b in shop.api("GET", "/api/bookings").json()["items"]}
    assert statuses[booking_id] == "completed"


def test_outside_the_window_the_notice_needs_a_template_like_any_reply(shop: Shop) -> None:
    shop.post_inbound("oi", phone=MARIA)
    shop.wait_replies(MARIA, 1)
    shop.settle()
    with transaction(shop.runtime.sessions) as s:
        s.execute(update(Conversation).values(last_inbound_at=utcnow() - timedelta(hours=30)))
    booking_id = done_an_hour_ago(shop.runtime.sessions, shop.org_id, MARIA)
    shop.api("POST", f"/api/bookings/{booking_id}/status", json={"status": "completed"})
    shop.settle()
    [row] = notices(shop.runtime.sessions)
    assert row.status == "failed" and row.error_code == "outside_window"
    assert len(shop.replies_to(MARIA)) == 1  # no free text outside the 24 hours


def test_two_workers_marking_it_done_at_once_send_one_notice(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org = create_demo(s)
        org_id = org.id
    (tmp_path / "second").mkdir()
    one = build_runtime(settings_for(db_url, tmp_path, buffer_seconds=0))
    two = build_runtime(settings_for(db_url, tmp_path / "second", buffer_seconds=0))
    try:
        Customer(one, "demo", MARIA, "Maria Souza").say("oi")
        booking_id = done_an_hour_ago(sessions, org_id, MARIA)
        start = threading.Barrier(2)
        results: list[Done] = []

        def mark(runtime: Runtime) -> None:
            start.wait()
            results.append(runtime.pipeline.pet_ready.mark_done(org_id, booking_id, Decimal(95)))

        threads = [threading.Thread(target=mark, args=(rt,)) for rt in (one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(r.notice for r in results) == ["already_sent", "queued"]
        [row] = notices(sessions)
        assert row.body.endswith("Total: R$ 95,00")
    finally:
        one.close()
        two.close()
        engine.dispose()


def test_the_shops_own_text_or_none_at_all(runtime_with_maria: tuple[Runtime, int]) -> None:
    runtime, org_id = runtime_with_maria
    pets = [done_an_hour_ago(runtime.sessions, org_id, MARIA, pet) for pet in ("Thor", "Mel")]
    quiet = runtime.pipeline.pet_ready.mark_done(org_id, pets[0], notify=False)
    assert quiet.notice == "not_asked" and notices(runtime.sessions) == []
    with transaction(runtime.sessions) as s:
        org = s.get(Organization, org_id)
        assert org is not None
        own = "Oba, {nome}! {pet} terminou o {servico} e está lindo(a) 😍 — {loja}"
        org.settings = {**org.settings, "pet_ready_text": own}
    runtime.pipeline.pet_ready.mark_done(org_id, pets[1])
    [row] = notices(runtime.sessions)
    assert row.body == "Oba, Maria! Mel terminou o Banho e está lindo(a) 😍 — Pet Shop Amigo Fiel"
    with transaction(runtime.sessions) as s:
        org = s.get(Organization, org_id)
        assert org is not None
        org.settings = {**org.settings, "pet_ready": False}
    third = done_an_hour_ago(runtime.sessions, org_id, MARIA, "Bob")
    assert runtime.pipeline.pet_ready.mark_done(org_id, third).notice == "off"
    assert len(notices(runtime.sessions)) == 1


def test_a_booking_not_begun_or_unknown_cannot_be_done(
    runtime_with_maria: tuple[Runtime, int],
) -> None:
    runtime, org_id = runtime_with_maria
    booking_id = done_an_hour_ago(runtime.sessions, org_id, MARIA)
    with transaction(runtime.sessions) as s:
        s.execute(update(Booking).values(starts_at=utcnow() + timedelta(days=1)))
    with pytest.raises(AtendeError, match="time has come"):
        runtime.pipeline.pet_ready.mark_done(org_id, booking_id)
    with pytest.raises(AtendeError, match="booking not found"):
        runtime.pipeline.pet_ready.mark_done(org_id, 999_999)
    assert notices(runtime.sessions) == []


def test_the_cli_marks_it_done_and_queues_the_notice_once(
    runtime_with_maria: tuple[Runtime, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runtime, org_id = runtime_with_maria
    monkeypatch.setenv("ATENDE_DATABASE_URL", runtime.settings.database_url)
    booking_id = done_an_hour_ago(runtime.sessions, org_id, MARIA)
    assert main(["booking", "done", "demo", str(booking_id), "--amount", "80,50"]) == 0
    out = capsys.readouterr().out
    assert f"booking {booking_id}: completed" in out and "pet ready notice: queued" in out
    assert main(["booking", "done", "demo", str(booking_id)]) == 0
    assert "pet ready notice: already sent" in capsys.readouterr().out
    [row] = notices(runtime.sessions)
    assert row.status == "queued" and row.body.endswith("Total: R$ 80,50")  # a worker sends it
    assert main(["booking", "done", "demo", "999999"]) == 2
    assert main(["booking", "done", "demo", str(booking_id), "--amount", "oitenta"]) == 2
    assert "--amount" in capsys.readouterr().err
