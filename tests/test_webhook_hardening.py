"""Webhook intake under attack: text no database can hold, poisoned batches, deep JSON,
loose credentials. Real uvicorn, real SQLite and PostgreSQL, providers' fakes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import text

from atende.storage.db import make_engine
from atende.storage.types import utcnow
from tests.conftest import ACCOUNT, BUSINESS, Shop
from tests.support.fake_http import fake_evolution, fake_graph
from tests.support.providers import twilio_form
from tests.support.webhooks import (
    EVO_JWT_KEY,
    EVO_KEY,
    INSTANCE,
    META_TOKEN,
    PHONE_ID,
    Hub,
    body_of,
    channels,
    evolution_event,
    meta_delivery,
    meta_message,
    new_id,
)

REJECTED = "atende_webhook_items_rejected_total"


def start_hub(shop_factory: Callable[..., Shop], url: str) -> Iterator[Hub]:
    graph = fake_graph(PHONE_ID, META_TOKEN)
    evolution = fake_evolution(INSTANCE, EVO_KEY)
    try:
        shop = shop_factory(url, extra=channels(evolution.url), meta_graph_base=graph.url)
        hub = Hub(shop, graph, evolution)
        yield hub
        hub.http.close()
    finally:
        graph.stop()
        evolution.stop()


# the database is requested before the server, so the server stops before it is dropped
@pytest.fixture
def hub(db_url: str, shop_factory: Callable[..., Shop]) -> Iterator[Hub]:
    """On SQLite and on PostgreSQL."""
    yield from start_hub(shop_factory, db_url)


@pytest.fixture
def pg_hub(pg_url: str, shop_factory: Callable[..., Shop]) -> Iterator[Hub]:
    yield from start_hub(shop_factory, pg_url)


@pytest.fixture
def sqlite_hub(sqlite_url: str, shop_factory: Callable[..., Shop]) -> Iterator[Hub]:
    """Authentication does not depend on the database: SQLite only."""
    yield from start_hub(shop_factory, sqlite_url)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[list[logging.LogRecord]]:
    """Every record atende and uvicorn log (uvicorn's do not reach the root logger)."""
    handler = Records()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.records
    for logger in loggers:
        logger.removeHandler(handler)


def evolution_replies(hub: Hub, number: str) -> list[str]:
    calls = hub.evolution.calls("POST", rf"/message/sendText/{INSTANCE}")
    return [c.json()["text"] for c in calls if c.json()["number"] == number]


def meta_replies(hub: Hub, number: str) -> list[Any]:
    calls = hub.graph.calls("POST", rf"/{PHONE_ID}/messages")
    return [c.json() for c in calls if c.json()["to"] == number]


# --- text no database can hold is stored and answered ------------------------------


def test_twilio_nul_in_body_and_profile_name_is_stored_and_answered(hub: Hub) -> None:
    shop = hub.shop
    assert shop.post_inbound("oi\x00x").status_code == 200
    second = shop.post_inbound("quanto custa o banho?", "+5511999990002", ProfileName="Jo\x00ao")
    assert second.status_code == 200
    shop.settle()
    assert [m.body for m in hub.inbound("twilio")] == ["oi\ufffdx", "quanto custa o banho?"]
    assert hub.contact_name("+5511999990002") == "Jo\ufffdao"
    assert shop.replies_to("+5511999990001") and shop.replies_to("+5511999990002")


def test_meta_nul_and_lone_surrogate_are_stored_and_answered(hub: Hub) -> None:
    contact = {"profile": {"name": "Jo\x00ao \ud83d"}, "wa_id": "5511999990001"}
    delivery = meta_delivery([meta_message("wamid.NUL1", "oi\x00x \ud83d")], [contact])
    assert b"\\u0000" in body_of(delivery) and b"\\ud83d" in body_of(delivery)
    assert hub.meta(body_of(delivery)).status_code == 200
    hub.shop.settle()
    assert [m.body for m in hub.inbound("meta")] == ["oi\ufffdx \ufffd"]
    assert hub.contact_name("+5511999990001") == "Jo\ufffdao \ufffd"
    assert meta_replies(hub, "5511999990001")


def test_evolution_nul_in_text_and_push_name_is_stored_and_answered(hub: Hub) -> None:
    event = evolution_event("oi\x00x \ud83d", pushName="Jo\x00ao")
    assert hub.evolution_post(body_of(event)).status_code == 200
    hub.shop.settle()
    assert [m.body for m in hub.inbound("evolution")] == ["oi\ufffdx \ufffd"]
    assert hub.contact_name("+5511999990001") == "Jo\ufffdao"
    assert evolution_replies(hub, "5511999990001")


def test_a_sender_name_of_the_wrong_type_is_dropped_not_the_message(hub: Hub) -> None:
    for n, name in enumerate([{"first": "Jo"}, 2**63]):
        event = evolution_event("oi", pushName=name)
        event["data"]["key"] = {**event["data"]["key"], "id": f"EVONAME{n}"}
        assert hub.evolution_post(body_of(event)).status_code == 200
    contacts = [{"profile": {"name": ["Jo"]}, "wa_id": ["5511999990002"]}]
    message = meta_message("wamid.NAME1", "oi", sender="5511999990002")
    assert hub.meta(body_of(meta_delivery([message], contacts))).status_code == 200
    assert len(hub.inbound("evolution")) == 2 and len(hub.inbound("meta")) == 1
    assert hub.contact_name("+5511999990001") is None
    assert hub.contact_name("+5511999990002") is None


# --- batches are item by item ------------------------------------------------------


def test_meta_batch_skips_the_poison_item_and_stores_the_rest_once(hub: Hub) -> None:
    ids = [new_id("wamid.B") for _ in range(3)]
    messages = [
        meta_message(ids[0], "primeira"),
        meta_message(ids[1], {"body": ["not", "text"]}),
        meta_message(ids[2], "terceira", sender="5511999990002"),
    ]
    body = body_of(meta_delivery(messages))
    before = hub.metric(REJECTED, provider="meta", reason="malformed")
    assert hub.meta(body).status_code == 200
    assert sorted(m.provider_id or "" for m in hub.inbound("meta")) == sorted([ids[0], ids[2]])
    assert hub.meta(body).status_code == 200  # Meta's redelivery: nothing new
    assert len(hub.inbound("meta")) == 2
    assert hub.metric(REJECTED, provider="meta", reason="malformed") == before + 2


def poison_trigger(db_url: str, body: str, errcode: str | None = None) -> None:
    """A database that refuses one message body (SQLite: constraint; PostgreSQL: an
    exception with ``errcode``, P0001 unless given)."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON messages "
                    f"WHEN NEW.body = '{body}' BEGIN SELECT RAISE(ABORT, 'poison'); END"
                )
            )
        else:
            using = f" USING ERRCODE = '{errcode}'" if errcode else ""
            conn.execute(
                text(
                    "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.body = '{body}' THEN RAISE EXCEPTION 'poison'{using}; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON messages "
                    "FOR EACH ROW EXECUTE FUNCTION poison()"
                )
            )
    engine.dispose()


def drop_poison(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER poison" + ("" if "sqlite" in db_url else " ON messages")))
    engine.dispose()


def test_an_item_the_database_refuses_is_skipped_and_the_others_stored(
    hub: Hub, db_url: str, logged: list[logging.LogRecord]
) -> None:
    poison_trigger(db_url, "veneno")
    ids = [new_id("wamid.S") for _ in range(3)]
    bodies = ["primeira", "veneno", "terceira"]
    messages = [meta_message(i, b) for i, b in zip(ids, bodies, strict=True)]
    assert hub.meta(body_of(meta_delivery(messages))).status_code == 200
    assert [m.provider_id for m in hub.inbound("meta")] == [ids[0], ids[2]]
    assert hub.metric(REJECTED, provider="meta", reason="store_failed") >= 1
    [warning] = [r for r in logged if "store_failed" in r.getMessage()]
    assert warning.levelno == logging.WARNING and warning.exc_info is None


def test_a_transient_storage_failure_is_503_and_the_redelivery_completes(
    pg_hub: Hub, pg_url: str
) -> None:
    hub = pg_hub
    poison_trigger(pg_url, "lento", errcode="57014")  # query_canceled: a statement timeout
    ids = [new_id("wamid.T") for _ in range(3)]
    messages = [meta_message(i, b) for i, b in zip(ids, ["um", "lento", "três"], strict=True)]
    body = body_of(meta_delivery(messages))
    refused = hub.meta(body)
    assert refused.status_code == 503 and "again" in refused.json()["detail"]
    assert [m.provider_id for m in hub.inbound("meta")] == [ids[0]]
    drop_poison(pg_url)
    assert hub.meta(body).status_code == 200
    assert sorted(m.provider_id or "" for m in hub.inbound("meta")) == sorted(ids)


# --- authenticate before parsing, parse with guards --------------------------------


def test_deep_json_is_a_4xx_without_a_traceback(
    sqlite_hub: Hub, logged: list[logging.LogRecord]
) -> None:
    hub = sqlite_hub
    unauthenticated = httpx.post(hub.url("evolution"), content=b"[" * 100_000, timeout=30)
    assert unauthenticated.status_code == 401 and unauthenticated.json()["detail"]
    deep = b"[" * 100 + b"]" * 100
    envelope = b'{"event": "messages.upsert", "instance": "loja-centro", "data": %s}' % deep
    authenticated = hub.evolution_post(envelope)
    assert authenticated.status_code == 400 and "deeper" in authenticated.json()["detail"]
    assert hub.evolution_post(b"[" * 100_000).status_code == 400
    assert hub.meta(b"[" * 100_000).status_code == 400
    assert hub.count_inbound() == 0
    assert not [r for r in logged if r.exc_info or r.levelno >= logging.ERROR]


def jwt_expiring_in(seconds: float | None) -> str:
    """Evolution's webhook JWT, built on the clock the server reads."""
    now = utcnow().timestamp()
    claims: dict[str, Any] = {"iat": int(now), "app": "evolution", "action": "webhook"}
    if seconds is not None:
        claims["exp"] = int(now + seconds)
    return jwt.encode(claims, EVO_JWT_KEY, algorithm="HS256")


def test_evolution_jwt_must_expire_and_soon(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    body = body_of(evolution_event("oi"))
    for refused in (None, 3600, -120):
        bearer = {"Authorization": f"Bearer {jwt_expiring_in(refused)}"}
        assert hub.evolution_post(body, headers=bearer).status_code == 403, refused
    assert hub.count_inbound() == 0
    bearer = {"Authorization": f"Bearer {jwt_expiring_in(300)}"}
    assert hub.evolution_post(body, headers=bearer).status_code == 200
    assert len(hub.inbound("evolution")) == 1


def test_evolution_envelope_must_name_this_instance(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    missing = evolution_event("oi")
    del missing["instance"]
    other = {**evolution_event("oi"), "instance": "outra-loja"}
    for event in (missing, other):
        assert hub.evolution_post(body_of(event)).status_code == 403
        assert hub.evolution_post(body_of(event), headers={}).status_code == 403  # apikey
    assert hub.count_inbound() == 0


def test_twilio_account_and_number_must_be_this_channels(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    for field, value in (("AccountSid", "AC" + "0" * 32), ("To", "whatsapp:+551130049999")):
        assert hub.twilio(twilio_form("inbound_text.form", **{field: value})).status_code == 403
    missing = [p for p in twilio_form("inbound_text.form") if p[0] != "AccountSid"]
    assert hub.twilio(missing).status_code == 403
    status = twilio_form("status_delivered.form", From="whatsapp:+551130049999")
    assert hub.twilio(status, suffix="/status").status_code == 403
    assert hub.count_inbound() == 0
    assert hub.twilio(twilio_form("inbound_text.form", AccountSid=ACCOUNT, To=BUSINESS)).is_success


def test_twilio_repeated_parameters_are_signed_and_read_as_twilio_sends_them(
    sqlite_hub: Hub,
) -> None:
    hub = sqlite_hub
    pairs = twilio_form("inbound_text.form", Body="primeiro")
    pairs += [("Body", "segundo"), ("MediaUrl", "https://a.example/1"), ("MediaUrl", "https://a")]
    assert hub.twilio(pairs).status_code == 200
    [stored] = hub.inbound("twilio")
    assert stored.body == "primeiro"
