"""The typed dialogue state: stored states of the previous shape keep working, after the
migration and before it (a worker on the old code during an upgrade), and nothing a row
holds can fail a turn."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, update

from atende.brain.dialogue.state import DialogueState
from atende.storage.migrate import alembic_config, upgrade
from atende.storage.models import Booking, Conversation, Pet, Service
from atende.storage.types import utcnow
from tests.conftest import demo_runtime
from tests.support.dialogue import TZ, Customer, next_weekday


def v1_confirming(service_id: int, day: date) -> dict[str, object]:
    """A booking waiting for its "sim", as version 1 stored it."""
    return {
        "flow": "booking",
        "awaiting": "confirm",
        "service_id": service_id,
        "date": day.isoformat(),
        "time": "10:00",
        "new_pet": {"name": "Rex", "species": "cachorro", "breed": "SRD"},
    }


def test_the_previous_shape_is_read_into_the_frame() -> None:
    state = DialogueState.load(v1_confirming(3, date(2030, 1, 7)))
    assert state.flow == "booking" and state.awaiting == "confirm"
    assert state.frame.service_id == 3 and state.frame.day == date(2030, 1, 7)
    assert state.frame.at == time(10) and state.frame.new_pet is not None
    assert state.frame.new_pet.name == "Rex"
    assert DialogueState.load(state.dump()) == state  # round trip through JSON


def test_every_field_survives_the_round_trip() -> None:
    state = DialogueState.load(
        {
            "version": 2,
            "flow": "booking",
            "awaiting": "time",
            "frame": {"service_id": 2, "day": "2030-01-07", "new_pet": {"name": "Mel"}},
            "offered": ["09:00", "09:30"],
            "offered_days": ["2030-01-07"],
            "misses": 1,
            "last_texts": ["Horários livres…"],
            "pending": {"action": "book", "service_id": 2, "pet": {"name": "Mel"}},
            "campaigns": [4, 5],
        }
    )
    assert state.pending is not None and state.pending.pet is not None
    assert state.offered_days == [date(2030, 1, 7)] and state.misses == 1
    assert DialogueState.load(state.dump()) == state


@pytest.mark.parametrize(
    "raw",
    [
        ["not", "a", "dict"],
        "a string",
        {"version": 3, "flow": "booking"},  # written by a newer release
        {"flow": "dancing"},
        {"version": 2, "awaiting": 42},
        {"version": 2, "frame": {"day": "not a date"}},
        {"version": 2, "frame": "x"},
    ],
)
def test_an_unreadable_state_starts_afresh_and_says_so(
    raw: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    assert DialogueState.load(raw) == DialogueState()
    assert "unreadable dialogue state" in caplog.text


def test_a_booking_half_done_before_the_upgrade_is_finished_after_it(
    db_url: str, tmp_path: Path
) -> None:
    runtime = demo_runtime(db_url, tmp_path)
    try:
        ana = Customer(runtime, "demo", "+5511999990031")
        ana.say("oi")
        day = next_weekday(2)
        with runtime.sessions.begin() as s:
            banho = s.scalars(select(Service).where(Service.name == "Banho")).one()
            s.execute(
                update(Conversation)
                .where(Conversation.id == ana.conversation().id)
                .values(dialogue_state=v1_confirming(banho.id, day))
            )
        # the row is in the old shape; the migration rewrites it (down and up again)
        config = alembic_config(db_url)
        command.downgrade(config, "0012")
        upgrade(db_url)
        stored = ana.conversation().dialogue_state
        assert stored["version"] == 2 and "service_id" not in stored  # the new shape
        assert DialogueState.load(stored).frame.at == time(10)

        assert "Prontinho" in ana.say("sim")
        with runtime.sessions() as s:
            [booking] = s.scalars(select(Booking)).all()
            pet = s.get(Pet, booking.pet_id)
        assert booking.starts_at.astimezone(TZ).date() == day
        assert booking.starts_at.astimezone(TZ).time() == time(10)
        assert pet is not None and pet.name == "Rex"
        assert booking.starts_at > utcnow() + timedelta(hours=1)
    finally:
        runtime.close()


def test_a_new_state_goes_down_to_the_old_shape_and_back(db_url: str, tmp_path: Path) -> None:
    """Downgrading (to run the previous release) keeps a pending proposal and a new pet."""
    runtime = demo_runtime(db_url, tmp_path)
    try:
        bia = Customer(runtime, "demo", "+5511999990032")
        bia.say("oi")
        state = DialogueState.load(
            {
                "version": 2,
                "flow": "booking",
                "awaiting": "pet_breed",
                "frame": {
                    "service_id": 1,
                    "day": "2030-01-07",
                    "at": "10:00",
                    "new_pet": {"name": "Mel", "species": "gato"},
                },
                "pending": {"action": "cancel", "booking_id": 9, "summary": "cancelar"},
            }
        )
        with runtime.sessions.begin() as s:
            s.execute(
                update(Conversation)
                .where(Conversation.id == bia.conversation().id)
                .values(dialogue_state=state.dump())
            )
        command.downgrade(alembic_config(db_url), "0012")
        old = bia.conversation().dialogue_state
        assert old["date"] == "2030-01-07" and old["new_pet"] == {"name": "Mel", "species": "gato"}
        assert old["pending"]["booking_id"] == 9 and "version" not in old
        upgrade(db_url)
        back = DialogueState.load(bia.conversation().dialogue_state)
        assert back.frame == state.frame and back.pending == state.pending
        assert back.awaiting == "pet_breed"
    finally:
        runtime.close()
