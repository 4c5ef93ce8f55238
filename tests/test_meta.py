"""Meta WhatsApp Cloud API, as Meta calls it: GET handshake, signed JSON, Graph sends."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from atende.storage.db import transaction
from atende.storage.models import Channel, Contact, Conversation, Message
from tests.conftest import Shop
from tests.support.fake_http import FakeAPI, fake_graph
from tests.support.providers import FIXTURES, sign

PHONE_ID = "109876543210987"
TOKEN = "EAAG-meta-access-token"
SECRET = "meta_app_secret_0123456789"
VERIFY = "my-verify-token"
CREDS = {
    "phone_number_id": PHONE_ID,
    "access_token": TOKEN,
    "app_secret": SECRET,
    "verify_token": VERIFY,
}


@pytest.fixture
def graph() -> Iterator[FakeAPI]:
    api = fake_graph(PHONE_ID, TOKEN)
    yield api
    api.stop()


@pytest.fixture
def meta_shop(shop_factory: Callable[..., Shop], sqlite_url: str, graph: FakeAPI) -> Shop:
    return shop_factory(sqlite_url, extra=[("meta", PHONE_ID, CREDS)], meta_graph_base=graph.url)


def url(shop: Shop) -> str:
    return f"{shop.server.url}/webhooks/meta/{shop.channels['meta']}"


def post(shop: Shop, body: bytes, secret: str = SECRET) -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign.meta_signature(body, secret),
    }
    return httpx.post(url(shop), content=body, headers=headers)


def fixture(name: str) -> bytes:
    return (FIXTURES / "meta" / name).read_bytes()


def stored(shop: Shop) -> list[Message]:
    with shop.runtime.sessions() as s:
        return list(s.scalars(select(Message).order_by(Message.id)))


def test_verification_challenge(meta_shop: Shop) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    ok = httpx.get(url(meta_shop), params=params)
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = httpx.get(url(meta_shop), params={**params, "hub.verify_token": "nope"})
    assert wrong.status_code == 403
    assert httpx.get(url(meta_shop)).status_code == 403
    twilio = f"{meta_shop.server.url}/webhooks/twilio/{meta_shop.channel_id}"
    assert httpx.get(twilio, params=params).status_code == 405


def test_signed_text_is_answered_through_the_graph_api(meta_shop: Shop, graph: FakeAPI) -> None:
    response = post(meta_shop, fixture("inbound_text.json"))
    assert response.status_code == 200
    meta_shop.settle()
    [message] = [m for m in stored(meta_shop) if m.direction == "in"]
    assert message.body == "Olá! Vocês entregam em Campinas? Preciso do pedido até sexta-feira."
    assert message.provider_id.startswith("wamid.")  # type: ignore[union-attr]
    [sent] = graph.calls("POST", rf"/{PHONE_ID}/messages")
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    payload = sent.json()
    assert (
        payload["to"] == "5511999990001" and payload["type"] == "text" and payload["text"]["body"]
    )
    reply = next(m for m in stored(meta_shop) if m.direction == "out")
    assert reply.status == "sent" and reply.provider_id == "wamid.OUT000001"


def test_forged_or_missing_signature_stores_nothing(meta_shop: Shop) -> None:
    body = fixture("inbound_text.json")
    assert post(meta_shop, body, secret="wrong").status_code == 403
    reencoded = json.dumps(
        json.loads(body), ensure_ascii=False
    ).encode()  # not the bytes Meta signed
    headers = {"X-Hub-Signature-256": sign.meta_signature(body, SECRET)}
    assert httpx.post(url(meta_shop), content=reencoded, headers=headers).status_code == 403
    assert httpx.post(url(meta_shop), content=body).status_code == 401
    with meta_shop.runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 0


def test_signed_garbage_is_400(meta_shop: Shop) -> None:
    assert post(meta_shop, b"{not json").status_code == 400
    assert post(meta_shop, b'{"object": "page"}').status_code == 400


def test_replayed_delivery_is_stored_once(meta_shop: Shop) -> None:
    body = fixture("inbound_text.json")
    for _ in range(3):
        assert post(meta_shop, body).status_code == 200
    meta_shop.settle()
    assert len([m for m in stored(meta_shop) if m.direction == "in"]) == 1


def test_audio_image_button_and_interactive_reach_the_brain(meta_shop: Shop) -> None:
    audio = json.loads(fixture("inbound_audio.json"))
    assert post(meta_shop, json.dumps(audio).encode()).status_code == 200
    base = json.loads(fixture("inbound_text.json"))
    value = base["entry"][0]["changes"][0]["value"]
    variants = {
        "image": {
            "type": "image",
            "image": {"id": "777", "mime_type": "image/jpeg", "caption": "quanto custa a tosa?"},
        },
        "button": {"type": "button", "button": {"text": "Sim", "payload": "yes"}},
        "interactive": {
            "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": "svc-1", "title": "Banho"}},
        },
    }
    for n, part in enumerate(variants.values()):
        message = {
            **value["messages"][0],
            **part,
            "id": f"wamid.V{n}",
            "from": f"55119888800{n:02d}",
        }
        message.pop("text", None)
        value["messages"] = [message]
        assert post(meta_shop, json.dumps(base).encode()).status_code == 200
    meta_shop.settle()
    inbound = {m.provider_id: m for m in stored(meta_shop) if m.direction == "in"}
    voice = next(m for m in inbound.values() if m.kind == "audio")
    assert voice.media_url == "meta-media:2045817369021587" and voice.media_type.startswith(
        "audio/ogg"
    )  # type: ignore[union-attr]
    assert (
        inbound["wamid.V0"].kind == "image" and inbound["wamid.V0"].body == "quanto custa a tosa?"
    )
    assert inbound["wamid.V1"].body == "Sim" and inbound["wamid.V2"].body == "Banho"
    replies = {m.conversation_id: m.body for m in stored(meta_shop) if m.direction == "out"}
    assert any("Tosa: a partir de R$ 55,00" in r for r in replies.values())
    assert any("áudio" in r for r in replies.values())


def test_statuses_move_messages_and_keep_the_error_code(meta_shop: Shop) -> None:
    post(meta_shop, fixture("inbound_text.json"))
    meta_shop.settle()
    reply = next(m for m in stored(meta_shop) if m.direction == "out")
    delivered = json.loads(fixture("status_delivered.json"))
    delivered["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = reply.provider_id
    assert post(meta_shop, json.dumps(delivered).encode()).status_code == 200
    assert next(m for m in stored(meta_shop) if m.id == reply.id).status == "delivered"
    failed = json.loads(fixture("status_failed.json"))
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = reply.provider_id
    post(meta_shop, json.dumps(failed).encode())
    after = next(m for m in stored(meta_shop) if m.id == reply.id)
    assert after.status == "delivered"  # a late 'failed' never undoes a delivery
    # a message that was only 'sent' does fail, with Meta's code
    meta_shop.post_inbound("oi", phone="+5511999990002")
    meta_shop.settle()
    other = next(
        m
        for m in stored(meta_shop)
        if m.direction == "out" and m.channel_id == meta_shop.channel_id
    )
    with transaction(meta_shop.runtime.sessions) as s:  # a write: BEGIN IMMEDIATE on SQLite
        row = s.get(Message, other.id)
        assert row is not None
        row.channel_id = meta_shop.channels["meta"]
        row.provider_id = "wamid.HBgNNTUxMTk5OTk5MDAwMhUCABIYFEhCRVVRVGs0TjBJMlF6VkVORVV6AA=="
    post(meta_shop, fixture("status_failed.json"))
    failed_row = next(m for m in stored(meta_shop) if m.id == other.id)
    assert failed_row.status == "failed" and failed_row.error_code == "131047"


def test_graph_errors_retry_and_fail_like_any_provider(meta_shop: Shop, graph: FakeAPI) -> None:
    graph.fail_next(rf"/{PHONE_ID}/messages", 500, 429)
    post(meta_shop, fixture("inbound_text.json"))
    meta_shop.settle()
    reply = next(m for m in stored(meta_shop) if m.direction == "out")
    assert reply.status == "sent" and reply.attempts == 2  # the 429 waited: no attempt
    assert reply.deferrals == 1


def test_a_tapped_list_reply_books_the_chosen_slot(meta_shop: Shop, graph: FakeAPI) -> None:
    from tests.support.dialogue import next_weekday

    tuesday = next_weekday(1)
    base = json.loads(fixture("inbound_text.json"))
    counter = iter(range(100))

    def say(part: dict[str, Any]) -> dict[str, Any]:
        value = base["entry"][0]["changes"][0]["value"]
        message = {**value["messages"][0], "id": f"wamid.T{next(counter)}", **part}
        if "text" not in part:
            message.pop("text", None)
        value["messages"] = [message]
        assert post(meta_shop, json.dumps(base).encode()).status_code == 200
        meta_shop.settle()
        return graph.calls("POST", rf"/{PHONE_ID}/messages")[-1].json()

    offer = say({"type": "text", "text": {"body": f"quero agendar banho dia {tuesday:%d/%m}"}})
    assert offer["type"] == "interactive" and offer["interactive"]["type"] == "list"
    rows = offer["interactive"]["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows][:3] == ["08:00", "08:30", "09:00"] and len(rows) == 10
    ten = next(r for r in rows if r["title"] == "10:00")
    tapped = {
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": ten["id"], "title": "10:00"}},
    }
    assert say(tapped)["type"] == "text"  # the pet's name
    say({"type": "text", "text": {"body": "Thor"}})
    say({"type": "text", "text": {"body": "cachorro"}})
    confirm = say({"type": "text", "text": {"body": "golden"}})
    assert confirm["interactive"]["type"] == "button"
    assert [b["reply"]["title"] for b in confirm["interactive"]["action"]["buttons"]] == [
        "Sim",
        "Não",
    ]
    yes = {
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": "choice:0", "title": "Sim"}},
    }
    done = say(yes)
    assert "Prontinho" in done["text"]["body"]
    [booking] = meta_shop.api("GET", "/api/bookings").json()["items"]
    assert booking["starts_at"] == f"{tuesday.isoformat()}T10:00:00-03:00"


def text_from(shop: Shop, phone: str, body: str, wamid: str) -> None:
    """A customer's text as Meta delivers it, signed."""
    hook = json.loads(fixture("inbound_text.json"))
    value = hook["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = phone.lstrip("+")
    value["messages"][0].update({"from": phone.lstrip("+"), "id": wamid, "text": {"body": body}})
    assert post(shop, json.dumps(hook).encode()).status_code == 200


def sent_to(graph: FakeAPI, phone: str) -> list[dict[str, Any]]:
    return [
        c.json()
        for c in graph.calls("POST", rf"/{PHONE_ID}/messages")
        if c.json()["to"] == phone.lstrip("+")
    ]


PRICE = "Banho: a partir de R$ 45,00"


def test_the_parts_of_one_reply_go_to_meta_as_one_message(meta_shop: Shop, graph: FakeAPI) -> None:
    """Meta lets about one message in 6 s reach a person (131056): an answer and the
    question after it go as one text, joined by a blank line, and pay the pace once."""
    with transaction(meta_shop.runtime.sessions) as s:  # Meta's own pacing: 6 s a customer
        row = s.get(Channel, meta_shop.channels["meta"])
        assert row is not None
        row.pacing = None
    ask = "quanto custa o banho? quero agendar pra amanhã às 10h"
    text_from(meta_shop, "+5511999990001", ask, "wamid.MERGE1")
    meta_shop.settle()
    [sent] = sent_to(graph, "+5511999990001")
    assert sent["type"] == "text"
    answer, question = sent["text"]["body"].split("\n\n")
    assert answer.startswith(PRICE) and "Qual é o nome dele?" in question
    [row] = [m for m in stored(meta_shop) if m.direction == "out"]  # the row is what went
    assert row.body == sent["text"]["body"] and row.status == "sent"
    assert row.deferrals == 0  # no part waited for the customer's 6 s

    # Twilio has no such limit: the same reply goes as its two parts
    meta_shop.post_inbound(ask, phone="+5511999990002")
    meta_shop.settle()
    first, second = meta_shop.replies_to("+5511999990002")
    assert first.startswith(PRICE) and "Qual é o nome dele?" in second


def test_a_merged_reply_keeps_its_list_under_the_joined_text(
    meta_shop: Shop, graph: FakeAPI
) -> None:
    """The last part's tappable list stays: the answer before it joins the list's body
    (Meta shows up to 1,024 characters above buttons or a list)."""
    text_from(meta_shop, "+5511999990003", "quanto custa o banho? quero agendar banho amanhã", "w2")
    meta_shop.settle()
    [sent] = sent_to(graph, "+5511999990003")
    assert sent["type"] == "interactive" and sent["interactive"]["type"] == "list"
    body = sent["interactive"]["body"]["text"]
    answer, prompt = body.split("\n\n")
    assert answer.startswith(PRICE) and prompt.startswith("Horários livres para o banho amanhã")
    rows = sent["interactive"]["action"]["sections"][0]["rows"]
    assert rows[0]["title"] == "08:00"
    [row] = [m for m in stored(meta_shop) if m.direction == "out"]
    assert row.body.startswith(answer + "\n\nHorários livres") and row.choices is not None


def _replies(shop: Shop, phone: str) -> list[Message]:
    with shop.runtime.sessions() as s:
        return list(
            s.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Message.direction == "out", Contact.phone == phone)
                .order_by(Message.id)
            )
        )


def _meta_error(code: int) -> tuple[int, dict[str, Any]]:
    return 400, {"error": {"message": "rate limited", "type": "OAuthException", "code": code}}


@pytest.mark.parametrize("code", [131056, 130429])
def test_a_meta_rate_limit_waits_and_sends_without_spending_an_attempt(
    meta_shop: Shop, graph: FakeAPI, code: int
) -> None:
    """Meta's pair rate limit (131056: one person, about 6 s) and throughput limit
    (130429): the reply waits and goes, its attempt budget untouched."""
    graph.fail_next(rf"/{PHONE_ID}/messages", _meta_error(code))
    phone = f"+55119999{code % 10000:05d}"
    text_from(meta_shop, phone, "oi", f"wamid.RL{code}")
    deadline = time.monotonic() + 40
    while not sent_to(graph, phone) and time.monotonic() < deadline:
        time.sleep(0.2)
    meta_shop.settle()
    [reply] = _replies(meta_shop, phone)
    assert (reply.status, reply.attempts, reply.deferrals) == ("sent", 1, 1)
    assert len(sent_to(graph, phone)) == 1


def test_metas_spam_limit_pauses_the_channels_campaigns(meta_shop: Shop, graph: FakeAPI) -> None:
    """131048 (spam rate limit): the message waits and the channel's campaigns pause."""
    graph.fail_next(rf"/{PHONE_ID}/messages", _meta_error(131048))
    text_from(meta_shop, "+5511999991048", "oi", "wamid.SPAM1")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        [*replies] = _replies(meta_shop, "+5511999991048")
        if replies and replies[0].deferrals:
            break
        time.sleep(0.2)
    [reply] = _replies(meta_shop, "+5511999991048")
    assert (reply.status, reply.attempts, reply.deferrals) == ("queued", 0, 1)
    assert reply.error_code == "131048"
    with meta_shop.runtime.sessions() as s:
        channel = s.get(Channel, meta_shop.channels["meta"])
        assert channel is not None and channel.campaigns_paused_until is not None
