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
from prometheus_client import REGISTRY
from sqlalchemy import update

from atende.storage.db import transaction
from atende.storage.models import Contact, Conversation, Message
from tests.support.fake_senders import TWILIO_ACCOUNT, FakeSenders, start_fake_senders
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


@pytest.mark.wall_clock  # worker processes read the machine's clock
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


# The same decisions one at a time, in-process: a message left as a killed worker leaves it.


@pytest.fixture
def stranded(sqlite_url: str, tmp_path: Path) -> Iterator[CrashRun]:
    fake = start_fake_senders(delay=0)
    run = CrashRun(sqlite_url, f"sqlite:///{tmp_path / 'queue.db'}", tmp_path, fake)
    run.queue(per_provider=2)
    yield run
    run.close()
    fake.stop()


def unknown(provider: str) -> float:
    return (
        REGISTRY.get_sample_value("atende_sends_outcome_unknown_total", {"provider": provider})
        or 0.0
    )


def stored(run: CrashRun, message_id: int) -> Message:
    with run.runtime.sessions() as s:
        message = s.get(Message, message_id)
        assert message is not None
        return message


def recipient(run: CrashRun, message_id: int) -> str:
    with run.runtime.sessions() as s:
        conv = s.get(Conversation, stored(run, message_id).conversation_id)
        assert conv is not None
        contact = s.get(Contact, conv.contact_id)
        assert contact is not None
        return contact.phone


@pytest.mark.parametrize("shape", ["twilio", "evolution paged", "evolution list"])
def test_a_send_the_provider_already_has_is_recorded_not_repeated(
    stranded: CrashRun, shape: str
) -> None:
    provider = shape.split()[0]
    stranded.fake.evolution_bare_list = shape == "evolution list"
    message_id = stranded.message_ids(provider)[0]
    body = stored(stranded, message_id).body
    stranded.fake.accept(provider, recipient(stranded, message_id), body, "ID-FROM-PROVIDER")
    stranded.strand(message_id)
    before = unknown(provider)
    assert stranded.runtime.pipeline.send(message_id) == "reconciled"
    message = stored(stranded, message_id)
    assert (message.status, message.provider_id) == ("sent", "ID-FROM-PROVIDER")
    assert len(stranded.fake.sent(provider)) == 1 and unknown(provider) == before


@pytest.mark.parametrize("provider", ["twilio", "evolution"])
def test_a_send_that_never_reached_the_provider_is_sent_again(
    stranded: CrashRun, provider: str
) -> None:
    message_id = stranded.message_ids(provider)[0]
    stranded.strand(message_id)
    before = unknown(provider)
    assert stranded.runtime.pipeline.send(message_id) == "sent"
    assert len(stranded.fake.sent(provider)) == 1 and unknown(provider) == before


def test_a_failed_lookup_resends_and_counts_the_unknown_outcome(stranded: CrashRun) -> None:
    message_id = stranded.message_ids("twilio")[0]
    stranded.strand(message_id)
    stranded.fake.api.fail_next(rf"/2010-04-01/Accounts/{TWILIO_ACCOUNT}/Messages\.json", 503)
    before = unknown("twilio")
    assert stranded.runtime.pipeline.send(message_id) == "sent"
    assert len(stranded.fake.sent("twilio")) == 1 and unknown("twilio") == before + 1


def test_meta_cannot_be_asked_so_the_resend_is_counted(stranded: CrashRun) -> None:
    message_id = stranded.message_ids("meta")[0]
    stranded.strand(message_id)
    before = unknown("meta")
    assert stranded.runtime.pipeline.send(message_id) == "sent"
    assert unknown("meta") == before + 1


def test_an_identical_earlier_reply_is_not_taken_for_this_one(stranded: CrashRun) -> None:
    first, second = stranded.message_ids("evolution")
    with transaction(stranded.runtime.sessions) as s:
        s.execute(
            update(Message).where(Message.id == second).values(body=stored(stranded, first).body)
        )
    assert stranded.runtime.pipeline.send(first) == "sent"
    stranded.strand(second)
    assert stranded.runtime.pipeline.send(second) == "sent"  # the provider's copy is the first's
    ids = {stored(stranded, first).provider_id, stored(stranded, second).provider_id}
    assert ids == {a.provider_id for a in stranded.fake.sent("evolution")} and len(ids) == 2


def test_choices_twilio_renders_itself_count_as_unknown(stranded: CrashRun) -> None:
    message_id = stranded.message_ids("twilio")[0]
    choices = {"kind": "buttons", "prompt": "Qual horário?", "options": ["9h", "10h"]}
    with transaction(stranded.runtime.sessions) as s:
        s.execute(update(Message).where(Message.id == message_id).values(choices=choices))
    stranded.strand(message_id)
    before = unknown("twilio")
    assert stranded.runtime.pipeline.send(message_id) == "sent"
    assert unknown("twilio") == before + 1


@pytest.mark.parametrize("provider", ["twilio", "evolution"])
def test_a_send_that_timed_out_is_looked_up_before_the_retry(
    stranded: CrashRun, provider: str
) -> None:
    message_id = stranded.message_ids(provider)[0]
    stranded.fake.delay = 1.5  # beyond the 1 s send timeout: the provider has it, we don't know
    assert stranded.runtime.pipeline.send(message_id) == "retry"
    stranded.fake.delay = 0
    assert stranded.runtime.pipeline.send(message_id) == "reconciled"
    [accepted] = stranded.fake.sent(provider)
    assert stored(stranded, message_id).provider_id == accepted.provider_id


@pytest.mark.parametrize("provider", ["twilio", "evolution"])
def test_a_send_whose_connection_dropped_is_looked_up_before_the_retry(
    stranded: CrashRun, provider: str
) -> None:
    message_id = stranded.message_ids(provider)[0]
    stranded.fake.delay = 0
    stranded.fake.hang_up = True  # the provider has it; the answer is a dropped connection
    assert stranded.runtime.pipeline.send(message_id) == "retry"
    stranded.fake.hang_up = False
    assert stranded.runtime.pipeline.send(message_id) == "reconciled"
    [accepted] = stranded.fake.sent(provider)
    assert stored(stranded, message_id).provider_id == accepted.provider_id


@pytest.mark.parametrize("provider", ["twilio", "evolution"])
def test_the_lookup_reads_further_pages(stranded: CrashRun, provider: str) -> None:
    message_id = stranded.message_ids(provider)[0]
    phone, body = recipient(stranded, message_id), stored(stranded, message_id).body
    stranded.fake.accept(provider, phone, body, "OURS")
    for n in range(120):  # newer messages to the same customer push ours to page two
        stranded.fake.accept(provider, phone, f"outra mensagem {n}", f"OTHER{n}")
    stranded.strand(message_id)
    assert stranded.runtime.pipeline.send(message_id) == "reconciled"
    assert stored(stranded, message_id).provider_id == "OURS"
