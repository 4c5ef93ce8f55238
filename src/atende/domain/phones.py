"""Phone numbers as atende stores them: E.164 with a leading '+'."""

from __future__ import annotations

import re

from atende.errors import InvalidPhone

__all__ = ["InvalidPhone", "normalize_phone", "normalize_typed_phone"]

_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str) -> str:
    """'whatsapp:+55 11 99999-0001', '5511999990001' -> '+5511999990001'."""
    text = raw.strip()
    for prefix in ("whatsapp:", "tel:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    digits = _DIGITS.sub("", text.split("@", 1)[0])
    if not 8 <= len(digits) <= 15:
        raise InvalidPhone(f"not a phone number: {raw!r}")
    return "+" + digits


NATIONAL_LENGTHS = {"55": (10, 11)}  # Brazil: area code + 8 or 9 digits


def normalize_typed_phone(raw: str, country: str = "55") -> str:
    """A number a person typed, as owners do: '(11) 90000-0000' is national, so it gets
    the country code; anything with '+' or a full length is taken as international."""
    digits = _DIGITS.sub("", raw)
    lengths = NATIONAL_LENGTHS.get(country, ())
    if not raw.strip().startswith("+") and len(digits) in lengths:
        return normalize_phone(country + digits)
    return normalize_phone(raw)
