"""Bounded model requests and a daily token budget, against the local OpenAI-compatible
server, which measures every request body it receives.

The cap (``ATENDE_LLM_CONTEXT_TOKENS``) counts the whole body at four bytes a token
(``atende.brain.agent.bounds``), so no request may be larger than ``cap × 4`` bytes, whatever
the customer pastes or a tool returns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from atende.brain.agent.llm import LlmClient, LlmConfig
from atende.brain.agent.toolkit import LoopLimits, NoArgs, Tools, tool_loop
from atende.clock import ShiftedClock
from atende.runtime import Runtime
from atende.storage import orgs
from atende.storage.db import transaction
from atende.storage.models import Alert, BrainLog, Message
from atende.storage.types import utcnow
from tests.conftest import demo_runtime, llm_settings
from tests.support.clock import TZ, move_to
from tests.support.dialogue import Customer
from tests.support.fake_llm import FakeLLM, calls, start_fake_llm, text, tool

CAP = 3000  # the default ATENDE_LLM_CONTEXT_TOKENS
PASTE = ("Meu cão é ótimo, mas não para de latir à noite; já tentei de tudo. " * 1000)[:65_000]
CUT_NOTE = "more characters cut to fit the model's context]"
OWNER = "+5511900000000"


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    fake = start_fake_llm()
    yield fake
    fake.stop()


def test_five_pasted_texts_reach_the_model_cut_but_are_stored_whole(
    sqlite_url: str, tmp_path: Path, llm: FakeLLM
) -> None:
    runtime = demo_runtime(sqlite_url, tmp_path, **llm_settings(llm.url))
    try:
        llm.play(text("Recebi! Quer agendar um adestrador? 🐶"))
        ana = Customer(runtime, "demo", "+5511999990001", "Ana")
        ana.say("oi, tudo bem?")  # some history, which the paste must not crowd out
        llm.play(text("Que pena! Podemos ajudar com um banho relaxante 🛁"))
        answer = ana.say(*[f"texto {n}: {PASTE}" for n in range(5)])
        stored = [m.body for m in ana_messages(runtime) if m.direction == "in"]
    finally:
        runtime.close()
    assert answer == "Que pena! Podemos ajudar com um banho relaxante 🛁"
    assert max(llm.body_sizes) <= CAP * 4  # the burst alone is 5 × 65 KB (more in bytes)
    last = llm.requests[-1]["messages"]
    assert last[-1]["content"].startswith("texto 0: Meu cão") and CUT_NOTE in last[-1]["content"]
    assert any(m["content"] == "oi, tudo bem?" for m in last)  # history survived the paste
    assert sorted(len(b) for b in stored[1:]) == [65_009] * 5  # the database keeps every word
    print(f"largest request for a 5 × 65,000-character burst: {max(llm.body_sizes)} bytes")


def test_the_owner_pasting_a_long_text_gets_a_bounded_request_too(
    sqlite_url: str, tmp_path: Path, llm: FakeLLM
) -> None:
    def owner(session: Any, org: Any) -> None:
        org.owner_phones = [OWNER]

    runtime = demo_runtime(sqlite_url, tmp_path, owner, **llm_settings(llm.url))
    try:
        llm.play(text("Li o texto: é sobre latidos. Quer uma campanha de adestramento?"))
        answer = Customer(runtime, "demo", OWNER).say(f"resuma isto: {PASTE}")
    finally:
        runtime.close()
    assert answer.startswith("Li o texto")
    assert len(llm.body_sizes) == 1 and llm.body_sizes[0] <= CAP * 4
    assert CUT_NOTE in llm.requests[0]["messages"][-1]["content"]


def ana_messages(runtime: Runtime) -> list[Message]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Message).order_by(Message.id)))


def test_a_huge_tool_result_is_cut_so_the_next_request_stays_under_the_cap(
    llm: FakeLLM,
) -> None:
    tools = Tools()
    tools.add("export_agenda", NoArgs, lambda _: {"rows": ["09:00 Banho — Thor"] * 40_000}, "")
    seen: list[str] = []

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        seen.append(request["messages"][-1]["content"])
        return text("A agenda é longa; quer a de amanhã?")

    llm.play(calls(tool("export_agenda")), answer)
    client = LlmClient(LlmConfig(base_url=llm.url, api_key="", model="test-model"))
    messages = [{"role": "system", "content": "You help."}, {"role": "user", "content": "agenda"}]
    try:
        result = tool_loop(client, messages, tools, LoopLimits(4, CAP), "test")
    finally:
        client.close()
    assert result.text == "A agenda é longa; quer a de amanhã?"
    assert len(llm.body_sizes) == 2 and max(llm.body_sizes) <= CAP * 4  # the result is ~900 KB
    assert seen[0].startswith('{"rows": ["09:00 Banho') and CUT_NOTE in seen[0]


def test_a_cap_below_the_tool_schemas_sends_nothing_and_the_customer_still_gets_an_answer(
    sqlite_url: str, tmp_path: Path, llm: FakeLLM
) -> None:
    runtime = demo_runtime(sqlite_url, tmp_path, **llm_settings(llm.url, llm_context_tokens=200))
    try:
        answer = Customer(runtime, "demo", "+5511999990001").say("qual o horário de vocês?")
    finally:
        runtime.close()
    assert llm.requests == []  # no request could be made within 200 tokens
    assert "segunda a sexta" in answer


def with_budget(session: Any, org: Any) -> None:
    org.owner_phones = [OWNER]
    org.settings = {**org.settings, "llm_daily_tokens": 100}


def test_once_the_days_tokens_are_spent_turns_go_offline_with_one_alert_until_midnight(
    db_url: str, tmp_path: Path, llm: FakeLLM, test_clock: ShiftedClock
) -> None:
    runtime = demo_runtime(db_url, tmp_path, with_budget, **llm_settings(llm.url))
    try:
        ana = Customer(runtime, "demo", "+5511999990001", "Ana")
        llm.play(calls(tool("list_services")), text("O banho custa R$ 50"))
        first = ana.say("oi, quanto custa o banho?")
        assert len(llm.requests) == 1  # hundreds of tokens: no second round within 100
        assert "Banho" in first and first != "O banho custa R$ 50"  # the offline answer
        spent = len(llm.requests)
        assert "segunda a sexta" in ana.say("qual o horário de vocês?")
        assert "08:00 às 12:00" in ana.say("e no sábado, abrem que horas?")
        owner = Customer(runtime, "demo", OWNER).say("quantos agendamentos hoje?")
        assert owner == "Nenhum agendamento hoje."  # the offline owner assistant
        assert len(llm.requests) == spent
        assert [a.kind for a in alerts(runtime)] == ["llm_budget_spent"]
        assert brains(runtime) == ["offline-budget"] * 3 + ["owner-budget"]
        assert llm.script  # the model's second step was never asked for
        llm.script.clear()

        tomorrow = utcnow().astimezone(TZ).date() + timedelta(days=1)
        move_to(test_clock, datetime.combine(tomorrow, time(0, 5), tzinfo=TZ))
        llm.play(text("Abrimos às 8h, Ana! 😊"))
        assert ana.say("amanhã abrem cedo?") == "Abrimos às 8h, Ana! 😊"
        assert len(llm.requests) == spent + 1 and len(alerts(runtime)) == 1
        assert alerts(runtime)[0].resolved_at is not None  # the model answers again: over
    finally:
        runtime.close()


def alerts(runtime: Runtime) -> list[Alert]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)))


def brains(runtime: Runtime) -> list[str]:
    with runtime.sessions() as s:
        return list(s.scalars(select(BrainLog.brain).order_by(BrainLog.id)))


def test_the_environment_sets_the_default_budget_and_an_organization_may_lift_it(
    sqlite_url: str, tmp_path: Path, llm: FakeLLM
) -> None:
    runtime = demo_runtime(sqlite_url, tmp_path, **llm_settings(llm.url, llm_daily_tokens=100))
    try:
        ana = Customer(runtime, "demo", "+5511999990001", "Ana")
        llm.play(text("Oi, Ana! 🐾"), text("Claro, Ana! Abrimos às 8h."))
        assert ana.say("oi, tudo bem?") == "Oi, Ana! 🐾"
        assert ana.say("abrem que horas?") != "Claro, Ana! Abrimos às 8h."  # spent: offline
        with transaction(runtime.sessions) as s:
            org = orgs.org_by_slug(s, "demo")
            assert org is not None
            org.settings = {**org.settings, "llm_daily_tokens": 0}  # this shop: unlimited
        assert ana.say("abrem que horas?") == "Claro, Ana! Abrimos às 8h."
    finally:
        runtime.close()
    assert len(llm.requests) == 2
