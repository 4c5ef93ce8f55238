"""The 24-hour customer-service window of Meta and Twilio: text inside, template outside."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update

from atende.storage.db import transaction
from atende.storage.models import Conversation, Organization
from atende.storage.types import utcnow
from tests.conftest import Shop
from tests.support.fake_http import fake_graph

PHONE = "+5511999990001"


def age_conversation(shop: Shop, hours: float) -> int:
    """Pretend the customer's last message was ``hours`` ago; the conversation id."""
    with transaction(shop.runtime.sessions) as s:
        s.execute(update(Conversation).values(last_inbound_at=utcnow() - timedelta(hours=hours)))
    return int(shop.api("GET", "/api/conversations").json()["items"][0]["id"])


def set_templates(shop: Shop, templates: dict[str, dict[str, str]]) -> None:
    with transaction(shop.runtime.sessions) as s:
        org = s.get(Organization, shop.org_id)
        assert org is not None
        org.settings = {**(org.settings or {}), "templates": templates}


def test_twilio_outside_the_window_uses_the_template_and_inside_plain_text(shop: Shop) -> None:
    shop.post_inbound("oi", phone=PHONE)
    shop.wait_replies(PHONE, 1)
    shop.settle()
    assert "Body" in shop.twilio.sent[-1].form  # inside the window: text

    conv_id = age_conversation(shop, 25)
    shop.api(
        "POST",
        f"/api/conversations/{conv_id}/messages",
        json={"body": "Lembrete: banho do Thor amanhã às 10h"},
    )
    shop.settle()
    [failed] = shop.api("GET", "/api/monitoring/failed").json()["items"]
    assert failed["error_code"] == "outside_window" and "template" in failed["error_detail"]
    assert len(shop.twilio.sent) == 1  # nothing went out without a template

    set_templates(shop, {"twilio": {"content_sid": "HX" + "a" * 32}})
    shop.api("POST", "/api/monitoring/retry-failed", json={"hours": 1})
    shop.settle()
    sent = shop.twilio.sent[-1].form
    assert sent["ContentSid"] == "HX" + "a" * 32 and "Body" not in sent
    assert json.loads(sent["ContentVariables"]) == {"1": "Lembrete: banho do Thor amanhã às 10h"}


def test_meta_outside_the_window_sends_the_named_template(
    shop_factory: Callable[..., Shop], sqlite_url: str
) -> None:
    graph = fake_graph("109876543210987", "tok")
    try:
        creds = {
            "phone_number_id": "109876543210987",
            "access_token": "tok",
            "app_secret": "s",
            "verify_token": "v",
        }
        shop = shop_factory(
            sqlite_url, extra=[("meta", "109876543210987", creds)], meta_graph_base=graph.url
        )
        set_templates(shop, {"meta": {"name": "aviso_atende", "language": "pt_BR"}})
        from atende.channels.base import InboundMessage

        channel = shop.runtime.pipeline.directory.config(shop.channels["meta"])
        assert channel is not None
        shop.runtime.pipeline.ingestor.ingest(
            channel, InboundMessage("wamid.IN1", PHONE, None, "text", "oi")
        )
        shop.settle()
        conv_id = age_conversation(shop, 30)
        shop.api(
            "POST",
            f"/api/conversations/{conv_id}/messages",
            json={"body": "Sentimos sua falta! 🐾"},
        )
        shop.settle()
        first, last = [c.json() for c in graph.calls("POST", "/109876543210987/messages")]
        assert first["type"] == "text"
        assert last["type"] == "template" and last["template"]["name"] == "aviso_atende"
        assert last["template"]["language"] == {"code": "pt_BR"}
        assert (
            last["template"]["components"][0]["parameters"][0]["text"] == "Sentimos sua falta! 🐾"
        )
    finally:
        graph.stop()
