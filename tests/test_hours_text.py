"""Hours as an owner types them, and the shop file's specs refusing what makes no sense."""

from __future__ import annotations

from datetime import time

import pytest

from atende.domain.hours_text import day_line, describe, weekdays
from atende.domain.opening import WorkDay
from atende.domain.shop_yaml import load
from atende.errors import InvalidInput

LUNCH = ((time(12), time(13)),)


@pytest.mark.parametrize(
    ("text", "days", "hours"),
    [
        ("seg-sex 08-18 almoço 12-13", (0, 1, 2, 3, 4), WorkDay(time(8), time(18), LUNCH)),
        ("sab 8h-12h30", (5,), WorkDay(time(8), time(12, 30))),
        ("Sábado 08:00-12:00", (5,), WorkDay(time(8), time(12))),
        ("seg,qua 08-12 14-18", (0, 2), WorkDay(time(8), time(18), ((time(12), time(14)),))),
        ("dom fechado", (6,), None),
        ("mon-fri 9-17 lunch 12-13", (0, 1, 2, 3, 4), WorkDay(time(9), time(17), LUNCH)),
    ],
)
def test_day_lines(text: str, days: tuple[int, ...], hours: WorkDay | None) -> None:
    line = day_line(text)
    assert line.weekdays == days and line.hours == hours


@pytest.mark.parametrize(
    "text",
    ["seg", "xyz 08-18", "seg 18-08", "seg 08-18 almoço 19-20", "seg 25-26", "sex-seg 08-18"],
)
def test_day_lines_that_make_no_sense(text: str) -> None:
    with pytest.raises(InvalidInput):
        day_line(text)


def test_weekdays_and_descriptions() -> None:
    assert weekdays("seg-qua,sab") == [0, 1, 2, 5]
    assert describe(WorkDay(time(8), time(18), LUNCH)) == "08:00-18:00, almoço 12:00-13:00"
    assert describe(None) == "fechado"


def test_yaml_times_stay_times() -> None:
    """YAML 1.1 reads 12:00 as 720 (base 60): a shop file reads it as the time it is."""
    spec = load(
        "shop: {name: X}\n"
        "hours:\n  seg: {open: 8:00, close: 12:00}\n  ter: 9:30-17:00\n"
        "special_days:\n- {date: 2026-12-24, hours: [8:00-12:00]}\n"
    )
    assert spec.hours["seg"] is not None and spec.hours["seg"].close == "12:00"
    assert spec.hours["ter"] is not None and spec.hours["ter"].open == "09:30"
    assert spec.special_days[0].hours == ["08:00-12:00"]
