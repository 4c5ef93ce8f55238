"""A local fake of Twilio's Messages REST API: records sends, fails on demand, and lists
what it accepted (GET Messages.json by To, From and DateSent>), as atende asks before
resending a message whose first attempt timed out."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from atende import clock

MESSAGES_PATH = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json")


@dataclass
class Sent:
    account: str
    auth: tuple[str, str]
    form: dict[str, str]
    sid: str = ""
    created: Any = None  # when Twilio took it, on atende's clock


@dataclass
class FakeTwilio:
    """Each send pops the next planned behaviour: 'ok', an HTTP status, 'timeout' (stall,
    then 503: not taken), 'late' (taken, but the answer comes after ``stall_seconds``),
    'badjson'."""

    server: ThreadingHTTPServer
    sent: list[Sent] = field(default_factory=list)
    contents: list[dict[str, Any]] = field(default_factory=list)
    refuse_content: bool = False
    attempts: int = 0
    plan: deque[Any] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stall_seconds: float = 3.0

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, *behaviours: Any) -> None:
        with self.lock:
            self.plan.extend(behaviours)

    def bodies(self, to: str | None = None) -> list[str]:
        with self.lock:
            return [
                s.form.get("Body", "") for s in self.sent if to is None or s.form.get("To") == to
            ]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Sent]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.sent) >= count:
                    return list(self.sent)
            time.sleep(0.05)
        with self.lock:
            raise AssertionError(
                f"expected {count} sends, got {[s.form.get('Body') for s in self.sent]}"
            )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_fake_twilio() -> FakeTwilio:
    holder: dict[str, FakeTwilio] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            fake = holder["fake"]
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            form = dict(parse_qsl(raw, keep_blank_values=True))
            if self.path == "/v1/Content" and fake.refuse_content:
                self._answer(400, b'{"code": 20001, "message": "Invalid content"}')
                return
            if self.path == "/v1/Content":
                content = json.loads(raw)
                with fake.lock:
                    fake.contents.append(content)
                    sid = f"HX{len(fake.contents):032x}"
                self._answer(201, json.dumps({"sid": sid, **content}).encode())
                return
            match = MESSAGES_PATH.fullmatch(self.path)
            if match is None:
                self._answer(404, b'{"code": 20404, "message": "not found"}')
                return
            account = match.group(1)
            user, _, password = (
                base64.b64decode(
                    self.headers.get("Authorization", "Basic ").split(" ", 1)[1] or b""
                )
                .decode()
                .partition(":")
            )
            with fake.lock:
                fake.attempts += 1
                behaviour = fake.plan.popleft() if fake.plan else "ok"
            if behaviour == "timeout":
                time.sleep(fake.stall_seconds)
                behaviour = 503
            if behaviour == "badjson":
                self._answer(201, b"{not json")
                return
            if behaviour not in ("ok", "late"):  # 503, or "429:63018" with Twilio's code
                status, _, code = str(behaviour).partition(":")
                body = json.dumps(
                    {"code": int(code or 20500), "message": "planned failure", "status": status}
                )
                self._answer(int(status), body.encode())
                return
            with fake.lock:
                sid = f"SM{len(fake.sent):032x}"
                fake.sent.append(Sent(account, (user, password), form, sid, clock.now()))
            if behaviour == "late":
                time.sleep(fake.stall_seconds)
            self._answer(201, json.dumps({"sid": sid, "status": "queued"}).encode())

        def do_GET(self) -> None:
            """Messages.json?To=&From=&DateSent>=: what was accepted, newest first."""
            fake = holder["fake"]
            url = urlsplit(self.path)
            if MESSAGES_PATH.fullmatch(url.path) is None:
                self._answer(404, b'{"code": 20404, "message": "not found"}')
                return
            query = dict(parse_qsl(url.query))
            day = query.get("DateSent>", "1970-01-01")
            with fake.lock:
                rows = [
                    s
                    for s in reversed(fake.sent)
                    if s.form.get("To") == query.get("To")
                    and s.form.get("From") == query.get("From")
                    and s.created.date().isoformat() >= day
                ]
            listed = [
                {
                    "sid": s.sid,
                    "body": s.form.get("Body", ""),
                    "to": s.form.get("To"),
                    "from": s.form.get("From"),
                    "date_created": format_datetime(s.created.replace(microsecond=0)),
                    "status": "sent",
                }
                for s in rows
            ]
            self._answer(200, json.dumps({"messages": listed, "next_page_uri": None}).encode())

        def _answer(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake = FakeTwilio(server)
    holder["fake"] = fake
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
