"""The rules: from what the database (and the process) shows, which alerts should be open.

A rule reads one organization and returns a ``Verdict``: the alerts that should be open
(``found``) and the kinds it *owns* — an open alert of an owned kind that it no longer
finds is resolved. ``keep`` names alerts it owns but leaves to someone else to open
(a channel's connection alerts: ``pipeline/connections.py`` opens them on the channel's
events; a rule only resolves them once the channel is open again or switched off).

Workers evaluate the rules about traffic (``WORKER_RULES``); the web process evaluates
those it can see best (``WEB_RULES``): whether any worker is alive, their versions, the
queue and the disk. The two sets own different kinds, so they never undo each other.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from atende.domain import alerting as kinds
from atende.domain.alerting import over_rate
from atende.domain.connections import NOT_OPEN
from atende.domain.org_settings import AlertSettings
from atende.storage import heartbeats, watch
from atende.storage.alerts import channel_subject
from atende.storage.models import Organization

WORKERS = "workers"  # the subject of alerts about the workers as a whole
ORG = "org"


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    subject: str
    message: str  # for people who read logs, the API and e-mails (English)


@dataclass(frozen=True, slots=True)
class Verdict:
    owns: frozenset[str]
    found: list[Finding] = field(default_factory=list)
    keep: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Observed:
    """What one evaluation saw outside the database (the web process's probes)."""

    now: datetime
    queue_error: str | None = None  # the queue's error, when it could not be reached
    up_seconds: float = 0.0  # how long this evaluator has run (a worker starting is no outage)


Rule = Callable[[Session, Organization, AlertSettings, Observed], Verdict]


def send_failures(
    session: Session, org: Organization, cfg: AlertSettings, seen: Observed
) -> Verdict:
    window = cfg.failure_window_minutes
    since = seen.now - timedelta(minutes=window)
    found = []
    for channel_id, (failed, total) in sorted(watch.send_outcomes(session, org.id, since).items()):
        if over_rate(failed, total, cfg.failure_rate, cfg.failure_min_sends):
            share = f"{100 * failed / total:.0f} %"
            message = (
                f"channel {channel_id}: {failed} of {total} sends failed ({share}) in {window} min"
            )
            found.append(Finding(kinds.SEND_FAILURE_RATE, channel_subject(channel_id), message))
    return Verdict(frozenset({kinds.SEND_FAILURE_RATE}), found)


def backlog(session: Session, org: Organization, cfg: AlertSettings, seen: Observed) -> Verdict:
    found = []
    for channel_id, (count, oldest) in sorted(watch.backlog(session, org.id, seen.now).items()):
        waited = (seen.now - oldest).total_seconds()
        if count > cfg.backlog_count or waited > cfg.backlog_seconds:
            message = (
                f"channel {channel_id}: {count} message(s) waiting to be sent, "
                f"the oldest for {waited:.0f} s"
            )
            found.append(Finding(kinds.BACKLOG, channel_subject(channel_id), message))
    return Verdict(frozenset({kinds.BACKLOG}), found)


CONNECTION = (kinds.CHANNEL_DOWN, kinds.CHANNEL_NEEDS_PAIRING)


def channel_state(
    session: Session, org: Organization, cfg: AlertSettings, seen: Observed
) -> Verdict:
    """A breaker open opens an alert; connection alerts stay while the channel is not
    open (their opening is the connection manager's)."""
    found, keep = [], set()
    for channel, breaker in watch.channels(session, org.id):
        if channel.status != "active":
            continue
        subject = channel_subject(channel.id)
        if breaker is not None and breaker.state == "open":
            why = f": {breaker.last_error}" if breaker.last_error else ""
            message = f"channel {channel.id}: breaker open after {breaker.failures} failures{why}"
            found.append(Finding(kinds.CHANNEL_BREAKER_OPEN, subject, message))
        if channel.connection_state in NOT_OPEN:
            keep |= {(kind, subject) for kind in CONNECTION}
    return Verdict(frozenset({kinds.CHANNEL_BREAKER_OPEN, *CONNECTION}), found, frozenset(keep))


def llm_failures(
    session: Session, org: Organization, cfg: AlertSettings, seen: Observed
) -> Verdict:
    window = cfg.failure_window_minutes
    failed, total = watch.llm_outcomes(session, org.id, seen.now - timedelta(minutes=window))
    found = []
    if over_rate(failed, total, cfg.llm_failure_rate, cfg.llm_min_calls):
        message = f"{failed} of {total} language model requests failed in {window} min"
        found.append(Finding(kinds.LLM_FAILURE_RATE, "llm", message))
    return Verdict(frozenset({kinds.LLM_FAILURE_RATE}), found)


def workers(session: Session, org: Organization, cfg: AlertSettings, seen: Observed) -> Verdict:
    """No worker alive: webhooks are accepted and nobody answers. Versions are compared
    among the workers (every evaluator sees the same)."""
    alive = heartbeats.alive(session, cfg.worker_silence_seconds)
    found: list[Finding] = []
    keep: frozenset[tuple[str, str]] = frozenset()
    if not alive and seen.up_seconds < cfg.worker_silence_seconds:
        keep = frozenset({(kinds.NO_WORKER, WORKERS)})  # just started: workers may be too
    elif not alive:
        message = (
            f"no worker heartbeat in {cfg.worker_silence_seconds} s: "
            "messages are accepted, nobody answers"
        )
        found.append(Finding(kinds.NO_WORKER, WORKERS, message))
    versions = sorted({w.version for w in alive})
    if len(versions) > 1:
        message = f"workers run different versions: {', '.join(versions)}"
        found.append(Finding(kinds.VERSION_SKEW, WORKERS, message))
    return Verdict(frozenset({kinds.NO_WORKER, kinds.VERSION_SKEW}), found, keep)


def queue(session: Session, org: Organization, cfg: AlertSettings, seen: Observed) -> Verdict:
    found = []
    if seen.queue_error is not None:
        found.append(
            Finding(kinds.QUEUE_DOWN, ORG, f"the job queue is unreachable: {seen.queue_error}")
        )
    return Verdict(frozenset({kinds.QUEUE_DOWN}), found)


def disk(session: Session, org: Organization, cfg: AlertSettings, seen: Observed) -> Verdict:
    """The SQLite database's filesystem with less than ``disk_free_mb`` free."""
    path = watch.sqlite_file(session)
    found = []
    if path is not None and cfg.disk_free_mb > 0:
        free = shutil.disk_usage(path.parent).free
        if free < cfg.disk_free_mb * 1024 * 1024:
            mb = free // (1024 * 1024)
            message = f"{mb} MB free on the disk of {path.name} (under {cfg.disk_free_mb} MB)"
            found.append(Finding(kinds.DISK_LOW, ORG, message))
    return Verdict(frozenset({kinds.DISK_LOW}), found)


WORKER_RULES: tuple[Rule, ...] = (send_failures, backlog, channel_state, llm_failures)
WEB_RULES: tuple[Rule, ...] = (workers, queue, disk)
