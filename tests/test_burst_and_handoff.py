"""Bursts answered once, handoff silence, operator replies — end to end on both databases."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Shop

PHONE = "+5511999990001"


def test_burst_is_answered_once_addressing_its_last_question(
    shop_factory: Callable[..., Shop], db_url: str
) -> None:
    shop = shop_factory(db_url, buffer_seconds=1.0)
    for text in ("oi", "tudo bem?", "quanto custa a tosa?"):
        assert shop.post_inbound(text, phone=PHONE).status_code == 200
    shop.settle()
    replies = shop.replies_to(PHONE)
    assert len(replies) == 1
    assert "Tosa: a partir de R$ 55,00" in replies[0]
    assert [m.direction for m in shop.messages_of(PHONE)] == ["in", "in", "in", "out"]


def test_full_burst_is_flushed_without_waiting_for_the_window(
    shop_factory: Callable[..., Shop], sqlite_url: str
) -> None:
    shop = shop_factory(sqlite_url, buffer_seconds=60, buffer_max_messages=3)
    for text in ("oi", "bom dia", "qual o horário de funcionamento?"):
        shop.post_inbound(text, phone=PHONE)
    [reply] = shop.wait_replies(PHONE, 1, timeout=10)
    assert "segunda a sexta, das 08:00 às 18:00" in reply


def test_handoff_silences_the_bot_until_released(
    shop_factory: Callable[..., Shop], db_url: str
) -> None:
    shop = shop_factory(db_url)
    shop.post_inbound("quero falar com um atendente", phone=PHONE)
    [ack] = shop.wait_replies(PHONE, 1)
    assert "pessoa" in ack
    conv = shop.api("GET", "/api/conversations", params={"phone": PHONE}).json()["items"][0]
    assert conv["state"] == "human"

    shop.post_inbound("alô? alguém aí?", phone=PHONE)
    shop.settle()
    assert len(shop.replies_to(PHONE)) == 1  # stored, not answered by the bot
    assert shop.messages_of(PHONE)[-1].body == "alô? alguém aí?"

    response = shop.api(
        "POST", f"/api/conversations/{conv['id']}/messages", json={"body": "Oi! Aqui é a Ana 😊"}
    )
    assert response.status_code == 202
    assert shop.wait_replies(PHONE, 2)[-1] == "Oi! Aqui é a Ana 😊"
    messages = shop.api("GET", f"/api/conversations/{conv['id']}/messages").json()["items"]
    assert messages[-1]["direction"] == "out" and messages[-1]["status"] == "sent"

    assert shop.api("POST", f"/api/conversations/{conv['id']}/release").json() == {"state": "bot"}
    shop.post_inbound("quanto custa o banho?", phone=PHONE)
    assert "Banho: a partir de R$ 45,00" in shop.wait_replies(PHONE, 3)[-1]


def test_api_handoff_takes_over_before_the_bot_answers(shop: Shop) -> None:
    shop.post_inbound("oi", phone=PHONE)
    shop.settle()
    conv = shop.api("GET", "/api/conversations").json()["items"][0]
    assert shop.api("POST", f"/api/conversations/{conv['id']}/handoff").json() == {"state": "human"}
    shop.post_inbound("quanto custa o banho?", phone=PHONE)
    shop.settle()
    assert len(shop.replies_to(PHONE)) == 1
