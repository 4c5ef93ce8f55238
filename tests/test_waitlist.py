"""The waitlist through the real pipeline (ingest → flush → brain → reply rows, and the
periodic ticker): a full day offers its waitlist; a freed time is held for the first in
line, offered through the outbound path and booked on their "sim"; unanswered, it goes
to the next; nobody else can book it meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from atende.brain.dialogue.state import DialogueState
from atende.clock import ShiftedClock
from atende.domain.entities import Choices
from atende.errors import SlotTaken
from atende.runtime import Runtime
from atende.storage import bookings, waitlist
from atende.storage.db import transaction
from atende.storage.models import Booking, Contact, Message, Pet, Service, WaitlistEntry
from atende.storage.types import utcnow
from tests.conftest import Shop, demo_runtime, llm_settings
from tests.support.clock import move_to
from tests.support.dialogue import TZ, Customer
from tests.support.fake_llm import FakeLLM, start_fake_llm, text

ANA, BIA, CAIO, DUDA = "+5511999990071", "+5511999990072", "+5511999990073", "+5511999990074"
SATURDAY = date(2026, 11, 21)  # the suite's Tuesday + 4: Dra. Paula works 08:00-12:00


@pytest.fixture
def runtime(db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(db_url, tmp_path)
    yield rt
    rt.close()


@pytest.fixture
def clock(test_clock: ShiftedClock) -> ShiftedClock:
    return test_clock


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(SATURDAY, time(hour, minute), TZ)


def customer(rt: Runtime, phone: str, name: str, pet: str) -> Customer:
    """A customer who wrote before, with a dog of a known breed."""
    who = Customer(rt, "demo", phone, name)
    who.say("oi")
    with transaction(rt.sessions) as s:
        contact = s.scalars(select(Contact).where(Contact.phone == phone)).one()
        s.add(
            Pet(
                organization_id=1,
                contact_id=contact.id,
                name=pet,
                species="cachorro",
                breed="vira-lata",
            )
        )
    return who


def fill_saturday(rt: Runtime, phone: str = BIA) -> dict[time, int]:
    """Dra. Paula's whole Saturday booked by ``phone``: eight consultations, 08:00-11:30."""
    with transaction(rt.sessions) as s:
        contact = s.scalars(select(Contact).where(Contact.phone == phone)).one()
        pet = s.scalars(select(Pet).where(Pet.contact_id == contact.id)).first()
        consult = s.scalars(select(Service).where(Service.name == "Consulta veterinária")).one()
        found = {}
        for i in range(8):
            start = at(8) + timedelta(minutes=30 * i)
            row = bookings.book(s, 1, contact.id, consult.id, pet.id if pet else None, start)
            found[start.time()] = row.id
        return found


def joined(rt: Runtime, who: Customer, pet: str) -> None:
    ask = who.say(f"quero marcar uma consulta pro {pet} no sábado")
    assert "Quer entrar na lista de espera de sábado (21/11)?" in ask, ask
    assert "Se abrir um horário, te aviso na hora 🙂" in ask
    assert "Você está na lista de espera de sábado (21/11)" in who.say("sim")


def entries(rt: Runtime) -> list[WaitlistEntry]:
    with rt.sessions() as s:
        return list(s.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id)))


def offers(rt: Runtime) -> list[Message]:
    with rt.sessions() as s:
        stmt = select(Message).where(Message.author == "waitlist").order_by(Message.id)
        return list(s.scalars(stmt))


def booking(rt: Runtime, booking_id: int) -> Booking | None:
    with rt.sessions() as s:
        return s.get(Booking, booking_id)


def held_by(rt: Runtime, phone: str) -> list[Booking]:
    with rt.sessions() as s:
        contact = s.scalars(select(Contact).where(Contact.phone == phone)).one()
        return list(s.scalars(select(Booking).where(Booking.contact_id == contact.id)))


def cancel(rt: Runtime, booking_id: int) -> None:
    """What staff do through ``POST /api/bookings/{id}/status`` (and the CLI)."""
    with transaction(rt.sessions) as s:
        assert bookings.set_status(s, 1, booking_id, "cancelled") is not None


def test_a_full_day_offers_its_waitlist_and_a_cancellation_offers_the_first_in_line(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    bia = customer(runtime, BIA, "Bia Souza", "Mel")
    ana = customer(runtime, ANA, "Ana Lima", "Thor")
    slots = fill_saturday(runtime)
    joined(runtime, ana, "Thor")
    [entry] = entries(runtime)
    assert (entry.day, entry.status, entry.period, entry.wanted_at) == (
        SATURDAY,
        "waiting",
        None,
        None,
    )
    assert runtime.pipeline.periodic.run(utcnow()) == 0  # nothing freed yet

    asked = bia.say("quero cancelar a consulta de sábado às 10h")
    assert "Quer cancelar a consulta veterinária de Mel do sábado (21/11) às 10:00?" in asked
    assert "Cancelado ✅" in bia.say("sim")
    move_to(clock, utcnow() + timedelta(minutes=1))
    assert runtime.pipeline.periodic.run(utcnow()) == 1
    [offer] = offers(runtime)
    assert offer.body == (
        "Oi, Ana! Boa notícia: abriu um horário para a consulta veterinária de Thor "
        "no sábado (21/11) às 10:00 🎉 Guardei ele pra você por 30 minutos — "
        "responda *sim* para ficar com ele."
    )
    assert Choices.from_json(offer.choices) == Choices("buttons", offer.body, ("Sim", "Não"))
    [entry] = entries(runtime)
    assert entry.status == "offered" and entry.booking_id is not None
    held = booking(runtime, entry.booking_id)
    assert held is not None and held.status == "held" and held.starts_at == at(10)
    state = DialogueState.load(ana.conversation().dialogue_state)
    assert state.waitlist_booking_id == held.id

    done = ana.say("sim")
    assert done == (
        "Prontinho! ✅ A consulta veterinária de Thor está agendada para sábado (21/11) "
        "às 10:00. Até lá! 🐾"
    )
    taken = booking(runtime, held.id)
    assert taken is not None and taken.status == "booked" and taken.contact_id == entry.contact_id
    assert entries(runtime)[0].status == "booked"
    assert "Consulta veterinária de Thor" in ana.say("quais são meus agendamentos?")
    assert slots[time(10)] != held.id


def test_an_unanswered_offer_expires_and_goes_to_the_next_in_line(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    customer(runtime, BIA, "Bia Souza", "Mel")
    ana = customer(runtime, ANA, "Ana Lima", "Thor")
    caio = customer(runtime, CAIO, "Caio Reis", "Rex")
    slots = fill_saturday(runtime)
    joined(runtime, ana, "Thor")
    joined(runtime, caio, "Rex")
    cancel(runtime, slots[time(9)])
    move_to(clock, utcnow() + timedelta(minutes=1))
    assert runtime.pipeline.periodic.run(utcnow()) == 1
    first, second = entries(runtime)
    assert (first.status, second.status) == ("offered", "waiting")  # first come, first offered
    held_for_ana = first.booking_id
    assert held_for_ana is not None

    move_to(clock, utcnow() + timedelta(minutes=29))
    assert runtime.pipeline.periodic.run(utcnow()) == 0  # still Ana's
    move_to(clock, utcnow() + timedelta(minutes=2))
    assert runtime.pipeline.periodic.run(utcnow()) == 1  # expired: now Caio's
    first, second = entries(runtime)
    assert (first.status, second.status) == ("expired", "offered")
    assert held_by(runtime, ANA) == []  # the hold was released, never booked
    assert [m.body.split(" Boa notícia")[0] for m in offers(runtime)] == ["Oi, Ana!", "Oi, Caio!"]
    assert "às 09:00" in offers(runtime)[1].body

    late = ana.say("sim")
    assert late.startswith("Poxa, o prazo para ficar com esse horário acabou")
    assert "Prontinho" in caio.say("sim")
    with runtime.sessions() as s:
        mine = s.get(Booking, second.booking_id)
        assert mine is not None and mine.status == "booked" and mine.starts_at == at(9)


def test_a_declined_time_goes_to_the_next_and_is_never_offered_twice(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    customer(runtime, BIA, "Bia Souza", "Mel")
    ana = customer(runtime, ANA, "Ana Lima", "Thor")
    caio = customer(runtime, CAIO, "Caio Reis", "Rex")
    slots = fill_saturday(runtime)
    joined(runtime, ana, "Thor")
    joined(runtime, caio, "Rex")
    cancel(runtime, slots[time(11)])
    move_to(clock, utcnow() + timedelta(minutes=1))
    runtime.pipeline.periodic.run(utcnow())
    no = ana.say("não")
    assert no.startswith("Tudo bem, liberei o horário 🙂 Você continua na lista de espera")
    move_to(clock, utcnow() + timedelta(minutes=1))
    assert runtime.pipeline.periodic.run(utcnow()) == 1  # Caio's turn
    first, second = entries(runtime)
    assert (first.status, second.status) == ("waiting", "offered")
    caio.say("não")
    move_to(clock, utcnow() + timedelta(minutes=1))
    assert runtime.pipeline.periodic.run(utcnow()) == 0  # each was offered 11:00 once
    assert [e.status for e in entries(runtime)] == ["waiting", "waiting"]
    cancel(runtime, slots[time(8)])
    move_to(clock, utcnow() + timedelta(minutes=1))
    assert runtime.pipeline.periodic.run(utcnow()) == 1  # a new time: Ana's, first in line
    last = offers(runtime)[-1].body
    assert "Ana" in last and "08:00" in last
    assert [e.status for e in entries(runtime)] == ["offered", "waiting"]


def test_nobody_else_can_book_a_held_time(runtime: Runtime, clock: ShiftedClock) -> None:
    customer(runtime, BIA, "Bia Souza", "Mel")
    ana = customer(runtime, ANA, "Ana Lima", "Thor")
    duda = customer(runtime, DUDA, "Duda Alves", "Bolt")
    slots = fill_saturday(runtime)
    joined(runtime, ana, "Thor")
    cancel(runtime, slots[time(10)])
    move_to(clock, utcnow() + timedelta(minutes=1))
    runtime.pipeline.periodic.run(utcnow())
    asked = duda.say("quero marcar consulta pro Bolt sábado às 10h")
    assert "Posso confirmar?" not in asked and "lista de espera" in asked
    with transaction(runtime.sessions) as s, pytest.raises(SlotTaken):
        contact = s.scalars(select(Contact).where(Contact.phone == DUDA)).one()
        consult = s.scalars(select(Service).where(Service.name == "Consulta veterinária")).one()
        bookings.book(s, 1, contact.id, consult.id, None, at(10))
    assert "Prontinho" in ana.say("sim")


def test_a_customer_who_opted_out_is_still_offered_the_time_they_asked_for(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    customer(runtime, BIA, "Bia Souza", "Mel")
    ana = customer(runtime, ANA, "Ana Lima", "Thor")
    slots = fill_saturday(runtime)
    joined(runtime, ana, "Thor")
    assert "não vai mais receber nossas promoções" in ana.say("sair")
    cancel(runtime, slots[time(8, 30)])
    move_to(clock, utcnow() + timedelta(minutes=1))
    assert runtime.pipeline.periodic.run(utcnow()) == 1
    assert "08:30" in offers(runtime)[0].body


def test_a_time_wanted_is_offered_nearest_and_a_no_to_the_waitlist_asks_another_day(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    customer(runtime, BIA, "Bia Souza", "Mel")
    ana = customer(runtime, ANA, "Ana Lima", "Thor")
    caio = customer(runtime, CAIO, "Caio Reis", "Rex")
    slots = fill_saturday(runtime)
    ask = ana.say("quero marcar consulta pro Thor sábado às 11h")
    assert "Esse horário já está ocupado." in ask and "lista de espera de sábado" in ask
    ana.say("pode ser")
    [entry] = entries(runtime)
    assert entry.wanted_at == time(11)
    other = caio.say("quero marcar consulta pro Rex sábado")
    assert "lista de espera" in other
    assert "Para qual dia" in caio.say("não")
    cancel(runtime, slots[time(8)])
    cancel(runtime, slots[time(11)])
    move_to(clock, utcnow() + timedelta(minutes=1))
    assert runtime.pipeline.periodic.run(utcnow()) == 1
    assert "11:00" in offers(runtime)[0].body  # the time Ana asked for, not the first free


def test_the_staff_cancel_through_the_api_offers_the_time_on_whatsapp(shop: Shop) -> None:
    """End to end: Twilio in, the staff API, the ticker, Twilio out, the customer's yes."""
    shop.post_inbound("oi", phone=BIA)
    shop.post_inbound("oi", phone=ANA)
    shop.wait_replies(BIA, 1)
    shop.wait_replies(ANA, 1)
    shop.settle()
    slots = fill_saturday(shop.runtime)
    shop.post_inbound("quero marcar uma consulta no sábado", phone=ANA)
    shop.wait_replies(ANA, 2)
    shop.settle()
    assert "lista de espera" in shop.messages_of(ANA)[-1].body  # sent with Sim/Não buttons
    shop.post_inbound("sim", phone=ANA)
    assert "Você está na lista de espera" in shop.wait_replies(ANA, 3)[-1]
    shop.settle()
    path = f"/api/bookings/{slots[time(9, 30)]}/status"
    assert shop.api("POST", path, json={"status": "cancelled"}).status_code == 200
    shop.runtime.pipeline.periodic.run(utcnow())  # the worker's ticker, now
    shop.wait_replies(ANA, 4)
    shop.settle()
    offer = shop.messages_of(ANA)[-1]
    assert offer.author == "waitlist" and offer.status in ("sent", "delivered")
    assert "abriu um horário para a consulta veterinária" in offer.body and "09:30" in offer.body
    shop.post_inbound("sim", phone=ANA)
    assert "Prontinho! ✅" in shop.wait_replies(ANA, 5)[-1]
    statuses = {b["id"]: b["status"] for b in shop.api("GET", "/api/bookings").json()["items"]}
    assert sorted(statuses.values()).count("booked") == 8  # Bia's seven and Ana's 09:30


def test_a_hold_blocks_its_resource_in_the_database_too(db_url: str, tmp_path: Path) -> None:
    rt = demo_runtime(db_url, tmp_path)
    try:
        customer(rt, BIA, "Bia Souza", "Mel")
        with transaction(rt.sessions) as s:
            contact = s.scalars(select(Contact).where(Contact.phone == BIA)).one()
            consult = s.scalars(select(Service).where(Service.name == "Consulta veterinária")).one()
            entry = waitlist.join(s, 1, contact.id, consult.id, SATURDAY)
            held = waitlist.offer(s, 1, entry, at(10), utcnow() + timedelta(minutes=30))
            assert held is not None and held.status == "held"
            resource = held.resource_id
        bypassing = transaction(rt.sessions)  # a writer that bypasses bookings.book
        with pytest.raises(IntegrityError), bypassing as s:
            s.add(
                Booking(
                    organization_id=1,
                    contact_id=contact.id,
                    service_id=consult.id,
                    resource_id=resource,
                    starts_at=at(10),
                    ends_at=at(10, 30),
                )
            )
        with transaction(rt.sessions) as s:
            assert waitlist.decline(s, 1, contact.id, held.id) is not None
            assert bookings.book(s, 1, contact.id, consult.id, None, at(10)).status == "booked"
    finally:
        rt.close()


def test_with_a_model_the_yes_to_an_offer_never_reaches_it(
    sqlite_url: str, tmp_path: Path, clock: ShiftedClock
) -> None:
    llm: FakeLLM = start_fake_llm()
    llm.play(text("Oi! Como posso ajudar? 🐾"), text("Oi! Como posso ajudar? 🐾"))
    rt = demo_runtime(sqlite_url, tmp_path, **llm_settings(llm.url))
    try:
        customer(rt, BIA, "Bia Souza", "Mel")  # "oi" to the model
        ana = customer(rt, ANA, "Ana Lima", "Thor")  # and again
        slots = fill_saturday(rt)
        with transaction(rt.sessions) as s:  # in line (as the offline booking puts her)
            contact = s.scalars(select(Contact).where(Contact.phone == ANA)).one()
            consult = s.scalars(select(Service).where(Service.name == "Consulta veterinária")).one()
            thor = s.scalars(select(Pet).where(Pet.contact_id == contact.id)).one()
            waitlist.join(s, 1, contact.id, consult.id, SATURDAY, pet_id=thor.id)
        cancel(rt, slots[time(10)])
        move_to(clock, utcnow() + timedelta(minutes=1))
        assert rt.pipeline.periodic.run(utcnow()) == 1
        asked = len(llm.requests)
        assert ana.say("sim").startswith("Prontinho! ✅ A consulta veterinária de Thor")
        assert len(llm.requests) == asked  # by rule, not by the model
    finally:
        rt.close()
        llm.stop()
