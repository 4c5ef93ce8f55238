"""A small recording HTTP server for faking provider APIs: routes by method and path
regex, every request kept, failures planned per route."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[["Recorded", re.Match[str]], tuple[int, Any]]
HANG_UP = object()  # a handler's payload: close the connection without answering


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeAPI:
    server: ThreadingHTTPServer
    routes: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    failures: dict[str, deque[int | tuple[int, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern), handler))

    def fail_next(self, pattern: str, *statuses: int | tuple[int, Any]) -> None:
        """The next requests to ``pattern`` fail: a status, or (status, JSON body) for a
        provider's own error answer (Meta's ``{"error": {"code": 131056}}``)."""
        with self.lock:
            self.failures.setdefault(pattern, deque()).extend(statuses)

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        with self.lock:
            return [
                r
                for r in self.requests
                if r.method == method and re.fullmatch(pattern, r.path.split("?", 1)[0])
            ]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def dispatch(self, recorded: Recorded) -> tuple[int, Any]:
        path = recorded.path.split("?", 1)[0]
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if method == recorded.method and match:
                with self.lock:
                    planned = self.failures.get(pattern.pattern)
                    if planned:
                        failure = planned.popleft()
                        if isinstance(failure, tuple):
                            return failure
                        return failure, {"error": "planned failure"}
                    self.requests.append(recorded)
                return handler(recorded, match)
        return 404, {"error": "no such route"}


def start_fake_api() -> FakeAPI:
    holder: dict[str, FakeAPI] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            recorded = Recorded(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            status, payload = holder["api"].dispatch(recorded)
            if payload is HANG_UP:  # the request was taken; the answer never comes
                self.close_connection = True
                return
            raw = isinstance(payload, bytes)
            body = payload if raw else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header(
                    "Content-Type",
                    "application/octet-stream"
                    if isinstance(payload, bytes)
                    else "application/json",
                )
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away (a killed worker): nothing to answer

        do_GET = do_POST = do_DELETE = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api = FakeAPI(server)
    holder["api"] = api
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return api


def fake_graph(phone_number_id: str, token: str) -> FakeAPI:
    """Meta's Graph API: messages (bearer-checked) and the two-step media download."""
    api = start_fake_api()
    counter = iter(range(1, 1_000_000))

    def send(req: Recorded, _: re.Match[str]) -> tuple[int, Any]:
        if req.headers.get("authorization") != f"Bearer {token}":
            return 401, {"error": {"message": "Invalid OAuth access token", "code": 190}}
        wamid = f"wamid.OUT{next(counter):06d}"
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"wa_id": req.json()["to"]}],
            "messages": [{"id": wamid}],
        }

    api.route("POST", rf"/{phone_number_id}/messages", send)
    return api


def fake_evolution(instance: str, api_key: str) -> FakeAPI:
    """Evolution API v2: sendText, webhook/set, connectionState, connect. With
    ``api.typing = True`` sendText answers only after its ``delay`` ("typing…"), as
    Evolution does."""
    api = start_fake_api()
    api.state = "open"  # type: ignore[attr-defined]
    api.typing = False  # type: ignore[attr-defined]
    counter = iter(range(1, 1_000_000))

    def checked(handler: Handler) -> Handler:
        def run(req: Recorded, match: re.Match[str]) -> tuple[int, Any]:
            if req.headers.get("apikey") != api_key:
                return 401, {"status": 401, "error": "Unauthorized"}
            return handler(req, match)

        return run

    def send(req: Recorded, _: re.Match[str]) -> tuple[int, Any]:
        if api.typing:  # type: ignore[attr-defined]
            time.sleep(req.json().get("delay", 0) / 1000)
        key_id = f"3EB0{next(counter):016X}"
        return 201, {
            "key": {
                "remoteJid": f"{req.json()['number']}@s.whatsapp.net",
                "fromMe": True,
                "id": key_id,
            },
            "status": "PENDING",
        }

    api.route("POST", rf"/message/sendText/{instance}", checked(send))
    api.route(
        "POST",
        rf"/webhook/set/{instance}",
        checked(lambda req, _: (201, {"webhook": req.json()["webhook"]})),
    )
    api.route(
        "GET",
        rf"/instance/connectionState/{instance}",
        checked(lambda req, _: (200, {"instance": {"instanceName": instance, "state": api.state}})),  # type: ignore[attr-defined]
    )
    api.route(
        "GET",
        rf"/instance/connect/{instance}",
        checked(
            lambda req, _: (
                200,
                {"pairingCode": "WZYEH1YY", "code": "2@y8eK+bjtEjUWy9/FOM=", "count": 1},
            )
        ),
    )
    return api
