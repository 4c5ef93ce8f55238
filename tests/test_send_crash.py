"""kill -9 while replies are going out: the provider already has some messages we have
not recorded as sent. Twilio and Evolution are asked before anything is sent again, so
nobody gets a reply twice; Meta cannot be asked, so its resends are counted.

Real `atende worker` processes, SIGKILLed mid-send, against slow fake providers (300 ms
per send), on the embedded backends (SQLite + SQLite queue) and on the scale-out ones
(PostgreSQL + Redis).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_senders import FakeSenders, start_fake_senders
from tests.support.send_crash import CrashRun


@pytest.fixture(params=["embedded", "scale-out"])
def crash_run(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CrashRun]:
    if request.param == "embedded":
        urls = request.getfixturevalue("sqlite_url"), f"sqlite:///{tmp_path / 'queue.db'}"
    else:
        urls = request.getfixturevalue("pg_url"), request.getfixturevalue("redis_url")
    fake: FakeSenders = start_fake_senders(delay=0.3)
    run = CrashRun(*urls, tmp_path, fake)
    yield run
    run.close()
    fake.stop()


def test_killed_sends_are_reconciled_not_repeated(crash_run: CrashRun) -> None:
    crash_run.queue(per_provider=24)
    outcome = crash_run.crash_and_recover(kills=4)

    # the scenario really happened: each provider held sends we had not recorded
    assert all(outcome.exposed[p] > 0 for p in ("twilio", "evolution", "meta")), outcome
    for provider in ("twilio", "evolution"):
        copies = crash_run.fake.copies(provider)
        assert len(copies) == 24 and set(copies.values()) == {1}, (provider, copies)
        # the stored id is the one the provider gave that very message
        accepted = {(a.to, a.body): a.provider_id for a in crash_run.fake.sent(provider)}
        assert crash_run.recorded_ids(provider) == accepted
    assert outcome.unknown["twilio"] == outcome.unknown["evolution"] == 0

    # Meta cannot say what it has: every message arrives, resends are allowed and counted
    assert len(crash_run.fake.copies("meta")) == 24
    assert outcome.unknown["meta"] >= outcome.exposed["meta"] > 0
