"""Phone numbers as atende stores them: E.164 with a leading '+'."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D+")


class InvalidPhone(ValueError):
    """Raised for text that cannot be an E.164 number."""


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
