"""What to do when a WhatsApp Web session closes, by Baileys' disconnect code.

Logged out (401), banned or blocked (402, 403, 406) and replaced by another session
(440) need a person: no reconnect, re-pair, alert. Anything else reconnects with
exponential backoff: 5 s, ×1.5, at most 60 s, at most 10 attempts, then an alert.
"""

from __future__ import annotations

from dataclasses import dataclass

# the connection states of a WhatsApp Web session that cannot send (alerts, the owner's
# channel, health all read them)
NOT_OPEN = ("close", "needs_pairing", "connecting")

NEEDS_PAIRING = {
    "401": "logged out",
    "402": "banned",
    "403": "blocked",
    "406": "banned",
    "440": "replaced",
}
FIRST_DELAY = 5.0
FACTOR = 1.5
MAX_DELAY = 60.0
MAX_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class CloseDecision:
    reconnect: bool
    delay: float = 0.0
    alert: str | None = None


def on_close(reason: str | None, attempts_so_far: int) -> CloseDecision:
    if reason in NEEDS_PAIRING:
        return CloseDecision(
            False,
            alert=f"WhatsApp session {NEEDS_PAIRING[reason]} ({reason}): pair the number again",
        )
    if attempts_so_far >= MAX_ATTEMPTS:
        return CloseDecision(
            False, alert=f"WhatsApp session still closed after {MAX_ATTEMPTS} reconnect attempts"
        )
    return CloseDecision(True, delay=backoff(attempts_so_far))


def backoff(attempt: int) -> float:
    """Delay before reconnect attempt ``attempt`` (0-based): 5, 7.5, 11.25, … capped at 60."""
    return min(MAX_DELAY, FIRST_DELAY * FACTOR**attempt)
