"""Provider webhooks: read the raw body, hand it to the pipeline, answer what it says.

Plain Starlette routes, not FastAPI ones: they run for every message a business
receives, and need no dependency injection or schema (providers, not people, call them).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from atende.channels.base import WebhookRequest
from atende.runtime import Runtime

router = APIRouter()


async def _handle(request: Request, provider: str) -> Response:
    runtime: Runtime = request.app.state.runtime
    channel_id = request.path_params["channel_id"]
    body = await request.body()
    public_url = runtime.settings.public_url + request.url.path
    if request.url.query:
        public_url += "?" + request.url.query
    webhook = WebhookRequest(
        raw_body=body,
        headers={k.lower(): v for k, v in request.headers.items()},
        public_url=public_url,
        query=dict(request.query_params),
    )
    outcome = await asyncio.get_running_loop().run_in_executor(
        runtime.ingest_executor,
        runtime.pipeline.ingestor.handle_webhook,
        provider,
        channel_id,
        webhook,
    )
    return Response(outcome.body, status_code=outcome.status, media_type=outcome.media_type)


async def twilio_webhook(request: Request) -> Response:
    """Inbound messages (``/{channel_id}``) and status callbacks (``/{channel_id}/status``)."""
    return await _handle(request, "twilio")


router.add_route("/webhooks/twilio/{channel_id}", twilio_webhook, methods=["POST"])
router.add_route("/webhooks/twilio/{channel_id}/status", twilio_webhook, methods=["POST"])
