"""One clock per process: what the runtime stores, validates and schedules follows the
clock it was built with, and closing the runtime gives the previous clock back."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from atende.clock import FrozenClock, ShiftedClock, installed
from atende.runtime import build_runtime
from atende.storage.models import Message
from atende.storage.types import utcnow
from atende.web.schemas import PetUpdate
from tests.conftest import demo_runtime, settings_for
from tests.support.clock import TZ
from tests.support.dialogue import Customer

SATURDAY_NIGHT = datetime(2027, 3, 6, 23, 50, tzinfo=TZ)


def test_a_runtime_stamps_and_answers_by_its_own_clock_then_gives_it_back(
    sqlite_url: str, tmp_path: Path, test_clock: ShiftedClock
) -> None:
    demo_runtime(sqlite_url, tmp_path).close()  # the demo shop, on the suite's clock
    settings = settings_for(sqlite_url, tmp_path, buffer_seconds=0)  # a frozen clock never waits
    runtime = build_runtime(settings, clock=FrozenClock(SATURDAY_NIGHT))
    try:
        ana = Customer(runtime, "demo", "+5511999990001")
        answer = ana.say("tem horário livre amanhã para banho?")
        with runtime.sessions() as s:
            stamps = set(s.scalars(select(Message.created_at)))
    finally:
        runtime.close()
    assert stamps == {SATURDAY_NIGHT}  # the question and the answer
    assert answer.startswith("Amanhã (07/03) não abrimos.")  # Sunday, by the runtime's clock
    assert abs(utcnow() - test_clock.now()) < timedelta(seconds=1)  # back to the suite's


def test_a_birth_date_is_in_the_future_only_once_no_time_zone_has_reached_it() -> None:
    with installed(FrozenClock(datetime.combine(date(2027, 3, 6), time(23, 50), tzinfo=TZ))):
        assert PetUpdate(birth_date=date(2027, 3, 7)).birth_date == date(2027, 3, 7)  # Kiribati
        with pytest.raises(ValidationError, match="future"):
            PetUpdate(birth_date=date(2027, 3, 8))
