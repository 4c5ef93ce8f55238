"""Fuzzed provider deliveries: every named fixture, mutated, signed, with the answer and
the rows it must produce worked out beside it (tests/test_webhook_fuzz.py and
bench/fuzz_webhooks.py).

A mutation either keeps an item valid (nasty text, a display name of any type, unknown
fields, repeated parameters) or makes it invalid (a field atende reads given the wrong
type, an over-long id). A whole delivery is refused only when it cannot be read at all
(JSON deeper than 64 levels, a body over the size limit, an envelope that is not one).
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from hypothesis import strategies as st

from atende.storage.types import utcnow
from tests.support.providers import sign, twilio_form
from tests.support.webhooks import EVO_JWT_KEY, EVO_KEY, Hub, fixture_json, meta_delivery

MAX_DEPTH = 64
MAX_BODY = 4 * 1024 * 1024
MAX_FORM = 128 * 1024  # Twilio's form bodies
_ids = itertools.count()

NASTY = ["\x00", "\x07", "\x1b[31m", "\r\n", "\u202e", "\ufeff", "\u0301", "\U0001f436",
         "\U0010ffff", "'; DROP TABLE messages; --", "%00", "\\", '"', "<Response/>"]  # fmt: skip
SURROGATES = ["\ud83d", "\udc36", "\udfff"]


def unique(prefix: str) -> str:
    return f"{prefix}{next(_ids):08d}"


def nasty_text(surrogates: bool = True, huge: int = 20_000) -> st.SearchStrategy[str]:
    """Short strings full of NULs, controls, non-BMP and (for JSON) lone surrogates,
    now and then a huge one."""
    pieces = NASTY + (SURROGATES if surrogates else [])
    alphabet = st.characters(exclude_categories=() if surrogates else ("Cs",))
    piece = st.one_of(st.text(alphabet, max_size=6), st.sampled_from(pieces))
    short = st.lists(piece, max_size=6).map("".join)
    long = st.sampled_from([1_000, huge]).map(lambda n: "\u1e9e\x00" * n)
    return st.one_of(*[short] * 9, long)


def nested(depth: int) -> Any:
    value: Any = 0
    for n in range(depth):
        value = [value] if n % 2 else {"k": value}
    return value


SCALARS = st.one_of(
    st.integers(), st.sampled_from([2**63, -(2**63) - 1, 2**64]),
    st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
)  # fmt: skip
CONTAINERS = st.one_of(
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.integers(1, 120).map(nested),
)
NOT_TEXT = st.one_of(SCALARS, CONTAINERS)
"""Where a string is expected: numbers, booleans, lists, objects, deep nesting."""
NOT_OBJECT = st.one_of(SCALARS, st.text(max_size=5), st.lists(st.integers(), max_size=3))
"""Where an object is expected."""
ANY_JSON = st.one_of(st.none(), NOT_TEXT, nasty_text())


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


@dataclass
class Delivery:
    """One request to make, the status it must get, the rows it must leave."""

    provider: str
    send: Callable[[Hub], httpx.Response]
    status: int
    valid_ids: list[str] = field(default_factory=list)
    redeliver: bool = False
    shown: str = field(default="", repr=True)


def _json_status(doc: Any, body: bytes, readable: int = 200) -> int:
    if len(body) > MAX_BODY:
        return 413
    return 400 if depth(doc) > MAX_DEPTH else readable


# --- Meta --------------------------------------------------------------------------

META_MESSAGES = [
    fixture_json("meta", name)["entry"][0]["changes"][0]["value"]["messages"][0]
    for name in ("inbound_text.json", "inbound_audio.json")
]
META_STATUSES = [
    fixture_json("meta", name)["entry"][0]["changes"][0]["value"]["statuses"][0]
    for name in ("status_delivered.json", "status_failed.json")
]


@st.composite
def meta_item(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """(message, its contact, its id if it must be stored)."""
    msg = copy.deepcopy(draw(st.sampled_from(META_MESSAGES)))
    msg["id"] = unique("wamid.F")
    part = msg["type"]
    how = draw(st.sampled_from(["none", "text", "extra", "id", "long_id", "body", "from", "type"]))
    if how == "text":
        msg[part]["body" if part == "text" else "caption"] = draw(nasty_text())
    elif how == "extra":
        msg["x-" + draw(st.text(max_size=5))] = draw(ANY_JSON)
    elif how == "id":
        msg["id"] = draw(NOT_TEXT)
    elif how == "long_id":
        msg["id"] = "wamid." + "x" * 200
    elif how == "body":
        if part == "text":
            msg["text"]["body"] = draw(NOT_TEXT)
        else:
            msg[part] = draw(NOT_OBJECT)
    elif how in ("from", "type"):
        msg[how] = draw(NOT_TEXT)
    contact: dict[str, Any] = {"profile": {"name": draw(ANY_JSON)}, "wa_id": msg["from"]}
    if draw(st.booleans()):
        contact["wa_id"] = draw(ANY_JSON)  # a malformed contact costs only the name
    valid = how in ("none", "text", "extra") and isinstance(msg["id"], str)
    return msg, contact, msg["id"] if valid else None


@st.composite
def meta_status(draw: st.DrawFn) -> dict[str, Any]:
    status = copy.deepcopy(draw(st.sampled_from(META_STATUSES)))
    status["id"] = unique("wamid.S")
    key = draw(st.sampled_from(["status", "errors", "id", "recipient_id"]))
    if draw(st.booleans()):
        status[key] = draw(ANY_JSON)
    return status


@st.composite
def meta_deliveries(draw: st.DrawFn) -> Delivery:
    items = draw(st.lists(meta_item(), min_size=1, max_size=4))
    statuses = draw(st.lists(meta_status(), max_size=2))
    doc = meta_delivery([i[0] for i in items], [i[1] for i in items], statuses)
    if draw(st.integers(0, 9)) == 0:
        doc["entry"][0]["changes"][0]["value"]["extra"] = nested(draw(st.integers(40, 90)))
    body = json.dumps(doc).encode()
    status = _json_status(doc, body)
    return Delivery(
        "meta",
        lambda hub: hub.meta(body),
        status,
        [i[2] for i in items if i[2] and status == 200],
        draw(st.booleans()),
        body[:3000].decode(),
    )


# --- Evolution ---------------------------------------------------------------------

EVO_MESSAGES = ["messages_upsert_text.json", "messages_upsert_extended_text.json",
                "messages_upsert_audio.json"]  # fmt: skip
EVO_OTHERS = ["connection_update_open.json", "connection_update_close_lost.json",
              "connection_update_close_logged_out.json"]  # fmt: skip


def _evolution_text(event: dict[str, Any], value: Any, typed: bool = False) -> None:
    """Put ``value`` where the fixture's text is (an audio's MIME type, or with
    ``typed`` the audio part itself)."""
    message = event["data"]["message"]
    if "conversation" in message:
        message["conversation"] = value
    elif "extendedTextMessage" in message:
        message["extendedTextMessage"]["text"] = value
    else:
        message["audioMessage"] = value if typed else {"mimetype": value}


@st.composite
def evolution_message(draw: st.DrawFn) -> tuple[dict[str, Any], str | None]:
    event = fixture_json("evolution", draw(st.sampled_from(EVO_MESSAGES)))
    data = event["data"]
    data["key"]["id"] = unique("EVOF")
    how = draw(st.sampled_from(["none", "text", "name", "extra", "id", "long_id", "text_type",
                                "jid", "key", "data"]))  # fmt: skip
    if how == "text":
        _evolution_text(event, draw(nasty_text()))
    elif how == "name":
        data["pushName"] = draw(ANY_JSON)
    elif how == "extra":
        data["x-" + draw(st.text(max_size=5))] = draw(ANY_JSON)
    elif how == "id":
        data["key"]["id"] = draw(NOT_TEXT)
    elif how == "long_id":
        data["key"]["id"] = "E" * 129
    elif how == "text_type":
        audio = "audioMessage" in data["message"]
        _evolution_text(event, draw(NOT_OBJECT if audio else NOT_TEXT), typed=True)
    elif how == "jid":
        data["key"]["remoteJid"] = draw(NOT_TEXT)
    elif how in ("key", "data"):
        target = data if how == "key" else event
        target[how] = draw(st.one_of(st.none(), NOT_OBJECT))
    valid = how in ("none", "text", "name", "extra")
    return event, data["key"]["id"] if valid else None


@st.composite
def evolution_other(draw: st.DrawFn) -> tuple[dict[str, Any], str | None]:
    event = fixture_json("evolution", draw(st.sampled_from(EVO_OTHERS)))
    if draw(st.booleans()):
        event["data"][draw(st.sampled_from(["state", "statusReason"]))] = draw(ANY_JSON)
    return event, None


def _jwt() -> str:
    now = utcnow().timestamp()
    claims = {"iat": int(now), "exp": int(now) + 600, "app": "evolution", "action": "webhook"}
    return jwt.encode(claims, EVO_JWT_KEY, algorithm="HS256")


@st.composite
def evolution_deliveries(draw: st.DrawFn) -> Delivery:
    event, valid_id = draw(st.one_of(evolution_message(), evolution_message(), evolution_other()))
    auth = draw(st.sampled_from(["secret", "jwt", "apikey"]))
    envelope = draw(st.sampled_from(["ok", "ok", "ok", "event", "instance", "deep"]))
    event["apikey"] = EVO_KEY if auth == "apikey" else None
    if envelope == "event":
        event["event"] = draw(NOT_TEXT)
    elif envelope == "instance":
        event["instance"] = draw(st.one_of(st.none(), NOT_TEXT, st.just("outra-loja")))
    elif envelope == "deep":
        event["x-deep"] = nested(draw(st.integers(50, 150)))
    body = json.dumps(event).encode()
    readable = {"event": 400, "instance": 403}.get(envelope, 200)
    status = _json_status(event, body, readable)
    if status == 400 and auth == "apikey" and depth(event) > MAX_DEPTH:
        status = 401  # the credential itself could not be read
    headers = {"jwt": lambda: {"Authorization": f"Bearer {_jwt()}"}, "apikey": dict}.get(auth)
    return Delivery(
        "evolution",
        lambda hub: hub.evolution_post(body, headers() if headers else None),
        status,
        [valid_id] if valid_id and status == 200 else [],
        draw(st.booleans()),
        body[:3000].decode(),
    )


# --- Twilio ------------------------------------------------------------------------


@st.composite
def twilio_deliveries(draw: st.DrawFn) -> Delivery:
    name = draw(st.sampled_from(["inbound_text.form", "inbound_audio.form"]))
    sid = unique("SM") + "f" * 24
    pairs = twilio_form(name, MessageSid=sid, SmsSid=sid, SmsMessageSid=sid)
    text = nasty_text(surrogates=False, huge=4_000)
    for key in draw(st.sets(st.sampled_from(["Body", "ProfileName", "MessageType", "ButtonText"]))):
        pairs = [(k, v) for k, v in pairs if k != key] + [(key, draw(text))]
    extra = st.tuples(st.sampled_from(["Body", "To", "AccountSid", "MediaUrl", "X"]), text)
    pairs += draw(st.lists(extra, max_size=3))  # repeated names: the first value counts
    how = draw(st.sampled_from(["none", "none", "none", "long_sid", "from"]))
    if how == "long_sid":
        pairs = [(k, "SM" + "0" * 200 if k == "MessageSid" else v) for k, v in pairs]
    elif how == "from":
        junk = "whatsapp:" + draw(st.text("abcxyz+", max_size=3))
        pairs = [(k, junk if k == "From" else v) for k, v in pairs]
    size = len(sign.form_body(pairs).encode())
    status = 200 if how == "none" and size <= MAX_FORM else 400
    return Delivery(
        "twilio",
        lambda hub: hub.twilio(pairs),
        status,
        [sid] if status == 200 else [],
        False,
        repr(pairs)[:3000],
    )


STRATEGIES = {
    "meta": meta_deliveries(),
    "evolution": evolution_deliveries(),
    "twilio": twilio_deliveries(),
}


# --- running one -------------------------------------------------------------------


@dataclass
class Tally:
    requests: int = 0
    errors: int = 0
    by_status: dict[int, int] = field(default_factory=dict)

    def count(self, response: httpx.Response) -> httpx.Response:
        self.requests += 1
        self.errors += int(response.status_code >= 500)
        self.by_status[response.status_code] = self.by_status.get(response.status_code, 0) + 1
        return response

    def summary(self) -> str:
        return f"requests {self.requests}, 5xx {self.errors} (by status {self.by_status})"


def problems(hub: Hub, delivery: Delivery, tally: Tally) -> list[str]:
    """Send it (twice when a redelivery is drawn) and say what went wrong: a 5xx, another
    status than expected, or other rows than exactly its valid items, once each."""
    before = hub.count_inbound()
    found: list[str] = []
    for _ in range(2 if delivery.redeliver else 1):
        response = tally.count(delivery.send(hub))
        if response.status_code != delivery.status:
            got = f"{response.status_code} (expected {delivery.status})"
            found.append(f"{got}: {response.text[:200]}")
        stored = hub.count_inbound(delivery.valid_ids), hub.count_inbound() - before
        if stored != (len(delivery.valid_ids),) * 2:
            found.append(f"rows {stored} for {delivery.valid_ids}: {delivery.shown[:500]}")
    return found


def check(hub: Hub, delivery: Delivery, tally: Tally) -> None:
    found = problems(hub, delivery, tally)
    assert not found, (found, delivery)
