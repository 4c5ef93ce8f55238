"""Provider webhooks: read the raw body, hand it to the pipeline, answer what it says."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from atende.channels.base import WebhookRequest
from atende.web.deps import RuntimeDep

router = APIRouter(tags=["webhooks"])


async def _handle(
    request: Request, runtime: RuntimeDep, provider: str, channel_id: str
) -> Response:
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
    outcome = await run_in_threadpool(
        runtime.pipeline.ingestor.handle_webhook, provider, channel_id, webhook
    )
    return Response(outcome.body, status_code=outcome.status, media_type=outcome.media_type)


@router.post("/webhooks/twilio/{channel_id}", summary="Twilio inbound message (signed form)")
async def twilio_inbound(channel_id: str, request: Request, runtime: RuntimeDep) -> Response:
    return await _handle(request, runtime, "twilio", channel_id)


@router.post("/webhooks/twilio/{channel_id}/status", summary="Twilio status callback")
async def twilio_status(channel_id: str, request: Request, runtime: RuntimeDep) -> Response:
    return await _handle(request, runtime, "twilio", channel_id)
