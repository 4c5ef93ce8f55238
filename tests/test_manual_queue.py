"""The manual queue over HTTP, on a real server and both databases: failed messages
listed with their reason and history; retry, resend, discard and "handled by phone"
only from ``failed``; another organization's message is not there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from atende.storage import alerts
from atende.storage.db import transaction
from atende.storage.models import Message
from tests.support import send_rows
from tests.support.api_server import ApiServer, add_conversation, api_server, second_org
from tests.support.clock import ANCHOR


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[ApiServer]:
    with api_server(db_url, tmp_path) as server:
        yield server


def failed_message(
    api: ApiServer, body: str = "Seu horário está confirmado", phone: str = "+5511999990001"
) -> int:
    """A reply that failed after a retry and a permanent refusal, as the send path ends it."""
    with transaction(api.runtime.sessions) as s:
        conv = add_conversation(s, api.org_id, api.channel_id, phone, None, ANCHOR)
        mid = send_rows.outbound(
            s,
            api.org_id,
            conv,
            api.channel_id,
            "failed",
            body=body,
            attempts=2,
            error=("63016", "outside the 24h window"),
        )
        send_rows.attempt(s, mid, 1, "retry", code="503", detail="busy", next_try_in=60)
        send_rows.attempt(s, mid, 2, "failed", code="63016", detail="outside the 24h window")
        row = s.get(Message, mid)
        assert row is not None
        row.deferrals = 3
    return mid


def stored(api: ApiServer, message_id: int) -> Message:
    with api.runtime.sessions() as s:
        row = s.get(Message, message_id)
        assert row is not None
        return row


def test_failed_lists_reason_and_history(api: ApiServer) -> None:
    mid = failed_message(api)
    [item] = api.api("GET", "/api/monitoring/failed").json()["items"]
    assert item["id"] == mid and item["reason"] == "outside the 24h window"
    assert (item["attempts"], item["tries"], item["deferrals"]) == (2, 2, 3)
    assert item["contact_phone"] == "+5511999990001" and item["send_class"] == "reply"
    assert item["error_code"] == "63016" and item["last_try_at"] is not None
    detail = api.api("GET", f"/api/monitoring/messages/{mid}").json()
    assert [(a["attempt"], a["outcome"], a["code"]) for a in detail["send_attempts"]] == [
        (1, "retry", "503"),
        (2, "failed", "63016"),
    ]
    assert detail["send_attempts"][0]["next_try_at"] is not None


def test_retry_requeues_with_a_fresh_budget_and_schedules_it(api: ApiServer) -> None:
    mid = failed_message(api)
    pending = api.runtime.queue.stats()["pending"]
    got = api.api("POST", f"/api/monitoring/messages/{mid}/retry")
    assert got.status_code == 200 and got.json() == {"id": mid, "status": "queued"}
    row = stored(api, mid)
    assert (row.status, row.attempts, row.deferrals, row.next_attempt_at) == ("queued", 0, 0, None)
    assert row.error_code == "63016"  # the history stays; a timeout would be looked up first
    assert api.runtime.queue.stats()["pending"] == pending + 1  # a send job is waiting
    again = api.api("POST", f"/api/monitoring/messages/{mid}/retry")
    assert again.status_code == 409
    assert "queued" in again.json()["detail"] and "only a failed message" in again.json()["detail"]
    assert api.api("GET", "/api/monitoring/failed").json()["items"] == []


def test_resend_changes_the_text_and_clears_the_error(api: ApiServer) -> None:
    mid = failed_message(api)
    got = api.api("POST", f"/api/monitoring/messages/{mid}/resend", json={"body": "Oi! Tudo certo"})
    assert got.json() == {"id": mid, "status": "queued"}
    row = stored(api, mid)
    assert (row.body, row.status, row.error_code, row.attempts) == (
        "Oi! Tudo certo",
        "queued",
        None,
        0,
    )
    for bad in ({"body": ""}, {}, {"body": "x" * 5000}, {"body": "ok", "extra": 1}):
        assert (
            api.api("POST", f"/api/monitoring/messages/{mid}/resend", json=bad).status_code == 422
        )


def open_alert_subjects(api: ApiServer) -> list[str]:
    return [a["subject"] for a in api.api("GET", "/api/monitoring/alerts").json()["items"]]


@pytest.mark.parametrize("action", ["discard", "handled"])
def test_discard_and_handled_end_the_wait(api: ApiServer, action: str) -> None:
    mid = failed_message(api)
    other = failed_message(api, phone="+5511999990002")
    with transaction(api.runtime.sessions) as s:
        for message_id in (mid, other):
            alerts.open_alert(
                s, api.org_id, alerts.SEND_FAILED, alerts.message_subject(message_id), "failed"
            )
    status = {"discard": "discarded", "handled": "handled"}[action]
    got = api.api("POST", f"/api/monitoring/messages/{mid}/{action}")
    assert got.json() == {"id": mid, "status": status}
    assert stored(api, mid).status == status
    # its failure alert is closed with it; the other message's stays open
    assert open_alert_subjects(api) == [alerts.message_subject(other)]
    for then in ("retry", "discard", "handled"):
        late = api.api("POST", f"/api/monitoring/messages/{mid}/{then}")
        assert late.status_code == 409 and status in late.json()["detail"]
    late = api.api("POST", f"/api/monitoring/messages/{mid}/resend", json={"body": "x"})
    assert late.status_code == 409
    assert stored(api, mid).body == "Seu horário está confirmado"


def test_only_the_callers_organization_and_only_outbound(api: ApiServer) -> None:
    mid = failed_message(api)
    with transaction(api.runtime.sessions) as s:
        _, _, other_key = second_org(s)
        conv = add_conversation(s, api.org_id, api.channel_id, "+5511999990002", None, ANCHOR)
        incoming = send_rows.inbound(s, api.org_id, conv, api.channel_id, 1, ANCHOR)
    for action in ("retry", "discard", "handled"):
        got = api.api("POST", f"/api/monitoring/messages/{mid}/{action}", key=other_key)
        assert got.status_code == 404 and got.json()["detail"] == f"message {mid} not found"
        assert api.api("POST", f"/api/monitoring/messages/{incoming}/{action}").status_code == 404
        assert api.api("POST", f"/api/monitoring/messages/99999999/{action}").status_code == 404
        assert api.api("POST", f"/api/monitoring/messages/{2**70}/{action}").status_code == 404
    assert api.api("GET", f"/api/monitoring/messages/{mid}", key=other_key).status_code == 404
    assert api.api("GET", "/api/monitoring/failed", key=other_key).json()["items"] == []
    assert stored(api, mid).status == "failed"


def test_retry_failed_still_requeues_everything_recent(api: ApiServer) -> None:
    first, second = failed_message(api), failed_message(api, "outro", "+5511999990003")
    got = api.api("POST", "/api/monitoring/retry-failed", json={"hours": 1})
    assert sorted(got.json()["requeued"]) == [first, second]
    assert stored(api, first).deferrals == 0  # a fresh budget: deferrals too
