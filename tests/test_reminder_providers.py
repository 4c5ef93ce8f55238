"""Reminders that ask, over real HTTP with the provider fakes: buttons where the channel
has them (Meta interactive buttons, Twilio quick replies), a tapped button (a signed Meta
webhook, tests/fixtures/providers/meta/inbound_button_reply.json) and a typed number."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from atende.clock import ShiftedClock
from atende.storage.db import transaction
from atende.storage.models import Booking, Contact, Pet, Service
from atende.storage.types import utcnow
from tests.conftest import Shop
from tests.support.clock import ANCHOR, TZ, move_to
from tests.support.fake_http import FakeAPI, fake_graph
from tests.test_meta import CREDS, PHONE_ID, TOKEN, fixture, post

MARIA = "+5511999990001"  # the sender of the Meta fixtures
TOMORROW_10 = datetime.combine(ANCHOR.date() + timedelta(days=1), time(10), TZ)


@pytest.fixture
def graph() -> Iterator[FakeAPI]:
    api = fake_graph(PHONE_ID, TOKEN)
    yield api
    api.stop()


def booked_tomorrow(shop: Shop, phone: str) -> int:
    """Thor's bath tomorrow at 10:00, booked days ago by the customer who wrote."""
    with transaction(shop.runtime.sessions) as s:
        contact = s.scalars(select(Contact).where(Contact.phone == phone)).one()
        banho = s.scalars(select(Service).where(Service.name == "Banho")).one()
        pet = Pet(organization_id=shop.org_id, contact_id=contact.id, name="Thor", species="cão")
        s.add(pet)
        s.flush()
        row = Booking(
            organization_id=shop.org_id,
            contact_id=contact.id,
            pet_id=pet.id,
            service_id=banho.id,
            starts_at=TOMORROW_10,
            ends_at=TOMORROW_10 + timedelta(hours=1),
            created_at=utcnow() - timedelta(days=3),
        )
        s.add(row)
        s.flush()
        return row.id


def remind(shop: Shop, clock: ShiftedClock) -> None:
    move_to(clock, TOMORROW_10 - timedelta(hours=20))
    assert shop.runtime.pipeline.periodic.run(utcnow()) == 1
    shop.settle()


def status_of(shop: Shop, booking_id: int) -> str:
    with shop.runtime.sessions() as s:
        row = s.get(Booking, booking_id)
        assert row is not None
        return row.status


def test_a_tapped_confirm_button_on_meta_confirms_the_booking(
    shop_factory: Callable[..., Shop],
    sqlite_url: str,
    graph: FakeAPI,
    test_clock: ShiftedClock,
) -> None:
    shop = shop_factory(sqlite_url, extra=[("meta", PHONE_ID, CREDS)], meta_graph_base=graph.url)
    assert post(shop, fixture("inbound_text.json")).status_code == 200
    shop.settle()
    booking_id = booked_tomorrow(shop, MARIA)
    remind(shop, test_clock)
    reminder = graph.calls("POST", rf"/{PHONE_ID}/messages")[-1].json()
    assert reminder["type"] == "interactive" and reminder["interactive"]["type"] == "button"
    body = reminder["interactive"]["body"]["text"]
    assert body.startswith("Oi, Maria! Passando para lembrar: Banho de Thor amanhã")
    buttons = reminder["interactive"]["action"]["buttons"]
    assert [(b["reply"]["id"], b["reply"]["title"]) for b in buttons] == [
        ("choice:0", "Confirmar"),
        ("choice:1", "Remarcar"),
        ("choice:2", "Cancelar"),
    ]

    assert post(shop, fixture("inbound_button_reply.json")).status_code == 200  # signed bytes
    shop.settle()
    answer = graph.calls("POST", rf"/{PHONE_ID}/messages")[-1].json()
    assert answer["type"] == "text"
    assert answer["text"]["body"].startswith("Confirmado ✅ Te esperamos para o banho de Thor")
    assert status_of(shop, booking_id) == "confirmed"


def test_a_number_typed_on_twilio_cancels_after_a_yes(shop: Shop, test_clock: ShiftedClock) -> None:
    shop.post_inbound("oi", phone=MARIA)
    shop.wait_replies(MARIA, 1)
    shop.settle()
    booking_id = booked_tomorrow(shop, MARIA)
    remind(shop, test_clock)
    [quick] = [c for c in shop.twilio.contents if "twilio/quick-reply" in c["types"]]
    actions = quick["types"]["twilio/quick-reply"]["actions"]
    assert [a["title"] for a in actions] == ["Confirmar", "Remarcar", "Cancelar"]
    assert quick["types"]["twilio/text"]["body"].endswith("*3* cancelar")  # typed, elsewhere

    shop.post_inbound("3", phone=MARIA)
    shop.wait_replies(MARIA, 3)
    shop.settle()
    asked = shop.messages_of(MARIA)[-1]
    assert asked.status == "sent" and asked.choices is not None  # Sim / Não quick replies
    assert asked.body.startswith("Quer cancelar o banho de Thor de amanhã")
    shop.post_inbound("sim", phone=MARIA)
    assert "Cancelado ✅" in shop.wait_replies(MARIA, 4)[-1]
    shop.settle()
    assert status_of(shop, booking_id) == "cancelled"
