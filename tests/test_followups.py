"""Follow-ups that bring customers back: one nudge per pet and due cycle, with free
times, paced like a campaign, never to whoever said *sair* nor when the service is
already booked again; the answer starts the booking. Through the real pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from atende.brain.dialogue.state import DialogueState
from atende.cli import main
from atende.clock import ShiftedClock
from atende.domain.entities import Choices
from atende.domain.followups import Visit, due
from atende.runtime import Runtime
from atende.storage.db import transaction
from atende.storage.models import (
    Booking,
    Contact,
    Conversation,
    FollowUp,
    Message,
    Organization,
    Pet,
    Service,
)
from atende.storage.types import utcnow
from tests.conftest import Shop, demo_runtime
from tests.support.clock import ANCHOR, move_to
from tests.support.dialogue import TZ, Customer

ANA, BRUNO, CARLA, DAVI, EDU = (f"+55119999900{n}" for n in range(51, 56))
TODAY = ANCHOR.date()  # a Tuesday; the follow-ups go out from 10:00


@pytest.fixture
def runtime(db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(db_url, tmp_path, campaign_per_minute=2)
    yield rt
    rt.close()


def visit(
    rt: Runtime, phone: str, pet: str, service: str, day: date, status: str = "completed"
) -> int:
    """A booking of the customer's pet (registered if new) at 09:00 on ``day``."""
    with transaction(rt.sessions) as s:
        contact = s.scalars(select(Contact).where(Contact.phone == phone)).one()
        row = s.scalars(select(Pet).where(Pet.contact_id == contact.id, Pet.name == pet)).first()
        if row is None:
            row = Pet(  # of a breed whose size is known: its bookings ask no porte
                organization_id=1,
                contact_id=contact.id,
                name=pet,
                species="cachorro",
                breed="vira-lata",
            )
            s.add(row)
            s.flush()
        svc = s.scalars(select(Service).where(Service.name == service)).one()
        start = datetime.combine(day, time(9), TZ)
        booking = Booking(
            organization_id=1,
            contact_id=contact.id,
            pet_id=row.id,
            service_id=svc.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=svc.duration_minutes),
            status=status,
            created_at=start - timedelta(days=2),
        )
        s.add(booking)
        s.flush()
        return booking.id


def customer(rt: Runtime, phone: str, name: str) -> Customer:
    who = Customer(rt, "demo", phone, name)
    who.say("oi")
    return who


def nudges(rt: Runtime) -> list[Message]:
    with rt.sessions() as s:
        stmt = select(Message).where(Message.author == "followup").order_by(Message.id)
        return list(s.scalars(stmt))


def test_one_nudge_per_pet_never_to_an_opted_out_customer_nor_when_booked_again(
    runtime: Runtime, test_clock: ShiftedClock
) -> None:
    ago = TODAY - timedelta(days=16)  # banho every 15 days: due yesterday
    ana = customer(runtime, ANA, "Ana Lima")
    visit(runtime, ANA, "Thor", "Banho", ago)
    assert "não vai mais receber" in customer(runtime, BRUNO, "Bruno").say("sair")
    visit(runtime, BRUNO, "Rex", "Banho", ago)
    customer(runtime, CARLA, "Carla")
    visit(runtime, CARLA, "Mel", "Banho", ago)
    visit(runtime, CARLA, "Mel", "Banho", TODAY + timedelta(days=3), "booked")  # booked again
    customer(runtime, DAVI, "Davi")
    visit(runtime, DAVI, "Bob", "Tosa", TODAY - timedelta(days=20))  # tosa every 30: not yet
    customer(runtime, EDU, "Edu")
    visit(runtime, EDU, "Nina", "Banho", TODAY - timedelta(days=80))  # long gone: no nudge

    periodic = runtime.pipeline.periodic
    assert periodic.run(utcnow()) == 1
    assert periodic.run(utcnow() + timedelta(minutes=5)) == 0  # the day is claimed
    [nudge] = nudges(runtime)
    assert nudge.body.startswith(
        "Oi, Ana! Já faz 16 dias do último banho de Thor 🐾 Que tal agendar o próximo?\n"
        "Tenho estes horários livres:\n"
        "• amanhã (18/11) às 09:00\n• quinta (19/11) às 09:00\n"
        "• sexta (20/11) às 09:00\n"  # Carla's Mel has 09:00 on one of the two bath stations
    )
    assert nudge.body.endswith("(Para não receber mais mensagens como esta, responda SAIR.)")
    assert Choices.from_json(nudge.choices) == Choices(
        "list",
        nudge.body,
        ("amanhã (18/11) às 09:00", "quinta (19/11) às 09:00", "sexta (20/11) às 09:00"),
    )
    state = DialogueState.load(ana.conversation().dialogue_state)
    assert state.followup_service_id is not None and state.followup_pet_id is not None

    move_to(test_clock, datetime.combine(TODAY + timedelta(days=1), time(10, 30), TZ))
    assert periodic.run(utcnow()) == 0  # next day: Thor's cycle had its nudge
    with runtime.sessions() as s:
        assert len(list(s.scalars(select(FollowUp)))) == 1


def test_the_answer_to_a_follow_up_books_that_service_for_that_pet(runtime: Runtime) -> None:
    ana = customer(runtime, ANA, "Ana Lima")
    visit(runtime, ANA, "Thor", "Banho", TODAY - timedelta(days=15))
    visit(runtime, ANA, "Luna", "Banho", TODAY - timedelta(days=40))  # her other dog
    assert runtime.pipeline.periodic.run(utcnow()) == 1  # one per customer: the longest due
    assert "do último banho de Luna" in nudges(runtime)[0].body
    confirm = ana.say("pode ser quinta às 9h")
    assert "Posso confirmar?" in confirm and "Banho para Luna" in confirm
    assert "Prontinho" in ana.say("sim")
    with runtime.sessions() as s:
        [new] = s.scalars(select(Booking).where(Booking.status == "booked")).all()
    assert new.starts_at == datetime.combine(TODAY + timedelta(days=2), time(9), TZ)


def test_a_tapped_free_time_books_it(runtime: Runtime) -> None:
    ana = customer(runtime, ANA, "Ana Lima")
    visit(runtime, ANA, "Thor", "Tosa", TODAY - timedelta(days=30))
    assert runtime.pipeline.periodic.run(utcnow()) == 1
    [nudge] = nudges(runtime)
    choices = Choices.from_json(nudge.choices)
    assert choices is not None and "da última tosa de Thor" in nudge.body
    confirm = ana.say(choices.options[1])  # a list row's title is what the channel sends
    assert "Tosa para Thor" in confirm and "Na quinta (19/11) às 09:00" in confirm


def test_follow_ups_are_paced_like_a_campaign(runtime: Runtime) -> None:
    for phone, name, pet in ((ANA, "Ana", "Thor"), (CARLA, "Carla", "Mel")):
        customer(runtime, phone, name)
        visit(runtime, phone, pet, "Vacinação", TODAY - timedelta(days=366))
    assert runtime.pipeline.periodic.run(utcnow()) == 2
    first, second = nudges(runtime)
    assert "Já faz um ano da última vacinação" in first.body
    assert first.next_attempt_at is not None and second.next_attempt_at is not None
    gap = (second.next_attempt_at - first.next_attempt_at).total_seconds()
    assert gap == pytest.approx(30.0, abs=0.5)  # ATENDE_CAMPAIGN_PER_MINUTE=2


def test_the_owner_sees_them_and_switches_them_off(
    runtime: Runtime,
    test_clock: ShiftedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ATENDE_DATABASE_URL", runtime.settings.database_url)
    customer(runtime, ANA, "Ana")
    visit(runtime, ANA, "Thor", "Banho", TODAY - timedelta(days=15))
    customer(runtime, CARLA, "Carla")
    visit(runtime, CARLA, "Mel", "Tosa", TODAY - timedelta(days=31))
    assert main(["followups", "demo", "--every", "Tosa=off"]) == 0
    listed = capsys.readouterr().out
    assert "follow-ups: on at 10:00" in listed and "Tosa —" in listed and "Banho 15 dias" in listed
    assert f"due now (1):\n  {ANA} Thor — Banho, due {TODAY:%Y-%m-%d}" in listed
    assert runtime.pipeline.periodic.run(utcnow()) == 1
    assert main(["followups", "demo"]) == 0
    assert (
        f"sent in the last 30 days (1):\n  {TODAY:%Y-%m-%d} 10:00 {ANA} Thor — Banho (queued)"
        in (capsys.readouterr().out)
    )
    assert main(["org", "settings", "demo", "--followups", "off"]) == 0
    assert "followups: False" in capsys.readouterr().out
    assert main(["followups", "demo", "--every", "Hospedagem=10"]) == 2
    customer(runtime, DAVI, "Davi")
    visit(runtime, DAVI, "Bob", "Banho", TODAY - timedelta(days=16))
    move_to(test_clock, datetime.combine(TODAY + timedelta(days=1), time(11), TZ))
    assert runtime.pipeline.periodic.run(utcnow()) == 0  # a new day, Bob is due: switched off


def test_they_go_out_at_the_organizations_time(runtime: Runtime, test_clock: ShiftedClock) -> None:
    customer(runtime, ANA, "Ana")
    visit(runtime, ANA, "Thor", "Banho", TODAY - timedelta(days=16))
    with transaction(runtime.sessions) as s:
        org = s.get(Organization, 1)
        assert org is not None
        org.settings = {**org.settings, "followup_time": "14:30"}
    assert runtime.pipeline.periodic.run(utcnow()) == 0
    move_to(test_clock, datetime.combine(TODAY, time(22, 30), TZ))  # 8 hours on: too late
    assert runtime.pipeline.periodic.run(utcnow()) == 0
    move_to(test_clock, datetime.combine(TODAY + timedelta(days=1), time(14, 30), TZ))
    assert runtime.pipeline.periodic.run(utcnow()) == 1


def test_outside_the_window_a_follow_up_goes_as_the_template(
    shop: Shop, test_clock: ShiftedClock
) -> None:
    shop.post_inbound("oi", phone=ANA)
    shop.wait_replies(ANA, 1)
    shop.settle()
    with transaction(shop.runtime.sessions) as s:
        s.execute(update(Conversation).values(last_inbound_at=utcnow() - timedelta(days=16)))
        org = s.get(Organization, shop.org_id)
        assert org is not None
        org.settings = {
            **org.settings,
            "templates": {"twilio": {"content_sid": "HX" + "b" * 32}},
        }
    visit(shop.runtime, ANA, "Thor", "Banho", TODAY - timedelta(days=16))
    # the running worker's ticker did today's follow-ups at start: tomorrow's have Thor
    move_to(test_clock, datetime.combine(TODAY + timedelta(days=1), time(10, 30), TZ))
    shop.runtime.pipeline.periodic.run(utcnow())  # or the worker's ticker, whichever is first
    shop.settle()
    [nudge] = nudges(shop.runtime)
    assert nudge.status == "sent"
    sent = shop.twilio.sent[-1].form
    assert sent["ContentSid"] == "HX" + "b" * 32 and "Body" not in sent
    assert "último banho de Thor" in json.loads(sent["ContentVariables"])["1"]


SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=SP)


def at(days_ago: int, hour: int = 9) -> datetime:
    return datetime.combine(NOW.date() - timedelta(days=days_ago), time(hour), SP)


def test_who_is_due_by_the_rules() -> None:
    visits = [
        Visit(1, 10, 100, 1, at(16), "completed"),  # due yesterday
        Visit(2, 10, 100, 1, at(40), "completed"),  # an older visit of the same cycle chain
        Visit(3, 11, 101, 1, at(14), "booked"),  # booked, begun and past: a visit; not due yet
        Visit(4, 12, 102, 1, at(20), "completed"),
        Visit(5, 12, 102, 1, at(-2), "confirmed"),  # booked again: no nudge
        Visit(6, 13, None, 1, at(15), "completed"),  # no pet named: the customer's
        Visit(7, 14, 104, 2, at(16), "completed"),  # a service without interval
        Visit(8, 15, 105, 1, at(50), "completed"),  # due 35 days ago: too long
        Visit(9, 16, 106, 1, at(16), "no_show"),  # never came: not a visit
    ]
    visits = [v for v in visits if v.status != "no_show"]  # what storage hands over
    found = due(visits, {1: 15}, NOW, SP)
    assert [(d.last.booking_id, d.days_since) for d in found] == [(1, 16), (6, 15)]
