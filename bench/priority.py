"""Reply latency while a campaign drains: idle vs during a 2,000-message campaign.

    PYTHONPATH=src:. .venv/bin/python bench/priority.py [--customers 20] [--campaign 2000]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres --redis redis://127.0.0.1:6379/13]

Real processes: ``atende serve`` (web + embedded worker, SQLite + SQLite queue) by
default; with ``--pg`` and ``--redis``, ``atende web`` and ``--workers`` (2) ``atende
worker`` processes on a fresh PostgreSQL database (created on that server, dropped after)
and that Redis database (emptied first). A fake Twilio on 127.0.0.1, in this process,
accepts every send at once and stamps its arrival.

``--customers`` clients of the demo shop each write ``--rounds`` times, spread over
``--spread`` seconds, through the signed Twilio webhook: first with nothing else going on
(*idle*), then while a campaign to ``--campaign`` clients (the customers among them,
evenly spread in its order) drains through the same channel and workers (*during*). A
reply's latency runs from the webhook's 200 to the fake Twilio receiving the reply's
first part, minus the burst window (``ATENDE_BUFFER_SECONDS``, ``--buffer``), which
delays every answer by the same fixed wait on purpose: what is left is queueing and
work. Each phase is also split in two: until a worker's flush queued the reply (the
window subtracted; a delayed job waits for the queue's next scheduler tick, up to 1 s,
which is most of the idle figure) and from there to Twilio (the send: the pace, the
queue). The target (issue 11): p95 during the campaign within +1 s of idle.

The campaign is the product's own: the owner writes *campanha* from the owner's number,
picks the birthday draft (every seeded client has a pet born this month) with *enviar N*
and confirms with *sim*; the owner's assistant queues one message per client, each held
until its turn at ``ATENDE_CAMPAIGN_PER_MINUTE``, and the workers send them through the
pacing gate. Pacing choice, said in the output too: Twilio's default of 10 messages/s
would take 200 s for 2,000, so the channel is set to ``--pace`` (0.025 s: 40/s, 50 s),
and ``ATENDE_CAMPAIGN_PER_MINUTE`` to twice the channel's rate, so the channel's pace,
not the campaign's schedule, holds the campaign back: a backlog of campaign messages
is due at every moment, the worst case for a customer who writes.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from tests.support.fake_twilio import FakeTwilio, Sent, start_fake_twilio
from tests.support.live import free_port
from tests.support.providers import signed_twilio, twilio_form

from atende import clock
from atende.domain.sending import SendClass
from atende.storage import heartbeats, orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.demo import create_demo
from atende.storage.migrate import upgrade
from atende.storage.models import Contact, Conversation, Message, Pet

ACCOUNT = "AC" + "b" * 32
TOKEN = "bench_priority_token_0123456789ab"
BUSINESS = "whatsapp:+551130040001"  # the address the Twilio fixtures write to
OWNER = "+5511900000000"
TWILIO_INTERVAL = 0.1  # Twilio's default pace (domain/sending.py)
PROMO_MARK = "responda SAIR"  # every campaign message ends with the opt-out footer
QUESTIONS = (
    "qual o horário de funcionamento?",
    "quanto custa o banho?",
    "vocês aceitam pix?",
    "qual o endereço?",
)


@dataclass
class Sample:
    phone: str
    asked: datetime  # the webhook answered 200
    answered: datetime | None = None  # the provider received the reply's first part
    queued: datetime | None = None  # a worker's flush queued the reply


@dataclass
class Shop:
    """The processes, the fake provider and the seeded shop."""

    url: str
    channel_id: str
    writers: list[str]
    fake: FakeTwilio
    sessions: sessionmaker[Session]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/twilio/{self.channel_id}"

    def post(self, phone: str, body: str) -> datetime:
        """One customer message through the signed webhook; when it was accepted."""
        pairs = twilio_form(
            "inbound_text.form",
            Body=body,
            From=f"whatsapp:{phone}",
            WaId=phone.lstrip("+"),
            MessageSid="SM" + secrets.token_hex(16),
            AccountSid=ACCOUNT,
        )
        raw, headers = signed_twilio(self.webhook, pairs, TOKEN)
        response = httpx.post(self.webhook, content=raw, headers=headers, timeout=30)
        response.raise_for_status()
        return clock.now()

    def sent_to(self, phone: str, since: datetime) -> list[Sent]:
        with self.fake.lock:
            return [
                s
                for s in self.fake.sent
                if s.form.get("To") == f"whatsapp:{phone}" and s.created >= since
            ]

    def wait_owner(self, since: datetime, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for s in self.sent_to(OWNER, since):
                if re.search(pattern, s.form.get("Body", "")):
                    return s.form["Body"]
            time.sleep(0.05)
        raise SystemExit(f"the owner's assistant never said /{pattern}/")

    def promos(self) -> list[Sent]:
        with self.fake.lock:
            return [s for s in self.fake.sent if PROMO_MARK in s.form.get("Body", "")]


def seed(
    db_url: str, key: str, customers: int, audience: int, pace: float
) -> tuple[str, list[str]]:
    """The demo shop, its Twilio channel paced at ``pace``, the owner's number and
    ``audience`` clients with a conversation (written in the last hour, so free text may
    go) and a pet born this month; the ``customers`` who will write are spread evenly
    through the campaign's order. Returns the channel id and the writers' phones."""
    upgrade(db_url, key)
    engine = make_engine(db_url, key)
    with transaction(make_sessionmaker(engine)) as s:
        org = create_demo(s)
        org.owner_phones = [OWNER]
        channel = orgs.add_channel(
            s, org.id, "twilio", BUSINESS, {"account_sid": ACCOUNT, "auth_token": TOKEN}
        )
        channel.pacing = {"min_interval": pace}
        now = clock.now()
        born = date(2021, now.astimezone(ZoneInfo(org.timezone)).month, 1)
        contacts = [
            Contact(organization_id=org.id, phone=f"+55119{i + 1:08d}", name=f"Cliente {i + 1}")
            for i in range(audience)
        ]
        s.add_all(contacts)
        s.flush()
        for c in contacts:
            s.add(
                Conversation(
                    organization_id=org.id,
                    contact_id=c.id,
                    channel_id=channel.id,
                    last_inbound_at=now - timedelta(hours=1),
                    last_message_at=now - timedelta(hours=1),
                )
            )
            s.add(
                Pet(
                    organization_id=org.id,
                    contact_id=c.id,
                    name="Thor",
                    species="cachorro",
                    birth_date=born,
                )
            )
        stride = audience / customers
        writers = [contacts[int(stride * i + stride / 2)].phone for i in range(customers)]
        channel_id = channel.id
    engine.dispose()
    return channel_id, writers


def start(
    args: argparse.Namespace, env: dict[str, str], port: int, tmp: Path
) -> list[subprocess.Popen[bytes]]:
    def run(*command: str) -> subprocess.Popen[bytes]:
        log = open(tmp / f"{command[0]}-{len(procs)}.log", "wb")  # noqa: SIM115
        cmd = [sys.executable, "-m", "atende.cli", *command]
        return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)

    procs: list[subprocess.Popen[bytes]] = []
    if args.pg:
        procs.append(run("web", "--port", str(port)))
        procs.extend(run("worker") for _ in range(args.workers))
    else:
        procs.append(run("serve", "--port", str(port)))
    return procs


def wait_ready(
    url: str, sessions: sessionmaker[Session], workers: int, procs: list[subprocess.Popen[bytes]]
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise SystemExit("an atende process exited; see its log")
        try:
            up = httpx.get(f"{url}/health", timeout=2).status_code < 500
        except httpx.HTTPError:
            up = False
        with sessions() as s:
            alive = len(heartbeats.alive(s, 60))
        if up and alive >= workers:
            return
        time.sleep(0.2)
    raise SystemExit("atende did not start in 60 s")


def schedule(writers: list[str], rounds: int, spread: float) -> list[tuple[float, str, str]]:
    """(offset, phone, text): every customer ``rounds`` times, evenly over ``spread``
    seconds, a customer's messages far apart (each its own burst)."""
    total = len(writers) * rounds
    return [
        (spread * n / total, writers[n % len(writers)], QUESTIONS[n % len(QUESTIONS)])
        for n in range(total)
    ]


def play(shop: Shop, plan: list[tuple[float, str, str]], timeout: float) -> list[Sample]:
    began = time.monotonic()
    samples: list[Sample] = []
    for offset, phone, body in plan:
        time.sleep(max(0.0, began + offset - time.monotonic()))
        samples.append(Sample(phone, shop.post(phone, body)))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for sample in samples:
            if sample.answered is None:
                answers = [
                    s
                    for s in shop.sent_to(sample.phone, sample.asked)
                    if PROMO_MARK not in s.form["Body"]
                ]
                if answers:
                    sample.answered = answers[0].created
        if all(s.answered is not None for s in samples):
            with shop.sessions() as session:
                for sample in samples:
                    sample.queued = session.scalar(
                        select(func.min(Message.created_at))
                        .join(Conversation, Conversation.id == Message.conversation_id)
                        .join(Contact, Contact.id == Conversation.contact_id)
                        .where(
                            Contact.phone == sample.phone,
                            Message.direction == "out",
                            Message.priority == SendClass.REPLY,
                            Message.created_at >= sample.asked,
                        )
                    )
            return samples
        time.sleep(0.1)
    missing = [s.phone for s in samples if s.answered is None]
    raise SystemExit(f"no reply within {timeout:.0f} s to {missing}")


def start_campaign(shop: Shop) -> int:
    """The owner asks for campaigns, picks the birthday one and confirms; how many
    messages were queued."""
    since = clock.now()
    shop.post(OWNER, "campanha")
    drafts = shop.wait_owner(since, r"enviar 1")
    picked = re.search(r"(\d)\. aniversários", drafts)
    if picked is None:
        raise SystemExit(f"no birthday campaign among the drafts:\n{drafts}")
    since = clock.now()
    shop.post(OWNER, f"enviar {picked.group(1)}")
    shop.wait_owner(since, r"Confirma o envio")
    since = clock.now()
    shop.post(OWNER, "sim")
    queued = shop.wait_owner(since, r"Campanha enviada")
    found = re.search(r"(\d+) mensagem", queued)
    return int(found.group(1)) if found else 0


def latencies(samples: list[Sample], window: float) -> list[float]:
    return sorted(
        (s.answered - s.asked).total_seconds() - window for s in samples if s.answered is not None
    )


def parts(samples: list[Sample], window: float) -> tuple[list[float], list[float]]:
    """Where the time went: to the reply queued by a flush (less the window), and
    from there to the provider."""
    done = [s for s in samples if s.answered is not None and s.queued is not None]
    flush = sorted((s.queued - s.asked).total_seconds() - window for s in done)  # type: ignore[operator]
    send = sorted((s.answered - s.queued).total_seconds() for s in done)  # type: ignore[operator]
    return flush, send


def pct(values: list[float], p: float) -> float:
    """Nearest rank."""
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def row(name: str, values: list[float]) -> str:
    return (
        f"{name:<18} {len(values):>4} {pct(values, 50):>7.2f} {pct(values, 95):>7.2f} "
        f"{values[-1]:>7.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20, help="customers who write (20)")
    parser.add_argument("--rounds", type=int, default=2, help="messages per customer and phase (2)")
    parser.add_argument("--campaign", type=int, default=2000, help="campaign size (2000)")
    parser.add_argument("--pace", type=float, default=0.025, help="channel min_interval, s (0.025)")
    parser.add_argument(
        "--campaign-per-minute", type=float, default=0.0, help="default: 2 × the channel's rate"
    )
    parser.add_argument("--buffer", type=float, default=1.0, help="burst window, s (1.0)")
    parser.add_argument(
        "--spread",
        type=float,
        default=30.0,
        help="seconds the messages of a phase spread over (30)",
    )
    parser.add_argument(
        "--pg", default="", help="PostgreSQL server URL: scale-out (a fresh database on it)"
    )
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/13",
        help="with --pg: a Redis database to empty and use",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="with --pg: atende worker processes (2)"
    )
    args = parser.parse_args()
    per_minute = args.campaign_per_minute or 2 * 60 / args.pace
    key = Fernet.generate_key().decode()
    with tempfile.TemporaryDirectory(prefix="atende-priority-") as tmp_dir:
        tmp = Path(tmp_dir)
        pg_name = ""
        if args.pg:
            pg_name = f"atende_bench_{secrets.token_hex(4)}"
            _pg_admin(args.pg, f'CREATE DATABASE "{pg_name}"')
            db_url, queue_url = args.pg.rsplit("/", 1)[0] + "/" + pg_name, args.redis
            import redis

            redis.Redis.from_url(queue_url).flushdb()
        else:
            db_url, queue_url = f"sqlite:///{tmp / 'atende.db'}", f"sqlite:///{tmp / 'queue.db'}"
        try:
            run(args, tmp, db_url, queue_url, key, per_minute)
        finally:
            if pg_name:
                _pg_admin(args.pg, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def _pg_admin(url: str, statement: str) -> None:
    engine = create_engine(
        "postgresql+psycopg://" + url.split("://", 1)[1], isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def run(
    args: argparse.Namespace, tmp: Path, db_url: str, queue_url: str, key: str, per_minute: float
) -> None:
    audience = max(args.campaign, args.customers)
    channel_id, writers = seed(db_url, key, args.customers, audience, args.pace)
    fake = start_fake_twilio()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "ATENDE_DATABASE_URL": db_url,
        "ATENDE_QUEUE_URL": queue_url,
        "ATENDE_SECRET_KEY": key,
        "ATENDE_PUBLIC_URL": url,
        "ATENDE_TWILIO_API_BASE": fake.url,
        "ATENDE_BUFFER_SECONDS": str(args.buffer),
        "ATENDE_CAMPAIGN_PER_MINUTE": str(per_minute),
    }
    engine = make_engine(db_url, key)
    shop = Shop(url, channel_id, writers, fake, make_sessionmaker(engine))
    mode = (
        f"scale-out (atende web + {args.workers} × atende worker, PostgreSQL + Redis)"
        if args.pg
        else "embedded (atende serve: SQLite + SQLite queue)"
    )
    print(f"priority bench: {mode}; {args.customers} customers × {args.rounds} messages per phase")
    rate = f"{1 / args.pace:.0f}/s"
    if args.pace < TWILIO_INTERVAL:
        rate += f", faster than Twilio's default 10/s so {args.campaign} drain in a minute or so"
    print(
        f"channel pace {args.pace:g} s ({rate}); ATENDE_CAMPAIGN_PER_MINUTE {per_minute:.0f}; "
        f"burst window {args.buffer:g} s, subtracted"
    )
    try:
        shop.processes = start(args, env, port, tmp)
        wait_ready(url, shop.sessions, args.workers if args.pg else 1, shop.processes)
        plan = schedule(writers, args.rounds, args.spread)
        idle = play(shop, plan, timeout=120)

        began = time.monotonic()
        queued = start_campaign(shop)
        while not shop.promos() and time.monotonic() - began < 60:
            time.sleep(0.05)
        first_promo = clock.now()
        time.sleep(2.0)  # well into the drain
        during = play(shop, plan, timeout=600)
        asked_last = max(s.asked for s in during)
        deadline = time.monotonic() + max(600.0, 5 * args.campaign * args.pace)
        while len(shop.promos()) < queued and time.monotonic() < deadline:
            time.sleep(0.2)
        promos = shop.promos()
        drained = promos[-1].created if promos else first_promo
    finally:
        for proc in shop.processes:
            proc.terminate()
        for proc in shop.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        fake.stop()
        engine.dispose()

    quiet, busy = latencies(idle, args.buffer), latencies(during, args.buffer)
    print(f"{'latency (s)':<18} {'n':>4} {'p50':>7} {'p95':>7} {'max':>7}")
    for name, phase, values in (("idle", idle, quiet), ("during campaign", during, busy)):
        print(row(name, values))
        flush, send = parts(phase, args.buffer)
        print(row("  until queued", flush))
        print(row("  queued→Twilio", send))
    delta = pct(busy, 95) - pct(quiet, 95)
    verdict = "met" if delta <= 1.0 else "MISSED"
    print(
        f"p95 delta {delta:+.2f} s (target ≤ +1.00 s: {verdict}); "
        f"p50 delta {pct(busy, 50) - pct(quiet, 50):+.2f} s"
    )
    seconds = (drained - first_promo).total_seconds()
    copies = Counter((s.form["To"], s.form["Body"]) for s in promos)
    dupes = sum(n - 1 for n in copies.values())
    inside = asked_last < drained
    print(
        f"campaign: {queued} queued, {len(copies)} delivered ({dupes} twice) in {seconds:.1f} s "
        f"({len(promos) / max(seconds, 1e-9):.1f}/s); the customers wrote "
        f"{'inside' if inside else 'PARTLY AFTER'} the drain"
    )


if __name__ == "__main__":
    main()
