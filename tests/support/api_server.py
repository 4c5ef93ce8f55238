"""The admin API on a real uvicorn (built by web.server like `atende web`), without a
worker: for tests of the HTTP surface that need no replies sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session

from atende.runtime import Runtime, build_runtime
from atende.storage import conversations, orgs
from atende.storage.models import Contact, Conversation
from atende.web.app import create_app
from atende.web.server import DeadlineHttpToolsProtocol
from tests.conftest import seed_shop, settings_for
from tests.support.live import LiveServer, free_port


@dataclass
class ApiServer:
    runtime: Runtime
    server: LiveServer
    key: str
    org_id: int
    channel_id: str

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, method: str, path: str, key: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key or self.key}", **kw.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=10, **kw)


@contextmanager
def api_server(
    db_url: str,
    tmp_path: Path,
    protocol: type[asyncio.Protocol] = DeadlineHttpToolsProtocol,
    **overrides: Any,
) -> Iterator[ApiServer]:
    """The demo shop with a Twilio channel, served without an embedded worker."""
    org_id, channel_id, key, _ = seed_shop(db_url)
    port = free_port()
    settings = settings_for(db_url, tmp_path, public_url=f"http://127.0.0.1:{port}", **overrides)
    runtime = build_runtime(settings)
    app = create_app(runtime, embedded_worker=False)
    try:
        with LiveServer(app, port=port, settings=settings, protocol=protocol) as server:
            yield ApiServer(runtime, server, key, org_id, channel_id)
    finally:
        runtime.close()


def add_conversation(
    s: Session, org_id: int, channel_id: str, phone: str, last: datetime | None, created: datetime
) -> int:
    """A contact and its conversation, with the given activity times."""
    contact = Contact(organization_id=org_id, phone=phone)
    s.add(contact)
    s.flush()
    conv_id = conversations.ensure_conversation(s, org_id, channel_id, contact.id)
    conv = s.get(Conversation, conv_id)
    assert conv is not None
    conv.last_message_at, conv.created_at = last, created
    return conv_id


def second_org(s: Session, slug: str = "other") -> tuple[int, str, str]:
    """Another organization with its own Twilio channel: (org id, channel id, api key)."""
    org = orgs.create_org(s, slug, "Other shop")
    channel = orgs.add_channel(
        s, org.id, "twilio", "whatsapp:+551130040099", {"account_sid": "AC1", "auth_token": "t"}
    )
    return org.id, channel.id, orgs.issue_api_key(s, org.id)


def minutes_ago(base: datetime, n: float) -> datetime:
    return base - timedelta(minutes=n)
