"""Alerts from the processes that run them: the web process tells that no worker is alive
(by WhatsApp, sent from the web itself, e-mail and webhook), a worker tells the owner of a
breaker through the other number, the watchdog tells a database outage without the
database, and ``atende alerts`` lists, configures and tests.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from atende import __version__
from atende.clock import ShiftedClock
from atende.pipeline.alerting import (
    WEB_RULES,
    AlertEngine,
    EmailTarget,
    Notifier,
    SmtpConfig,
    Watchdog,
    WebhookTarget,
)
from atende.runtime import build_runtime
from atende.storage import heartbeats, orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.models import Alert, ChannelBreaker, Message, Organization
from atende.storage.types import utcnow
from atende.web.app import create_app
from tests.conftest import ACCOUNT, TOKEN, Shop, seed_shop, settings_for
from tests.support.fake_twilio import FakeTwilio
from tests.support.hooks import WebhookReceiver, start_receiver
from tests.support.live import LiveServer, free_port
from tests.support.mail import SmtpServer, start_smtp
from tests.support.providers import signed_twilio, twilio_form

OWNER = "+5511988887777"
SECOND = "whatsapp:+551130040002"


@pytest.fixture
def mail(tmp_path: Path) -> Any:
    server = start_smtp(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def hook() -> Any:
    receiver = start_receiver()
    yield receiver
    receiver.stop()


def configure(url: str, org_id: int, owner: bool = True, **alerts: Any) -> None:
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        org = s.get(Organization, org_id)
        assert org is not None
        if owner:
            org.owner_phones = [OWNER]
        orgs.save_settings(org, orgs.settings_of(org).change(alerts=alerts))
    engine.dispose()


def until(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def owner_writes(url: str, to: str, body: str = "oi") -> None:
    """The owner writes to a business number (opening its 24-hour window)."""
    pairs = twilio_form(
        "inbound_text.form",
        Body=body,
        From=f"whatsapp:{OWNER}",
        To=to,
        WaId=OWNER.lstrip("+"),
        MessageSid="SM" + secrets.token_hex(16),
    )
    raw, headers = signed_twilio(url, pairs, TOKEN)
    assert httpx.post(url, content=raw, headers=headers, timeout=10).status_code == 200


def test_no_worker_alive_is_told_by_the_web_process(
    sqlite_url: str,
    tmp_path: Path,
    fake_twilio: FakeTwilio,
    mail: SmtpServer,
    hook: WebhookReceiver,
    test_clock: ShiftedClock,
) -> None:
    org_id, channel_id, _, _ = seed_shop(sqlite_url)
    configure(
        sqlite_url,
        org_id,
        emails="dono@petshop.test",
        webhook_url=hook.url,
        worker_silence_seconds=10,
    )
    port = free_port()
    settings = settings_for(
        sqlite_url,
        tmp_path,
        public_url=f"http://127.0.0.1:{port}",
        twilio_api_base=fake_twilio.url,
        alert_interval_seconds=0.2,
        smtp_url=mail.url(),
    )
    runtime = build_runtime(settings)
    webhook = f"http://127.0.0.1:{port}/webhooks/twilio/{channel_id}"
    try:
        with LiveServer(create_app(runtime, embedded_worker=False), port=port):
            owner_writes(webhook, "whatsapp:+551130040001")  # accepted: nobody answers it
            time.sleep(0.5)
            assert hook.received() == []  # the web just started: workers may be starting too
            test_clock.advance(timedelta(seconds=15))
            [posted] = hook.wait_for(1)
            assert posted["alert"]["kind"] == "no_worker"
            assert posted["alert"]["severity"] == "critical"
            assert posted["text"].startswith("[Pet Shop Amigo Fiel] 🔴 Alerta: ninguém está")
            [email] = mail.mailbox.wait_for(1)
            assert "nenhum worker ativo" in email["Subject"]
            # no worker is alive to send the owner's WhatsApp: the web sent it itself
            [sent] = fake_twilio.wait_for(1)
            assert sent.form["To"] == f"whatsapp:{OWNER}"
            assert sent.form["Body"].startswith("🔴 Alerta: ninguém está respondendo")

            with transaction(runtime.sessions) as s:  # a worker comes back
                heartbeats.beat(s, "worker-1", __version__)
            posts = hook.wait_for(2)
            assert posts[1]["event"] == "resolved" and posts[1]["alert"]["kind"] == "no_worker"
            assert "Resolvido" in str(mail.mailbox.wait_for(2)[1]["Subject"])
            fake_twilio.wait_for(2)
            assert fake_twilio.bodies(f"whatsapp:{OWNER}")[1].startswith("✅ Resolvido")
    finally:
        runtime.close()
    with runtime.sessions() as s:
        [alert] = s.scalars(select(Alert).where(Alert.kind == "no_worker"))
    assert alert.resolved_at is not None


def test_a_worker_tells_the_owner_of_an_open_breaker_through_the_other_number(
    shop_factory: Callable[..., Shop], sqlite_url: str
) -> None:
    creds = {"account_sid": ACCOUNT, "auth_token": TOKEN}
    shop = shop_factory(sqlite_url, [("twilio", SECOND, creds)], alert_interval_seconds=0.3)
    second_id = shop.channels["twilio"]
    configure(sqlite_url, shop.org_id)
    owner_writes(f"{shop.server.url}/webhooks/twilio/{second_id}", SECOND)
    shop.settle()
    owner_writes(shop.webhook_url, "whatsapp:+551130040001")  # the latest chat: first number
    shop.settle()
    before = len(shop.replies_to(OWNER))
    with transaction(shop.runtime.sessions) as s:
        s.add(ChannelBreaker(channel_id=shop.channel_id, state="open", failures=5))

    def told() -> list[Any]:
        return [
            s for s in shop.twilio.sent if s.form.get("Body", "").startswith("🔴 Alerta: envios")
        ]

    [sent] = until(told)
    assert sent.form["From"] == SECOND and sent.form["To"] == f"whatsapp:{OWNER}"
    assert len(shop.replies_to(OWNER)) == before + 1
    shop.settle()  # Twilio has it; the worker records it a moment later
    with shop.runtime.sessions() as s:
        [message] = s.scalars(select(Message).where(Message.author == "alert"))
    assert message.channel_id == second_id and message.status == "sent"


class Flaky:
    """A sessionmaker whose database can be switched off."""

    def __init__(self, url: str) -> None:
        self.real = make_sessionmaker(make_engine(url))
        self.kw = self.real.kw
        self.down = False

    def __call__(self, **kw: Any) -> Any:
        if self.down:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("down"))
        return self.real(**kw)


def test_a_database_outage_is_told_without_the_database(
    sqlite_url: str, mail: SmtpServer, hook: WebhookReceiver
) -> None:
    org_id, *_ = seed_shop(sqlite_url)
    configure(sqlite_url, org_id, emails="dono@petshop.test", webhook_url=hook.url)
    sessions: Any = Flaky(sqlite_url)
    with httpx.Client() as http:
        offline = [EmailTarget(SmtpConfig.parse(mail.url())), WebhookTarget(http)]
        engine = AlertEngine(sessions, WEB_RULES, Notifier(sessions, offline))
        watchdog = Watchdog(sessions, engine, offline)
        with transaction(sessions) as s:
            heartbeats.beat(s, "worker-1", __version__)
        watchdog.tick(utcnow())  # reads the organizations' targets
        sessions.down = True
        watchdog.tick(utcnow())
        assert hook.received() == []  # one failed ping is a blip
        watchdog.tick(utcnow())
        watchdog.tick(utcnow())
        [posted] = hook.wait_for(1)
        assert (posted["event"], posted["alert"]["kind"]) == ("opened", "database_down")
        assert "banco de dados fora do ar" in str(mail.mailbox.wait_for(1)[0]["Subject"])
        sessions.down = False
        with transaction(sessions) as s:
            heartbeats.beat(s, "worker-1", __version__)
        watchdog.tick(utcnow())
        watchdog.tick(utcnow())
    posts = hook.wait_for(2)
    assert len(posts) == 2 and posts[1]["event"] == "resolved"
    assert len(mail.mailbox.wait_for(2)) == 2
    with sessions() as s:
        [alert] = s.scalars(select(Alert).where(Alert.kind == "database_down"))
    assert alert.resolved_at is not None and alert.severity == "critical"


def test_atende_alerts_set_list_and_test(
    tmp_path: Path, hook: WebhookReceiver, mail: SmtpServer
) -> None:
    from tests.test_cli import atende

    assert atende(tmp_path, "org", "create", "loja", "--name", "Loja").returncode == 0
    set_ = atende(
        tmp_path,
        "alerts",
        "set",
        "loja",
        f"webhook_url={hook.url}",
        "emails=dono@loja.test",
        "quiet_hours=22:00-07:00",
    )
    assert set_.returncode == 0, set_.stderr
    assert "webhook_url: ***" in set_.stdout and "quiet_hours: 22:00-07:00" in set_.stdout
    assert "XXXXtoken" not in set_.stdout
    bad = atende(tmp_path, "alerts", "set", "loja", "quiet_hours=late")
    assert bad.returncode == 2 and "quiet_hours" in bad.stderr
    listed = atende(tmp_path, "alerts", "loja")
    assert listed.returncode == 0 and "open: 0" in listed.stdout
    tested = atende(tmp_path, "alerts", "test", "loja", ATENDE_SMTP_URL=mail.url())
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "webhook: sent" in tested.stdout and "email: sent" in tested.stdout
    assert hook.wait_for(1)[0]["event"] == "test"
    assert "Teste de alerta" in str(mail.mailbox.wait_for(1)[0]["Subject"])
    assert mail.url() not in tested.stdout + tested.stderr


def test_the_runtime_leaves_e_mail_off_for_an_unusable_smtp_url(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from atende.runtime import smtp_config

    settings = settings_for(sqlite_url, tmp_path, smtp_url="smtp://u:hunter2@?from=x")
    assert smtp_config(settings) is None
    assert "hunter2" not in caplog.text and "e-mail are off" in caplog.text
