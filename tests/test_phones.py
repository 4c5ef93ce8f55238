"""Phone numbers as providers send them and as people type them."""

from __future__ import annotations

import pytest

from atende.domain.phones import normalize_phone, normalize_typed_phone
from atende.errors import InvalidPhone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("whatsapp:+5511999990001", "+5511999990001"),
        ("5511999990001@s.whatsapp.net", "+5511999990001"),
        ("+55 (11) 99999-0001", "+5511999990001"),
    ],
)
def test_provider_numbers(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("(11) 90000-0000", "+5511900000000"),  # national, mobile: gets +55
        ("11 3004-0001", "+551130040001"),  # national, landline
        ("55 99123-4567", "+5555991234567"),  # area code 55 is still national
        ("+1 415 555 0100", "+14155550100"),  # '+' means international
        ("5511999990001", "+5511999990001"),  # full length: already international
    ],
)
def test_typed_numbers_default_to_brazil(typed: str, expected: str) -> None:
    assert normalize_typed_phone(typed) == expected


def test_nonsense_is_refused() -> None:
    with pytest.raises(InvalidPhone):
        normalize_typed_phone("abc")
