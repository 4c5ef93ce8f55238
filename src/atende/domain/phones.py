"""Phone numbers as atende stores them: ASCII E.164 with a leading '+' ('+5511999990001').

Two doors in. ``normalize_phone`` takes what providers send ('whatsapp:+55…',
'5511…@s.whatsapp.net', bare international digits); ``normalize_typed_phone`` takes what
people type, where a national number ('(11) 90000-0000') belongs to the organization's
country (``country_of`` its settings). Both fold every Unicode decimal digit ('５', '٥')
to ASCII first, so one number always makes one contact.

A number must be *possible* (right length for its country), not *valid* under today's
numbering plan: a 12-digit Brazilian mobile from before the ninth digit is still a real
WhatsApp id, and atende never "fixes" a number into another one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import phonenumbers

from atende.errors import InvalidInput, InvalidPhone

__all__ = [
    "DEFAULT_COUNTRY",
    "InvalidPhone",
    "country_code",
    "country_of",
    "normalize_phone",
    "normalize_typed_phone",
]

DEFAULT_COUNTRY = "BR"
_PREFIXES = ("whatsapp:", "tel:")
_JID_SERVERS = ("s.whatsapp.net", "c.us")  # '@lid', '@g.us' are not phone numbers
_PUNCTUATION = re.compile(r"\+?[0-9 ().\-/]+")


def fold_digits(text: str) -> str:
    """Every Unicode decimal digit as its ASCII digit; anything else unchanged."""
    if text.isascii():
        return text
    return "".join(str(d) if (d := unicodedata.decimal(c, None)) is not None else c for c in text)


@lru_cache(maxsize=16_384)
def normalize_phone(raw: str, default_region: str | None = None) -> str:
    """The E.164 form of a provider's sender id; :class:`InvalidPhone` if it is none.

    Without ``default_region`` digits are international ('5511…' is Brazil). Cached:
    this runs for every webhook, and senders repeat.
    """
    text = _strip_provider(fold_digits(raw).strip())
    if _PUNCTUATION.fullmatch(text) is None:
        raise InvalidPhone(f"not a phone number: {raw[:40]!r}")
    if default_region is None and not text.startswith("+"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(f"not a phone number: {raw[:40]!r}") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"not a possible phone number: {raw[:40]!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_typed_phone(raw: str, region: str = DEFAULT_COUNTRY) -> str:
    """A number a person typed: national in ``region`` ('(11) 90000-0000' in BR), or
    international with '+' or its country code ('+1 415 555 0100', '5511999990001')."""
    return normalize_phone(raw, country_code(region))


def country_code(value: str) -> str:
    """An ISO 3166 alpha-2 country phonenumbers knows ('br' -> 'BR'), or InvalidInput."""
    code = value.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(f"unknown country {value!r}: give an ISO 3166 code such as BR or PT")
    return code


def country_of(settings: Mapping[str, Any]) -> str:
    """The organization's default country for typed numbers (setting ``country``)."""
    stored = settings.get("country")
    return country_code(stored) if isinstance(stored, str) and stored else DEFAULT_COUNTRY


def _strip_provider(text: str) -> str:
    """'whatsapp:+55…' -> '+55…'; '5511…:12@s.whatsapp.net' -> '5511…'."""
    lowered = text.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    if "@" in text:
        user, _, server = text.partition("@")
        if server.lower() not in _JID_SERVERS:
            raise InvalidPhone(f"not a phone number: {text[:40]!r}")
        text = user.split(":", 1)[0]
    return text


def display_phone(e164: str) -> str:
    """A stored E.164 number as people read it: '+551133334444' -> '+55 11 3333-4444'."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
