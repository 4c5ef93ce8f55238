"""Twilio, Evolution and Meta send APIs on one local server, slow on purpose, recording
every message they accept — and Twilio's and Evolution's listings of what was sent.

The provider accepts a message the moment the request arrives, then takes ``delay``
seconds to answer: a worker killed meanwhile leaves a message the provider has and we
do not know about, which is exactly the case reconciliation is for.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from atende import clock
from tests.support.fake_http import HANG_UP, FakeAPI, Recorded, start_fake_api

TWILIO_ACCOUNT = "AC" + "c" * 32
TWILIO_TOKEN = "fake_crash_token_0123456789abcdef"
TWILIO_NUMBER = "whatsapp:+551130040009"
EVOLUTION_INSTANCE = "loja-crash"
EVOLUTION_KEY = "EVO-CRASH-KEY-0123456789"
META_PHONE_ID = "100000000000009"
META_TOKEN = "EAAG-crash-token"


@dataclass(frozen=True)
class Accepted:
    provider: str
    to: str  # E.164
    body: str
    provider_id: str
    created: datetime


@dataclass
class FakeSenders:
    api: FakeAPI
    delay: float = 0.3
    evolution_bare_list: bool = False  # findMessages as a plain list (some v2 releases)
    hang_up: bool = False  # keep a sent message, then drop the connection unanswered
    accepted: list[Accepted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.api.url

    def channels(self) -> list[tuple[str, str, dict[str, str]]]:
        """(provider, address, credentials) of one channel per provider, for seed_shop."""
        return [
            ("evolution", EVOLUTION_INSTANCE, self.evolution_credentials()),
            (
                "meta",
                META_PHONE_ID,
                {
                    "phone_number_id": META_PHONE_ID,
                    "access_token": META_TOKEN,
                    "app_secret": "crash-app-secret",
                    "verify_token": "crash-verify",
                },
            ),
        ]

    def evolution_credentials(self) -> dict[str, str]:
        return {
            "base_url": self.url,
            "instance": EVOLUTION_INSTANCE,
            "api_key": EVOLUTION_KEY,
            "webhook_secret": "crash-webhook-secret",
        }

    def sent(self, provider: str) -> list[Accepted]:
        with self.lock:
            return [a for a in self.accepted if a.provider == provider]

    def copies(self, provider: str) -> Counter[tuple[str, str]]:
        """How many times each (recipient, body) was accepted."""
        return Counter((a.to, a.body) for a in self.sent(provider))

    def stop(self) -> None:
        self.api.stop()

    def accept(self, provider: str, to: str, body: str, provider_id: str) -> None:
        """Keep the message, then take our time answering (outside the lock)."""
        with self.lock:
            # stamped on the clock atende runs on (the suite's, or the machine's in
            # wall_clock tests), so "sent since the attempt began" is really compared
            stamp = clock.now()
            self.accepted.append(Accepted(provider, to, body, provider_id, stamp))
        time.sleep(self.delay)

    def listing(self, provider: str, to: str) -> list[Accepted]:
        """What the provider would list for one recipient, newest first."""
        return sorted(
            (a for a in self.sent(provider) if a.to == to), key=lambda a: a.created, reverse=True
        )


def start_fake_senders(delay: float = 0.3) -> FakeSenders:
    fake = FakeSenders(start_fake_api(), delay)
    _twilio_routes(fake)
    _evolution_routes(fake)
    _meta_routes(fake)
    return fake


def _twilio_routes(fake: FakeSenders) -> None:
    counter = iter(range(1, 10**9))
    path = rf"/2010-04-01/Accounts/{TWILIO_ACCOUNT}/Messages\.json"

    def send(req: Recorded, _: re.Match[str]) -> tuple[int, Any]:
        form = dict(parse_qsl(req.body.decode()))
        sid = f"SM{next(counter):032x}"
        fake.accept("twilio", form["To"].removeprefix("whatsapp:"), form.get("Body", ""), sid)
        if fake.hang_up:
            return 0, HANG_UP
        return 201, {"sid": sid, "status": "queued"}

    def listing(req: Recorded, _: re.Match[str]) -> tuple[int, Any]:
        """Messages.json filtered by To, From and DateSent>=, in pages of PageSize."""
        query = dict(parse_qsl(urlsplit(req.path).query))
        day = query.get("DateSent>", "1970-01-01")
        rows = [
            a
            for a in fake.listing("twilio", query.get("To", "").removeprefix("whatsapp:"))
            if query.get("From") == TWILIO_NUMBER and a.created.date().isoformat() >= day
        ]
        size, page = int(query.get("PageSize", "50")), int(query.get("Page", "0"))
        chunk = rows[page * size : (page + 1) * size]
        more = len(rows) > (page + 1) * size
        next_uri = req.path.split("?")[0] + "?" + urlencode({**query, "Page": page + 1})
        return 200, {
            "messages": [
                {
                    "sid": a.provider_id,
                    "body": a.body,
                    "to": f"whatsapp:{a.to}",
                    "from": TWILIO_NUMBER,
                    "date_created": format_datetime(a.created.replace(microsecond=0)),
                    "status": "sent",
                }
                for a in chunk
            ],
            "next_page_uri": next_uri if more else None,
            "page": page,
            "page_size": size,
        }

    fake.api.route("POST", path, send)
    fake.api.route("GET", path, listing)


def _evolution_routes(fake: FakeSenders) -> None:
    counter = iter(range(1, 10**9))

    def send(req: Recorded, _: re.Match[str]) -> tuple[int, Any]:
        if req.headers.get("apikey") != EVOLUTION_KEY:
            return 401, {"status": 401, "error": "Unauthorized"}
        payload = req.json()
        key_id = f"3EB0{next(counter):016X}"
        fake.accept("evolution", "+" + payload["number"], payload["text"], key_id)
        if fake.hang_up:
            return 0, HANG_UP
        jid = f"{payload['number']}@s.whatsapp.net"
        return 201, {"key": {"remoteJid": jid, "fromMe": True, "id": key_id}, "status": "PENDING"}

    def find(req: Recorded, _: re.Match[str]) -> tuple[int, Any]:
        """chat/findMessages, newest first, in v2's paged shape (or as a bare list)."""
        if req.headers.get("apikey") != EVOLUTION_KEY:
            return 401, {"status": 401, "error": "Unauthorized"}
        query = req.json()
        jid = str(query["where"]["key"]["remoteJid"])
        rows = fake.listing("evolution", "+" + jid.split("@", 1)[0])
        size, page = int(query.get("offset", 50)), int(query.get("page", 1))
        records = [_evolution_record(a, jid) for a in rows[(page - 1) * size : page * size]]
        if fake.evolution_bare_list:
            return 200, records
        pages = max(1, -(-len(rows) // size))
        total = len(rows)
        return 200, {
            "messages": {"total": total, "pages": pages, "currentPage": page, "records": records}
        }

    fake.api.route("POST", rf"/message/sendText/{EVOLUTION_INSTANCE}", send)
    fake.api.route("POST", rf"/chat/findMessages/{EVOLUTION_INSTANCE}", find)


def _evolution_record(accepted: Accepted, jid: str) -> dict[str, Any]:
    text = accepted.body
    extended = len(text) % 2  # both shapes Evolution uses for text, about half each
    message = {"extendedTextMessage": {"text": text}} if extended else {"conversation": text}
    return {
        "key": {"id": accepted.provider_id, "remoteJid": jid, "fromMe": True},
        "message": message,
        "messageTimestamp": int(accepted.created.timestamp()),
    }


def _meta_routes(fake: FakeSenders) -> None:
    counter = iter(range(1, 10**9))

    def send(req: Recorded, _: re.Match[str]) -> tuple[int, Any]:
        if req.headers.get("authorization") != f"Bearer {META_TOKEN}":
            return 401, {"error": {"message": "Invalid OAuth access token", "code": 190}}
        payload = req.json()
        wamid = f"wamid.CRASH{next(counter):08d}"
        fake.accept("meta", "+" + payload["to"], payload["text"]["body"], wamid)
        return 200, {"messaging_product": "whatsapp", "messages": [{"id": wamid}]}

    fake.api.route("POST", rf"/{META_PHONE_ID}/messages", send)
