"""Secrets at rest: a stolen database shows no credential, and atende still uses them."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet

import atende
from atende.channels.base import ChannelConfig
from atende.channels.registry import ChannelEnv
from atende.config import Settings
from atende.errors import ConfigurationError, Conflict, SecretsUnreadable
from atende.pipeline.channels import ChannelDirectory
from atende.runtime import build_runtime
from atende.storage import heartbeats, keys, orgs
from atende.storage.db import make_engine, make_sessionmaker, normalize_url, transaction
from atende.storage.migrate import alembic_config, upgrade
from atende.storage.models import Channel, Organization
from atende.storage.rekey import rotate_key
from atende.storage.secrets import Resealed, SecretBox
from atende.storage.types import utcnow
from tests.conftest import ACCOUNT, BUSINESS, TOKEN, Shop, demo_runtime, llm_settings, settings_for
from tests.support.dialogue import Customer
from tests.support.fake_llm import start_fake_llm, text
from tests.support.providers import signed_twilio, twilio_form
from tests.support.raw_db import raw_secret_columns

TWILIO = {"account_sid": ACCOUNT, "auth_token": TOKEN}
META = {
    "phone_number_id": "109876543210987",
    "access_token": "EAAG-meta-access-token-x",
    "app_secret": "meta_app_secret_0123456789",
    "verify_token": "my-verify-token-42",
}
EVOLUTION = {
    "base_url": "http://127.0.0.1:9",
    "instance": "loja",
    "api_key": "evo-api-key-0123456789",
    "webhook_secret": "evo-webhook-secret-abcdef",
    "jwt_key": "evo-jwt-key-fedcba9876",
}
CHANNELS = [
    ("twilio", BUSINESS, TWILIO),
    ("meta", META["phone_number_id"], META),
    ("evolution", "551130040001", EVOLUTION),
]
LLM_KEY = "sk-org-own-llm-key-0123456789"
TTS_KEY = "tts-org-key-0123456789"
ORG_SECRETS = {
    "llm": {"model": "m", "api_key": LLM_KEY},
    "tts": {"provider": "openai", "api_key": TTS_KEY},
}
CLEAR = [
    TOKEN,
    *(META[k] for k in ("access_token", "app_secret", "verify_token")),
    *(EVOLUTION[k] for k in ("api_key", "webhook_secret", "jwt_key")),
    LLM_KEY,
    TTS_KEY,
]


def new_key() -> str:
    return Fernet.generate_key().decode()


def leaked(text: str) -> list[str]:
    return [secret for secret in CLEAR if secret in text]


@pytest.fixture
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded default: nothing in the environment, the key file decides."""
    monkeypatch.delenv(keys.ENV, raising=False)


def store_everything(url: str, secret_key: str = "") -> tuple[int, dict[str, str]]:
    """An organization with its own LLM and TTS keys and one channel per provider."""
    engine = make_engine(url, secret_key)
    with transaction(make_sessionmaker(engine)) as s:
        org = orgs.create_org(s, "loja", "Loja")
        org.settings = {**org.settings, **ORG_SECRETS}
        ids = {p: orgs.add_channel(s, org.id, p, a, dict(c)).id for p, a, c in CHANNELS}
        org_id = org.id
    engine.dispose()
    return org_id, ids


def read_back(url: str, secret_key: str, org_id: int, channel_id: str) -> Any:
    """(credentials, settings) as the app sees them with ``secret_key``."""
    engine = make_engine(url, secret_key)
    try:
        with make_sessionmaker(engine)() as s:
            channel = orgs.channel_by_id(s, channel_id)
            org = orgs.org_by_id(s, org_id)
            assert channel is not None and org is not None
            return channel.credentials, org.settings
    finally:
        engine.dispose()


@pytest.fixture
def directory() -> Iterator[Callable[[str], ChannelDirectory]]:
    """The webhook path's channel lookup on a database (``make`` it with a URL)."""
    http = httpx.Client()
    engines: list[sa.Engine] = []

    def make(url: str) -> ChannelDirectory:
        engines.append(make_engine(url))
        env = ChannelEnv(http, "http://127.0.0.1:9", "http://127.0.0.1:9")
        return ChannelDirectory(make_sessionmaker(engines[-1]), env)

    yield make
    for engine in engines:
        engine.dispose()
    http.close()


def test_a_stolen_database_shows_no_secret_and_atende_reads_them_all(
    db_url: str, directory: Callable[[str], ChannelDirectory]
) -> None:
    org_id, ids = store_everything(db_url)
    raw = raw_secret_columns(db_url)
    assert leaked(raw) == []
    assert ACCOUNT not in raw  # credentials are sealed whole
    assert raw.count("fernet:") == len(CHANNELS) + 2  # + llm.api_key and tts.api_key
    assert '"country"' in raw and '"model"' in raw  # the rest of the settings stays readable
    channels = directory(db_url)
    for provider, _, creds in CHANNELS:
        config = channels.config(ids[provider])
        assert config is not None and config.credentials == creds
    _, settings = read_back(db_url, "", org_id, ids["twilio"])
    assert settings == {"country": "BR", **ORG_SECRETS}


def test_a_row_written_before_encryption_still_reads(
    sqlite_url: str, directory: Callable[[str], ChannelDirectory]
) -> None:
    _, ids = store_everything(sqlite_url)
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE channels SET credentials = :c WHERE id = :id"),
            {"c": json.dumps(TWILIO), "id": ids["twilio"]},
        )
    engine.dispose()
    config = directory(sqlite_url).config(ids["twilio"])
    assert config is not None and config.credentials == TWILIO


def test_webhooks_are_verified_and_replies_sent_with_the_encrypted_credentials(
    shop_factory: Callable[..., Shop], db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shop = shop_factory(db_url, extra=[("meta", META["phone_number_id"], META)])
    assert shop.post_inbound("Olá! Vocês abrem sábado?").status_code == 200
    shop.wait_replies("+5511999990001", 1)
    assert shop.twilio.sent[-1].auth == (ACCOUNT, TOKEN)
    forged, headers = signed_twilio(shop.webhook_url, twilio_form("inbound_text.form"), "wrong")
    assert httpx.post(shop.webhook_url, content=forged, headers=headers).status_code == 403
    meta_url = f"{shop.server.url}/webhooks/meta/{shop.channels['meta']}"
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": META["verify_token"],
        "hub.challenge": "7",
    }
    assert httpx.get(meta_url, params=params).text == "7"
    assert httpx.get(meta_url, params={**params, "hub.verify_token": "nope"}).status_code == 403
    shop.settle()
    assert leaked(raw_secret_columns(db_url)) == []
    ours = [r.getMessage() for r in caplog.records if shop.server.url not in r.getMessage()]
    assert leaked("\n".join(ours)) == []  # (this test, playing Meta, logs the token it sends)


def test_an_organizations_own_llm_key_is_stored_sealed_and_sent_to_its_model(
    sqlite_url: str, tmp_path: Path
) -> None:
    llm = start_fake_llm()

    def own_key(_session: Any, org: Organization) -> None:
        org.settings = {**org.settings, "llm": {"api_key": LLM_KEY}}

    runtime = demo_runtime(sqlite_url, tmp_path, own_key, **llm_settings(llm.url))
    try:
        llm.play(text("Oi! 🐾"))
        assert Customer(runtime, "demo", "+5511999990010").say("e aí, blz?") == "Oi! 🐾"
    finally:
        runtime.close()
        llm.stop()
    assert llm.headers[0]["authorization"] == f"Bearer {LLM_KEY}"
    assert LLM_KEY not in raw_secret_columns(sqlite_url)


def test_the_embedded_default_keeps_its_key_in_a_private_file_beside_the_database(
    tmp_path: Path, no_env_key: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url = f"sqlite:///{tmp_path / 'atende.db'}"
    upgrade(url)
    key_file = tmp_path / "atende.secret"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_text()
    _, ids = store_everything(url)
    for _ in range(2):  # two runtimes one after the other, as after a restart
        runtime = build_runtime(settings_for(url, tmp_path))
        with runtime.sessions() as s:
            channel = orgs.channel_by_id(s, ids["twilio"])
            assert channel is not None and channel.credentials == TWILIO
        runtime.close()
    assert key_file.read_text() == first
    announced = [
        r.getMessage() for r in caplog.records if "generated a secret key" in r.getMessage()
    ]
    assert len(announced) == 1 and str(key_file) in announced[0]
    assert first.strip() not in caplog.text
    assert leaked(raw_secret_columns(url)) == []


def test_processes_starting_together_agree_on_one_key(tmp_path: Path, no_env_key: None) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    go = tmp_path / "go"
    script = (
        "import hashlib, os, sys, time\n"
        "from atende.storage import keys\n"
        "while not os.path.exists(sys.argv[2]): time.sleep(0.001)\n"
        "print(hashlib.sha256(b','.join(keys.key_source(sys.argv[1]).keys)).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(atende.__file__).parents[1])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, url, str(go)], stdout=subprocess.PIPE, env=env
        )
        for _ in range(4)
    ]
    go.touch()
    prints = {p.communicate(timeout=60)[0].decode().strip() for p in procs}
    key_file = tmp_path / "shop.secret"
    assert prints == {hashlib.sha256(key_file.read_text().strip().encode()).hexdigest()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go", "shop.secret"]  # no temp left


def test_postgresql_without_a_key_refuses_to_start(tmp_path: Path, no_env_key: None) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/atende"
    with pytest.raises(ConfigurationError) as caught:
        build_runtime(settings_for(url, tmp_path))
    message = str(caught.value)
    assert "ATENDE_SECRET_KEY" in message and "Fernet.generate_key()" in message
    with pytest.raises(ConfigurationError, match="ATENDE_SECRET_KEY"):
        upgrade(url)  # migrating too: it would have to encrypt


def test_a_malformed_key_is_refused_without_repeating_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make_engine(f"sqlite:///{tmp_path / 'a.db'}", "hunter2-is-my-password")
    assert "not a Fernet key" in str(caught.value)
    assert "hunter2" not in str(caught.value) + repr(caught.value)


def test_a_wrong_key_is_a_clear_error_not_garbage(
    sqlite_url: str, directory: Callable[[str], ChannelDirectory], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ids = store_everything(sqlite_url)
    monkeypatch.setenv(keys.ENV, new_key())
    with pytest.raises(SecretsUnreadable, match="ATENDE_SECRET_KEY"):
        directory(sqlite_url).config(ids["twilio"])


def legacy_rows(url: str) -> None:
    """An organization and a channel as atende 0008 stored them: secrets in plain JSON."""
    engine = sa.create_engine(normalize_url(url))
    organizations = sa.table(
        "organizations",
        *(sa.column(c) for c in ("slug", "name", "timezone", "locale")),
        sa.column("owner_phones", sa.JSON),
        sa.column("settings", sa.JSON),
        sa.column("created_at", sa.DateTime),
    )
    channels = sa.table(
        "channels",
        *(sa.column(c) for c in ("id", "organization_id", "provider", "address", "status")),
        sa.column("credentials", sa.JSON),
        sa.column("created_at", sa.DateTime),
    )
    now = utcnow().replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(
            organizations.insert().values(
                slug="velha",
                name="Velha",
                timezone="America/Sao_Paulo",
                locale="pt-BR",
                owner_phones=[],
                settings=ORG_SECRETS,
                created_at=now,
            )
        )
        org_id = conn.execute(sa.text("SELECT id FROM organizations WHERE slug = 'velha'")).scalar()
        conn.execute(
            channels.insert().values(
                id="ch_legacy",
                organization_id=org_id,
                provider="twilio",
                address=BUSINESS,
                status="active",
                credentials=TWILIO,
                created_at=now,
            )
        )
    engine.dispose()


def test_migration_0009_encrypts_rows_written_before_it(db_url: str) -> None:
    command.downgrade(alembic_config(db_url), "0008")
    legacy_rows(db_url)
    assert TOKEN in raw_secret_columns(db_url) and LLM_KEY in raw_secret_columns(db_url)
    upgrade(db_url)
    raw = raw_secret_columns(db_url)
    assert leaked(raw) == [] and raw.count("fernet:") == 3
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as s:
        channel = s.get(Channel, "ch_legacy")
        org = orgs.org_by_slug(s, "velha")
        assert channel is not None and channel.credentials == TWILIO
        assert org is not None and org.settings == ORG_SECRETS
    engine.dispose()


def test_rotation_moves_every_secret_to_the_new_key(db_url: str) -> None:
    old, new = new_key(), new_key()
    org_id, ids = store_everything(db_url, old)
    before = raw_secret_columns(db_url)
    rotation = rotate_key(db_url, f"{new},{old}")
    assert rotation.resealed == Resealed(channels=3, organizations=1)
    assert rotation.key_file is None and rotation.origin == keys.ENV
    after = raw_secret_columns(db_url)
    assert leaked(after) == [] and not set(before.split()) & set(after.split("\n"))
    with pytest.raises(SecretsUnreadable):
        read_back(db_url, old, org_id, ids["twilio"])
    credentials, settings = read_back(db_url, new, org_id, ids["twilio"])
    assert credentials == TWILIO and settings["llm"]["api_key"] == LLM_KEY


def test_rotation_needs_the_new_key_in_front_of_the_old(sqlite_url: str) -> None:
    with pytest.raises(ConfigurationError, match="NEW,OLD"):
        rotate_key(sqlite_url, new_key())


def test_embedded_rotation_writes_a_new_key_file_and_drops_the_old_key(
    tmp_path: Path, no_env_key: None
) -> None:
    url = f"sqlite:///{tmp_path / 'atende.db'}"
    upgrade(url)
    org_id, ids = store_everything(url)
    key_file = tmp_path / "atende.secret"
    old = key_file.read_text().strip()
    rotation = rotate_key(url)
    assert rotation.key_file == key_file and rotation.resealed.channels == len(CHANNELS)
    new = key_file.read_text().strip()
    assert new != old and len(keys.parse_keys(new, "file")) == 1
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert read_back(url, "", org_id, ids["meta"])[0] == META  # the file's new key
    with pytest.raises(SecretsUnreadable):
        read_back(url, old, org_id, ids["meta"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_keys_and_credentials_stay_out_of_reprs() -> None:
    key = new_key()
    assert key not in repr(SecretBox([key.encode()]))
    assert key not in repr(Settings(_env_file=None, secret_key=key))  # type: ignore[call-arg]
    assert TOKEN not in repr(ChannelConfig("ch_1", 1, "twilio", BUSINESS, TWILIO))
    assert TOKEN not in repr(Channel(id="ch_1", provider="twilio", credentials=TWILIO))


def test_a_webhook_on_the_wrong_key_fails_loudly_and_stores_nothing(
    shop_factory: Callable[..., Shop], sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    shop = shop_factory(sqlite_url, secret_key=new_key())  # not the key the shop was saved with
    assert shop.post_inbound("oi").status_code == 500  # the provider will retry it
    assert shop.messages_of("+5511999990001") == []
    assert "SecretsUnreadable" in caplog.text  # the server's log says why, in one line


def test_rotation_refuses_while_a_worker_runs_unless_forced(sqlite_url: str) -> None:
    old, new = new_key(), new_key()
    org_id, ids = store_everything(sqlite_url, old)
    engine = make_engine(sqlite_url, old)
    with transaction(make_sessionmaker(engine)) as s:
        heartbeats.beat(s, "host-1:4242", "0.1.0")
    engine.dispose()
    with pytest.raises(Conflict, match="host-1:4242"):
        rotate_key(sqlite_url, f"{new},{old}")
    assert read_back(sqlite_url, old, org_id, ids["twilio"])[0] == TWILIO  # nothing changed
    assert rotate_key(sqlite_url, f"{new},{old}", force=True).resealed.channels == len(CHANNELS)
