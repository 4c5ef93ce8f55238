"""Dates and times as customers write them, read against a fixed 'today' (a date)."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atende.brain.dialogue.when import When, extract_when

TODAY = date(2026, 11, 22)  # a Sunday

CASES = [
    ("amanhã às 10h", When(date(2026, 11, 23), time(10, 0))),
    ("Amanhã 10:30", When(date(2026, 11, 23), time(10, 30))),
    ("dia 25/11 às 10h", When(date(2026, 11, 25), time(10, 0))),
    ("25/11", When(date(2026, 11, 25))),
    ("25/11/2026 15h", When(date(2026, 11, 25), time(15, 0))),
    ("25 de novembro", When(date(2026, 11, 25))),
    ("3 de dezembro às 9h", When(date(2026, 12, 3), time(9, 0))),
    ("dia 3", When(date(2026, 12, 3))),
    ("dia 28", When(date(2026, 11, 28))),
    ("15h30", When(None, time(15, 30))),
    ("às 16", When(None, time(16, 0))),
    ("às 3 da tarde", When(None, time(15, 0), "tarde")),
    ("9 da manhã", When(None, time(9, 0), "manha")),
    ("meio-dia", When(None, time(12, 0))),
    ("10 horas", When(None, time(10, 0))),
    ("de manhã", When(None, None, "manha")),
    ("amanhã de manhã", When(date(2026, 11, 23), None, "manha")),
    ("hoje à tarde", When(date(2026, 11, 22), None, "tarde")),
    ("depois de amanhã", When(date(2026, 11, 24))),
    ("próxima terça", When(date(2026, 11, 24))),
    ("terça-feira às 14:00", When(date(2026, 11, 24), time(14, 0))),
    ("sábado 8h30", When(date(2026, 11, 28), time(8, 30))),
    ("domingo que vem", When(date(2026, 11, 29))),
    ("próximo domingo", When(date(2026, 11, 29))),
    ("01/01", When(date(2027, 1, 1))),  # already past this year: next year
    ("pedido 4521", When()),
    ("quero banho pro rex", When()),
    ("31/02", When()),
    # a dd/mm up to 60 days back is that (past) date; the caller says it has gone
    ("20/11", When(date(2026, 11, 20))),
    ("dia 01/10 às 10h", When(date(2026, 10, 1), time(10, 0))),
    ("23/09", When(date(2026, 9, 23))),  # 60 days back
    ("22/09", When(date(2027, 9, 22))),  # 61 days back: next year
    # an impossible date is no day at all, never "dia N" of another month
    ("dia 31/04", When()),
    ("13/13", When()),
    ("dia 31/04 às 10h", When(None, time(10, 0))),
    # a correction inside the message: the later value wins
    ("hoje às 10h da manhã, não, às 11h", When(date(2026, 11, 22), time(11, 0))),
    ("às 10h. na verdade às 11h", When(None, time(11, 0))),
    ("sexta, quer dizer, sábado às 9h", When(date(2026, 11, 28), time(9, 0))),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_extract_when(text: str, expected: When) -> None:
    assert extract_when(text, TODAY) == expected


WORDS = [
    "amanhã",
    "às",
    "as",
    "10",
    "3",
    "e",
    "meia",
    "da",
    "tarde",
    "boa",
    "dia",
    "25/11",
    "sábado",
    "que",
    "vem",
    "semana",
    "fim",
    "de",
    "R$",
    "60",
    "duas",
    "quinze",
    "pra",
    "terça",
    "h",
    ":",
    "30",
    "meio-dia",
    "entre",
    "umas",
    "sabdo",
    "dps",
    "hj",
    "🐶",
    "?",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12), st.text(max_size=30))
def test_never_raises(words: list[str], noise: str) -> None:
    found = extract_when(" ".join(words) + noise, TODAY)
    assert found.empty == (found == When())
