"""Evolution API (WhatsApp Web): authenticated deliveries, message shapes, the owner
answering from the phone, and the session connection manager."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from atende.channels.evolution import typing_delay_ms
from atende.domain.connections import backoff, on_close
from atende.domain.sending import UNPACED, pacing_for, typing_seconds
from atende.storage import messages
from atende.storage.db import transaction
from atende.storage.models import Alert, Channel, Conversation, Message
from atende.storage.types import utcnow
from tests.conftest import Shop
from tests.support.fake_http import FakeAPI, fake_evolution
from tests.support.providers import FIXTURES, sign

INSTANCE = "loja-centro"
API_KEY = "8F3C2A1B-4D5E-4F60-9A7B-1C2D3E4F5A6B"
SECRET = "per-channel-webhook-secret"
JWT_KEY = "evolution-jwt-key-of-at-least-32-bytes!"


@pytest.fixture
def evolution() -> Iterator[FakeAPI]:
    api = fake_evolution(INSTANCE, API_KEY)
    yield api
    api.stop()


@pytest.fixture
def evo_shop(shop_factory: Callable[..., Shop], sqlite_url: str, evolution: FakeAPI) -> Shop:
    creds = {
        "base_url": evolution.url,
        "instance": INSTANCE,
        "api_key": API_KEY,
        "webhook_secret": SECRET,
        "jwt_key": JWT_KEY,
        "typing": "on",
    }
    return shop_factory(
        sqlite_url, extra=[("evolution", INSTANCE, creds)], phone_quiet_minutes=0.05
    )


def url(shop: Shop) -> str:
    return f"{shop.server.url}/webhooks/evolution/{shop.channels['evolution']}"


def event(name: str, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / "evolution" / name).read_bytes())
    payload["data"].update(changes)
    return payload


def post(
    shop: Shop, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.post(
        url(shop), json=payload, headers={"x-atende-secret": SECRET} if headers is None else headers
    )


def inbound(shop: Shop) -> list[Message]:
    with shop.runtime.sessions() as s:
        return list(
            s.scalars(select(Message).where(Message.direction == "in").order_by(Message.id))
        )


def sent_texts(evolution: FakeAPI, number: str) -> list[str]:
    return [
        c.json()["text"]
        for c in evolution.calls("POST", rf"/message/sendText/{INSTANCE}")
        if c.json()["number"] == number
    ]


def test_every_delivery_must_carry_the_secret_or_a_valid_jwt(evo_shop: Shop) -> None:
    payload = {**event("messages_upsert_text.json"), "apikey": "not-the-key"}
    assert post(evo_shop, payload, headers={}).status_code == 403
    assert post(evo_shop, {**payload, "apikey": None}, headers={}).status_code == 401  # none
    assert post(evo_shop, payload, headers={"x-atende-secret": "guess"}).status_code == 403
    now = int(utcnow().timestamp())  # the clock the shop runs on (tests/support/clock.py)
    expired = sign.evolution_webhook_jwt(JWT_KEY, now=now - 3600)
    assert (
        post(evo_shop, payload, headers={"Authorization": f"Bearer {expired}"}).status_code == 403
    )
    forged = sign.evolution_webhook_jwt("another-key", now=now)
    assert post(evo_shop, payload, headers={"Authorization": f"Bearer {forged}"}).status_code == 403
    assert inbound(evo_shop) == []
    valid = sign.evolution_webhook_jwt(JWT_KEY, now=now)
    assert post(evo_shop, payload, headers={"Authorization": f"Bearer {valid}"}).status_code == 200
    assert len(inbound(evo_shop)) == 1
    # a global webhook carries no headers: the envelope's apikey (the instance key) is checked
    fixture_as_sent = event("messages_upsert_text.json")
    fixture_as_sent["data"]["key"]["id"] = "GLOBAL1"
    assert fixture_as_sent["apikey"] == API_KEY
    assert post(evo_shop, fixture_as_sent, headers={}).status_code == 200
    assert len(inbound(evo_shop)) == 2
    other = {**payload, "instance": "someone-else"}
    assert post(evo_shop, other).status_code == 403


def test_text_is_answered_through_send_text(evo_shop: Shop, evolution: FakeAPI) -> None:
    assert post(evo_shop, event("messages_upsert_text.json")).json() == {"ok": True}
    evo_shop.settle()
    [message] = inbound(evo_shop)
    assert (
        message.body.startswith("Boa tarde! Quero remarcar")
        and message.provider_id == "A1B2C3D4E5F60718293A4B5C6D7E8F90"
    )
    [reply] = sent_texts(evolution, "5511999990001")
    assert "Não encontrei nenhum agendamento" in reply  # she has no booking to move


def _pace(shop: Shop, **pacing: object) -> None:
    """The channel's own pacing: none of its waits, and ``pacing`` on top; a key given
    as None is left to the provider's default."""
    with transaction(shop.runtime.sessions) as s:
        row = s.get(Channel, shop.channels["evolution"])
        assert row is not None
        own = {**UNPACED, **pacing}
        row.pacing = {k: v for k, v in own.items() if v is not None}


def _text_from(shop: Shop, number: str, text: str) -> None:
    said = event("messages_upsert_text.json")
    said["data"]["key"] = {"remoteJid": f"{number}@s.whatsapp.net", "fromMe": False, "id": number}
    said["data"]["message"] = {"conversation": text}
    assert post(shop, said).status_code == 200


def test_answers_show_typing_for_the_channels_typing_delay(
    evo_shop: Shop, evolution: FakeAPI
) -> None:
    """Evolution's ``delay`` ("typing…" first) comes from the pacing setting
    ``typing_delay``: the provider's 2 s for an answer of 50 characters, in proportion for
    others (1 to 5 s); 0 sends at once. The channel also stores the old ``typing: on``,
    which now means nothing more than the default."""

    def answer(number: str) -> dict[str, Any]:
        _text_from(evo_shop, number, "quanto custa o banho?")
        evo_shop.settle()
        [call] = [
            c.json()
            for c in evolution.calls("POST", rf"/message/sendText/{INSTANCE}")
            if c.json()["number"] == number
        ]
        return call

    _pace(evo_shop, typing_delay=None)  # Evolution's default
    first = answer("5511999990101")
    default = pacing_for("evolution", None)
    assert default.typing_delay == 2.0
    assert first["delay"] == typing_delay_ms(typing_seconds(default, first["text"]))
    assert first["delay"] == 5000  # a long answer (the prices by size): 2.5 × 2 s
    assert typing_seconds(default, "Prontinho!") == 1.0  # a short one: half of it

    _pace(evo_shop, typing_delay=1.0)
    evolution.typing = True  # type: ignore[attr-defined]
    began = time.monotonic()  # Evolution answers after the delay: no timeout meanwhile
    assert answer("5511999990102")["delay"] == 2500
    assert time.monotonic() - began >= 2.5 >= evo_shop.runtime.settings.send_timeout_seconds
    evolution.typing = False  # type: ignore[attr-defined]
    with evo_shop.runtime.sessions() as s:
        assert not s.scalars(select(Message).where(Message.attempts > 1)).all()

    _pace(evo_shop, typing_delay=0)
    assert "delay" not in answer("5511999990103")

    _pace(evo_shop, typing_delay=2.0)  # what atende starts itself goes without
    with transaction(evo_shop.runtime.sessions) as s:
        conv_id = s.scalars(
            select(Conversation.id).where(Conversation.channel_id == evo_shop.channels["evolution"])
        ).first()
        assert conv_id is not None
        reminder = messages.add_outbound(
            s,
            evo_shop.org_id,
            conv_id,
            evo_shop.channels["evolution"],
            "Lembrete do banho",
            "test:reminder",
            author="reminder",
        )
    assert reminder is not None and evo_shop.runtime.pipeline.send(reminder) == "sent"
    last = evolution.calls("POST", rf"/message/sendText/{INSTANCE}")[-1].json()
    assert last["text"] == "Lembrete do banho" and "delay" not in last


def test_message_shapes_lid_groups_and_broadcasts(evo_shop: Shop) -> None:
    post(evo_shop, event("messages_upsert_extended_text.json"))
    post(evo_shop, event("messages_upsert_audio.json"))
    lid = event("messages_upsert_text.json")
    lid["data"]["key"] = {
        "remoteJid": "201845730019274@lid",
        "remoteJidAlt": "5511977770000@s.whatsapp.net",
        "fromMe": False,
        "id": "LID1",
    }
    post(evo_shop, lid)
    image = event("messages_upsert_text.json")
    image["data"]["key"] = {
        "remoteJid": "5511977771111@s.whatsapp.net",
        "fromMe": False,
        "id": "IMG1",
    }
    image["data"]["message"] = {
        "imageMessage": {"caption": "quanto custa a tosa?", "mimetype": "image/jpeg"}
    }
    post(evo_shop, image)
    for jid in ("120363025246125888@g.us", "status@broadcast"):
        ignored = event("messages_upsert_text.json")
        ignored["data"]["key"] = {
            "remoteJid": jid,
            "fromMe": False,
            "id": "X" + jid[:4],
            "participant": "5511999990001@s.whatsapp.net",
        }
        assert post(evo_shop, ignored).status_code == 200
    rows = {m.provider_id: m for m in inbound(evo_shop)}
    assert set(rows) == {"3A5F1C2B9D8E7A6B4C3D", "9F8E7D6C5B4A39281706F5E4D3C2B1A0", "LID1", "IMG1"}
    assert rows["3A5F1C2B9D8E7A6B4C3D"].body.startswith("Pode ser às 10h?")
    assert rows["9F8E7D6C5B4A39281706F5E4D3C2B1A0"].kind == "audio"
    assert rows["IMG1"].body == "quanto custa a tosa?"
    with evo_shop.runtime.sessions() as s:
        phones = {
            c.id: p
            for c, p in __import__("atende.storage.conversations", fromlist=["x"]).list_for_org(
                s, evo_shop.org_id
            )
        }
    assert "+5511977770000" in phones.values()


def test_our_own_echo_is_ignored_but_a_reply_from_the_phone_pauses_the_bot(
    evo_shop: Shop, evolution: FakeAPI
) -> None:
    customer = "5511999990001"
    post(evo_shop, event("messages_upsert_text.json"))
    evo_shop.settle()
    [ours] = evolution.calls("POST", rf"/message/sendText/{INSTANCE}")
    echo = event("messages_upsert_text.json")
    echo["data"]["key"] = {
        "remoteJid": f"{customer}@s.whatsapp.net",
        "fromMe": True,
        "id": "3EB00000000000000001",
    }
    echo["data"]["message"] = {"conversation": ours.json()["text"]}
    post(evo_shop, echo)

    def conv() -> Conversation:
        with evo_shop.runtime.sessions() as s:
            row = s.scalar(
                select(Conversation).where(
                    Conversation.channel_id == evo_shop.channels["evolution"]
                )
            )
            assert row is not None
            return row

    assert conv().state == "bot"

    from_phone = event("messages_upsert_text.json")
    from_phone["data"]["key"] = {
        "remoteJid": f"{customer}@s.whatsapp.net",
        "fromMe": True,
        "id": "PHONE1",
    }
    from_phone["data"]["message"] = {
        "conversation": "Oi Maria, aqui é a Ana! Já vejo isso pra você."
    }
    post(evo_shop, from_phone)
    assert conv().state == "human"
    customer_msg = event("messages_upsert_text.json")
    customer_msg["data"]["key"] = {
        "remoteJid": f"{customer}@s.whatsapp.net",
        "fromMe": False,
        "id": "C2",
    }
    customer_msg["data"]["message"] = {"conversation": "obrigada Ana!"}
    post(evo_shop, customer_msg)
    evo_shop.settle()
    assert len(sent_texts(evolution, customer)) == 1  # the bot stayed silent

    time.sleep(3.1)  # the quiet period of this test (0.05 min = 3 s) passes
    later = event("messages_upsert_text.json")
    later["data"]["key"] = {"remoteJid": f"{customer}@s.whatsapp.net", "fromMe": False, "id": "C3"}
    later["data"]["message"] = {"conversation": "quanto custa o banho?"}
    post(evo_shop, later)
    evo_shop.settle()
    texts = sent_texts(evolution, customer)
    assert len(texts) == 2 and "Banho: a partir de R$ 45,00" in texts[-1]
    assert conv().state == "bot"
    history = [m for m in evo_shop.messages_of("+5511999990001") if m.author == "phone"]
    assert [m.body for m in history] == ["Oi Maria, aqui é a Ana! Já vejo isso pra você."]


def test_status_updates(evo_shop: Shop, evolution: FakeAPI) -> None:
    post(evo_shop, event("messages_upsert_text.json"))
    evo_shop.settle()
    reply = next(m for m in evo_shop.messages_of("+5511999990001") if m.direction == "out")
    update = {
        "event": "messages.update",
        "instance": INSTANCE,
        "data": {
            "keyId": reply.provider_id,
            "status": "READ",
            "remoteJid": "5511999990001@s.whatsapp.net",
        },
    }
    assert post(evo_shop, update).status_code == 200
    assert (
        next(m for m in evo_shop.messages_of("+5511999990001") if m.id == reply.id).status == "read"
    )


def test_close_reasons_decide_reconnect_or_pairing() -> None:
    assert [round(backoff(n), 2) for n in range(10)] == [
        5.0,
        7.5,
        11.25,
        16.88,
        25.31,
        37.97,
        56.95,
        60.0,
        60.0,
        60.0,
    ]
    for code in ("401", "402", "403", "406", "440"):
        decision = on_close(code, 0)
        assert not decision.reconnect and decision.alert
    for code in ("408", "428", "500", "503", "515", None):
        decision = on_close(code, 0)
        assert decision.reconnect and decision.delay == 5.0
    assert not on_close("408", 10).reconnect and on_close("408", 10).alert


def channel_row(shop: Shop) -> Channel:
    with shop.runtime.sessions() as s:
        row = s.get(Channel, shop.channels["evolution"])
        assert row is not None
        return row


def alerts(shop: Shop) -> list[str]:
    with shop.runtime.sessions() as s:
        return [
            a.kind for a in s.scalars(select(Alert).where(Alert.organization_id == shop.org_id))
        ]


def test_logged_out_needs_pairing_and_alerts_once(evo_shop: Shop) -> None:
    assert post(evo_shop, event("connection_update_open.json")).status_code == 200
    assert channel_row(evo_shop).connection_state == "open"
    post(evo_shop, event("connection_update_close_logged_out.json"))
    post(evo_shop, event("connection_update_close_logged_out.json"))
    row = channel_row(evo_shop)
    assert row.connection_state == "needs_pairing" and row.connection_reason == "401"
    assert alerts(evo_shop).count("channel_needs_pairing") == 1


def test_lost_connection_reconnects_with_backoff_then_alerts(
    evo_shop: Shop, evolution: FakeAPI
) -> None:
    evolution.state = "close"  # type: ignore[attr-defined]
    post(evo_shop, event("connection_update_close_lost.json"))
    row = channel_row(evo_shop)
    assert row.connection_state == "close" and row.next_reconnect_at is not None
    first_delay = (row.next_reconnect_at - row.connection_updated_at).total_seconds()  # type: ignore[operator]
    assert 4.5 <= first_delay <= 5.5
    manager = evo_shop.runtime.pipeline.connections
    delays = []
    for _ in range(10):
        with transaction(evo_shop.runtime.sessions) as s:  # make the planned attempt due now
            due = s.get(Channel, row.id)
            assert due is not None
            delays.append(round((due.next_reconnect_at - utcnow()).total_seconds()))  # type: ignore[operator]
            due.next_reconnect_at = utcnow()
        manager.reconnect(row.id)
    assert len(evolution.calls("GET", rf"/instance/connect/{INSTANCE}")) == 10
    assert delays[:3] == [5, 8, 11] or delays[:3] == [5, 7, 11]
    assert channel_row(evo_shop).reconnect_attempts == 10
    assert "channel_down" in alerts(evo_shop)
    assert manager.reconnect(row.id) == "not due"


def test_periodic_check_repairs_drift(evo_shop: Shop, evolution: FakeAPI) -> None:
    manager = evo_shop.runtime.pipeline.connections
    evolution.state = "open"  # type: ignore[attr-defined]
    assert manager.check(evo_shop.channels["evolution"]) == "open"
    assert channel_row(evo_shop).connection_state == "open"
    evolution.state = "close"  # type: ignore[attr-defined]
    manager.check(evo_shop.channels["evolution"])
    row = channel_row(evo_shop)
    assert row.connection_state == "close" and row.next_reconnect_at is not None
    evolution.state = "open"  # type: ignore[attr-defined]
    manager.check(evo_shop.channels["evolution"])
    assert channel_row(evo_shop).connection_state == "open"


def test_qrcode_update_keeps_the_pairing_code(evo_shop: Shop) -> None:
    qr = {
        "event": "qrcode.updated",
        "instance": INSTANCE,
        "data": {
            "qrcode": {
                "instance": INSTANCE,
                "pairingCode": "WZYEH1YY",
                "code": "2@abc",
                "base64": "data:image/png;base64,xx",
            }
        },
    }
    post(evo_shop, qr)
    row = channel_row(evo_shop)
    assert row.connection_state == "connecting" and row.pairing_code == "WZYEH1YY"


def test_watchdog_alerts_once_when_a_busy_channel_goes_quiet(evo_shop: Shop) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    for n in range(3):
        payload = event("messages_upsert_text.json")
        payload["data"]["key"] = {
            "remoteJid": f"55119777700{n:02d}@s.whatsapp.net",
            "fromMe": False,
            "id": f"W{n}",
        }
        post(evo_shop, payload)
    evo_shop.settle()
    manager = evo_shop.runtime.pipeline.connections
    channel_id = evo_shop.channels["evolution"]
    manager.check(channel_id)
    assert "channel_silent" not in alerts(evo_shop)  # messages just arrived
    with transaction(evo_shop.runtime.sessions) as s:
        s.execute(update(Conversation).values(last_inbound_at=utcnow() - timedelta(hours=13)))
    manager.check(channel_id)
    manager.check(channel_id)
    assert alerts(evo_shop).count("channel_silent") == 1


def test_an_evolution_429_waits_and_sends_without_spending_an_attempt(
    evo_shop: Shop, evolution: FakeAPI
) -> None:
    """Evolution answers 429 when WhatsApp Web pushes back: the channel's sends wait
    (5 s, doubling) and the reply goes, its attempt budget untouched."""
    _pace(evo_shop)
    evolution.fail_next(rf"/message/sendText/{INSTANCE}", (429, {"message": "too many"}))
    _text_from(evo_shop, "5511999994291", "oi")
    deadline = time.monotonic() + 40
    while not sent_texts(evolution, "5511999994291") and time.monotonic() < deadline:
        time.sleep(0.2)
    evo_shop.settle()
    assert len(sent_texts(evolution, "5511999994291")) == 1
    with evo_shop.runtime.sessions() as s:
        [reply] = s.scalars(select(Message).where(Message.direction == "out")).all()
    assert (reply.status, reply.attempts, reply.deferrals) == ("sent", 1, 1)
