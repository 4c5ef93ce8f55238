"""The admin API under hostile input: ids past int64, unbounded numbers, NUL, huge and
slow bodies, slow headers, cursors, other tenants' traffic — 4xx, never a 500."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from atende.storage import conversations, messages
from atende.storage.db import transaction
from atende.storage.models import BrainLog, Conversation, Message
from atende.storage.types import utcnow
from atende.web.server import DeadlineH11Protocol, DeadlineHttpToolsProtocol
from tests.support.api_server import (
    ApiServer,
    add_conversation,
    api_server,
    minutes_ago,
    second_org,
)

BIG_IDS = [2**63, 2**64 + 7, -(2**63) - 1, 10**30]


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[ApiServer]:
    with api_server(db_url, tmp_path) as served:
        yield served


@pytest.fixture
def sqlite_api(sqlite_url: str, tmp_path: Path) -> Iterator[ApiServer]:
    with api_server(sqlite_url, tmp_path) as served:
        yield served


def one_conversation(api: ApiServer, phone: str = "+5511999990001") -> int:
    with transaction(api.runtime.sessions) as s:
        return add_conversation(s, api.org_id, api.channel_id, phone, utcnow(), utcnow())


def test_ids_beyond_int64_are_not_found(api: ApiServer) -> None:
    for big in BIG_IDS:
        calls = [
            api.api("GET", f"/api/conversations/{big}/messages"),
            api.api("POST", f"/api/conversations/{big}/handoff"),
            api.api("POST", f"/api/conversations/{big}/release"),
            api.api("POST", f"/api/conversations/{big}/messages", json={"body": "oi"}),
            api.api("PATCH", f"/api/pets/{big}", json={"birth_date": None}),
            api.api("POST", f"/api/bookings/{big}/status", json={"status": "cancelled"}),
        ]
        for response in calls:
            assert response.status_code == 404, (big, response.request.url, response.text)
            assert "not found" in response.json()["detail"]


def test_hours_and_days_must_be_finite_and_bounded(sqlite_api: ApiServer) -> None:
    for hours in ("1e9", "inf", "-inf", "nan", "0", "-1", "8761"):
        got = sqlite_api.api("GET", "/api/monitoring/failed", params={"hours": hours})
        assert got.status_code == 422, (hours, got.text)
        [error] = got.json()["detail"]
        assert error["loc"] == ["query", "hours"] and error["msg"]
    assert sqlite_api.api("GET", "/api/monitoring/failed", params={"hours": "8760"}).is_success
    for days in ("inf", "1e9"):
        got = sqlite_api.api("GET", "/api/monitoring/llm-usage", params={"days": days})
        assert got.status_code == 422
    for raw in (b'{"hours": Infinity}', b'{"hours": NaN}', b'{"hours": 1e9}'):
        got = sqlite_api.api(
            "POST",
            "/api/monitoring/retry-failed",
            content=raw,
            headers={"content-type": "application/json"},
        )
        assert got.status_code == 422, (raw, got.text)


def walk(api: ApiServer, path: str, limit: int) -> list[list[dict[str, object]]]:
    pages: list[list[dict[str, object]]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = api.api("GET", path, params=params).json()
        pages.append(body["items"])
        cursor = body["next"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "paging does not end"


def test_paging_walks_every_conversation_exactly_once(api: ApiServer) -> None:
    """230 conversations, with ties on the activity time and some without a message yet."""
    base = utcnow()
    with transaction(api.runtime.sessions) as s:
        for i in range(230):
            last = None if i % 23 == 0 else minutes_ago(base, i // 3)  # ties in threes
            add_conversation(
                s, api.org_id, api.channel_id, f"+55119{i:08d}", last, minutes_ago(base, i)
            )
    pages = walk(api, "/api/conversations", 50)
    assert [len(p) for p in pages] == [50, 50, 50, 50, 30]
    ids = [c["id"] for p in pages for c in p]
    assert len(set(ids)) == 230
    with api.runtime.sessions() as s:
        rows = s.scalars(select(Conversation).where(Conversation.organization_id == api.org_id))
        expected = sorted(rows, key=lambda c: (c.last_message_at or c.created_at, c.id))
    assert ids == [c.id for c in reversed(expected)]  # most recent activity first
    assert len(api.api("GET", "/api/conversations").json()["items"]) == 50  # default limit
    assert len(walk(api, "/api/conversations", 200)[0]) == 200  # no cap below the asked limit


def test_every_list_pages_with_next_null_at_the_end(sqlite_api: ApiServer) -> None:
    conv_id = one_conversation(sqlite_api)
    with transaction(sqlite_api.runtime.sessions) as s:
        for i in range(7):
            messages.add_outbound(
                s, sqlite_api.org_id, conv_id, sqlite_api.channel_id, f"m{i}", f"k{i}"
            )
    pages = walk(sqlite_api, f"/api/conversations/{conv_id}/messages", 3)
    assert [[m["body"] for m in p] for p in pages] == [
        ["m0", "m1", "m2"],
        ["m3", "m4", "m5"],
        ["m6"],
    ]
    services = walk(sqlite_api, "/api/services", 2)
    assert all(len(p) <= 2 for p in services) and len({s["id"] for p in services for s in p}) >= 5
    for path in ("/api/contacts", "/api/pets", "/api/bookings", "/api/knowledge",
                 "/api/monitoring/alerts", "/api/monitoring/failed"):  # fmt: skip
        body = sqlite_api.api("GET", path, params={"limit": 1}).json()
        assert set(body) == {"items", "next"}, path


def test_bad_limits_and_cursors_are_422(sqlite_api: ApiServer) -> None:
    for limit in ("0", "201", "-1", "x"):
        got = sqlite_api.api("GET", "/api/conversations", params={"limit": limit})
        assert got.status_code == 422 and got.json()["detail"][0]["loc"] == ["query", "limit"]
    for i in range(3):
        one_conversation(sqlite_api, f"+551199999000{i}")
    real = sqlite_api.api("GET", "/api/conversations", params={"limit": 1}).json()["next"]
    assert real
    forged = base64.urlsafe_b64encode(json.dumps({"l": "conversations", "id": 2**70}).encode())
    for cursor in ("garbage", "a" * 300, "%00", real[:-3], forged.decode().rstrip("=")):
        got = sqlite_api.api("GET", "/api/conversations", params={"cursor": cursor})
        assert got.status_code == 422, (cursor, got.text)
        assert got.json()["detail"][0]["loc"] == ["query", "cursor"]
    other_list = sqlite_api.api("GET", "/api/contacts", params={"cursor": real})
    assert other_list.status_code == 422 and "another list" in other_list.text


def test_nul_in_an_operator_reply_is_stored_as_a_replacement_character(api: ApiServer) -> None:
    conv_id = one_conversation(api)
    sent = api.api("POST", f"/api/conversations/{conv_id}/messages", json={"body": "oi\u0000x"})
    assert sent.status_code == 202, sent.text
    with api.runtime.sessions() as s:
        stored = s.get(Message, sent.json()["id"])
        assert stored is not None and stored.body == "oi\ufffdx"
    lone = api.api(
        "POST",
        f"/api/conversations/{conv_id}/messages",
        content=b'{"body": "a\\ud83d b"}',
        headers={"content-type": "application/json"},
    )
    assert lone.status_code == 422 and lone.json()["detail"][0]["loc"] == ["body", "body"]
    with api.runtime.sessions() as s:  # the refused one is not stored
        assert s.scalar(select(func.count()).select_from(Message)) == 1
    bad_phone = api.api("GET", "/api/conversations", params={"phone": "+55\x0011"})
    assert bad_phone.status_code == 400 and "phone" in bad_phone.json()["detail"]


def test_llm_usage_counts_turns_on_both_databases(api: ApiServer) -> None:
    conv_id = one_conversation(api)
    with transaction(api.runtime.sessions) as s:
        for brain in ("openai", "offline", "offline", "owner-llm"):
            s.add(BrainLog(organization_id=api.org_id, conversation_id=conv_id, brain=brain))
    got = api.api("GET", "/api/monitoring/llm-usage", params={"days": 1})
    assert got.status_code == 200, got.text
    assert (got.json()["turns"], got.json()["turns_without_llm"]) == (4, 2)


def test_media_token_with_nul_is_not_found(api: ApiServer) -> None:
    for token in ("%00", "abc%00def", "x" * 43, "..%2F..%2Fetc"):
        got = httpx.get(f"{api.url}/media/{token}")
        assert got.status_code == 404 and got.json()["detail"].lower() == "not found", token
    assert httpx.get(f"{api.url}/static/%00").status_code == 404


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"a" * min(size, total - sent)
        sent += size


def test_oversized_bodies_get_413_json_chunked_or_not(sqlite_api: ApiServer) -> None:
    limit = sqlite_api.runtime.settings.max_body_bytes
    conv_id = one_conversation(sqlite_api)
    for path in (
        f"/api/conversations/{conv_id}/messages",
        f"/webhooks/twilio/{sqlite_api.channel_id}",
    ):
        chunked = sqlite_api.api("POST", path, content=chunks(limit + 1))
        assert chunked.request.headers.get("transfer-encoding") == "chunked"
        assert chunked.status_code == 413, (path, chunked.text)
        assert str(limit) in chunked.json()["detail"]
        declared = sqlite_api.api("POST", path, content=b"a" * (limit + 1))
        assert declared.status_code == 413, path
    with sqlite_api.runtime.sessions() as s:  # nothing was stored
        assert s.scalar(select(Message.id)) is None
    fits = sqlite_api.api(
        "POST",
        f"/api/conversations/{conv_id}/messages",
        content=iter([b'{"body":', b'"ok"}']),
        headers={"content-type": "application/json"},
    )
    assert fits.status_code == 202, fits.text


def test_security_headers_on_every_response(sqlite_api: ApiServer) -> None:
    for response in (
        httpx.get(sqlite_api.url + "/"),
        httpx.get(sqlite_api.url + "/static/dashboard.js"),
        sqlite_api.api("GET", "/api/services"),
        httpx.get(sqlite_api.url + "/api/services"),  # 401
        httpx.get(sqlite_api.url + "/nowhere"),
        httpx.get(sqlite_api.url + "/health"),
    ):
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp, response.url
        assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    page = httpx.get(sqlite_api.url + "/").text
    assert "<script>" not in page and "<style>" not in page and "style=" not in page
    assert " onclick=" not in page and "javascript:" not in page


def unanswered(s: Session, conversation_id: int) -> None:
    """The conversation has a burst the bot has not answered yet."""
    s.execute(
        update(Conversation).where(Conversation.id == conversation_id).values(buffer_version=1)
    )


def test_queue_stats_count_only_the_callers_organization(sqlite_api: ApiServer) -> None:
    a = sqlite_api
    a_conv = one_conversation(a)
    later = utcnow() + timedelta(days=30)
    with transaction(a.runtime.sessions) as s:
        messages.add_outbound(s, a.org_id, a_conv, a.channel_id, "para A", "a-1")
        unanswered(s, a_conv)
        b_org, b_channel, b_key = second_org(s)
    before = a.api("GET", "/api/monitoring/queue-stats").json()
    assert before["outbound_queued"] == 1 and before["messages"] == {"queued": 1}
    assert before["conversations_waiting"] == 1 and before["oldest_queued_seconds"] >= 0
    with transaction(a.runtime.sessions) as s:  # tenant B gets busy
        for i in range(5):
            conv = add_conversation(s, b_org, b_channel, f"+55118888000{i}", utcnow(), utcnow())
            unanswered(s, conv)
            messages.add_outbound(s, b_org, conv, b_channel, "agora", f"b-{i}")
            messages.add_outbound(s, b_org, conv, b_channel, "depois", f"b-l{i}", not_before=later)
    [mine] = before["by_class"]
    assert a.api("GET", "/api/monitoring/queue-stats").json() == {
        **before,
        "oldest_queued_seconds": pytest.approx(before["oldest_queued_seconds"], abs=30),
        "by_class": [
            {**mine, "oldest_age_seconds": pytest.approx(mine["oldest_age_seconds"], abs=30)}
        ],
    }
    b = a.api("GET", "/api/monitoring/queue-stats", key=b_key).json()
    assert (b["conversations_waiting"], b["outbound_queued"], b["outbound_deferred"]) == (5, 5, 5)
    with a.runtime.sessions() as s:
        assert conversations.pending_count(s) == 6  # /metrics still sees everyone


def test_an_unexpected_failure_is_a_json_500_logged_once(
    sqlite_api: ApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    with transaction(sqlite_api.runtime.sessions) as s:
        s.execute(text("DROP TABLE alerts"))  # a real fault: the database lost a table
    with caplog.at_level(logging.ERROR):
        got = sqlite_api.api("GET", "/api/monitoring/alerts")
    assert got.status_code == 500
    body = got.json()
    assert body["detail"] == "internal error" and body["request_id"] == got.headers["x-request-id"]
    assert "Traceback" not in got.text and "alerts" not in got.text
    logged = [r for r in caplog.records if body["request_id"] in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert got.headers["x-frame-options"] == "DENY"


def dribble(port: int, request: bytes, stop: threading.Event, closed: list[float]) -> None:
    """Send ``request`` then a header line every 0.2 s until the server hangs up."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                if sock.recv(4096) == b"":
                    break
            except TimeoutError:
                pass
            except OSError:
                break
            try:
                sock.sendall(b"X-Slow: 1\r\n" if b"Content-Length" not in request else b"a")
            except OSError:
                break
    closed.append(time.monotonic() - started)


@pytest.mark.parametrize("protocol", [DeadlineHttpToolsProtocol, DeadlineH11Protocol])
def test_slow_clients_are_cut_off_while_health_answers(
    sqlite_url: str, tmp_path: Path, protocol: type[asyncio.Protocol]
) -> None:
    settings = {"header_timeout_seconds": 1.0, "body_timeout_seconds": 1.5}
    with api_server(sqlite_url, tmp_path, protocol=protocol, **settings) as served:
        port, stop, closed = served.server.port, threading.Event(), []
        slow_headers = b"GET /health HTTP/1.1\r\nHost: x\r\n"
        slow_body = b"POST /api/services HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
        threads = [
            threading.Thread(
                target=dribble, args=(port, slow_body if i % 4 == 0 else slow_headers, stop, closed)
            )
            for i in range(32)
        ]
        for t in threads:
            t.start()
        time.sleep(0.5)
        health = httpx.get(f"{served.url}/health", timeout=2)
        assert health.status_code == 200 and health.json()["checks"]["database"] == "ok"
        for t in threads:
            t.join(timeout=8)
        stop.set()
    assert len(closed) == 32, "some slow connections were never closed"
    assert max(closed) < 5, closed  # deadlines of 1 s and 1.5 s, with room for a busy machine


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends before it closes (a 408 may come in several packets)."""
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_slow_body_gets_408_and_slow_headers_a_408_before_close(
    sqlite_url: str, tmp_path: Path
) -> None:
    with api_server(
        sqlite_url, tmp_path, header_timeout_seconds=0.5, body_timeout_seconds=0.5
    ) as served:
        with socket.create_connection(("127.0.0.1", served.server.port), timeout=5) as sock:
            sock.sendall(b"POST /api/services HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
            answer = until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 408") and b"request body not received" in answer
        with socket.create_connection(("127.0.0.1", served.server.port), timeout=5) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\n")
            answer = until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 408") and b"headers not received" in answer
        assert httpx.get(f"{served.url}/health").status_code == 200  # keep-alive requests fine
