"""Alerts close themselves when their cause is gone, and are never open twice.

A send_failed alert closes when its message goes out after all (retry-failed); a
channel's connection alerts close when the channel is open again, its silence alert
when messages arrive again. The same alert raised while it is open adds no row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from atende.storage import alerts
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.demo import create_demo
from atende.storage.models import Alert, Conversation
from atende.storage.types import utcnow
from tests.conftest import TOKEN, Shop
from tests.support.fake_http import FakeAPI, fake_evolution
from tests.support.providers import FIXTURES, signed_twilio, twilio_form

PHONE = "+5511999990001"
INSTANCE = "loja-alertas"
API_KEY = "EVO-ALERTS-KEY-0123456789"
SECRET = "alerts-webhook-secret"


def open_alerts(shop: Shop) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = shop.api("GET", "/api/monitoring/alerts").json()["items"]
    return items


def alert_rows(shop: Shop) -> list[Alert]:
    with shop.runtime.sessions() as s:
        return list(s.scalars(select(Alert).where(Alert.organization_id == shop.org_id)))


def retry_failed(shop: Shop) -> list[int]:
    requeued: list[int] = shop.api(
        "POST", "/api/monitoring/retry-failed", json={"hours": 24}
    ).json()["requeued"]
    shop.settle()
    return requeued


def test_send_failed_alert_resolves_when_the_message_is_delivered(shop: Shop) -> None:
    shop.twilio.fail_next(400, 400)
    shop.post_inbound("oi", phone=PHONE)
    shop.settle()
    [alert] = open_alerts(shop)
    assert alert["kind"] == "send_failed"

    [message_id] = retry_failed(shop)  # refused again: still that one alert
    assert open_alerts(shop) == [alert]

    assert retry_failed(shop) == [message_id]  # the provider is healthy now
    assert len(shop.replies_to(PHONE)) == 1
    assert open_alerts(shop) == []
    [reply] = [m for m in shop.messages_of(PHONE) if m.direction == "out"]
    status_url = shop.webhook_url + "/status"
    pairs = twilio_form(
        "status_delivered.form", MessageSid=reply.provider_id or "", MessageStatus="delivered"
    )
    raw, headers = signed_twilio(status_url, pairs, TOKEN)
    assert httpx.post(status_url, content=raw, headers=headers).status_code == 200
    [reply] = [m for m in shop.messages_of(PHONE) if m.direction == "out"]
    assert reply.status == "delivered"
    [row] = alert_rows(shop)
    assert row.subject == f"message:{message_id}" and row.resolved_at is not None
    assert open_alerts(shop) == []


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
    }
    return shop_factory(sqlite_url, extra=[("evolution", INSTANCE, creds)])


def post_event(shop: Shop, name: str, **data: Any) -> None:
    payload: dict[str, Any] = json.loads((FIXTURES / "evolution" / name).read_bytes())
    payload["instance"] = INSTANCE
    payload["data"].update(data)
    url = f"{shop.server.url}/webhooks/evolution/{shop.channels['evolution']}"
    assert httpx.post(url, json=payload, headers={"x-atende-secret": SECRET}).status_code == 200


def test_needs_pairing_alert_resolves_when_the_channel_is_open_again(evo_shop: Shop) -> None:
    post_event(evo_shop, "connection_update_open.json")
    post_event(evo_shop, "connection_update_close_logged_out.json")
    post_event(evo_shop, "connection_update_close_logged_out.json")
    assert [a["kind"] for a in open_alerts(evo_shop)] == ["channel_needs_pairing"]

    post_event(evo_shop, "connection_update_open.json")  # paired again
    assert open_alerts(evo_shop) == []
    [row] = alert_rows(evo_shop)
    assert row.subject == f"channel:{evo_shop.channels['evolution']}"

    post_event(evo_shop, "connection_update_close_logged_out.json")  # a new problem, a new alert
    assert [a["kind"] for a in open_alerts(evo_shop)] == ["channel_needs_pairing"]
    assert len(alert_rows(evo_shop)) == 2


def test_silence_alert_resolves_when_messages_arrive_again(evo_shop: Shop) -> None:
    def receive(n: int) -> None:
        post_event(
            evo_shop,
            "messages_upsert_text.json",
            key={"remoteJid": f"55119777700{n:02d}@s.whatsapp.net", "fromMe": False, "id": f"S{n}"},
        )

    for n in range(3):
        receive(n)
    evo_shop.settle()
    manager = evo_shop.runtime.pipeline.connections
    channel_id = evo_shop.channels["evolution"]
    with transaction(evo_shop.runtime.sessions) as s:
        s.execute(update(Conversation).values(last_inbound_at=utcnow() - timedelta(hours=13)))
    manager.check(channel_id)
    assert [a["kind"] for a in open_alerts(evo_shop)] == ["channel_silent"]

    receive(3)
    evo_shop.settle()
    manager.check(channel_id)
    assert open_alerts(evo_shop) == []


def test_an_alert_is_open_once_per_kind_and_subject(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org_id = create_demo(s).id
    for _ in range(2):
        with transaction(sessions) as s:
            alerts.open_alert(s, org_id, "channel_down", "channel:ch_a", "down")
            alerts.open_alert(s, org_id, "channel_silent", "channel:ch_a", "quiet")
            alerts.open_alert(s, org_id, "channel_down", "channel:ch_b", "down")
    with transaction(sessions) as s:
        assert alerts.resolve(s, org_id, "channel:ch_a", ["channel_down"]) == 1
        assert alerts.open_alert(s, org_id, "channel_down", "channel:ch_a", "down again")
    with sessions() as s:
        rows = s.execute(select(Alert.kind, Alert.subject, Alert.resolved_at.is_(None))).all()
    engine.dispose()
    assert sorted((k, sub, is_open) for k, sub, is_open in rows) == [
        ("channel_down", "channel:ch_a", False),
        ("channel_down", "channel:ch_a", True),
        ("channel_down", "channel:ch_b", True),
        ("channel_silent", "channel:ch_a", True),
    ]
