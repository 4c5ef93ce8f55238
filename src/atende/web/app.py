"""The FastAPI application. ``create_app`` takes a built runtime (tests pass their own).

From the outside in: security headers on every response, the body limit and deadline,
the provider webhooks (served without FastAPI), then FastAPI with the admin API,
health, the dashboard and its static files, and voice clips.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from atende import __version__
from atende.errors import NotFound
from atende.runtime import Runtime
from atende.storage import clips
from atende.web import agenda_api, api, errors, health, manual_queue, monitoring, shop_api
from atende.web.headers import SecurityHeadersMiddleware
from atende.web.limits import BodyLimitMiddleware
from atende.web.webhooks import WebhookApp

STATIC = Path(__file__).parent / "static"
DASHBOARD = (STATIC / "dashboard.html").read_text(encoding="utf-8")
# What clips.store hands out (secrets.token_urlsafe(32)); anything else names no clip
# and never reaches the database (a NUL in it would make PostgreSQL refuse the query).
CLIP_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def create_app(runtime: Runtime, embedded_worker: bool) -> ASGIApp:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if embedded_worker:
            runtime.start_worker(embedded=True)
        runtime.start_watchdog()  # alerts only this process sees: no worker, queue, disk
        try:
            yield
        finally:
            runtime.stop_alerts()
            if embedded_worker:
                runtime.stop_worker()

    app = FastAPI(title="atende", version=__version__, lifespan=lifespan)
    app.state.runtime = runtime
    errors.install(app)
    app.include_router(api.router)
    app.include_router(shop_api.router)
    app.include_router(agenda_api.router)
    app.include_router(monitoring.router)
    app.include_router(manual_queue.router)
    app.include_router(health.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/media/{token}", include_in_schema=False)
    def voice_clip(token: str) -> Response:
        """A voice reply for the provider to fetch; gone once its time is up."""
        if not CLIP_TOKEN.fullmatch(token):
            raise NotFound("not found")
        with runtime.sessions() as session:
            clip = clips.fetch(session, token)
            if clip is None:
                raise NotFound("not found")
            return Response(clip.data, media_type=clip.content_type)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> str:
        """Conversations, takeover and operator replies, agenda, pets, failed messages."""
        return DASHBOARD

    settings = runtime.settings
    webhooks = WebhookApp(app, runtime)
    limited = BodyLimitMiddleware(webhooks, settings.max_body_bytes, settings.body_timeout_seconds)
    return SecurityHeadersMiddleware(limited)
