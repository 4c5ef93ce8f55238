"""The monitoring API on a real server and both databases, over rows the send path
would leave: the traffic light and its reasons, alerts open and resolved, a day's
traffic and reply latency, queues by class and channel, a message's attempts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from atende import __version__
from atende.domain.sending import SendClass
from atende.storage import alerts, heartbeats
from atende.storage.db import transaction
from atende.storage.models import Alert
from atende.storage.types import utcnow
from tests.support import send_rows
from tests.support.api_server import ApiServer, add_conversation, api_server, second_org


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[ApiServer]:
    with api_server(db_url, tmp_path) as server:
        yield server


def conversation(api: ApiServer, phone: str = "+5511999990001") -> int:
    with transaction(api.runtime.sessions) as s:
        return add_conversation(s, api.org_id, api.channel_id, phone, utcnow(), utcnow())


def health(api: ApiServer) -> tuple[str, set[str]]:
    got = api.api("GET", "/api/monitoring/health").json()
    return got["status"], {r["code"] for r in got["reasons"]}


def test_health_rules(api: ApiServer) -> None:
    assert health(api) == ("red", {"no_worker"})  # webhooks accepted, nobody answers
    with transaction(api.runtime.sessions) as s:
        heartbeats.beat(s, "w1", __version__)
    assert health(api) == ("green", set())
    conv = conversation(api)
    now = utcnow()
    with transaction(api.runtime.sessions) as s:
        send_rows.outbound(
            s, api.org_id, conv, api.channel_id, created_at=now - timedelta(minutes=3)
        )
        heartbeats.beat(s, "w2", "0.0.1")
    assert health(api) == ("yellow", {"backlog", "version_skew"})
    with transaction(api.runtime.sessions) as s:
        send_rows.outbound(
            s, api.org_id, conv, api.channel_id, created_at=now - timedelta(minutes=11)
        )
        send_rows.breaker(s, api.channel_id, "open", 4, "503")
        alerts.open_alert(s, api.org_id, alerts.CHANNEL_DOWN, f"channel:{api.channel_id}", "fora")
    status, codes = health(api)
    # the demo's simulator channel still sends: one channel down is yellow, not red
    assert status == "red" and "reply_backlog" in codes
    assert {"breaker_open", "open_alerts", "backlog"} <= codes and "no_channel" not in codes
    got = api.api("GET", "/api/monitoring/health").json()
    assert got["reasons"][0]["level"] == "red"  # the worst first
    [breaker] = [r for r in got["reasons"] if r["code"] == "breaker_open"]
    assert breaker["subject"] == f"channel:{api.channel_id}" and "503" in breaker["detail"]


def test_health_is_red_when_no_channel_can_send(api: ApiServer) -> None:
    with transaction(api.runtime.sessions) as s:
        heartbeats.beat(s, "w1", __version__)
        _, other_channel, other_key = second_org(s)
        send_rows.connection(s, other_channel, "needs_pairing", "401")
    assert health(api) == ("green", set())  # another organization's trouble is not ours
    got = api.api("GET", "/api/monitoring/health", key=other_key).json()
    assert got["status"] == "red"
    assert {r["code"] for r in got["reasons"]} == {"channel_needs_pairing", "no_channel"}


def test_alerts_open_by_default_resolved_on_request(api: ApiServer) -> None:
    with transaction(api.runtime.sessions) as s:
        alerts.open_alert(s, api.org_id, alerts.SEND_FAILED, "message:1", "m1 failed")
        alerts.open_alert(s, api.org_id, alerts.SEND_FAILED, "message:2", "m2 failed")
        alerts.open_alert(s, api.org_id, alerts.SEND_FAILED, "message:3", "m3 failed")
        alerts.resolve(s, api.org_id, "message:1", [alerts.SEND_FAILED])
        alerts.resolve(s, api.org_id, "message:3", [alerts.SEND_FAILED])
        s.execute(  # resolved two days ago: past the default window
            update(Alert)
            .where(Alert.subject == "message:3")
            .values(resolved_at=utcnow() - timedelta(days=2))
        )

    def subjects(**params: Any) -> list[str]:
        got = api.api("GET", "/api/monitoring/alerts", params=params)
        assert got.status_code == 200, got.text
        return [a["subject"] for a in got.json()["items"]]

    assert subjects() == ["message:2"]  # as before: open ones only
    assert subjects(state="resolved") == ["message:1"]
    assert subjects(state="all") == ["message:2", "message:1"]
    assert subjects(state="resolved", hours=72) == ["message:3", "message:1"]
    [resolved] = api.api("GET", "/api/monitoring/alerts", params={"state": "resolved"}).json()[
        "items"
    ]
    assert resolved["resolved_at"] is not None and resolved["kind"] == "send_failed"
    assert api.api("GET", "/api/monitoring/alerts", params={"state": "x"}).status_code == 422


def test_traffic_and_reply_latency(api: ApiServer) -> None:
    conv = conversation(api)
    now = utcnow()
    with transaction(api.runtime.sessions) as s:
        # three bursts answered in 4, 6 and 30 s; a fourth still unanswered
        for version, (ago, took) in enumerate([(600, 4), (500, 6), (400, 30), (10, None)], 1):
            at = now - timedelta(seconds=ago)
            send_rows.inbound(s, api.org_id, conv, api.channel_id, version, at)
            if took is None:
                continue
            key = f"reply:{conv}:{version}:0"
            mid = send_rows.outbound(s, api.org_id, conv, api.channel_id, "delivered", key=key)
            if version == 3:  # the first try failed; the retry went out
                send_rows.attempt(s, mid, 1, "retry", at + timedelta(seconds=5), code="503")
            send_rows.attempt(s, mid, 2, "sent", at + timedelta(seconds=took))
        send_rows.outbound(s, api.org_id, conv, api.channel_id, "read")
        send_rows.outbound(s, api.org_id, conv, api.channel_id, "sent")
        send_rows.outbound(s, api.org_id, conv, api.channel_id, "failed")
        send_rows.outbound(s, api.org_id, conv, api.channel_id, "handled")
        old = now - timedelta(hours=30)  # outside the window
        send_rows.inbound(s, api.org_id, conv, api.channel_id, 99, old)
    got = api.api("GET", "/api/monitoring/metrics").json()
    assert (got["received"], got["sent"], got["delivered"], got["read"]) == (4, 5, 4, 1)
    assert (got["failed"], got["handled"], got["pending"], got["discarded"]) == (1, 1, 0, 0)
    assert got["delivery_rate"] == 0.8
    assert got["replies_measured"] == 3
    assert got["reply_latency_p50_seconds"] == pytest.approx(6, abs=0.01)
    assert got["reply_latency_p95_seconds"] == pytest.approx(30, abs=0.01)
    week = api.api("GET", "/api/monitoring/metrics", params={"hours": 48}).json()
    assert week["received"] == 5 and week["hours"] == 48
    with transaction(api.runtime.sessions) as s:
        _, _, other_key = second_org(s)
    empty = api.api("GET", "/api/monitoring/metrics", key=other_key).json()
    assert (empty["received"], empty["delivery_rate"], empty["reply_latency_p95_seconds"]) == (
        0,
        None,
        None,
    )


def test_queue_stats_by_class_and_channel(api: ApiServer) -> None:
    conv = conversation(api)
    now = utcnow()
    with transaction(api.runtime.sessions) as s:
        for minutes in (1, 4):
            at = now - timedelta(minutes=minutes)
            send_rows.outbound(s, api.org_id, conv, api.channel_id, created_at=at)
        send_rows.outbound(  # a retry due again for 30 s: it waits since then, not since created
            s,
            api.org_id,
            conv,
            api.channel_id,
            send_class=SendClass.SERVICE,
            created_at=now - timedelta(hours=1),
            next_attempt_at=now - timedelta(seconds=30),
        )
        send_rows.outbound(
            s, api.org_id, conv, api.channel_id, "sending", send_class=SendClass.SERVICE
        )
        for _ in range(3):
            send_rows.outbound(
                s,
                api.org_id,
                conv,
                api.channel_id,
                send_class=SendClass.CAMPAIGN,
                created_at=now - timedelta(hours=2),
                next_attempt_at=now + timedelta(minutes=5),
            )
    got = api.api("GET", "/api/monitoring/queue-stats").json()
    rows = {r["send_class"]: r for r in got["by_class"]}
    assert {r["channel_id"] for r in got["by_class"]} == {api.channel_id}
    reply, service, campaign = rows["reply"], rows["service"], rows["campaign"]
    assert (reply["queued"], reply["deferred"], reply["sending"]) == (2, 0, 0)
    assert reply["oldest_age_seconds"] == pytest.approx(240, abs=20)
    assert (service["queued"], service["sending"]) == (1, 1)
    assert service["oldest_age_seconds"] == pytest.approx(30, abs=20)
    assert (campaign["queued"], campaign["deferred"], campaign["oldest_age_seconds"]) == (
        0,
        3,
        None,
    )
    assert (got["outbound_queued"], got["outbound_deferred"], got["outbound_sending"]) == (3, 3, 1)


def test_message_detail_lists_every_attempt(api: ApiServer) -> None:
    conv = conversation(api)
    now = utcnow()
    with transaction(api.runtime.sessions) as s:
        mid = send_rows.outbound(s, api.org_id, conv, api.channel_id, "sent")
        send_rows.attempt(s, mid, 1, "deferred", now - timedelta(seconds=90), code="130429",
                          detail="rate limit", next_try_in=20)  # fmt: skip
        send_rows.attempt(s, mid, 1, "retry", now - timedelta(seconds=60), code="503",
                          next_try_in=60)  # fmt: skip
        send_rows.attempt(s, mid, 2, "sent", now)
        incoming = send_rows.inbound(s, api.org_id, conv, api.channel_id, 1, now)
    got = api.api("GET", f"/api/monitoring/messages/{mid}").json()
    assert got["status"] == "sent" and got["send_class"] == "reply"
    assert got["send_attempts_total"] == 3
    outcomes = [(a["attempt"], a["outcome"], a["code"]) for a in got["send_attempts"]]
    assert outcomes == [(1, "deferred", "130429"), (1, "retry", "503"), (2, "sent", None)]
    first = got["send_attempts"][0]
    assert first["detail"] == "rate limit" and first["next_try_at"].endswith("-03:00")
    inbound = api.api("GET", f"/api/monitoring/messages/{incoming}").json()
    assert inbound["direction"] == "in" and inbound["send_attempts"] == []
    assert api.api("GET", "/api/monitoring/messages/424242").status_code == 404
