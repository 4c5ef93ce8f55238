"""The send-crash scenario, shared by tests/test_send_crash.py and bench/crash_sends.py:
real ``atende worker`` processes send queued replies through the slow fake providers
(tests/support/fake_senders.py) and are killed with SIGKILL while the provider holds
messages whose sends have not been recorded yet.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from atende.config import Settings
from atende.domain.sending import UNPACED
from atende.runtime import Runtime, build_runtime
from atende.storage import conversations, messages, orgs
from atende.storage.db import transaction
from atende.storage.demo import create_demo
from atende.storage.models import Channel, Contact, Conversation, Message
from atende.storage.types import utcnow
from tests.support.fake_senders import (
    TWILIO_ACCOUNT,
    TWILIO_NUMBER,
    TWILIO_TOKEN,
    FakeSenders,
)
from tests.support.settle import clock_environment

PROVIDERS = ("twilio", "evolution", "meta")
LEASE_SECONDS = 2.0


@dataclass
class Outcome:
    """Per provider: messages queued, extra copies the provider accepted, messages it
    never got, sends that died after the provider accepted them, unknown-outcome resends."""

    queued: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    missing: Counter[str] = field(default_factory=Counter)
    exposed: Counter[str] = field(default_factory=Counter)
    unknown: Counter[str] = field(default_factory=Counter)
    kills: int = 0

    def per_thousand(self, provider: str) -> float:
        return 1000 * self.duplicates[provider] / max(1, self.queued[provider])


class CrashRun:
    def __init__(
        self, db_url: str, queue_url: str, tmp: Path, fake: FakeSenders, sweep_seconds: float = 0.5
    ) -> None:
        self.tmp, self.fake = tmp, fake
        self.metrics_dir = tmp / "metrics"
        self.metrics_dir.mkdir(exist_ok=True)
        self.env = {
            **clock_environment(),
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
            "ATENDE_DATABASE_URL": db_url,
            "ATENDE_QUEUE_URL": queue_url,
            "ATENDE_TWILIO_API_BASE": fake.url,
            "ATENDE_META_GRAPH_BASE": fake.url,
            "ATENDE_SWEEP_INTERVAL_SECONDS": str(sweep_seconds),
            "ATENDE_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
            "ATENDE_SEND_TIMEOUT_SECONDS": "3",
            "ATENDE_SEND_RETRY_BASE_SECONDS": "0.2",
            "ATENDE_WORKER_THREADS": "6",
        }
        if "ATENDE_SECRET_KEY" in os.environ:  # every process must encrypt with the same key
            self.env["ATENDE_SECRET_KEY"] = os.environ["ATENDE_SECRET_KEY"]
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=db_url,
            queue_url=queue_url,
            twilio_api_base=fake.url,
            meta_graph_base=fake.url,
            claim_lease_seconds=LEASE_SECONDS,
            send_timeout_seconds=1.0,
            send_retry_base_seconds=0,
        )
        self.runtime: Runtime = build_runtime(settings)
        self.org_id, self.channels = self._seed()
        self.workers: list[subprocess.Popen[bytes]] = []
        self.outcome = Outcome()
        self._exposed: set[int] = set()

    def _seed(self) -> tuple[int, dict[str, str]]:
        with transaction(self.runtime.sessions) as s:
            org = create_demo(s)
            twilio = {"account_sid": TWILIO_ACCOUNT, "auth_token": TWILIO_TOKEN}
            found = {"twilio": orgs.add_channel(s, org.id, "twilio", TWILIO_NUMBER, twilio).id}
            for provider, address, creds in self.fake.channels():
                found[provider] = orgs.add_channel(s, org.id, provider, address, creds).id
            for channel_id in found.values():  # crashes, not the pace, are measured here
                row = s.get(Channel, channel_id)
                assert row is not None
                row.pacing = dict(UNPACED)
            return org.id, found

    def queue(self, per_provider: int, per_conversation: int = 2) -> None:
        """Queue ``per_provider`` replies on each channel, ``per_conversation`` to each
        customer (they go out in order), every body unique, and schedule their sends."""
        ids: list[int] = []
        with transaction(self.runtime.sessions) as s:
            for n in range(per_provider):
                for p, provider in enumerate(PROVIDERS):
                    conv_id = self._conversation(
                        s, provider, f"+55119{p}{n // per_conversation:07d}"
                    )
                    body = f"{provider} resposta {n}: o banho do Thor fica pronto às 15h"
                    key = f"crash:{provider}:{n}"
                    message_id = messages.add_outbound(
                        s, self.org_id, conv_id, self.channels[provider], body, key
                    )
                    assert message_id is not None
                    ids.append(message_id)
                    self.outcome.queued[provider] += 1
        for message_id in ids:
            self.runtime.queue.schedule_send(message_id, 0.0)

    def _conversation(self, s: Session, provider: str, phone: str) -> int:
        contact_id = conversations.find_contact(s, self.org_id, phone)
        if contact_id is None:
            contact = Contact(organization_id=self.org_id, phone=phone)
            s.add(contact)
            s.flush()
            contact_id = contact.id
        conv_id = conversations.ensure_conversation(
            s, self.org_id, self.channels[provider], contact_id
        )
        conv = s.get(Conversation, conv_id)
        assert conv is not None
        conv.last_inbound_at = utcnow()  # the customer just wrote: the 24-hour window is open
        return conv_id

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "atende.cli", "worker"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(proc)
        return proc

    def in_limbo(self) -> dict[int, str]:
        """Messages the provider accepted that we still have as ``sending``: {id: provider}."""
        by_channel = {v: k for k, v in self.channels.items()}
        with self.runtime.sessions() as s:
            rows = s.execute(
                select(Message.id, Message.channel_id, Message.body, Contact.phone)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Message.status == "sending")
            ).all()
        held = {p: set(self.fake.copies(p)) for p in PROVIDERS}
        return {
            message_id: by_channel[channel_id]
            for message_id, channel_id, body, phone in rows
            if (phone, body) in held[by_channel[channel_id]]
        }

    def kill_in_flight(
        self, worker: subprocess.Popen[bytes], wanted: set[str], at_least: int = 1
    ) -> bool:
        """SIGKILL ``worker`` once the provider holds ``at_least`` unrecorded sends of its
        own (not left by an earlier kill), one of a ``wanted`` provider; False when that
        moment never came (all was sent)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and worker.poll() is None:
            limbo = {i: p for i, p in self.in_limbo().items() if i not in self._exposed}
            if len(limbo) >= at_least and set(limbo.values()) & wanted:
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
                self.outcome.kills += 1
                for message_id, provider in self.in_limbo().items():
                    if message_id not in self._exposed:
                        self._exposed.add(message_id)
                        self.outcome.exposed[provider] += 1
                return True
            if self.all_sent():
                return False
            time.sleep(0.01)
        return False

    def crash_and_recover(self, kills: int, timeout: float = 120, at_least: int = 1) -> Outcome:
        """Kill ``kills`` workers mid-send (favouring providers not yet caught), then let
        a last worker finish; returns what the providers received."""
        worker = self.start_worker()
        for _ in range(kills):
            uncaught = {p for p in PROVIDERS if self.outcome.exposed[p] == 0}
            if not self.kill_in_flight(worker, uncaught or set(PROVIDERS), at_least):
                break
            worker = self.start_worker()
        self.wait_all_sent(timeout)
        return self.tally()

    def all_sent(self) -> bool:
        with self.runtime.sessions() as s:
            left = s.scalar(
                select(Message.id).where(Message.direction == "out", Message.status != "sent")
            )
        return left is None

    def wait_all_sent(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.all_sent():
                return
            time.sleep(0.1)
        logs = "\n".join(p.read_text()[-1500:] for p in self.tmp.glob("worker-*.log"))
        raise AssertionError(f"not every message was sent; worker logs:\n{logs}")

    def tally(self) -> Outcome:
        for provider in PROVIDERS:
            copies = self.fake.copies(provider)
            self.outcome.duplicates[provider] = sum(n - 1 for n in copies.values())
            self.outcome.missing[provider] = self.outcome.queued[provider] - len(copies)
        self.outcome.unknown = unknown_outcome_counts(self.metrics_dir)
        return self.outcome

    def recorded_ids(self, provider: str) -> dict[tuple[str, str], str | None]:
        """(recipient, body) → the provider id we stored for that message."""
        with self.runtime.sessions() as s:
            rows = s.execute(
                select(Contact.phone, Message.body, Message.provider_id)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .join(Channel, Channel.id == Message.channel_id)
                .where(Channel.provider == provider, Message.direction == "out")
            ).all()
        return {(phone, body): pid for phone, body, pid in rows}

    def message_ids(self, provider: str) -> list[int]:
        with self.runtime.sessions() as s:
            stmt = select(Message.id).where(Message.channel_id == self.channels[provider])
            return list(s.scalars(stmt.order_by(Message.id)))

    def strand(self, message_id: int) -> None:
        """Leave a message as a worker killed mid-send does: claimed a moment ago, its
        lease already run out."""
        now = utcnow()
        with transaction(self.runtime.sessions) as s:
            s.execute(
                update(Message)
                .where(Message.id == message_id)
                .values(
                    status="sending",
                    attempts=1,
                    send_started_at=now - timedelta(seconds=1),
                    claimed_until=now - timedelta(milliseconds=1),
                )
            )

    def close(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
        self.runtime.close()


def unknown_outcome_counts(metrics_dir: Path) -> Counter[str]:
    """atende_sends_outcome_unknown_total by provider, summed over every worker process
    (each writes its counters under PROMETHEUS_MULTIPROC_DIR, killed ones included)."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir))
    counts: Counter[str] = Counter()
    for metric in registry.collect():
        for sample in metric.samples:
            if sample.name == "atende_sends_outcome_unknown_total":
                counts[sample.labels["provider"]] += int(sample.value)
    return counts
