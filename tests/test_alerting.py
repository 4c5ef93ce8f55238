"""Alerts reach a person: a rule opens an alert once, it is told once through each
target — a real SMTP server (STARTTLS, login), a local webhook receiver, the owner's
WhatsApp through a healthy channel — and its resolution is told once, however many
evaluators race; warnings wait out quiet hours and the hourly limit, critical ones not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from atende.clock import ShiftedClock
from atende.domain.alerting import in_quiet_hours, over_rate
from atende.pipeline.alerting import (
    WORKER_RULES,
    AlertEngine,
    EmailTarget,
    Notifier,
    SmtpConfig,
    WebhookTarget,
    WhatsAppTarget,
)
from atende.pipeline.owners import healthy_channels
from atende.storage import orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.demo import create_demo
from atende.storage.models import (
    Alert,
    AlertNotification,
    Channel,
    ChannelBreaker,
    Contact,
    Conversation,
    Message,
    Organization,
)
from atende.storage.types import utcnow
from tests.conftest import ACCOUNT, BUSINESS, TOKEN
from tests.support.hooks import WebhookReceiver, start_receiver
from tests.support.mail import SmtpServer, start_smtp

OWNER = "+5511988887777"
CUSTOMER = "+5511999990001"


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[SmtpServer]:
    server = start_smtp(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    receiver = start_receiver()
    yield receiver
    receiver.stop()


@dataclass
class World:
    """An organization with a simulator channel, two Twilio numbers and an owner, and the
    evaluators' own sessions (each like a worker of its own)."""

    url: str
    sessions: sessionmaker[Session]
    org_id: int
    twilio: str
    second: str
    simulator: str

    def alerts(self, kind: str | None = None) -> list[Alert]:
        with self.sessions() as s:
            stmt = select(Alert).where(Alert.organization_id == self.org_id)
            if kind is not None:
                stmt = stmt.where(Alert.kind == kind)
            return list(s.scalars(stmt.order_by(Alert.id)))

    def owner_messages(self) -> list[Message]:
        with self.sessions() as s:
            stmt = select(Message).where(Message.author == "alert").order_by(Message.id)
            return list(s.scalars(stmt))

    def add_messages(self, channel_id: str, statuses: list[str]) -> None:
        with transaction(self.sessions) as s:
            conv_id = _conversation(s, self.org_id, channel_id, CUSTOMER)
            for status in statuses:
                s.add(
                    Message(
                        organization_id=self.org_id,
                        conversation_id=conv_id,
                        channel_id=channel_id,
                        direction="out",
                        author="bot",
                        body="oi",
                        status=status,
                        updated_at=utcnow(),
                    )
                )

    def open_breaker(self, channel_id: str) -> None:
        with transaction(self.sessions) as s:
            s.add(
                ChannelBreaker(
                    channel_id=channel_id,
                    state="open",
                    failures=5,
                    opened_at=utcnow(),
                    last_error="503 from provider",
                )
            )

    def configure(self, **alerts: Any) -> None:
        with transaction(self.sessions) as s:
            org = s.get(Organization, self.org_id)
            assert org is not None
            orgs.save_settings(org, orgs.settings_of(org).change(alerts=alerts))

    def engine(
        self, mail: SmtpServer | None, http: httpx.Client | None, sessions: Any = None
    ) -> AlertEngine:
        sessions = sessions or make_sessionmaker(make_engine(self.url))
        targets: list[Any] = [WhatsAppTarget(sessions, self.delivered)]
        if mail is not None:
            targets.append(EmailTarget(SmtpConfig.parse(mail.url())))
        if http is not None:
            targets.append(WebhookTarget(http))
        return AlertEngine(sessions, WORKER_RULES, Notifier(sessions, targets))

    def delivered(self, message_id: int) -> None:
        """The dispatcher's part, played: the owner's message went out."""
        with transaction(self.sessions) as s:
            s.execute(update(Message).where(Message.id == message_id).values(status="sent"))


def _conversation(s: Session, org_id: int, channel_id: str, phone: str) -> int:
    contact = s.scalars(
        select(Contact).where(Contact.organization_id == org_id, Contact.phone == phone)
    ).first()
    if contact is None:
        contact = Contact(organization_id=org_id, phone=phone)
        s.add(contact)
        s.flush()
    conv = s.scalars(
        select(Conversation).where(
            Conversation.contact_id == contact.id, Conversation.channel_id == channel_id
        )
    ).first()
    if conv is None:
        conv = Conversation(organization_id=org_id, contact_id=contact.id, channel_id=channel_id)
        s.add(conv)
        s.flush()
    conv.last_message_at = conv.last_inbound_at = utcnow()
    return conv.id


def make_world(url: str) -> World:
    sessions = make_sessionmaker(make_engine(url))
    with transaction(sessions) as s:
        org = create_demo(s)
        org.owner_phones = [OWNER]
        creds = {"account_sid": ACCOUNT, "auth_token": TOKEN}
        twilio = orgs.add_channel(s, org.id, "twilio", BUSINESS, creds).id
        second = orgs.add_channel(s, org.id, "twilio", "whatsapp:+551130040002", creds).id
        simulator = s.scalars(
            select(Channel.id).where(
                Channel.organization_id == org.id, Channel.provider == "simulator"
            )
        ).one()
        world = World(url, sessions, org.id, twilio, second, simulator)
    return world


@pytest.fixture
def world(db_url: str) -> World:
    return make_world(db_url)


def race(*jobs: Callable[[], object], rounds: int = 3) -> None:
    """Run the jobs together, ``rounds`` times, released at once by a barrier."""
    for _ in range(rounds):
        _together(jobs)


def _together(jobs: tuple[Callable[[], object], ...]) -> None:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def test_an_alert_opens_once_is_told_once_and_resolves_once_with_two_evaluators(
    world: World, mail: SmtpServer, hook: WebhookReceiver, test_clock: ShiftedClock
) -> None:
    world.configure(emails="dono@petshop.test,tecnico@petshop.test", webhook_url=hook.url)
    world.add_messages(world.twilio, ["failed", "failed", "failed", "sent", "delivered"])
    with httpx.Client() as http:
        first, second = world.engine(mail, http), world.engine(mail, http)
        race(first.evaluate, second.evaluate)

        [alert] = world.alerts()
        assert (alert.kind, alert.subject, alert.severity) == (
            "send_failure_rate",
            f"channel:{world.twilio}",
            "warning",
        )
        assert alert.resolved_at is None and "3 of 5 sends failed" in alert.message
        [email] = mail.mailbox.wait_for(1)
        assert email["Subject"].startswith("[atende · Pet Shop Amigo Fiel] 🟡 Alerta:")
        assert "muitas mensagens falhando" in email["Subject"]
        assert email["To"] == "dono@petshop.test, tecnico@petshop.test"
        assert "send_failure_rate (warning)" in email.get_content()
        [posted] = hook.wait_for(1)
        assert posted["text"].startswith("[Pet Shop Amigo Fiel] 🟡 Alerta:")
        assert posted["event"] == "opened"
        assert posted["alert"]["kind"] == "send_failure_rate"
        assert posted["alert"]["subject"] == f"channel:{world.twilio}"
        assert posted["alert"]["resolved_at"] is None
        [told] = world.owner_messages()
        assert told.body.startswith("🟡 Alerta: muitas mensagens falhando no envio")
        assert told.channel_id != world.twilio  # never through the channel it is about

        test_clock.advance(timedelta(minutes=16))  # the failures leave the window
        race(first.evaluate, second.evaluate)

    [alert] = world.alerts()
    assert alert.resolved_at is not None
    emails = mail.mailbox.wait_for(2)
    resolved = "✅ Resolvido: muitas mensagens falhando no envio — canal +55 11 3004-0001."
    assert len(emails) == 2 and emails[1]["Subject"].endswith(resolved)
    posts = hook.wait_for(2)
    assert len(posts) == 2 and posts[1]["event"] == "resolved"
    assert posts[1]["alert"]["resolved_at"] is not None
    assert [m.body.split(":")[0] for m in world.owner_messages()] == ["🟡 Alerta", "✅ Resolvido"]
    with world.sessions() as s:
        rows = list(s.scalars(select(AlertNotification)))
    assert sorted((r.event, r.target, r.status) for r in rows) == [
        ("opened", "email", "sent"),
        ("opened", "webhook", "sent"),
        ("opened", "whatsapp", "sent"),
        ("resolved", "email", "sent"),
        ("resolved", "webhook", "sent"),
        ("resolved", "whatsapp", "sent"),
    ]


def test_the_owner_is_told_through_a_healthy_channel_not_one_whose_breaker_is_open(
    world: World,
) -> None:
    with transaction(world.sessions) as s:  # the owner's latest chat is on the first number
        _conversation(s, world.org_id, world.second, OWNER)
        _conversation(s, world.org_id, world.twilio, OWNER)
    world.open_breaker(world.twilio)
    world.engine(None, None).evaluate()

    [alert] = world.alerts()
    assert (alert.kind, alert.severity) == ("channel_breaker_open", "critical")
    [told] = world.owner_messages()
    assert told.channel_id == world.second
    assert (
        told.body
        == "🔴 Alerta: envios pausados depois de falhas seguidas — canal +55 11 3004-0001."
    )
    with world.sessions() as s:
        assert healthy_channels(s, world.org_id) == [world.second, world.simulator]
        contact = s.get(Contact, s.get(Conversation, told.conversation_id).contact_id)  # type: ignore[union-attr]
        assert contact is not None and contact.phone == OWNER


def test_an_alert_about_another_thing_avoids_the_open_breaker_too(world: World) -> None:
    with transaction(world.sessions) as s:
        _conversation(s, world.org_id, world.twilio, OWNER)
    world.configure(failure_min_sends=2)
    world.open_breaker(world.twilio)
    world.add_messages(world.simulator, ["failed", "failed"])
    world.engine(None, None).evaluate()

    kinds = sorted(a.kind for a in world.alerts())
    assert kinds == ["channel_breaker_open", "send_failure_rate"]
    told = world.owner_messages()
    assert len(told) == 2 and {m.channel_id for m in told} == {world.second}


def test_warnings_wait_out_quiet_hours_and_the_hourly_limit_critical_ones_do_not(
    sqlite_url: str, hook: WebhookReceiver, test_clock: ShiftedClock
) -> None:
    world = make_world(sqlite_url)  # the suite's clock: a Tuesday, 10:00 in São Paulo
    world.configure(webhook_url=hook.url, whatsapp="off", quiet_hours="09:30-11:00", max_per_hour=1)
    world.add_messages(world.twilio, ["failed"] * 5)
    world.add_messages(world.second, ["failed"] * 5)
    world.add_messages(world.simulator, ["failed"] * 5)
    world.open_breaker(world.second)
    with httpx.Client() as http:
        engine = world.engine(None, http)
        engine.evaluate()
        assert len(world.alerts()) == 4
        [critical] = hook.wait_for(1)
        assert critical["alert"]["kind"] == "channel_breaker_open"  # through quiet hours

        test_clock.advance(timedelta(minutes=14))  # 10:14, still quiet: the others wait
        world.add_messages(world.twilio, ["failed"] * 5)
        world.add_messages(world.second, ["failed"] * 5)
        with transaction(world.sessions) as s:  # the simulator's sends recover
            s.execute(
                update(Message)
                .where(Message.channel_id == world.simulator)
                .values(status="sent", updated_at=utcnow())
            )
        engine.evaluate()
        assert len(hook.received()) == 1
        assert [a.subject for a in world.alerts("send_failure_rate") if a.resolved_at] == [
            f"channel:{world.simulator}"
        ]

        test_clock.advance(timedelta(minutes=50))  # 11:04: past quiet hours
        world.add_messages(world.twilio, ["failed"] * 5)
        world.add_messages(world.second, ["failed"] * 5)
        engine.evaluate()
        posts = hook.wait_for(2)
        assert len(posts) == 2  # one warning per hour; the resolved one is never told
        waiting = {f"channel:{world.twilio}", f"channel:{world.second}"}
        assert posts[1]["alert"]["subject"] in waiting
        assert posts[1]["alert"]["kind"] == "send_failure_rate"

        test_clock.advance(timedelta(minutes=61))
        world.add_messages(world.twilio, ["failed"] * 5)
        world.add_messages(world.second, ["failed"] * 5)
        engine.evaluate()
        posts = hook.wait_for(3)
        assert {posts[1]["alert"]["subject"], posts[2]["alert"]["subject"]} == waiting


def test_a_failed_telling_is_tried_again_later(
    sqlite_url: str, hook: WebhookReceiver, test_clock: ShiftedClock
) -> None:
    world = make_world(sqlite_url)
    world.configure(webhook_url=hook.url, whatsapp="off")
    world.open_breaker(world.twilio)
    hook.status = 503
    with httpx.Client() as http:
        engine = world.engine(None, http)
        engine.evaluate()
        engine.evaluate()  # too soon to try again
        assert len(hook.received()) == 1
        hook.status = 200
        test_clock.advance(timedelta(minutes=2))
        engine.evaluate()
        assert len(hook.received()) == 2
        engine.evaluate()
    assert len(hook.received()) == 2
    with world.sessions() as s:
        [row] = s.scalars(select(AlertNotification))
    assert (row.status, row.attempts) == ("sent", 2)


def test_smtp_login_refused_never_shows_the_password(mail: SmtpServer) -> None:
    from atende.errors import NotifyError
    from atende.pipeline.alerting.smtp import send_mail

    config = SmtpConfig.parse(mail.url(password="wrong-pass-123"))
    assert "wrong-pass-123" not in repr(config)
    with pytest.raises(NotifyError) as caught:
        send_mail(config, ["dono@petshop.test"], "teste", "corpo")
    assert "refused the login" in str(caught.value)
    assert "wrong-pass-123" not in str(caught.value)
    plain = SmtpConfig.parse(f"smtp://127.0.0.1:{mail.port}?starttls=0&from=a@b.test")
    with pytest.raises(NotifyError):  # the server insists on STARTTLS before anything
        send_mail(plain, ["dono@petshop.test"], "teste", "corpo")
    assert mail.mailbox.subjects() == []
    send_mail(SmtpConfig.parse(mail.url()), ["dono@petshop.test"], "teste", "corpo")
    assert mail.mailbox.wait_for(1)[0]["From"] == "atende@shop.test"


def test_smtp_url_forms() -> None:
    from atende.errors import ConfigurationError

    tls = SmtpConfig.parse("smtps://u%40x.com:p%3Aw@mail.example.com?from=alerts@x.com")
    assert (tls.port, tls.tls, tls.starttls, tls.username, tls.password) == (
        465,
        True,
        False,
        "u@x.com",
        "p:w",
    )
    default = SmtpConfig.parse("smtp://mail.example.com")
    assert (default.port, default.starttls, default.sender) == (
        587,
        True,
        "atende@mail.example.com",
    )
    for bad in ("http://x", "smtp://", "smtp://h?from=nobody", "smtp://h:99999"):
        with pytest.raises(ConfigurationError) as caught:
            SmtpConfig.parse(bad)
        assert "ATENDE_SMTP_URL" in str(caught.value)


def test_quiet_hours_and_rates() -> None:
    from datetime import time

    night = ((22, 0), (7, 0))
    assert in_quiet_hours(time(23, 30), night) and in_quiet_hours(time(6, 59), night)
    assert not in_quiet_hours(time(7, 0), night) and not in_quiet_hours(time(12, 0), night)
    assert in_quiet_hours(time(13, 0), ((12, 0), (14, 0)))
    assert not in_quiet_hours(time(13, 0), None)
    assert over_rate(2, 10, 0.10, 5) and not over_rate(1, 10, 0.10, 5)
    assert not over_rate(1, 1, 0.10, 5)  # one failure of one send is no rate


def test_alert_settings_are_validated_and_the_webhook_url_is_sealed(sqlite_url: str) -> None:
    from pydantic import ValidationError

    from atende.domain.org_settings import OrgSettings
    from tests.support.raw_db import raw_secret_columns

    for bad in (
        {"quiet_hours": "25:00-07:00"},
        {"emails": ["not-an-email"]},
        {"webhook_url": "ftp://x"},
        {"failure_rate": 0},
        {"backlog_count": 0},
    ):
        with pytest.raises(ValidationError):
            OrgSettings().change(alerts=bad)
    cfg = OrgSettings().change(alerts={"quiet_hours": "22:00 - 7:00", "emails": "a@b.co"}).alerts
    assert (cfg.quiet_hours, cfg.emails, cfg.quiet()) == (
        "22:00-07:00",
        ["a@b.co"],
        ((22, 0), (7, 0)),
    )
    assert OrgSettings.load({"alerts": {"failure_rate": "lots"}}).alerts.failure_rate == 0.10

    world = make_world(sqlite_url)
    secret = "https://hooks.slack.test/services/T0/B0/very-secret-token"
    world.configure(webhook_url=secret)
    assert "very-secret-token" not in raw_secret_columns(sqlite_url)
    with world.sessions() as s:
        org = s.get(Organization, world.org_id)
        assert org is not None and orgs.settings_of(org).alerts.webhook() == secret
        assert "very-secret-token" not in repr(orgs.settings_of(org))
