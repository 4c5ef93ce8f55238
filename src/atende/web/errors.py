"""The one place where atende's error tree becomes HTTP statuses.

Routes raise the domain's errors (``atende.errors``) and never build HTTP errors
themselves; the handlers below answer each class with its status and a JSON
``{"detail": ...}`` saying what is wrong. Anything else is a bug: it is logged once,
with a request id, and the client gets a 500 carrying that id and no traceback.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atende.errors import (
    AtendeError,
    ConfigurationError,
    Conflict,
    InvalidInput,
    NotFound,
    OrphansBookings,
    Unauthenticated,
    UnknownProvider,
    WebhookRejected,
)

log = logging.getLogger(__name__)

STATUS: list[tuple[type[AtendeError], int]] = [
    (ConfigurationError, 500),  # a misconfigured server: not the client's mistake
    (UnknownProvider, 500),  # a stored channel with no adapter: ours too
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (NotFound, 404),
    (Conflict, 409),
]


def status_for(exc: AtendeError) -> int:
    """The status of an error we raise on purpose; 500 for kinds no client can cause."""
    if isinstance(exc, WebhookRejected):
        return exc.status
    return next((status for cls, status in STATUS if isinstance(exc, cls)), 500)


async def _atende_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AtendeError)
    status = status_for(exc)
    if status == 500:
        return _internal(request.scope, exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body: dict[str, object] = {"detail": str(exc) or "error"}
    if isinstance(exc, OrphansBookings):
        body["bookings"] = exc.booking_ids  # the future bookings the change would orphan
    return JSONResponse(body, status_code=status, headers=headers)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


async def _invalid_model(request: Request, exc: Exception) -> JSONResponse:
    """A model built inside a route from the request (a special day from its path and
    body): the client's input, refused like a body that does not validate."""
    assert isinstance(exc, ValidationError)
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


def _internal(scope: Scope, exc: BaseException) -> JSONResponse:
    request_id = secrets.token_hex(8)
    log.error(
        "internal error %s on %s %s",
        request_id,
        scope.get("method"),
        scope.get("path"),
        exc_info=exc,
    )
    return JSONResponse(
        {"detail": "internal error", "request_id": request_id},
        status_code=500,
        headers={"X-Request-ID": request_id},
    )


class InternalErrorMiddleware:
    """Catches what no handler took, inside the framework's own last-resort handler
    (which would log the traceback a second time and re-raise it to the server)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            response = _internal(scope, exc)
            if not started:
                await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers and the last-resort middleware on ``app``."""
    app.add_exception_handler(AtendeError, _atende_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ValidationError, _invalid_model)
    app.add_middleware(InternalErrorMiddleware)
