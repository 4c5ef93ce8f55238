"""Provider webhooks, served in front of FastAPI by a small ASGI handler.

They run for every message a business receives and need nothing FastAPI offers
(no dependency injection, no schema: providers call them, not people), so they skip
its middleware stack: read the raw body (web/limits.py in front bounds its size and
time), hand it to the pipeline on the ingest pool, answer what the pipeline says.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from atende.channels.base import WebhookRequest
from atende.pipeline import metrics
from atende.runtime import Runtime
from atende.storage.types import utcnow

log = logging.getLogger(__name__)

WEBHOOK_PATH = re.compile(
    r"/webhooks/(?P<provider>[a-z]+)/(?P<channel>[A-Za-z0-9_-]{1,64})(?:/status)?"
)


class WebhookApp:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "GET"):
            match = WEBHOOK_PATH.fullmatch(scope["path"])
            if match is not None:
                await self._guarded(scope, receive, send, match["provider"], match["channel"])
                return
        await self.app(scope, receive, send)

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, provider: str, channel: str
    ) -> None:
        """The pipeline answers every webhook itself; anything escaping it (or this
        adapter) is one log line and a JSON 500, never a traceback per request."""
        started = time.monotonic()
        try:
            if scope["method"] == "POST":
                await self._handle(scope, receive, send, provider, channel)
                metrics.observe_webhook_ack(provider, time.monotonic() - started)
            else:
                await self._challenge(scope, send, provider, channel)
        except Exception as exc:
            log.error("webhook %s/%s failed: %s", provider, channel, exc.__class__.__name__)
            detail = json.dumps({"detail": "internal error while handling this webhook"})
            await _answer(send, 500, detail, "application/json")

    async def _challenge(self, scope: Scope, send: Send, provider: str, channel: str) -> None:
        """Meta's subscription handshake: GET with hub.mode / hub.verify_token / hub.challenge."""
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        outcome = await asyncio.get_running_loop().run_in_executor(
            None, self.runtime.pipeline.ingestor.handle_challenge, provider, channel, query
        )
        await _answer(send, outcome.status, outcome.body, outcome.media_type)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, provider: str, channel: str
    ) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = await _read_body(receive)
        if body is None:
            return  # the client went away: nothing to store, nobody to answer
        url = self.runtime.settings.public_url + scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        if query:
            url += "?" + query
        request = WebhookRequest(body, headers, url, received_at=utcnow())
        outcome = await asyncio.get_running_loop().run_in_executor(
            self.runtime.ingest_executor,
            self.runtime.pipeline.ingestor.handle_webhook,
            provider,
            channel,
            request,
        )
        await _answer(send, outcome.status, outcome.body, outcome.media_type)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, None if the client disconnected. Its size and the time it may take
    are already bounded by web/limits.py, which wraps this app (413 / 408)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, status: int, body: str, media_type: str) -> None:
    payload = body.encode("utf-8")
    headers: list[Any] = [
        (b"content-type", f"{media_type}; charset=utf-8".encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
