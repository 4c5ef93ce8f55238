"""One shop with a Twilio, a Meta and an Evolution channel, and signed deliveries for
each: shared by tests/test_webhook_hardening.py and tests/test_webhook_fuzz.py."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text

from atende.runtime import build_runtime
from atende.storage.models import Channel, Contact, Message
from atende.web.app import create_app
from tests.conftest import PG_ADMIN_URL, TOKEN, Shop, _pg, seed_shop, settings_for
from tests.support.fake_http import FakeAPI, fake_evolution, fake_graph
from tests.support.fake_twilio import FakeTwilio, start_fake_twilio
from tests.support.live import LiveServer, free_port
from tests.support.providers import FIXTURES, sign, signed_twilio

PHONE_ID = "109876543210987"
META_TOKEN = "EAAG-meta-access-token"
META_SECRET = "meta_app_secret_0123456789"
META_CREDS = {
    "phone_number_id": PHONE_ID,
    "access_token": META_TOKEN,
    "app_secret": META_SECRET,
    "verify_token": "my-verify-token",
}
INSTANCE = "loja-centro"
EVO_KEY = "8F3C2A1B-4D5E-4F60-9A7B-1C2D3E4F5A6B"
EVO_SECRET = "per-channel-webhook-secret"
EVO_JWT_KEY = "evolution-jwt-key-of-at-least-32-bytes!"


def channels(evolution_url: str) -> list[tuple[str, str, dict[str, str]]]:
    """The Meta and Evolution channels, as ``shop_factory(extra=...)`` takes them."""
    evolution = {
        "base_url": evolution_url,
        "instance": INSTANCE,
        "api_key": EVO_KEY,
        "webhook_secret": EVO_SECRET,
        "jwt_key": EVO_JWT_KEY,
    }
    return [("meta", PHONE_ID, META_CREDS), ("evolution", INSTANCE, evolution)]


def fixture_json(provider: str, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / provider / name).read_bytes())
    return loaded


def meta_delivery(
    messages: list[Any], contacts: list[Any] | None = None, statuses: list[Any] | None = None
) -> dict[str, Any]:
    """The inbound_text.json envelope carrying these items (a batch, as Meta sends)."""
    payload = fixture_json("meta", "inbound_text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"] = messages
    value["contacts"] = contacts if contacts is not None else value["contacts"]
    if statuses:
        value["statuses"] = statuses
    return payload


def meta_message(wamid: str, body: Any, sender: Any = "5511999990001") -> dict[str, Any]:
    message = {"from": sender, "id": wamid, "timestamp": "1767268800", "type": "text"}
    return {**message, "text": {"body": body}}


def evolution_event(text_body: Any = None, **data: Any) -> dict[str, Any]:
    """messages_upsert_text.json with ``data`` fields replaced (and the text, if given)."""
    payload = fixture_json("evolution", "messages_upsert_text.json")
    payload["data"].update(data)
    if text_body is not None:
        payload["data"]["message"] = {"conversation": text_body}
    return payload


def body_of(payload: Any) -> bytes:
    """JSON as providers send it: ASCII, with \\uXXXX escapes (lone surrogates too)."""
    return json.dumps(payload).encode()


@dataclass
class Hub:
    """The shop and the provider fakes its replies go to."""

    shop: Shop
    graph: FakeAPI
    evolution: FakeAPI
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def url(self, provider: str) -> str:
        channel = self.shop.channel_id if provider == "twilio" else self.shop.channels[provider]
        return f"{self.shop.server.url}/webhooks/{provider}/{channel}"

    def twilio(self, pairs: list[tuple[str, str]], suffix: str = "") -> httpx.Response:
        url = self.url("twilio") + suffix
        raw, headers = signed_twilio(url, pairs, TOKEN)
        return self.http.post(url, content=raw, headers=headers)

    def meta(self, body: bytes, secret: str = META_SECRET) -> httpx.Response:
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign.meta_signature(body, secret),
        }
        return self.http.post(self.url("meta"), content=body, headers=headers)

    def evolution_post(self, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        sent = {"x-atende-secret": EVO_SECRET} if headers is None else headers
        sent = {"Content-Type": "application/json", **sent}
        return self.http.post(self.url("evolution"), content=body, headers=sent)

    def inbound(self, provider: str) -> list[Message]:
        channel = self.shop.channel_id if provider == "twilio" else self.shop.channels[provider]
        with self.shop.runtime.sessions() as s:
            stmt = select(Message).where(Message.channel_id == channel, Message.direction == "in")
            return list(s.scalars(stmt.order_by(Message.id)))

    def count_inbound(self, provider_ids: list[str] | None = None) -> int:
        """Inbound rows on every channel (or with these provider ids)."""
        with self.shop.runtime.sessions() as s:
            stmt = select(func.count()).select_from(Message).where(Message.direction == "in")
            if provider_ids is not None:
                stmt = stmt.where(Message.provider_id.in_(provider_ids))
            return int(s.scalar(stmt) or 0)

    def contact_name(self, phone: str) -> str | None:
        with self.shop.runtime.sessions() as s:
            return s.scalar(select(Contact.name).where(Contact.phone == phone))

    def connection_state(self) -> str | None:
        with self.shop.runtime.sessions() as s:
            row = s.get(Channel, self.shop.channels["evolution"])
            return row.connection_state if row else None

    def metric(self, name: str, **labels: str) -> float:
        """A sample read from GET /metrics, as Prometheus would scrape it (0 if absent)."""
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        page = self.http.get(f"{self.shop.server.url}/metrics").text
        for line in page.splitlines():
            found = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
            if found and ",".join(sorted(found[1].split(","))) == wanted:
                return float(found[2])
        return 0.0


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


@contextmanager
def pg_database(template: str) -> Iterator[str]:
    """A PostgreSQL database cloned from the migrated template, for a whole module."""
    admin = create_engine(_pg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"atende_m_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def serve_hub(db_url: str, workdir: Path, **overrides: Any) -> Iterator[Hub]:
    """``shop_factory``'s shop with all three providers, for a module or a script: one
    real uvicorn for many requests."""
    twilio: FakeTwilio = start_fake_twilio()
    graph = fake_graph(PHONE_ID, META_TOKEN)
    evolution = fake_evolution(INSTANCE, EVO_KEY)
    org_id, channel_id, key, others = seed_shop(db_url, channels(evolution.url))
    port = free_port()
    settings = settings_for(
        db_url,
        workdir,
        public_url=f"http://127.0.0.1:{port}",
        twilio_api_base=twilio.url,
        twilio_content_base=twilio.url,
        meta_graph_base=graph.url,
        **overrides,
    )
    runtime = build_runtime(settings)
    server = LiveServer(create_app(runtime, embedded_worker=True), port=port).__enter__()
    hub = Hub(Shop(runtime, server, twilio, channel_id, key, org_id, others), graph, evolution)
    try:
        yield hub
    finally:
        hub.http.close()
        server.__exit__(None, None, None)
        runtime.close()
        for fake in (twilio, graph, evolution):
            fake.stop()
