"""The admin API: auth, shapes from DESIGN.md, organization scoping, bad input."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from atende.storage import heartbeats, orgs
from atende.storage.db import transaction
from tests.conftest import Shop

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def test_requires_a_valid_bearer_key(shop: Shop) -> None:
    assert httpx.get(f"{shop.server.url}/api/services").status_code == 401
    wrong = httpx.get(f"{shop.server.url}/api/services", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "invalid API key"


def test_services_shape(shop: Shop) -> None:
    items = shop.api("GET", "/api/services").json()["items"]
    banho = next(i for i in items if i["name"] == "Banho")
    assert banho["price"] == "60.00" and banho["duration_minutes"] == 60
    assert {i["name"] for i in items} >= {
        "Banho",
        "Tosa",
        "Banho e tosa",
        "Consulta veterinária",
        "Vacinação",
    }


def test_conversation_messages_pets_and_bookings_shapes(shop: Shop) -> None:
    from tests.support.dialogue import next_weekday

    tuesday = next_weekday(1)
    phone = "+5511999990001"
    for text in (
        "quero agendar banho",
        f"{tuesday:%d/%m} às 10h",
        "Rex",
        "cachorro",
        "poodle",
        "sim",
    ):
        shop.post_inbound(text, phone=phone)
        shop.settle()
    [conv] = shop.api("GET", "/api/conversations", params={"phone": phone}).json()["items"]
    assert conv["contact_phone"] == phone and conv["state"] == "bot"
    assert ISO_WITH_OFFSET.match(conv["last_message_at"])
    messages = shop.api("GET", f"/api/conversations/{conv['id']}/messages").json()["items"]
    assert [m["direction"] for m in messages[:2]] == ["in", "out"]
    assert messages[0]["kind"] == "text" and messages[0]["body"] == "quero agendar banho"
    assert all(ISO_WITH_OFFSET.match(m["created_at"]) for m in messages)
    [pet] = shop.api("GET", "/api/pets").json()["items"]
    assert pet == {
        "id": pet["id"],
        "name": "Rex",
        "species": "cachorro",
        "breed": "Poodle",
        "owner_phone": phone,
        "birth_date": None,
    }
    born = shop.api("PATCH", f"/api/pets/{pet['id']}", json={"birth_date": "2021-03-14"})
    assert born.status_code == 200 and born.json()["birth_date"] == "2021-03-14"
    assert shop.api("GET", "/api/pets").json()["items"][0]["birth_date"] == "2021-03-14"
    for bad in ({"birth_date": "2999-01-01"}, {"birth_date": "ontem"}, {"nome": "x"}):
        assert shop.api("PATCH", f"/api/pets/{pet['id']}", json=bad).status_code == 422
    missing = shop.api("PATCH", "/api/pets/999999", json={"birth_date": None})
    assert missing.status_code == 404
    [booking] = shop.api("GET", "/api/bookings").json()["items"]
    assert (
        booking["contact_phone"] == phone
        and booking["pet_name"] == "Rex"
        and booking["service"] == "Banho"
    )
    assert booking["status"] == "booked"
    assert booking["starts_at"] == f"{tuesday.isoformat()}T10:00:00-03:00"
    contacts = shop.api("GET", "/api/contacts").json()["items"]
    assert [c["phone"] for c in contacts] == [phone]


def test_another_organization_sees_nothing_of_this_one(shop: Shop) -> None:
    shop.post_inbound("oi")
    shop.settle()
    with transaction(shop.runtime.sessions) as s:
        other = orgs.create_org(s, "other", "Other shop")
        other_key = orgs.issue_api_key(s, other.id)
    conv_id = shop.api("GET", "/api/conversations").json()["items"][0]["id"]
    headers = {"Authorization": f"Bearer {other_key}"}
    base = shop.server.url
    assert httpx.get(f"{base}/api/conversations", headers=headers).json() == {
        "items": [],
        "next": None,
    }
    assert (
        httpx.get(f"{base}/api/conversations/{conv_id}/messages", headers=headers).status_code
        == 404
    )
    assert (
        httpx.post(f"{base}/api/conversations/{conv_id}/handoff", headers=headers).status_code
        == 404
    )
    reply = httpx.post(
        f"{base}/api/conversations/{conv_id}/messages", headers=headers, json={"body": "x"}
    )
    assert reply.status_code == 404
    assert httpx.get(f"{base}/api/contacts", headers=headers).json()["items"] == []


def test_bad_input_gets_a_clear_4xx_json(shop: Shop) -> None:
    shop.post_inbound("oi")
    shop.settle()
    conv_id = shop.api("GET", "/api/conversations").json()["items"][0]["id"]
    cases: list[tuple[str, str, Callable[[], httpx.Response]]] = [
        (
            "empty reply",
            "422",
            lambda: shop.api("POST", f"/api/conversations/{conv_id}/messages", json={"body": ""}),
        ),
        (
            "not json",
            "422",
            lambda: shop.api("POST", f"/api/conversations/{conv_id}/messages", content=b"{oops"),
        ),
        (
            "no body field",
            "422",
            lambda: shop.api("POST", f"/api/conversations/{conv_id}/messages", json={}),
        ),
        (
            "huge reply",
            "422",
            lambda: shop.api(
                "POST", f"/api/conversations/{conv_id}/messages", json={"body": "a" * 5000}
            ),
        ),
        ("id not a number", "422", lambda: shop.api("GET", "/api/conversations/abc/messages")),
        ("unknown id", "404", lambda: shop.api("POST", "/api/conversations/999999/release")),
        (
            "bad phone",
            "400",
            lambda: shop.api("GET", "/api/conversations", params={"phone": "abc"}),
        ),
        (
            "negative hours",
            "422",
            lambda: shop.api("POST", "/api/monitoring/retry-failed", json={"hours": -1}),
        ),
    ]
    for name, status, call in cases:
        response = call()
        assert str(response.status_code) == status, (name, response.text)
        assert "detail" in response.json(), name
    # nothing was queued by the refused replies
    messages = shop.api("GET", f"/api/conversations/{conv_id}/messages").json()["items"]
    assert [m["author"] for m in messages] == ["contact", "bot"]


def test_queue_stats_and_alerts(shop: Shop) -> None:
    stats = shop.api("GET", "/api/monitoring/queue-stats").json()
    assert set(stats) == {
        "conversations_waiting",
        "outbound_queued",
        "outbound_deferred",
        "outbound_sending",
        "oldest_queued_seconds",
        "messages",
        "by_class",
    }
    assert shop.api("GET", "/api/monitoring/alerts").json() == {"items": [], "next": None}


def test_health_reports_ok_then_version_skew(shop: Shop) -> None:
    import time

    deadline = time.monotonic() + 10
    while (health := httpx.get(f"{shop.server.url}/health").json())["status"] != "ok":
        assert time.monotonic() < deadline, health
        time.sleep(0.1)
    assert health["checks"]["database"] == "ok" and health["checks"]["queue"]["status"] == "ok"
    assert health["version"]
    with transaction(shop.runtime.sessions) as s:
        heartbeats.beat(s, "other-host:1", "0.0.1")
    skewed = httpx.get(f"{shop.server.url}/health").json()
    assert skewed["status"] == "degraded" and "skew" in skewed["checks"]["workers"]["status"]


def test_metrics_are_prometheus_text(shop: Shop) -> None:
    shop.post_inbound("oi")
    shop.settle()
    response = httpx.get(f"{shop.server.url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert 'atende_webhooks_total{outcome="accepted",provider="twilio"}' in response.text
    assert "atende_conversations_waiting 0.0" in response.text
    acks = re.search(
        r'^atende_webhook_ack_seconds_count\{provider="twilio"\} (\S+)$', response.text, re.M
    )
    assert acks and float(acks.group(1)) >= 1  # the webhook's answer was timed


def test_landing_and_openapi(shop: Shop) -> None:
    page = httpx.get(shop.server.url + "/").text
    assert "<title>atende" in page and '<script src="/static/dashboard.js"' in page
    assert "/api/conversations" in httpx.get(shop.server.url + "/static/dashboard.js").text
    spec = httpx.get(shop.server.url + "/openapi.json").json()
    assert "/api/bookings" in spec["paths"]


def test_marking_what_happened_to_a_booking(shop: Shop) -> None:
    from datetime import timedelta

    from atende.storage.models import Booking, Contact, Service
    from atende.storage.types import utcnow

    with transaction(shop.runtime.sessions) as s:
        contact = Contact(organization_id=shop.org_id, phone="+5511999990099")
        s.add(contact)
        s.flush()
        service = s.query(Service).filter_by(organization_id=shop.org_id, name="Banho").one()
        ids = []
        for days in (-1, 2):
            start = utcnow() + timedelta(days=days)
            booking = Booking(
                organization_id=shop.org_id,
                contact_id=contact.id,
                service_id=service.id,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
            )
            s.add(booking)
            s.flush()
            ids.append(booking.id)
    past, future = ids
    done = shop.api("POST", f"/api/bookings/{past}/status", json={"status": "no_show"})
    assert done.status_code == 200 and done.json() == {"id": past, "status": "no_show"}
    statuses = {b["id"]: b["status"] for b in shop.api("GET", "/api/bookings").json()["items"]}
    assert statuses[past] == "no_show"
    early = shop.api("POST", f"/api/bookings/{future}/status", json={"status": "completed"})
    assert early.status_code == 409 and "time has come" in early.json()["detail"]
    assert (
        shop.api("POST", f"/api/bookings/{future}/status", json={"status": "cancelled"}).status_code
        == 200
    )
    final = shop.api("POST", f"/api/bookings/{future}/status", json={"status": "no_show"})
    assert final.status_code == 409
    assert (
        shop.api("POST", f"/api/bookings/{future}/status", json={"status": "lost"}).status_code
        == 422
    )
    assert (
        shop.api("POST", "/api/bookings/999999/status", json={"status": "cancelled"}).status_code
        == 404
    )


def test_dashboard_is_served_with_every_tab_and_its_script_parses(
    shop: Shop, tmp_path: Path
) -> None:
    page = httpx.get(f"{shop.server.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for tab in ("Conversas", "Agenda", "Pets", "Falhas", "Conhecimento e IA"):
        assert f">{tab}</button>" in page.text
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed: the dashboard script's syntax is not checked")
    script = tmp_path / "dashboard.js"
    script.write_text(httpx.get(f"{shop.server.url}/static/dashboard.js").text)
    checked = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
