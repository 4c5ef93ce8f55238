"""Which alerts exist, how grave each is, and when a person may be disturbed.

An alert's *kind* says what went wrong and its *subject* what it is about
(``channel:ch_x``, ``org``); ``pipeline/alerting`` evaluates the rules and notifies.
The severity decides two things: a **critical** alert is told at once, through quiet hours
and past the hourly limit (customers are not being answered, or will not be soon); a
**warning** waits for the morning and counts against the limit.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"


# --- kinds the rules engine opens and resolves ---------------------------------------
SEND_FAILURE_RATE = "send_failure_rate"  # a channel's sends fail > N % over a window
BACKLOG = "backlog"  # outbound waiting too long, or too many waiting
CHANNEL_BREAKER_OPEN = "channel_breaker_open"  # the channel's sends wait after failures
NO_WORKER = "no_worker"  # webhooks are accepted, nobody answers
VERSION_SKEW = "version_skew"  # workers run different versions
LLM_FAILURE_RATE = "llm_failure_rate"  # the language model fails > N % of requests
DATABASE_DOWN = "database_down"  # seen by the web process; told without the database
QUEUE_DOWN = "queue_down"  # the job queue (Redis, the SQLite queue file) unreachable
DISK_LOW = "disk_low"  # the SQLite database's filesystem almost full
# --- kinds raised by the channel's connection events (pipeline/connections.py) --------
CHANNEL_DOWN = "channel_down"
CHANNEL_NEEDS_PAIRING = "channel_needs_pairing"
CHANNEL_SILENT = "channel_silent"

SEVERITY: dict[str, Severity] = {
    NO_WORKER: Severity.CRITICAL,
    DATABASE_DOWN: Severity.CRITICAL,
    QUEUE_DOWN: Severity.CRITICAL,
    CHANNEL_DOWN: Severity.CRITICAL,
    CHANNEL_NEEDS_PAIRING: Severity.CRITICAL,
    CHANNEL_BREAKER_OPEN: Severity.CRITICAL,
    SEND_FAILURE_RATE: Severity.WARNING,
    BACKLOG: Severity.WARNING,
    CHANNEL_SILENT: Severity.WARNING,
    VERSION_SKEW: Severity.WARNING,
    LLM_FAILURE_RATE: Severity.WARNING,
    DISK_LOW: Severity.WARNING,
}

# What is told to a person. Not the per-message ``send_failed`` (the channel's failure
# rate tells it once instead of once per message), nor what is told its own way
# (an emergency goes to the owner's chat at once) or lives on the dashboard.
NOTIFIED = frozenset(SEVERITY)


def severity_of(kind: str) -> Severity:
    return SEVERITY.get(kind, Severity.WARNING)


def in_quiet_hours(local: time, quiet: tuple[tuple[int, int], tuple[int, int]] | None) -> bool:
    """Whether ``local`` falls within quiet hours from start (inclusive) to end
    (exclusive); a span that crosses midnight ("22:00-07:00") wraps."""
    if quiet is None:
        return False
    start, end = time(*quiet[0]), time(*quiet[1])
    moment = local.replace(second=0, microsecond=0, tzinfo=None)
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def over_rate(failed: int, total: int, threshold: float, minimum: int) -> bool:
    """A failure rate above ``threshold`` (0.10: 10 %) over at least ``minimum`` tries:
    one failure of one send is no rate."""
    return total >= minimum and total > 0 and failed / total > threshold
