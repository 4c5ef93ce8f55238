"""The owner's assistant, analytics, campaigns, the daily summary and reminders, on
hand-computed data in a real database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from atende.brain.dialogue.state import DialogueState
from atende.brain.owner import insights
from atende.clock import ShiftedClock
from atende.domain.org_settings import OrgSettings
from atende.pipeline.owners import owner_conversation
from atende.runtime import Runtime, build_runtime
from atende.storage import bookings, conversations, orgs
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
from tests.conftest import Shop, demo_runtime, llm_settings, settings_for
from tests.support import send_rows
from tests.support.clock import move_to
from tests.support.dialogue import TZ, Customer
from tests.support.fake_http import fake_evolution
from tests.support.fake_llm import FakeLLM, calls, last_tool_results, start_fake_llm, text, tool

OWNER = "+5511900000000"
# A Wednesday afternoon: the fixed "now" of the figures tests.
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=TZ)
CLIENTS = {
    "ana": ("+5511911110001", "Ana Lima"),
    "bruno": ("+5511911110002", "Bruno"),
    "carla": ("+5511911110003", "Carla"),
    "davi": ("+5511911110004", "Davi"),
    "edu": ("+5511911110005", "Edu"),
}


def seed(session: Any, org_id: int, today: date) -> dict[str, int]:
    """Five clients with bookings around ``today`` (see the expected figures below)."""
    channel = orgs.channels_of(session, org_id, "simulator")[0]
    services = {s.name: s.id for s in session.scalars(select(Service))}
    ids: dict[str, int] = {}
    for key, (phone, name) in CLIENTS.items():
        contact = Contact(organization_id=org_id, phone=phone, name=name)
        session.add(contact)
        session.flush()
        ids[key] = contact.id
        session.add(
            Conversation(organization_id=org_id, contact_id=contact.id, channel_id=channel.id)
        )
    session.add(
        Pet(
            organization_id=org_id,
            contact_id=ids["carla"],
            name="Pipoca",
            species="cachorro",
            birth_date=date(2021, today.month, 2),
        )
    )

    def book(who: str, service: str, day: date, hour: int, status: str = "booked") -> None:
        start = datetime.combine(day, time(hour), tzinfo=TZ)
        minutes = {"Banho": 60, "Tosa": 60, "Banho e tosa": 90}.get(service, 30)
        session.add(
            Booking(
                organization_id=org_id,
                contact_id=ids[who],
                service_id=services[service],
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
                status=status,
                created_at=datetime(2026, 1, 1, tzinfo=TZ),
            )
        )

    tomorrow = today + timedelta(days=1)
    book("ana", "Banho", today, 9)  # passed: done
    book("bruno", "Tosa", today, 10, "no_show")
    book("carla", "Banho e tosa", today, 11, "cancelled")
    book("ana", "Consulta veterinária", today, 16)  # later today
    book("bruno", "Banho", today, 14, "completed")
    book("carla", "Vacinação", tomorrow, 9)
    book("bruno", "Banho", tomorrow, 10)
    book("carla", "Banho", today - timedelta(days=2), 9, "completed")  # Monday
    book("ana", "Tosa", today.replace(day=3), 10, "completed")  # earlier this month
    book("carla", "Banho", today - timedelta(days=29), 9, "completed")  # last month
    book("davi", "Banho", today - timedelta(days=69), 9, "completed")  # inactive
    book("edu", "Banho", today - timedelta(days=78), 9, "cancelled")  # never came
    session.flush()
    return ids


@pytest.fixture
def shop(db_url: str) -> Iterator[tuple[Any, int]]:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org = create_demo(s)
        org.owner_phones = [OWNER]
        seed(s, org.id, NOW.date())
        org_id = org.id
    yield sessions, org_id
    engine.dispose()


def test_figures_for_today_week_and_month_match_the_hand_count(shop: tuple[Any, int]) -> None:
    sessions, org_id = shop
    with sessions() as s:
        today = insights.figures(s, org_id, "today", NOW, TZ)
        week = insights.figures(s, org_id, "week", NOW, TZ)
        month = insights.figures(s, org_id, "month", NOW, TZ)
    assert (today.done, today.upcoming, today.cancelled, today.no_show) == (2, 1, 1, 1)
    assert today.revenue == Decimal("270.00")  # 60 + 60 done, 150 still to come
    assert today.services == [("Banho", 2), ("Consulta veterinária", 1)]
    assert (week.done, week.upcoming, week.cancelled, week.no_show) == (3, 3, 1, 1)
    assert week.revenue == Decimal("480.00")
    assert week.services[0] == ("Banho", 4)
    assert week.hours[0] == (9, 3)
    assert (month.done, month.upcoming) == (4, 3)
    assert month.revenue == Decimal("550.00")
    assert ("Tosa", 1) in month.services


def test_occupancy_per_resource_and_a_moved_booking_is_no_cancellation(
    shop: tuple[Any, int],
) -> None:
    sessions, org_id = shop
    with sessions() as s:
        today = insights.figures(s, org_id, "today", NOW, TZ)
    # open 08:00-18:00 (600 min): Banho 1 had Ana's 09:00 and Bruno's 14:00 baths, the
    # groomer Bruno's missed 10:00 tosa, Dra. Paula Ana's 16:00 consultation
    assert today.occupancy == [
        ("Banho 1", 20),
        ("Banho 2", 0),
        ("Ana (tosadora)", 10),
        ("Dra. Paula (veterinária)", 5),
    ]
    tomorrow = NOW + timedelta(days=1)
    with transaction(sessions) as s:
        [bath] = [
            b
            for b in s.scalars(select(Booking).where(Booking.status == "booked"))
            if b.starts_at == tomorrow.replace(hour=10)
        ]
        bookings.move(s, org_id, bath.id, tomorrow.replace(hour=15))
    with sessions() as s:
        week = insights.figures(s, org_id, "week", NOW, TZ)
    assert (week.cancelled, week.rescheduled, week.upcoming) == (1, 1, 3)
    assert "• cancelados: 1 · remarcados: 1 · faltas: 1" in insights.figures_text(week)


def test_inactive_clients_are_those_who_came_before_but_not_for_30_days(
    shop: tuple[Any, int],
) -> None:
    sessions, org_id = shop
    with sessions() as s:
        gone = insights.inactive(s, org_id, NOW, [OWNER])
    assert [c.name for c in gone] == ["Davi"]  # Edu only cancelled; the rest came recently
    text = insights.inactive_text(gone, NOW, TZ)
    assert "Davi" in text and "69 dias" in text


def test_daily_summary_reports_the_day_tomorrow_one_alert_and_one_opportunity(
    shop: tuple[Any, int],
) -> None:
    sessions, org_id = shop
    evening = NOW.replace(hour=19)
    with sessions() as s:
        text = insights.daily_summary(s, org_id, "Pet Shop", evening, TZ, [OWNER])
    lines = text.splitlines()
    assert lines[1] == "Hoje: 3 realizado(s), 1 cancelado(s), 1 falta(s) · R$ 270,00"
    assert "Amanhã: 2 agendamento(s)" in text
    assert "• 09:00 Vacinação — Carla" in text and "• 10:00 Banho — Bruno" in text
    assert "⚠️ 1 cliente(s) faltaram hoje" in text
    assert "💡 1 cliente(s) não vêm há mais de 30 dias" in text


def with_owner_and_clients(session: Any, org: Any) -> None:
    org.owner_phones = [OWNER]
    seed(session, org.id, utcnow().astimezone(TZ).date())


@pytest.fixture
def runtime(db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(db_url, tmp_path, with_owner_and_clients, campaign_per_minute=2)
    yield rt
    rt.close()


def ask_owner(sessions: Any, org_id: int, assistant: Any, text: str, now: datetime) -> str:
    """One owner message straight to the assistant, at a chosen moment."""
    from atende.brain.base import BurstMessage, OrgProfile, Turn

    turn = Turn(
        org=OrgProfile(org_id, "Pet Shop", "America/Sao_Paulo", "pt-BR", OrgSettings(), [OWNER]),
        conversation_id=0,
        contact_id=0,
        contact_phone=OWNER,
        contact_name=None,
        burst=[BurstMessage("text", text)],
        state=DialogueState(),
        now=now,
    )
    with sessions() as s:
        return "\n".join(assistant.respond(s, turn).texts)


def outbound(rt: Runtime, author: str) -> list[Message]:
    with rt.sessions() as s:
        return list(s.scalars(select(Message).where(Message.author == author).order_by(Message.id)))


def test_summary_goes_out_at_the_local_time_once_whatever_the_number_of_workers(
    runtime: Runtime, db_url: str, tmp_path: Path
) -> None:
    day = utcnow().astimezone(TZ).date()
    before = datetime.combine(day, time(18, 59), tzinfo=TZ)
    at = datetime.combine(day, time(19, 0), tzinfo=TZ)
    assert runtime.pipeline.periodic.daily_summary(1, before) == []
    other = build_runtime(settings_for(db_url, tmp_path))  # a second worker
    try:
        first = runtime.pipeline.periodic.daily_summary(1, at)
        again = other.pipeline.periodic.daily_summary(1, at + timedelta(minutes=5))
    finally:
        other.close()
    assert len(first) == 1 and again == []
    [summary] = outbound(runtime, "summary")
    assert summary.body.startswith("🌙 Resumo do dia — Pet Shop Amigo Fiel")
    with runtime.sessions() as s:
        contact = s.scalar(
            select(Contact).join(Conversation).where(Conversation.id == summary.conversation_id)
        )
        assert contact is not None and contact.phone == OWNER


def test_summary_time_follows_the_organization_timezone(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as s:
        org = orgs.org_by_slug(s, "demo")
        assert org is not None
        org.timezone = "Europe/Lisbon"  # three hours ahead of São Paulo in November
        org.settings = {**org.settings, "summary_time": "20:30"}
    day = utcnow().astimezone(TZ).date()
    lisbon_2029 = datetime.combine(day, time(17, 29), tzinfo=TZ)  # 20:29 in Lisbon
    assert runtime.pipeline.periodic.daily_summary(1, lisbon_2029) == []
    assert len(runtime.pipeline.periodic.daily_summary(1, lisbon_2029 + timedelta(minutes=1))) == 1


def test_reminders_go_to_tomorrows_clients_once(runtime: Runtime) -> None:
    day = utcnow().astimezone(TZ).date()
    evening = datetime.combine(day, time(19, 0), tzinfo=TZ)
    first = runtime.pipeline.periodic.reminders(1, evening)
    second = runtime.pipeline.periodic.reminders(1, evening + timedelta(minutes=10))
    assert len(first) == 2 and second == []
    texts = sorted(m.body for m in outbound(runtime, "reminder"))
    assert texts[0].startswith("Oi, Bruno! Passando para lembrar: Banho amanhã")
    assert "10:00" in texts[0]
    assert texts[1].startswith("Oi, Carla! Passando para lembrar: Vacinação amanhã")


def test_reminders_can_be_turned_off(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as s:
        org = orgs.org_by_slug(s, "demo")
        assert org is not None
        org.settings = {**org.settings, "reminders": False}
    evening = datetime.combine(utcnow().astimezone(TZ).date(), time(19), tzinfo=TZ)
    assert runtime.pipeline.periodic.reminders(1, evening) == []


def test_owner_numbers_reach_the_owner_assistant_not_the_customer_agent(
    runtime: Runtime,
) -> None:
    owner = Customer(runtime, "demo", OWNER)
    answer = owner.say("quantos agendamentos hoje?")
    assert answer.startswith("📊 Hoje: 3 agendamento(s)")  # cancelled and missed apart
    assert "cancelados: 1 · remarcados: 0 · faltas: 1" in answer
    assert "Davi" in owner.say("quais clientes estão inativos?")
    assert "Oi! Sou seu assistente de gestão" in owner.say("e aí")
    assert "agendar" not in owner.say("quero marcar um banho")  # no customer booking flow
    assert owner.conversation().state == "bot"


def test_with_a_model_the_owner_gets_analytics_tools_and_insights(
    sqlite_url: str, tmp_path: Path
) -> None:
    llm: FakeLLM = start_fake_llm()
    seen: list[dict[str, Any]] = []

    def insight(request: dict[str, Any]) -> dict[str, Any]:
        seen.extend(last_tool_results(request))
        return text("Semana boa: 6 atendimentos. Vale lembrar quem faltou 😉")

    llm.play(calls(tool("get_figures", period="week")), insight, 500, 500)
    rt = demo_runtime(sqlite_url, tmp_path, with_owner_and_clients, **llm_settings(llm.url))
    try:
        owner = Customer(rt, "demo", OWNER)
        assert owner.say("como foi a semana?").startswith("Semana boa")
        [figures] = seen
        assert figures["cancelled"] == 1 and figures["no_show"] == 1
        assert figures["booked"] == figures["done"] + figures["upcoming"]
        system = llm.requests[0]["messages"][0]["content"]
        assert "business analyst" in system and "WhatsApp assistant" not in system
        tools = {t["function"]["name"] for t in llm.requests[0]["tools"]}
        assert "get_figures" in tools and "book_service" not in tools
        # the model fails: the offline assistant answers from the same queries
        assert "Davi" in owner.say("quem está inativo?")
        # campaigns never go through the model
        before = len(llm.requests)
        assert "Ideias de campanha" in owner.say("campanha")
        assert len(llm.requests) == before
    finally:
        rt.close()
        llm.stop()


def test_a_campaign_is_a_draft_until_the_owner_confirms_then_goes_out_spaced(
    runtime: Runtime,
) -> None:
    owner = Customer(runtime, "demo", OWNER)
    ideas = owner.say("me dá ideias de campanha")
    assert "1. reativação: 1 cliente(s)" in ideas
    assert "aniversários: 1 pet(s)" in ideas
    assert outbound(runtime, "campaign") == []
    promo = next(line for line in ideas.splitlines() if "horários livres" in line)
    number = promo.split(".")[0]
    assert "Vou enviar para 5 cliente(s)" in owner.say(f"enviar {number}")
    assert outbound(runtime, "campaign") == []  # still a draft
    assert "✅ 5 mensagem(ns)" in owner.say("sim")
    sent = outbound(runtime, "campaign")
    assert len(sent) == 5  # everyone who booked in the last 6 months
    assert {m.body.split("!")[0] for m in sent} == {
        "Oi, Ana",
        "Oi, Bruno",
        "Oi, Carla",
        "Oi, Davi",
        "Oi, Edu",
    }
    gaps = [
        (b.next_attempt_at - a.next_attempt_at).total_seconds()  # type: ignore[operator]
        for a, b in pairwise(sent)
    ]
    assert gaps == pytest.approx([30.0, 30.0, 30.0, 30.0], abs=0.5)  # 2 per minute
    owner.say("sim")  # a repeated yes sends nothing more
    assert len(outbound(runtime, "campaign")) == 5


def test_a_declined_campaign_sends_nothing(runtime: Runtime) -> None:
    owner = Customer(runtime, "demo", OWNER)
    owner.say("campanha")
    owner.say("enviar 1")
    assert "não enviei" in owner.say("não")
    assert outbound(runtime, "campaign") == []


def test_the_worker_sends_what_the_periodic_jobs_queue(
    runtime: Runtime, test_clock: ShiftedClock
) -> None:
    from tests.support.settle import wait_settled

    evening = datetime.combine(utcnow().astimezone(TZ).date(), time(19, 30), tzinfo=TZ)
    move_to(test_clock, evening)  # the ticker and this test read the same clock
    runtime.start_worker(embedded=True)  # its ticker runs the jobs too
    runtime.pipeline.periodic.run(utcnow())
    assert runtime.pipeline.periodic.run(utcnow()) == 0  # everything due is already claimed
    assert wait_settled(runtime.sessions, 20)
    sent = outbound(runtime, "summary") + outbound(runtime, "reminder")
    assert len(sent) == 3 and {m.status for m in sent} == {"sent"}  # one summary, two reminders


def test_one_message_may_ask_several_things_about_past_periods(shop: tuple[Any, int]) -> None:
    from atende.brain.owner.assistant import OwnerAssistant

    sessions, org_id = shop
    tomorrow = NOW + timedelta(days=1)  # so "ontem" is the seeded day

    def ask(text: str) -> str:
        return ask_owner(sessions, org_id, OwnerAssistant(), text, tomorrow)

    both = ask("quanto faturei ontem e quantos cancelamentos?")
    assert "Ontem: 1 cancelamento(s) e 1 falta(s)." in both
    assert "Faturamento estimado ontem: R$ 270,00" in both
    assert ask("como foi ontem?").startswith("📊 Ontem: 3 agendamento(s)")


def test_customers_who_opt_out_get_no_campaigns_but_still_their_reminders(
    runtime: Runtime,
) -> None:
    edu = Customer(runtime, "demo", CLIENTS["edu"][0])
    assert "não vai mais receber nossas promoções" in edu.say("SAIR")
    bruno = Customer(runtime, "demo", CLIENTS["bruno"][0])
    assert "não vai mais receber" in bruno.say("por favor, não quero mais receber promoções")
    owner = Customer(runtime, "demo", OWNER)
    ideas = owner.say("campanha")
    promo = next(line for line in ideas.splitlines() if "horários livres" in line)
    assert "Vou enviar para 3 cliente(s)" in owner.say(f"enviar {promo.split('.')[0]}")
    owner.say("sim")
    sent = outbound(runtime, "campaign")
    assert {m.body.split("!")[0] for m in sent} == {"Oi, Ana", "Oi, Carla", "Oi, Davi"}
    assert all(m.body.endswith("(Para não receber mais promoções, responda SAIR.)") for m in sent)
    evening = datetime.combine(utcnow().astimezone(TZ).date(), time(19), tzinfo=TZ)
    runtime.pipeline.periodic.reminders(1, evening)
    assert any(m.body.startswith("Oi, Bruno!") for m in outbound(runtime, "reminder"))


def test_the_owner_asking_for_a_days_agenda_gets_the_appointments(
    shop: tuple[Any, int],
) -> None:
    from atende.brain.owner.assistant import OwnerAssistant

    sessions, org_id = shop
    answer = ask_owner(sessions, org_id, OwnerAssistant(), "qual a agenda de amanhã?", NOW)
    assert "🗓️ Agenda amanhã:" in answer
    assert "• 09:00 Vacinação — Carla" in answer and "• 10:00 Banho — Bruno" in answer
    today = ask_owner(sessions, org_id, OwnerAssistant(), "agenda de hoje", NOW)
    assert "Banho e tosa" not in today.split("🗓️")[1]  # cancelled ones are not on it


EVO_INSTANCE = "loja-dono"
EVO_KEY = "EVO-OWNER-KEY-0123456789"


def test_the_summary_goes_through_another_open_channel_when_the_owners_is_down(
    shop_factory: Callable[..., Shop], sqlite_url: str, test_clock: ShiftedClock
) -> None:
    """The owner writes to the Twilio number; at summary time that channel's breaker is
    open, so the summary goes through the Evolution number instead of waiting."""
    evolution = fake_evolution(EVO_INSTANCE, EVO_KEY)
    try:
        creds = {
            "base_url": evolution.url,
            "instance": EVO_INSTANCE,
            "api_key": EVO_KEY,
            "webhook_secret": "owner-test-secret",
        }
        shop = shop_factory(sqlite_url, extra=[("evolution", EVO_INSTANCE, creds)])
        with transaction(shop.runtime.sessions) as s:
            org = s.get(Organization, shop.org_id)
            assert org is not None
            org.owner_phones = [OWNER]
        shop.post_inbound("como foi hoje?", phone=OWNER)  # their usual chat: Twilio
        [answer] = shop.wait_replies(OWNER, 1)
        shop.settle()
        with transaction(shop.runtime.sessions) as s:
            send_rows.breaker(s, shop.channel_id, "open", 5, "503 from provider")

        move_to(test_clock, datetime.combine(utcnow().astimezone(TZ).date(), time(19, 5), TZ))
        shop.runtime.pipeline.periodic.run(utcnow())
        shop.settle()

        [sent] = [c.json() for c in evolution.calls("POST", rf"/message/sendText/{EVO_INSTANCE}")]
        assert sent["number"] == OWNER.lstrip("+")
        assert sent["text"].startswith("🌙 Resumo do dia — Pet Shop Amigo Fiel")
        assert shop.replies_to(OWNER) == [answer]  # nothing more through the closed breaker
        [summary] = outbound(shop.runtime, "summary")
        assert summary.channel_id == shop.channels["evolution"] and summary.status == "sent"
    finally:
        evolution.stop()


def test_the_owners_chat_is_on_a_channel_that_can_send(db_url: str) -> None:
    """One choice for every message to the owner (summary, emergency, alerts): their
    latest chat while its channel is open; another open channel when it is not; with none
    open, their latest chat, where it waits — or nothing, for an alert. The simulator
    reaches no phone: it is left out while the organization has a real provider."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org = create_demo(s)
        sim = orgs.channels_of(s, org.id, "simulator")[0].id
        alone = owner_conversation(s, org.id, OWNER)  # a demo with no real provider
        assert alone is not None and alone[1] == sim
        twilio = orgs.add_channel(s, org.id, "twilio", "whatsapp:+551130040001", {}).id
        evo = orgs.add_channel(s, org.id, "evolution", "loja", {}).id
        owner = conversations.find_contact(s, org.id, OWNER)
        assert owner is not None
        chats = {}
        for channel, hours_ago in ((twilio, 2), (evo, 1)):  # the latest on Evolution
            chats[channel] = conversations.ensure_conversation(s, org.id, channel, owner)
            row = s.get(Conversation, chats[channel])
            assert row is not None
            row.last_message_at = utcnow() - timedelta(hours=hours_ago)
        org_id = org.id

    def chosen(**options: Any) -> tuple[int, str] | None:
        with transaction(sessions) as s:
            return owner_conversation(s, org_id, OWNER, **options)

    assert chosen() == (chats[evo], evo)
    with transaction(sessions) as s:
        send_rows.connection(s, evo, "close")
    assert chosen() == (chats[twilio], twilio)
    with transaction(sessions) as s:
        send_rows.breaker(s, twilio, "open", 5)
    assert chosen() == (chats[evo], evo)  # nothing open: it waits in their usual chat
    assert chosen(healthy_only=True) is None  # an alert is told again later instead
    with transaction(sessions) as s:
        send_rows.connection(s, evo, "open")
    assert chosen(avoid=evo, healthy_only=True) is None  # never through what it is about
    engine.dispose()
