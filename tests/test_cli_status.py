"""``atende status`` and ``atende queue`` through typer's runner, on a real SQLite file
holding what the send path leaves: a failed reply, a backlog, an open breaker, an open
alert, a worker's heartbeat."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from atende import __version__
from atende.cli import app
from atende.domain.sending import SendClass
from atende.jobs.backends import huey_from_url
from atende.storage import alerts, heartbeats
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.models import Message
from atende.storage.types import utcnow
from tests.conftest import seed_shop
from tests.support import send_rows
from tests.support.api_server import add_conversation, second_org

runner = CliRunner()


class Rows:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)

    def message(self, message_id: int) -> Message:
        with self.sessions() as s:
            row = s.get(Message, message_id)
            assert row is not None
            return row


@pytest.fixture
def shop(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Rows, int]:
    """The demo shop with trouble in it; returns the rows and its failed message's id."""
    org_id, channel_id, _, _ = seed_shop(sqlite_url)
    monkeypatch.setenv("ATENDE_DATABASE_URL", sqlite_url)
    rows = Rows(sqlite_url)
    now = utcnow()
    with transaction(rows.sessions) as s:
        conv = add_conversation(s, org_id, channel_id, "+5511999990001", now, now)
        failed = send_rows.outbound(
            s, org_id, conv, channel_id, "failed", body="Falhou", error=("63016", "janela")
        )
        send_rows.attempt(s, failed, 1, "failed", code="63016", detail="janela")
        for minutes in (1, 3):
            send_rows.outbound(
                s, org_id, conv, channel_id, created_at=now - timedelta(minutes=minutes)
            )
        later = now + timedelta(hours=1)
        send_rows.outbound(
            s, org_id, conv, channel_id, send_class=SendClass.CAMPAIGN, next_attempt_at=later
        )
        send_rows.breaker(s, channel_id, "open", 5, "twilio 503")
        alerts.open_alert(s, org_id, alerts.CHANNEL_DOWN, f"channel:{channel_id}", "Twilio fora")
        heartbeats.beat(s, "host-a:123", __version__)
        heartbeats.beat(s, "host-b:456", "0.0.9")
        second_org(s, "calma")
    yield rows, failed
    rows.engine.dispose()


def test_status_shows_channels_queues_alerts_and_workers(shop: tuple[Rows, int]) -> None:
    got = runner.invoke(app, ["status"], env={"COLUMNS": "200"})
    assert got.exit_code == 0, got.output
    out = got.output
    assert "atende " + __version__ in out and "all" in out
    assert "demo" in out and "calma" in out  # every organization
    assert "yellow" in out and "breaker open after 5 failures" in out
    assert "twilio 503" in out and "open" in out
    assert "version_skew" not in out and "0.0.9" in out  # the skew is shown as the version
    reply_row = next(line for line in out.splitlines() if line.strip("│ ").startswith("reply"))
    assert "2" in reply_row and "180 s" in reply_row  # two due, the oldest 3 minutes
    assert "campaign" in out
    assert "channel_down" in out and "Twilio fora" in out
    assert "host-a:123" in out and "host-b:456" in out and "alive" in out


def test_status_of_one_organization(shop: tuple[Rows, int]) -> None:
    got = runner.invoke(app, ["status", "calma"], env={"COLUMNS": "200"})
    assert got.exit_code == 0, got.output
    assert "calma" in got.output and "demo" not in got.output
    assert "open alerts (0)" in got.output
    missing = runner.invoke(app, ["status", "nope"])
    assert missing.exit_code != 0


def test_queue_lists_and_retries_a_failed_message(shop: tuple[Rows, int], tmp_path: Path) -> None:
    rows, failed = shop
    listed = runner.invoke(app, ["queue", "demo"])
    assert listed.exit_code == 0, listed.output
    assert f"id: {failed}" in listed.output and "reason: janela" in listed.output
    assert "tries 1" in listed.output and "+5511999990001" in listed.output
    got = runner.invoke(app, ["queue", "retry", "demo", str(failed)])
    assert got.exit_code == 0, got.output
    assert f"message {failed}: queued" in got.output
    assert (rows.message(failed).status, rows.message(failed).attempts) == ("queued", 0)
    huey = huey_from_url(f"sqlite:///{tmp_path / 'atende-queue.db'}")
    assert huey.pending_count() == 1  # its send job waits for a worker
    again = runner.invoke(app, ["queue", "discard", "demo", str(failed)])
    assert again.exit_code != 0 and "only a failed message" in str(again.exception)


def test_queue_resend_discard_handled_and_mistakes(shop: tuple[Rows, int]) -> None:
    rows, failed = shop
    got = runner.invoke(app, ["queue", "resend", "demo", str(failed), "--body", "Novo texto"])
    assert got.exit_code == 0, got.output
    assert (rows.message(failed).body, rows.message(failed).status) == ("Novo texto", "queued")
    for mistake in (
        ["queue", "resend", "demo", str(failed)],  # no --body
        ["queue", "retry", "demo"],  # no id
        ["queue", "demo", "5"],  # not an action
        ["queue", "retry", "calma", str(failed)],  # another organization's message
    ):
        assert runner.invoke(app, mistake).exit_code != 0, mistake
    with transaction(rows.sessions) as s:
        row = s.get(Message, failed)
        assert row is not None
        row.status = "failed"
    assert runner.invoke(app, ["queue", "handled", "demo", str(failed)]).exit_code == 0
    assert rows.message(failed).status == "handled"
