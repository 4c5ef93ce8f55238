"""The FastAPI application. ``create_app`` takes a built runtime (tests pass their own)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp

from atende import __version__
from atende.runtime import Runtime
from atende.storage import clips
from atende.web import api, health
from atende.web.limits import BodyLimitMiddleware
from atende.web.webhooks import WebhookApp

DASHBOARD = (Path(__file__).parent / "static" / "dashboard.html").read_text(encoding="utf-8")


def create_app(runtime: Runtime, embedded_worker: bool) -> ASGIApp:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if embedded_worker:
            runtime.start_worker(embedded=True)
        try:
            yield
        finally:
            if embedded_worker:
                runtime.stop_worker()

    app = FastAPI(title="atende", version=__version__, lifespan=lifespan)
    app.state.runtime = runtime
    app.add_middleware(BodyLimitMiddleware, max_bytes=runtime.settings.max_body_bytes)
    app.include_router(api.router)
    app.include_router(health.router)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.get("/media/{token}", include_in_schema=False)
    def voice_clip(token: str) -> Response:
        """A voice reply for the provider to fetch; gone once its time is up."""
        with runtime.sessions() as session:
            clip = clips.fetch(session, token)
            if clip is None:
                return JSONResponse({"detail": "not found"}, status_code=404)
            return Response(clip.data, media_type=clip.content_type)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> str:
        """Conversations, takeover and operator replies, agenda, pets, failed messages."""
        return DASHBOARD

    return WebhookApp(app, runtime)
