"""Shared fixtures: real SQLite files, a real PostgreSQL database per test, a fake Twilio,
and the app on a real uvicorn with its embedded worker."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from atende.clock import Clock, ShiftedClock, SystemClock, installed
from atende.config import Settings
from atende.domain.sending import UNPACED
from atende.runtime import Runtime, build_runtime
from atende.storage import orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.demo import create_demo
from atende.storage.migrate import upgrade
from atende.storage.models import Channel, Contact, Conversation, Message, Organization
from atende.web.app import create_app
from tests.support.clock import ANCHOR
from tests.support.fake_twilio import FakeTwilio, start_fake_twilio
from tests.support.live import LiveServer, free_port
from tests.support.providers import signed_twilio, twilio_form
from tests.support.settle import wait_settled

PG_ADMIN_URL = os.environ.get("ATENDE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ATENDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # "gw3" under pytest -n
if "ATENDE_TEST_REDIS_URL" not in os.environ:  # one Redis database per parallel worker
    REDIS_URL = f"redis://127.0.0.1:6379/{15 - int(_XDIST_WORKER.removeprefix('gw') or 0) % 12}"
PG_HELP = (
    "PostgreSQL not reachable at {url} ({error}); start it "
    "(pg_ctlcluster <version> main start) or set ATENDE_TEST_PG_URL to enable these tests"
)
TOKEN = "fake_auth_token_0123456789abcdef"
ACCOUNT = "AC55b47e1bd7721b5f779ed06721903800"
BUSINESS = "whatsapp:+551130040001"


def _pg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database; each test clones it (fast) into its own database."""
    admin = create_engine(_pg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(PG_HELP.format(url=PG_ADMIN_URL, error=exc.__class__.__name__))
    name = f"atende_tmpl_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    upgrade(f"{base}/{name}")
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    admin = create_engine(_pg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"atende_t_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'atende.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Storage and pipeline tests run on both databases: nothing SQLite-only."""
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_url")
        return url
    pg: str = request.getfixturevalue("pg_url")
    return pg


@pytest.fixture
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(
            f"Redis not reachable at {REDIS_URL} ({exc.__class__.__name__}); start redis-server "
            "or set ATENDE_TEST_REDIS_URL to enable these tests"
        )
    return REDIS_URL


@pytest.fixture(params=["embedded", "scale-out"])
def backends(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(database, queue) URLs for `atende worker` processes: SQLite with a SQLite queue,
    or PostgreSQL with Redis (tests/support/cluster.py)."""
    if request.param == "embedded":
        return request.getfixturevalue("sqlite_url"), f"sqlite:///{tmp_path / 'queue.db'}"
    return request.getfixturevalue("pg_url"), request.getfixturevalue("redis_url")


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = start_fake_twilio()
    yield fake
    fake.stop()


def settings_for(db_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "queue_url": f"sqlite:///{tmp_path / 'queue.db'}",
        "buffer_seconds": 0.4,
        "send_retry_base_seconds": 0.2,
        "sweep_interval_seconds": 0.5,
        "claim_lease_seconds": 5,
        "send_timeout_seconds": 2.5,  # loose enough for a loaded 2-core CI machine
        "worker_threads": 4,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def demo_runtime(
    db_url: str,
    tmp_path: Path,
    prepare: Callable[[Session, Organization], None] | None = None,
    **overrides: Any,
) -> Runtime:
    """The demo shop (simulator channel), ``prepare``d in the same transaction, and a
    runtime on it with no buffer window: for conversations driven by tests/support/dialogue."""
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as s:
        org = create_demo(s)
        if prepare is not None:
            prepare(s, org)
    engine.dispose()
    return build_runtime(settings_for(db_url, tmp_path, **{"buffer_seconds": 0, **overrides}))


def llm_settings(url: str, **overrides: Any) -> dict[str, Any]:
    """Settings for the LLM brain against a fake at ``url``, every turn to the model."""
    return {
        "brain": "openai",
        "llm_base_url": url,
        "llm_model": "test-model",
        "llm_fast_path": "off",
        **overrides,
    }


@dataclass
class Shop:
    """The demo shop with a Twilio channel, served by a real uvicorn + embedded worker."""

    runtime: Runtime
    server: LiveServer
    twilio: FakeTwilio
    channel_id: str
    api_key: str
    org_id: int
    channels: dict[str, str]

    @property
    def webhook_url(self) -> str:
        return f"{self.server.url}/webhooks/twilio/{self.channel_id}"

    def post_inbound(
        self, body: str, phone: str = "+5511999990001", sid: str | None = None, **extra: str
    ) -> httpx.Response:
        pairs = twilio_form(
            "inbound_text.form",
            Body=body,
            From=f"whatsapp:{phone}",
            WaId=phone.lstrip("+"),
            MessageSid=sid or "SM" + secrets.token_hex(16),
            **extra,
        )
        raw, headers = signed_twilio(self.webhook_url, pairs, TOKEN)
        return httpx.post(self.webhook_url, content=raw, headers=headers, timeout=10)

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        return httpx.request(
            method, f"{self.server.url}{path}", headers=headers, timeout=10, **kwargs
        )

    def replies_to(self, phone: str) -> list[str]:
        return self.twilio.bodies(f"whatsapp:{phone}")

    def wait_replies(self, phone: str, count: int, timeout: float = 20) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.replies_to(phone)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {count} replies to {phone}, got {self.replies_to(phone)}")

    def settle(self, timeout: float = 20) -> None:
        """Wait until every burst is answered and no reply is waiting to be sent."""
        if not wait_settled(self.runtime.sessions, timeout):
            raise AssertionError("pipeline did not settle")

    def messages_of(self, phone: str) -> list[Message]:
        with self.runtime.sessions() as s:
            stmt = (
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.phone == phone)
                .order_by(Message.id)
            )
            return list(s.scalars(stmt))


def seed_shop(
    db_url: str, extra: list[tuple[str, str, dict[str, str]]] | None = None
) -> tuple[int, str, str, dict[str, str]]:
    """The demo organization, a Twilio channel and any ``extra`` (provider, address,
    credentials) channels; returns (org id, Twilio channel id, api key, {provider: id})."""
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as s:
        org = create_demo(s)
        channel = orgs.add_channel(
            s, org.id, "twilio", BUSINESS, {"account_sid": ACCOUNT, "auth_token": TOKEN}
        )
        others = {p: orgs.add_channel(s, org.id, p, a, c).id for p, a, c in extra or []}
        for row in s.scalars(select(Channel).where(Channel.organization_id == org.id)):
            row.pacing = dict(UNPACED)  # these tests are about answers; tests/test_pacing.py paces
        key = orgs.issue_api_key(s, org.id)
        result = (org.id, channel.id, key, others)
    engine.dispose()
    return result


@pytest.fixture
def shop_factory(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Callable[..., Shop]]:
    started: list[tuple[LiveServer, Runtime]] = []

    def make(
        db_url: str, extra: list[tuple[str, str, dict[str, str]]] | None = None, **overrides: Any
    ) -> Shop:
        org_id, channel_id, key, others = seed_shop(db_url, extra)
        port = free_port()
        settings = settings_for(
            db_url,
            tmp_path,
            public_url=f"http://127.0.0.1:{port}",
            twilio_api_base=fake_twilio.url,
            twilio_content_base=fake_twilio.url,
            **overrides,
        )
        runtime = build_runtime(settings)
        server = LiveServer(create_app(runtime, embedded_worker=True), port=port).__enter__()
        started.append((server, runtime))
        return Shop(runtime, server, fake_twilio, channel_id, key, org_id, others)

    yield make
    for server, runtime in started:
        server.__exit__(None, None, None)
        runtime.close()


@pytest.fixture
def shop(shop_factory: Callable[..., Shop], sqlite_url: str) -> Shop:
    return shop_factory(sqlite_url)


# Stored credentials are encrypted (storage/keys.py). PostgreSQL has no key file beside
# it, so every test process gets one key unless the environment brings its own.
os.environ.setdefault("ATENDE_SECRET_KEY", Fernet.generate_key().decode())


@pytest.fixture(autouse=True)
def test_clock(request: pytest.FixtureRequest) -> Iterator[Clock]:
    """Every test runs at tests/support/clock.py's ANCHOR (a Tuesday morning in São Paulo),
    never at the wall clock's hour or weekday: one clock for the test and the runtime.

    A test marked ``wall_clock`` runs atende in other processes (``atende worker``), which
    read the machine's clock: it keeps that one clock too, and must not depend on the date
    or the hour (``scripts/test-at.sh`` runs the suite at other moments to prove it)."""
    chosen: Clock = (
        SystemClock() if request.node.get_closest_marker("wall_clock") else (ShiftedClock(ANCHOR))
    )
    with installed(chosen) as clock:
        yield clock
