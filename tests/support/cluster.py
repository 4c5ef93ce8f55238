"""Real `atende worker` processes on one database and queue, answering through the fake
Twilio, with the test process ingesting as `atende web` would (tests/test_workers.py,
tests/test_pacing_workers.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import select

from atende.channels.base import ChannelConfig, InboundMessage
from atende.runtime import Runtime, build_runtime
from atende.storage.models import Channel, Contact, Conversation, Message
from tests.conftest import BUSINESS, TOKEN, seed_shop, settings_for
from tests.support.fake_twilio import FakeTwilio
from tests.support.settle import clock_environment, wait_settled


class Cluster:
    def __init__(
        self, db_url: str, queue_url: str, tmp_path: Path, twilio: FakeTwilio, buffer: float
    ) -> None:
        self.tmp_path = tmp_path
        self.twilio = twilio
        self.metrics_dir = tmp_path / "metrics"  # one file per worker process
        self.metrics_dir.mkdir(exist_ok=True)
        _, channel_id, _, _ = seed_shop(db_url)
        self.env = {
            **clock_environment(),
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
            "ATENDE_DATABASE_URL": db_url,
            "ATENDE_SECRET_KEY": os.environ["ATENDE_SECRET_KEY"],  # the test process's key
            "ATENDE_QUEUE_URL": queue_url,
            "ATENDE_TWILIO_API_BASE": twilio.url,
            "ATENDE_BUFFER_SECONDS": str(buffer),
            "ATENDE_SWEEP_INTERVAL_SECONDS": "0.5",
            "ATENDE_CLAIM_LEASE_SECONDS": "3",
            "ATENDE_SEND_TIMEOUT_SECONDS": "2",
            "ATENDE_WORKER_THREADS": "4",
        }
        self.runtime: Runtime = build_runtime(
            settings_for(
                db_url,
                tmp_path,
                queue_url=queue_url,
                buffer_seconds=buffer,
                twilio_api_base=twilio.url,
            )
        )
        with self.runtime.sessions() as s:
            row = s.get(Channel, channel_id)
            assert row is not None
            self.channel = ChannelConfig(
                row.id, row.organization_id, row.provider, row.address, dict(row.credentials)
            )
        assert self.channel.address == BUSINESS and self.channel.credentials["auth_token"] == TOKEN
        self.workers: list[subprocess.Popen[bytes]] = []

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = open(self.tmp_path / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "atende.cli", "worker"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(proc)
        return proc

    def say(self, phone: str, text: str, n: int) -> None:
        msg = InboundMessage(f"SM{phone[-6:]}{n:04d}{'0' * 20}", phone, None, "text", text)
        self.runtime.pipeline.ingestor.ingest(self.channel, msg)

    def settle(self, timeout: float = 60) -> None:
        if wait_settled(self.runtime.sessions, timeout, poll=0.1):
            return
        raise AssertionError(f"not settled; worker logs:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in self.tmp_path.glob("worker-*.log"))

    def history(self, phones: set[str]) -> list[tuple[Any, ...]]:
        """What the database holds for these customers, to explain a failed count."""
        with self.runtime.sessions() as s:
            rows = s.execute(
                select(
                    Contact.phone,
                    Message.direction,
                    Message.status,
                    Message.buffer_version,
                    Message.idempotency_key,
                    Message.provider_id,
                    Message.body,
                )
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.phone.in_(phones))
                .order_by(Message.id)
            )
            return [tuple(r) for r in rows]

    def replies_per_phone(self) -> Counter[str]:
        return Counter(s.form["To"].removeprefix("whatsapp:") for s in self.twilio.sent)

    def sent_by(self, proc: subprocess.Popen[bytes]) -> float:
        """How many messages this worker process sent (its own Prometheus file)."""
        files = [str(p) for p in self.metrics_dir.glob(f"counter_{proc.pid}.db")]
        for metric in MultiProcessCollector.merge(files, accumulate=False):
            for sample in metric.samples:
                if sample.name == "atende_sends_total" and sample.labels == {"outcome": "sent"}:
                    return sample.value
        return 0.0

    def close(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
        self.runtime.close()


def phones(count: int) -> list[str]:
    return [f"+55119{i:08d}" for i in range(count)]


def in_parallel(jobs: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=j) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
