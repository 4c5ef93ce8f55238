"""Twilio webhooks as Twilio would call them, against a real uvicorn."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from atende.storage.models import Message
from tests.conftest import ACCOUNT, BUSINESS, TOKEN, Shop
from tests.support.providers import signed_twilio, twilio_form


def count_messages(shop: Shop) -> int:
    with shop.runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Message)) or 0)


def test_valid_signature_is_acknowledged_with_empty_twiml_and_stored(shop: Shop) -> None:
    response = shop.post_inbound("Olá! Vocês abrem sábado?")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    stored = shop.messages_of("+5511999990001")
    assert [m.body for m in stored] == ["Olá! Vocês abrem sábado?"]


def test_fixture_payload_is_accepted_unchanged(shop: Shop) -> None:
    pairs = twilio_form("inbound_text.form")
    raw, headers = signed_twilio(shop.webhook_url, pairs, TOKEN)
    assert httpx.post(shop.webhook_url, content=raw, headers=headers).status_code == 200
    [message] = shop.messages_of("+5511999990001")
    assert message.provider_id == "SM823e58fa24d0129b362dfc23e1b503e3"
    assert "pedido 4521" in message.body


def test_forged_signature_gets_403_and_stores_nothing(shop: Shop) -> None:
    pairs = twilio_form("inbound_text.form")
    raw, headers = signed_twilio(shop.webhook_url, pairs, "not-the-token")
    response = httpx.post(shop.webhook_url, content=raw, headers=headers)
    assert response.status_code == 403
    assert "signature" in response.json()["detail"].lower()
    assert count_messages(shop) == 0


def test_tampered_body_gets_403(shop: Shop) -> None:
    pairs = twilio_form("inbound_text.form")
    raw, headers = signed_twilio(shop.webhook_url, pairs, TOKEN)
    tampered = raw.replace(b"4521", b"9999")
    assert httpx.post(shop.webhook_url, content=tampered, headers=headers).status_code == 403
    assert count_messages(shop) == 0


def test_missing_signature_gets_401_and_stores_nothing(shop: Shop) -> None:
    pairs = twilio_form("inbound_text.form")
    raw, headers = signed_twilio(shop.webhook_url, pairs, TOKEN)
    del headers["X-Twilio-Signature"]
    assert httpx.post(shop.webhook_url, content=raw, headers=headers).status_code == 401
    assert count_messages(shop) == 0


def test_unknown_channel_is_404(shop: Shop) -> None:
    url = f"{shop.server.url}/webhooks/twilio/ch_doesnotexist"
    raw, headers = signed_twilio(url, twilio_form("inbound_text.form"), TOKEN)
    response = httpx.post(url, content=raw, headers=headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown channel"}


def test_replayed_message_sid_is_stored_and_answered_once(shop: Shop) -> None:
    for _ in range(3):
        assert (
            shop.post_inbound("Qual o horário de vocês?", sid="SM" + "ab" * 16).status_code == 200
        )
    shop.settle()
    stored = shop.messages_of("+5511999990001")
    assert [m.direction for m in stored] == ["in", "out"]
    assert len(shop.replies_to("+5511999990001")) == 1


def test_signed_garbage_is_400_and_stores_nothing(shop: Shop) -> None:
    # signed correctly, for this account and number, but no MessageSid, no From
    pairs = [("Body", "oi"), ("AccountSid", ACCOUNT), ("To", BUSINESS)]
    raw, headers = signed_twilio(shop.webhook_url, pairs, TOKEN)
    response = httpx.post(shop.webhook_url, content=raw, headers=headers)
    assert response.status_code == 400
    assert count_messages(shop) == 0
    bad_phone = twilio_form("inbound_text.form", From="whatsapp:abc")
    raw, headers = signed_twilio(shop.webhook_url, bad_phone, TOKEN)
    assert httpx.post(shop.webhook_url, content=raw, headers=headers).status_code == 400
    assert count_messages(shop) == 0


def test_non_utf8_body_is_rejected(shop: Shop) -> None:
    response = httpx.post(
        shop.webhook_url,
        content=b"Body=\xff\xfe",
        headers={"X-Twilio-Signature": "x", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 403)
    assert count_messages(shop) == 0


def test_oversized_body_is_refused_with_413(shop: Shop) -> None:
    big = b"Body=" + b"a" * (shop.runtime.settings.max_body_bytes + 10)
    response = httpx.post(shop.webhook_url, content=big, headers={"X-Twilio-Signature": "x"})
    assert response.status_code == 413
    assert "larger" in response.json()["detail"]
    assert count_messages(shop) == 0


def test_status_callback_moves_message_forward_never_back(shop: Shop) -> None:
    shop.post_inbound("oi")
    shop.wait_replies("+5511999990001", 1)
    shop.settle()
    reply = next(m for m in shop.messages_of("+5511999990001") if m.direction == "out")
    assert reply.status == "sent"
    status_url = shop.webhook_url + "/status"
    # what we passed as StatusCallback is exactly this URL
    assert shop.twilio.sent[0].form["StatusCallback"] == status_url

    def post_status(status: str) -> int:
        pairs = twilio_form(
            "status_delivered.form",
            MessageSid=reply.provider_id or "",
            MessageStatus=status,
            SmsStatus=status,
        )
        raw, headers = signed_twilio(status_url, pairs, TOKEN)
        return httpx.post(status_url, content=raw, headers=headers).status_code

    assert post_status("read") == 200
    assert post_status("delivered") == 200  # late, out of order
    reply = next(m for m in shop.messages_of("+5511999990001") if m.direction == "out")
    assert reply.status == "read"


def test_sends_use_the_channel_credentials_and_number(shop: Shop) -> None:
    shop.post_inbound("oi", phone="+5511999990002")
    shop.wait_replies("+5511999990002", 1)
    sent = shop.twilio.sent[0]
    assert sent.account == "AC55b47e1bd7721b5f779ed06721903800"
    assert sent.auth == ("AC55b47e1bd7721b5f779ed06721903800", TOKEN)
    assert sent.form["From"] == "whatsapp:+551130040001"
    assert sent.form["To"] == "whatsapp:+5511999990002"


def test_slots_and_confirmation_are_tappable_on_twilio(shop: Shop) -> None:
    from tests.support.dialogue import next_weekday

    tuesday = next_weekday(1)
    shop.post_inbound(f"quero agendar banho dia {tuesday:%d/%m}")
    shop.settle()
    [picker] = shop.twilio.contents
    rows = picker["types"]["twilio/list-picker"]["items"]
    assert [r["item"] for r in rows][:2] == ["08:00", "08:30"] and len(rows) == 10
    assert "1. 08:00" in picker["types"]["twilio/text"]["body"]  # the fallback
    offer = shop.twilio.sent[-1].form
    assert offer["ContentSid"].startswith("HX") and "Body" not in offer

    shop.post_inbound("", ListId="choice:4", ListTitle="10:00")
    shop.settle()
    for text in ("Rex", "cachorro", "poodle"):
        shop.post_inbound(text)
        shop.settle()
    quick = shop.twilio.contents[-1]["types"]["twilio/quick-reply"]
    assert [a["title"] for a in quick["actions"]] == ["Sim", "Não"]
    shop.post_inbound("", ButtonText="Sim", ButtonPayload="choice:0", MessageType="button")
    shop.settle()
    [booking] = shop.api("GET", "/api/bookings").json()["items"]
    assert booking["starts_at"] == f"{tuesday.isoformat()}T10:00:00-03:00"
    assert "Prontinho" in shop.twilio.sent[-1].form["Body"]


def test_choices_fall_back_to_numbered_text_when_content_is_refused(shop: Shop) -> None:
    from tests.support.dialogue import next_weekday

    shop.twilio.refuse_content = True
    shop.post_inbound(f"quero agendar tosa dia {next_weekday(2):%d/%m}")
    shop.settle()
    offer = shop.twilio.sent[-1].form
    assert "ContentSid" not in offer and "1. 08:00" in offer["Body"]
