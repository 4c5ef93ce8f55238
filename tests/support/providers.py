"""Real-shaped provider payloads (tests/fixtures/providers: Twilio, Meta, Evolution) and
their signer, vendored so the repository stands on its own."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "providers"


def _load_sign() -> ModuleType:
    spec = importlib.util.spec_from_file_location("provider_sign", FIXTURES / "sign.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sign = _load_sign()


def twilio_form(name: str, **overrides: str) -> list[tuple[str, str]]:
    """A Twilio fixture as (name, value) pairs, with some fields replaced or added."""
    pairs = [(k, overrides.pop(k, v)) for k, v in sign.load_form(str(FIXTURES / "twilio" / name))]
    pairs.extend(overrides.items())
    return pairs


def signed_twilio(
    url: str, pairs: list[tuple[str, str]], token: str
) -> tuple[bytes, dict[str, str]]:
    body = sign.form_body(pairs).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign.twilio_signature(url, pairs, token),
    }
    return body, headers
