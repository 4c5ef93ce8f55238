"""The gauges /metrics reads from the database at each scrape, across every organization:
whichever process serves /metrics reports the same truth, so they are never summed.

``atende_build_info``, ``atende_database_up``, ``atende_queue_up``, ``atende_queue_jobs``,
``atende_conversations_waiting``, ``atende_outbound_messages``,
``atende_send_queue_messages``, ``atende_send_queue_oldest_age_seconds``,
``atende_channel_up``, ``atende_channel_connection_state``,
``atende_channel_breaker_open``, ``atende_channel_breaker_failures``,
``atende_send_attempts_last_15m``, ``atende_llm_calls_last_15m``, ``atende_open_alerts``,
``atende_worker_heartbeat_age_seconds`` — each described in its HELP text; the figures
are defined in ``storage/monitoring.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from atende import __version__
from atende.domain.sending import SendClass
from atende.storage import conversations, messages, monitoring
from atende.storage.types import utcnow

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)  # the failure rates' window, as atende's own alert rules
WORKERS_SINCE = timedelta(days=1)  # older heartbeats are forgotten, not reported forever
CONNECTION_STATES = ("open", "connecting", "close", "needs_pairing", "untracked")
QUEUE_STATES = ("queued", "deferred", "sending")
CHANNEL_LABELS = ["organization", "channel", "provider"]


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels or [])


class DatabaseCollector(Collector):
    """Reads the database (and the job queue's depth, if given) when scraped."""

    def __init__(
        self, sessions: sessionmaker[Session], queue_stats: Callable[[], dict[str, int]] | None
    ) -> None:
        self._sessions = sessions
        self._queue_stats = queue_stats

    def collect(self) -> Iterator[Metric]:
        info = InfoMetricFamily("atende_build", "The version of the process serving /metrics")
        info.add_metric([], {"version": __version__})
        yield info
        yield from self._queue()
        try:
            with self._sessions() as session:
                found = list(self._state(session))
        except Exception as exc:  # /metrics answers when the database does not
            log.warning("metrics: database unreadable: %s", exc.__class__.__name__)
            found = []
            up = 0.0
        else:
            up = 1.0
        database = _gauge("atende_database_up", "1 if this scrape could read the database")
        database.add_metric([], up)
        yield database
        yield from found

    def _queue(self) -> Iterator[Metric]:
        up = _gauge("atende_queue_up", "1 if this scrape could reach the job queue")
        jobs = _gauge("atende_queue_jobs", "Jobs in the queue (every organization)", ["kind"])
        if self._queue_stats is not None:
            try:
                for kind, value in self._queue_stats().items():
                    jobs.add_metric([kind], value)
                up.add_metric([], 1.0)
            except Exception as exc:
                log.warning("metrics: queue unreachable: %s", exc.__class__.__name__)
                up.add_metric([], 0.0)
            yield up
        yield jobs

    def _state(self, session: Session) -> Iterator[Metric]:
        waiting = _gauge("atende_conversations_waiting", "Conversations with an unanswered burst")
        waiting.add_metric([], conversations.pending_count(session))
        yield waiting
        outbound = _gauge("atende_outbound_messages", "Outbound messages by status", ["status"])
        for status, count in sorted(messages.count_by_status(session).items()):
            outbound.add_metric([status], count)
        yield outbound
        yield from _queues(session)
        yield from _channels(session)
        yield from _recent(session)
        yield from _alerts_and_workers(session)


def _queues(session: Session) -> Iterator[Metric]:
    now = utcnow()
    depth = _gauge(
        "atende_send_queue_messages",
        "Outbound messages by send class: queued (due), deferred (due later), sending",
        ["class", "state"],
    )
    oldest = _gauge(
        "atende_send_queue_oldest_age_seconds",
        "How long the longest-waiting due message of the class has been due (0: none)",
        ["class"],
    )
    rows = {r.priority: r for r in monitoring.queue_rows(session, None, by_channel=False)}
    for priority in sorted({int(c) for c in SendClass} | set(rows)):
        name, row = monitoring.class_name(priority), rows.get(priority)
        counts = (row.queued, row.deferred, row.sending) if row else (0, 0, 0)
        for state, count in zip(QUEUE_STATES, counts, strict=True):
            depth.add_metric([name, state], count)
        oldest.add_metric([name], (row.oldest_age(now) if row else None) or 0.0)
    yield depth
    yield oldest


def _channels(session: Session) -> Iterator[Metric]:
    up = _gauge(
        "atende_channel_up",
        "1 if the channel can send: active, connection open (or not tracked), breaker closed",
        CHANNEL_LABELS,
    )
    state = _gauge(
        "atende_channel_connection_state",
        "1 for the channel's connection state (WhatsApp Web tracks one; others: untracked)",
        [*CHANNEL_LABELS, "state"],
    )
    breaker = _gauge(
        "atende_channel_breaker_open", "1 while the breaker holds sends", CHANNEL_LABELS
    )
    failures = _gauge(
        "atende_channel_breaker_failures", "Transient send failures in a row", CHANNEL_LABELS
    )
    for ch in monitoring.channels(session, None):
        labels = [ch.org_slug, ch.channel.id, ch.channel.provider]
        current = ch.channel.connection_state or "untracked"
        for name in (*CONNECTION_STATES, *([current] if current not in CONNECTION_STATES else [])):
            state.add_metric([*labels, name], 1.0 if name == current else 0.0)
        is_open = ch.breaker is not None and ch.breaker.state == "open"
        breaker.add_metric(labels, 1.0 if is_open else 0.0)
        failures.add_metric(labels, ch.breaker.failures if ch.breaker else 0)
        can_send = ch.channel.status == "active" and current in ("open", "untracked")
        up.add_metric(labels, 1.0 if can_send and not is_open else 0.0)
    yield from (up, state, breaker, failures)


def _recent(session: Session) -> Iterator[Metric]:
    minutes = int(WINDOW.total_seconds() // 60)
    attempts = _gauge(
        "atende_send_attempts_last_15m",
        f"Send attempts finished in the last {minutes} minutes, by channel and outcome "
        "(sent, reconciled, retry, deferred, failed)",
        ["channel", "outcome"],
    )
    for channel, outcome, count in monitoring.recent_attempts(session, WINDOW):
        attempts.add_metric([channel, outcome], count)
    yield attempts
    llm = _gauge(
        "atende_llm_calls_last_15m",
        f"Language model requests in the last {minutes} minutes, by outcome (ok, error)",
        ["outcome"],
    )
    calls = dict(monitoring.recent_llm_calls(session, WINDOW))
    for outcome in sorted({"ok", "error"} | set(calls)):
        llm.add_metric([outcome], calls.get(outcome, 0))
    yield llm


def _alerts_and_workers(session: Session) -> Iterator[Metric]:
    now = utcnow()
    alerts = _gauge("atende_open_alerts", "Unresolved alerts", ["organization", "kind"])
    for slug, kind, count in monitoring.open_alert_counts(session):
        alerts.add_metric([slug, kind], count)
    yield alerts
    workers = _gauge(
        "atende_worker_heartbeat_age_seconds",
        "Seconds since each worker's last heartbeat (workers seen in the last day)",
        ["worker", "version"],
    )
    for w in monitoring.heartbeats(session, now - WORKERS_SINCE):
        workers.add_metric([w.id, w.version], max(0.0, (now - w.seen_at).total_seconds()))
    yield workers
