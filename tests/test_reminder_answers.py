"""Reminders that ask: "1 confirma · 2 remarcar · 3 cancelar" answered through the real
pipeline (ingest → flush → brain → reply rows), and the owner's alert for a booking
still unconfirmed a few hours before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from atende.brain.dialogue.state import DialogueState
from atende.brain.offline.reminder_answers import choice_in
from atende.brain.owner import insights
from atende.clock import ShiftedClock
from atende.domain.entities import Choices
from atende.runtime import Runtime
from atende.storage import alerts, resources
from atende.storage.db import transaction
from atende.storage.models import (
    Alert,
    Booking,
    Contact,
    Conversation,
    Message,
    Organization,
    Pet,
    Service,
)
from atende.storage.types import utcnow
from tests.conftest import demo_runtime, llm_settings
from tests.support.clock import ANCHOR, move_to
from tests.support.dialogue import TZ, Customer
from tests.support.fake_llm import FakeLLM, start_fake_llm, text

ANA = "+5511999990041"


@pytest.fixture
def runtime(db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(db_url, tmp_path)
    yield rt
    rt.close()


@pytest.fixture
def clock(test_clock: ShiftedClock) -> ShiftedClock:
    return test_clock


def tomorrow_at(hour: int) -> datetime:
    """The day after the suite's anchor, whatever the clock was moved to since."""
    return datetime.combine(ANCHOR.date() + timedelta(days=1), time(hour), TZ)


def booked(rt: Runtime, phone: str, start: datetime, service: str = "Banho") -> int:
    """A booking made days ago for the customer's pet Thor (the customer wrote before)."""
    with transaction(rt.sessions) as s:
        contact = s.scalars(select(Contact).where(Contact.phone == phone)).one()
        svc = s.scalars(select(Service).where(Service.name == service)).one()
        pet = s.scalars(select(Pet).where(Pet.contact_id == contact.id)).first()
        if pet is None:
            pet = Pet(  # of a size said before: bookings of him ask no porte
                organization_id=1,
                contact_id=contact.id,
                name="Thor",
                species="cachorro",
                size="medio",
            )
            s.add(pet)
            s.flush()
        row = Booking(
            organization_id=1,
            contact_id=contact.id,
            pet_id=pet.id,
            service_id=svc.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=60),
            created_at=utcnow() - timedelta(days=3),
        )
        s.add(row)
        s.flush()
        return row.id


def reminded(rt: Runtime, clock: ShiftedClock, hour: int = 10) -> tuple[Customer, int]:
    """Ana wrote this morning, has Thor's bath tomorrow at ``hour``, and 20 hours before
    it (the clock moves there) got its reminder."""
    ana = Customer(rt, "demo", ANA, "Ana Lima")
    ana.say("oi")
    start = tomorrow_at(hour)
    booking_id = booked(rt, ANA, start)
    move_to(clock, start - timedelta(hours=20))
    assert len(rt.pipeline.periodic.reminders(1, utcnow())) == 1
    return ana, booking_id


def status_of(rt: Runtime, booking_id: int) -> str:
    with rt.sessions() as s:
        row = s.get(Booking, booking_id)
        assert row is not None
        return row.status


def reminder_row(rt: Runtime) -> Message:
    with rt.sessions() as s:
        return s.scalars(select(Message).where(Message.author == "reminder")).one()


def test_a_reminder_answered_1_confirms_the_booking_which_still_holds_its_slot(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    ana, booking_id = reminded(runtime, clock)
    reminder = reminder_row(runtime)
    assert reminder.body.startswith("Oi, Ana! Passando para lembrar: Banho de Thor amanhã")
    assert reminder.body.endswith("*1* confirma · *2* remarcar · *3* cancelar")
    assert Choices.from_json(reminder.choices) == Choices(
        "buttons", reminder.body, ("Confirmar", "Remarcar", "Cancelar")
    )
    state = DialogueState.load(ana.conversation().dialogue_state)
    assert state.reminded_booking_id == booking_id and state.reminded_at is not None

    answer = ana.say("1")
    assert answer.startswith("Confirmado ✅ Te esperamos para o banho de Thor de amanhã")
    assert status_of(runtime, booking_id) == "confirmed"
    assert DialogueState.load(ana.conversation().dialogue_state).reminded_booking_id is None
    # counted like booked: the slot stays taken, the customer's list and the owner's figures
    start = tomorrow_at(10)
    with runtime.sessions() as s:
        held = [r.id for r in resources.resources(s, 1)]
        assert resources.busy(s, 1, held, start, start + timedelta(hours=1))
        figures = insights.figures(s, 1, "tomorrow", utcnow(), TZ)
        assert figures.upcoming == 1
        assert "✅" in insights.agenda_text(figures, TZ)
    assert "Banho de Thor" in ana.say("quais são meus agendamentos?")
    bia = Customer(runtime, "demo", "+5511999990042")  # the second bath station
    assert "Posso confirmar?" in bia.say("quero banho amanhã às 10h pro Rex, cachorro, vira-lata")
    assert "Prontinho" in bia.say("sim")
    caio = Customer(runtime, "demo", "+5511999990043")  # both held, the confirmed one too
    assert "ocupado" in caio.say("quero banho amanhã às 10h pro Bob, cachorro, vira-lata")


def test_a_reminder_answered_2_starts_the_reschedule_of_that_booking(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    ana, booking_id = reminded(runtime, clock)
    ask = ana.say("2")
    assert ask.startswith("Vamos remarcar o banho de Thor de amanhã")
    friday = ana.say("pode ser sexta às 14h")
    assert "Posso remarcar?" in friday and "14:00" in friday
    assert "remarcado" in ana.say("sim")
    assert status_of(runtime, booking_id) == "cancelled"
    with runtime.sessions() as s:
        moved = s.scalars(select(Booking).where(Booking.status == "booked")).one()
    assert moved.starts_at.astimezone(TZ).time() == time(14)


def test_a_reminder_answered_3_asks_to_confirm_the_cancellation(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    ana, booking_id = reminded(runtime, clock)
    replies = ana.send("3")
    assert replies == [
        f"Quer cancelar o banho de Thor de amanhã ({tomorrow_at(10):%d/%m}) às 10:00? "
        "Responda *sim* ou *não*."
    ]
    with runtime.sessions() as s:
        last = s.scalars(select(Message).order_by(Message.id.desc())).first()
    assert last is not None and Choices.from_json(last.choices) == Choices(
        "buttons", replies[0], ("Sim", "Não")
    )
    assert status_of(runtime, booking_id) == "booked"
    assert "Cancelado ✅" in ana.say("sim")
    assert status_of(runtime, booking_id) == "cancelled"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("1", "confirm"),
        ("confirmo", "confirm"),
        ("👍", "confirm"),
        ("sim, estaremos lá", "confirm"),
        ("Confirmar", "confirm"),
        ("choice:0", "confirm"),
        ("2", "reschedule"),
        ("quero remarcar", "reschedule"),
        ("Remarcar", "reschedule"),
        ("dá pra mudar o horário?", "reschedule"),
        ("3", "cancel"),
        ("cancela", "cancel"),
        ("não vou poder ir", "cancel"),
        ("choice:2", "cancel"),
        ("não", "unsure"),
        ("qual o endereço?", None),
    ],
)
def test_what_reads_as_an_answer_to_the_reminder(said: str, expected: str | None) -> None:
    assert choice_in(said, last_asked=True) == expected


def test_numbers_and_a_bare_yes_belong_to_a_question_asked_after_the_reminder() -> None:
    assert choice_in("1", last_asked=False) is None
    assert choice_in("sim", last_asked=False) is None
    assert choice_in("confirmo", last_asked=False) == "confirm"  # explicit words still count


def test_a_question_asked_after_the_reminder_takes_its_own_numbers(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    ana, booking_id = reminded(runtime, clock)
    offer = ana.say("quero agendar uma tosa pro Thor sexta")
    assert "Responda com o número" in offer
    assert "Posso confirmar?" in ana.say("1")  # the first time offered, not the reminder
    assert status_of(runtime, booking_id) == "booked"
    assert "Posso confirmar?" not in ana.say("confirmo")  # inside the tosa's flow: its words
    assert status_of(runtime, booking_id) == "booked"
    ana.say("deixa pra lá")
    assert "Confirmado ✅" in ana.say("confirmo")  # outside a flow, the reminder's word counts
    assert status_of(runtime, booking_id) == "confirmed"


def test_a_plain_no_asks_whether_to_move_or_cancel(runtime: Runtime, clock: ShiftedClock) -> None:
    ana, booking_id = reminded(runtime, clock)
    assert "Quer remarcar ou cancelar o banho de Thor" in ana.say("não")
    assert "Quer cancelar o banho de Thor" in ana.say("3")
    assert "mantive" in ana.say("não")
    assert status_of(runtime, booking_id) == "booked"


def test_with_a_model_the_reminders_answer_never_reaches_it(
    sqlite_url: str, tmp_path: Path, clock: ShiftedClock
) -> None:
    llm: FakeLLM = start_fake_llm()
    llm.play(text("Oi, Ana! Como posso ajudar? 🐾"))
    rt = demo_runtime(sqlite_url, tmp_path, **llm_settings(llm.url))
    try:
        ana, booking_id = reminded(rt, clock)
        assert len(llm.requests) == 1  # "oi" went to the model
        assert ana.say("1").startswith("Confirmado ✅")
        assert status_of(rt, booking_id) == "confirmed"
        assert len(llm.requests) == 1  # "1" did not
    finally:
        rt.close()
        llm.stop()


def test_an_unconfirmed_booking_alerts_the_owner_once(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    _, booking_id = reminded(runtime, clock, hour=15)
    periodic = runtime.pipeline.periodic
    move_to(clock, tomorrow_at(11))  # four hours before: not yet
    periodic.run(utcnow())
    assert open_alerts(runtime) == []
    move_to(clock, tomorrow_at(12) + timedelta(minutes=5))  # within three hours
    periodic.run(utcnow())
    periodic.run(utcnow() + timedelta(minutes=1))
    [alert] = open_alerts(runtime)
    assert alert.kind == "booking_unconfirmed" and alert.subject == f"booking:{booking_id}"
    assert alert.message.startswith("⏳ Sem confirmação: Banho de Thor — Ana Lima (")
    assert alert.message.endswith("hoje (18/11) às 15:00.")
    with transaction(runtime.sessions) as s:  # someone looked at it and closed it
        alerts.resolve(s, 1, f"booking:{booking_id}", ["booking_unconfirmed"])
    periodic.run(utcnow() + timedelta(minutes=2))
    assert open_alerts(runtime) == []  # once per booking, not once per open alert


def test_the_alert_resolves_itself_when_the_customer_confirms(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    ana, booking_id = reminded(runtime, clock, hour=15)
    move_to(clock, tomorrow_at(13))
    runtime.pipeline.periodic.run(utcnow())
    assert len(open_alerts(runtime)) == 1
    assert ana.say("confirmo").startswith("Confirmado ✅")
    assert open_alerts(runtime) == []
    assert status_of(runtime, booking_id) == "confirmed"


def test_no_alert_for_a_reminder_that_went_out_late_or_when_switched_off(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    ana = Customer(runtime, "demo", ANA, "Ana Lima")
    ana.say("oi")
    booked(runtime, ANA, tomorrow_at(15))
    move_to(clock, tomorrow_at(13))  # the worker was down: the reminder goes only now
    runtime.pipeline.periodic.run(utcnow())
    assert len(outbound(runtime, "reminder")) == 1
    assert open_alerts(runtime) == []
    bia = Customer(runtime, "demo", "+5511999990042", "Bia")
    bia.say("oi")
    with transaction(runtime.sessions) as s:
        org = s.get(Organization, 1)
        assert org is not None
        org.settings = {**org.settings, "unconfirmed_alert_hours": 0}
    booked(runtime, "+5511999990042", tomorrow_at(17))
    move_to(clock, tomorrow_at(15) - timedelta(hours=20))
    runtime.pipeline.periodic.reminders(1, utcnow())
    move_to(clock, tomorrow_at(16))
    runtime.pipeline.periodic.run(utcnow())
    assert open_alerts(runtime) == []


def outbound(rt: Runtime, author: str) -> list[Message]:
    with rt.sessions() as s:
        return list(s.scalars(select(Message).where(Message.author == author)))


def open_alerts(rt: Runtime) -> list[Alert]:
    with rt.sessions() as s:
        stmt = select(Alert).where(Alert.resolved_at.is_(None), Alert.kind == "booking_unconfirmed")
        return list(s.scalars(stmt))


def test_a_conversation_being_answered_gets_its_reminder_on_the_next_run(
    runtime: Runtime, clock: ShiftedClock
) -> None:
    ana = Customer(runtime, "demo", ANA, "Ana Lima")
    ana.say("oi")
    booking_id = booked(runtime, ANA, tomorrow_at(10))
    move_to(clock, tomorrow_at(10) - timedelta(hours=20))
    conv_id = ana.conversation().id
    with transaction(runtime.sessions) as s:  # a flush holds the conversation right now
        s.execute(
            update(Conversation)
            .where(Conversation.id == conv_id)
            .values(claim_token="t" * 32, claimed_until=utcnow() + timedelta(seconds=30))
        )
    assert runtime.pipeline.periodic.reminders(1, utcnow()) == []  # its state is the flush's
    with transaction(runtime.sessions) as s:
        s.execute(
            update(Conversation)
            .where(Conversation.id == conv_id)
            .values(claim_token=None, claimed_until=None)
        )
    assert len(runtime.pipeline.periodic.reminders(1, utcnow() + timedelta(minutes=1))) == 1
    state = DialogueState.load(ana.conversation().dialogue_state)
    assert state.reminded_booking_id == booking_id
