"""The LLM customer agent against a local OpenAI-compatible server, through the real
``openai`` package: tool loop, proposals, confirmation, failures and the offline fallback."""

from __future__ import annotations

import json
import logging
import re
import time as clock
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from atende.runtime import Runtime
from atende.storage.db import transaction
from atende.storage.models import Booking, BrainLog, Conversation, LlmCall, Message, Pet
from tests.conftest import Shop, demo_runtime, llm_settings
from tests.support.dialogue import TZ, Customer, next_weekday
from tests.support.fake_llm import (
    FakeLLM,
    calls,
    last_tool_results,
    raw_tool,
    start_fake_llm,
    text,
    tool,
)

SECRET = "sk-test-very-secret-key"


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    fake = start_fake_llm()
    yield fake
    fake.stop()


def make_runtime(db_url: str, tmp_path: Path, llm: FakeLLM, **overrides: Any) -> Runtime:
    settings = llm_settings(
        llm.url,
        llm_api_key=SECRET,
        llm_timeout_seconds=0.5,
        llm_max_retries=1,
        llm_price_input_per_mtok=0.15,
        llm_price_output_per_mtok=0.60,
    )
    return demo_runtime(db_url, tmp_path, **{**settings, **overrides})


@pytest.fixture
def runtime(db_url: str, tmp_path: Path, llm: FakeLLM) -> Iterator[Runtime]:
    rt = make_runtime(db_url, tmp_path, llm)
    yield rt
    rt.close()


def propose_booking(service: str, day: date, at: str, pet: str, **more: str) -> dict[str, Any]:
    """The model asking for ``book_service`` (a pet not registered yet needs ``species``)."""
    return calls(
        tool("book_service", service=service, date=day.isoformat(), time=at, pet_name=pet, **more)
    )


def bookings(runtime: Runtime) -> list[Booking]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Booking).order_by(Booking.id)))


def state_of(customer: Customer) -> dict[str, Any]:
    return dict(customer.conversation().dialogue_state or {})


def test_multi_step_tool_conversation_books_only_after_the_customer_confirms(
    runtime: Runtime, llm: FakeLLM
) -> None:
    tuesday = next_weekday(1)
    seen: dict[str, Any] = {}

    def after_lookups(request: dict[str, Any]) -> dict[str, Any]:
        services, slots = last_tool_results(request)
        seen["services"] = [s["name"] for s in services["services"]]
        seen["slots"] = slots["free_times"]
        return propose_booking("Banho", tuesday, "09:00", "Thor", species="cachorro", breed="SRD")

    def ask_confirmation(request: dict[str, Any]) -> dict[str, Any]:
        [proposal] = last_tool_results(request)
        seen["proposal"] = proposal
        return text("Posso confirmar o banho do Thor na terça às 09:00? 🐶")

    llm.play(
        calls(
            tool("list_services"),
            tool("list_free_slots", service="Banho", date=tuesday.isoformat()),
        ),
        after_lookups,
        ask_confirmation,
    )
    ana = Customer(runtime, "demo", "+5511999990001", "Ana")
    answer = ana.say("oi! queria dar um banho no meu cachorro Thor terça de manhã cedo")
    assert answer == "Posso confirmar o banho do Thor na terça às 09:00? 🐶"
    assert "Banho" in seen["services"] and "09:00" in seen["slots"]
    assert seen["proposal"]["status"].startswith("proposed")
    assert len(llm.requests) == 3  # the model saw each tool result before going on
    assert llm.requests[0]["tools"] and llm.headers[0]["authorization"] == f"Bearer {SECRET}"
    assert bookings(runtime) == []  # proposed, not written
    assert state_of(ana)["pending"]["action"] == "book"

    done = ana.say("sim")
    assert "Prontinho" in done and "09:00" in done
    assert len(llm.requests) == 3  # a plain "sim" is settled without the model
    [booking] = bookings(runtime)
    assert booking.starts_at == datetime.combine(tuesday, time(9), tzinfo=TZ)
    with runtime.sessions() as s:
        pet = s.get(Pet, booking.pet_id)
        assert pet is not None and (pet.name, pet.species) == ("Thor", "cachorro")
    assert state_of(ana)["pending"] is None


def test_bad_tool_arguments_go_back_to_the_model_which_corrects_them(
    runtime: Runtime, llm: FakeLLM
) -> None:
    friday = next_weekday(4)
    errors: list[str] = []

    def correct(request: dict[str, Any]) -> dict[str, Any]:
        [result] = last_tool_results(request)
        errors.append(result["error"])
        return propose_booking("banho e tosa", friday, "14:00", "Mel", species="gato")

    llm.play(
        calls(
            raw_tool("book_service", '{"service": "Banho e tosa", "date": "sexta", "time": "2pm"}')
        ),
        correct,
        text("Fechado? Banho e tosa da Mel sexta às 14:00, R$ 110,00. Confirma?"),
    )
    mia = Customer(runtime, "demo", "+5511999990002", "Mia")
    assert "Confirma" in mia.say("banho e tosa pra Mel sexta 14h")
    assert "invalid arguments" in errors[0]
    assert "date" in errors[0] and "pet_name" in errors[0]
    pending = state_of(mia)["pending"]
    assert pending["starts_at"] == datetime.combine(friday, time(14), tzinfo=TZ).isoformat()
    assert pending["pet"] == {"name": "Mel", "species": "gato", "breed": "SRD", "birth_date": None}
    assert bookings(runtime) == []


def test_a_proposal_is_never_committed_without_the_customers_yes(
    runtime: Runtime, llm: FakeLLM
) -> None:
    wednesday = next_weekday(2)
    propose = propose_booking("Tosa", wednesday, "10:00", "Bob", species="cachorro")
    llm.play(
        propose,
        text("Posso confirmar a tosa do Bob quarta às 10:00?"),
        # a later turn: the model claims success and even proposes again
        propose,
        text("Prontinho, agendado! ✅"),
    )
    leo = Customer(runtime, "demo", "+5511999990003", "Leo")
    leo.say("tosa pro Bob quarta 10h")
    assert leo.say("hmm vou ver com minha esposa e já te falo") == "Prontinho, agendado! ✅"
    assert bookings(runtime) == []  # the model's words do not write anything
    assert "Tudo bem" in leo.say("não, deixa pra lá")
    assert state_of(leo)["pending"] is None
    assert bookings(runtime) == []
    assert len(llm.requests) == 4  # "não" was settled by the tool layer


@pytest.mark.parametrize(
    ("failure", "reason"),
    [(500, "HTTP 500"), ("stall", "timeout"), ("garbage", None)],
)
def test_when_the_model_fails_the_offline_brain_answers(
    runtime: Runtime, llm: FakeLLM, failure: Any, reason: str | None
) -> None:
    llm.stall_seconds = 1.5
    llm.play(failure, failure)  # the first try and the one retry
    bia = Customer(runtime, "demo", "+5511999990004", "Bia")
    answer = bia.say("qual o horário de funcionamento de vocês?")
    assert "segunda a sexta, das 08:00 às 18:00" in answer
    with runtime.sessions() as s:
        [call] = s.scalars(select(LlmCall)).all()
        log = s.scalars(select(BrainLog)).one()
    assert call.outcome == "error" and (reason is None or call.error == reason)
    assert log.brain == "offline-fallback"


def test_a_rate_limit_is_retried_and_the_model_answers(runtime: Runtime, llm: FakeLLM) -> None:
    llm.play(429, text("Temos sim! Quer que eu veja um horário? 🙂"))
    cris = Customer(runtime, "demo", "+5511999990005", "Cris")
    assert cris.say("vcs atendem gato bravo?") == "Temos sim! Quer que eu veja um horário? 🙂"
    assert len(llm.requests) == 2


def test_fast_path_answers_confident_intents_without_the_model(
    sqlite_url: str, tmp_path: Path, llm: FakeLLM
) -> None:
    rt = make_runtime(sqlite_url, tmp_path, llm, llm_fast_path="on")
    try:
        llm.play(text("Vou verificar com a equipe 🙂"))
        dani = Customer(rt, "demo", "+5511999990006", "Dani")
        assert "R$ 60,00" in dani.say("quanto custa o banho?")
        assert "08:00" in dani.say("que horas vocês abrem?")
        assert llm.requests == []
        assert dani.say("meu cachorro tá se coçando muito, pode ser pulga?") == (
            "Vou verificar com a equipe 🙂"
        )
        assert len(llm.requests) == 1
        tuesday = next_weekday(1)
        times = dani.say(f"tem horário pra banho dia {tuesday:%d/%m}?")
        assert "10:00" in times  # a list of free times: no model needed
        assert "nome" in dani.say("10h")  # and the booking goes on offline
        assert len(llm.requests) == 1
    finally:
        rt.close()


def test_handoff_tool_hands_the_chat_to_a_person(runtime: Runtime, llm: FakeLLM) -> None:
    llm.play(
        calls(tool("handoff_to_human", reason="reclamação")),
        text("Vou chamar alguém da equipe para te ajudar 🙏"),
    )
    eva = Customer(runtime, "demo", "+5511999990007", "Eva")
    assert "equipe" in eva.say("quero reclamar do atendimento de ontem")
    assert eva.conversation().state == "human"


def test_context_keeps_recent_turns_summarises_older_ones_and_logs_cost(
    runtime: Runtime, llm: FakeLLM
) -> None:
    for i in range(7):
        llm.play(text(f"resposta {i}"))
    fabi = Customer(runtime, "demo", "+5511999990008", "Fabi")
    for i in range(7):
        fabi.say(f"pergunta número {i}")
    prompt = llm.requests[-1]["messages"]
    contents = [m["content"] for m in prompt]
    assert prompt[-1] == {"role": "user", "content": "pergunta número 6"}
    assert "resposta 5" in contents and "pergunta número 1" in contents
    # 12 earlier messages, 10 kept verbatim, the 2 oldest summarised (not silently dropped)
    summary = next(c for c in contents if c.startswith("Summary of 2 earlier"))
    assert "pergunta número 0" in summary
    assert "pergunta número 0" not in contents
    assert "Fabi" in prompt[0]["content"] and "Banho a partir de R$ 45,00" in prompt[0]["content"]
    with runtime.sessions() as s:
        rows = s.scalars(select(LlmCall).order_by(LlmCall.id)).all()
    assert len(rows) == 7 and all(r.outcome == "ok" and r.prompt_tokens > 0 for r in rows)
    expected = (rows[-1].prompt_tokens * 0.15 + rows[-1].completion_tokens * 0.60) / 1e6
    assert float(rows[-1].cost_usd) == pytest.approx(expected, abs=1e-6)
    assert all(r.organization_id == rows[0].organization_id for r in rows)


def test_the_api_key_never_reaches_the_logs(
    runtime: Runtime, llm: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    llm.play(500, 500)
    Customer(runtime, "demo", "+5511999990009").say("oi, tudo bem? me ajuda com uma coisa")
    assert SECRET not in caplog.text
    assert llm.requests  # the model was asked (and failed)


def test_an_organization_can_override_the_model(runtime: Runtime, llm: FakeLLM) -> None:
    with transaction(runtime.sessions) as s:
        from atende.storage import orgs

        org = orgs.org_by_slug(s, "demo")
        assert org is not None
        org.settings = {**org.settings, "llm": {"model": "llama3.1:8b"}}
    llm.play(text("Oi! 🐾"))
    Customer(runtime, "demo", "+5511999990010").say("e aí, blz?")
    assert llm.requests[0]["model"] == "llama3.1:8b"
    assert json.dumps(llm.requests[0]["tools"])  # the tools travel with every call


def test_a_yes_that_comes_after_the_proposed_time_books_nothing(
    runtime: Runtime, llm: FakeLLM
) -> None:
    monday = next_weekday(0)
    llm.play(
        propose_booking("Banho", monday, "08:00", "Rex", species="cachorro"),
        text("Confirma banho do Rex segunda 08:00?"),
    )
    gil = Customer(runtime, "demo", "+5511999990011")
    gil.say("banho pro Rex segunda cedinho")
    with transaction(runtime.sessions) as s:  # the customer answers a week later
        conv = s.get(Conversation, gil.conversation().id)
        assert conv is not None
        state = dict(conv.dialogue_state)
        state["pending"] = {**state["pending"], "starts_at": "2020-01-06T08:00:00-03:00"}
        conv.dialogue_state = state
    assert "não está mais disponível" in gil.say("sim")
    assert bookings(runtime) == []


def test_the_served_demo_answers_twilio_through_the_model_and_reports_usage(
    shop_factory: Callable[..., Shop], sqlite_url: str, llm: FakeLLM
) -> None:
    """ATENDE_BRAIN=openai end to end: a signed webhook, the worker, the model, Twilio."""
    shop = shop_factory(
        sqlite_url,
        brain="openai",
        llm_base_url=llm.url,
        llm_model="test-model",
        llm_price_input_per_mtok=1.0,
    )
    llm.play(text("Oi! Atendemos sim gatos bravos, com todo cuidado 🐱"))
    shop.post_inbound("vocês atendem gato bravo?", phone="+5511999990030")
    shop.post_inbound("ele morde kkk", phone="+5511999990030")  # one burst, one call
    shop.settle()
    assert shop.replies_to("+5511999990030") == [
        "Oi! Atendemos sim gatos bravos, com todo cuidado 🐱"
    ]
    assert len(llm.requests) == 1
    assert llm.requests[0]["messages"][-1]["content"] == "vocês atendem gato bravo?\nele morde kkk"
    shop.post_inbound("que horas vocês abrem?", phone="+5511999990030")
    shop.settle()
    assert len(llm.requests) == 1  # the fast path answered the hours
    usage = shop.api("GET", "/api/monitoring/llm-usage").json()
    assert usage["calls"] == 1 and usage["errors"] == 0
    assert usage["turns"] == 2 and usage["turns_without_llm"] == 1
    assert usage["prompt_tokens"] > 0
    assert float(usage["cost_usd"]) == pytest.approx(usage["prompt_tokens"] / 1e6, abs=1e-6)
    metrics = httpx.get(f"{shop.server.url}/metrics").text
    assert re.search(r'^atende_llm_calls_total\{outcome="ok"\} [1-9]', metrics, re.M)
    assert re.search(r'^atende_turns_total\{brain="openai"\} [1-9]', metrics, re.M)
    docs = shop.api("GET", "/api/knowledge").json()["items"]
    assert docs == []  # this shop has no documents; `atende kb add` fills it


def test_a_model_that_never_stops_calling_tools_is_cut_off_and_offline_answers(
    runtime: Runtime, llm: FakeLLM
) -> None:
    llm.play(*[calls(tool("list_services"))] * 6)  # ATENDE_LLM_MAX_STEPS (6) rounds
    answer = Customer(runtime, "demo", "+5511999990012").say("quanto custa o banho?")
    assert "R$ 60,00" in answer
    assert len(llm.requests) == 6


def test_a_slow_model_keeps_the_claim_so_no_other_worker_answers_the_same_burst(
    sqlite_url: str, tmp_path: Path, llm: FakeLLM
) -> None:
    import threading

    rt = make_runtime(sqlite_url, tmp_path, llm, claim_lease_seconds=0.6, llm_timeout_seconds=5)
    try:
        llm.stall_seconds = 2.0  # more than three leases
        llm.play("stall")
        joana = Customer(rt, "demo", "+5511999990013")
        from atende.channels.base import InboundMessage

        rt.pipeline.ingestor.ingest(
            joana.channel, InboundMessage("slow-1", joana.phone, None, "text", "oi, tudo bem?")
        )
        conv_id = joana.conversation().id
        first = threading.Thread(target=rt.pipeline.flush, args=(conv_id,))
        first.start()
        clock.sleep(1.2)  # past two leases: without renewal the claim would be free
        assert rt.pipeline.flush(conv_id) is None  # another worker's attempt
        first.join(10)
        assert len(llm.requests) == 1
        with rt.sessions() as s:
            replies = s.scalars(
                select(Message).where(
                    Message.conversation_id == conv_id, Message.direction == "out"
                )
            ).all()
        assert [m.body for m in replies] == ["late"]
    finally:
        rt.close()


def test_registering_a_pet_with_its_birthday_after_confirmation(
    runtime: Runtime, llm: FakeLLM
) -> None:
    errors: list[str] = []

    def fix_date(request: dict[str, Any]) -> dict[str, Any]:
        [result] = last_tool_results(request)
        errors.append(result["error"])
        return calls(
            raw_tool(
                "register_pet",
                json.dumps({"name": "Luna", "species": "gato", "birth_date": "2022-05-01"}),
            )
        )

    llm.play(
        calls(
            raw_tool(
                "register_pet",
                json.dumps({"name": "Luna", "species": "gato", "birth_date": "2099-05-01"}),
            )
        ),
        fix_date,
        text("Cadastro a Luna (gata, nascida em 01/05/2022)? 🐱"),
    )
    lia = Customer(runtime, "demo", "+5511999990014")
    assert "Luna" in lia.say("quero cadastrar minha gata Luna, nasceu 1 de maio de 2022")
    assert errors == ["birth_date is in the future"]
    with runtime.sessions() as s:
        assert s.scalars(select(Pet)).all() == []
    assert "Cadastrei Luna" in lia.say("pode")
    with runtime.sessions() as s:
        [luna] = s.scalars(select(Pet)).all()
    assert (luna.name, luna.species, luna.birth_date) == ("Luna", "gato", date(2022, 5, 1))


def test_opting_out_is_a_rule_not_a_model_decision(runtime: Runtime, llm: FakeLLM) -> None:
    rui = Customer(runtime, "demo", "+5511999990015")
    assert "não vai mais receber" in rui.say("pare de me mandar promoção")
    assert llm.requests == []
    with runtime.sessions() as s:
        from atende.storage.models import Contact

        contact = s.scalar(select(Contact).where(Contact.phone == "+5511999990015"))
        assert contact is not None and contact.opted_out_at is not None


def test_one_proposal_per_turn_and_servers_that_send_arguments_as_objects(
    runtime: Runtime, llm: FakeLLM
) -> None:
    thursday = next_weekday(3)
    seen: list[dict[str, Any]] = []

    def book(hour: str) -> dict[str, Any]:
        args = {
            "service": "Banho",
            "date": thursday.isoformat(),
            "time": hour,
            "pet_name": "Kiko",
            "species": "cachorro",
        }
        return {"name": "book_service", "arguments": args}  # an object, not a JSON string

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        seen.extend(last_tool_results(request))
        return text("Confirma o banho do Kiko quinta às 09:00?")

    llm.play(calls(book("09:00"), book("10:00")), answer)
    Customer(runtime, "demo", "+5511999990016").say("2 banhos pro Kiko quinta, 9h e 10h")
    assert seen[0]["status"].startswith("proposed")
    assert "one change at a time" in seen[1]["error"]


def test_a_proposal_left_behind_during_an_outage_is_not_committed_by_a_later_yes(
    runtime: Runtime, llm: FakeLLM
) -> None:
    tuesday = next_weekday(1)
    llm.play(
        propose_booking("Tosa", tuesday, "15:00", "Nico", species="cachorro"),
        text("Confirma a tosa do Nico terça 15:00?"),
        500,
        500,  # the model is down for the next turn
    )
    ze = Customer(runtime, "demo", "+5511999990017")
    ze.say("tosa pro Nico terça 15h")
    assert "R$ 60,00" in ze.say("e quanto custa o banho?")  # offline answers meanwhile
    assert state_of(ze)["pending"] is None
    llm.play(text("Sim o quê? 🙂"))
    ze.say("sim")
    assert bookings(runtime) == []
