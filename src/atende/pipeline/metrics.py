"""Prometheus metrics: the counters and histograms processes update as they work, and
the text /metrics serves.

Names follow the Prometheus conventions: base units, ``_total`` on counters only,
``_seconds`` on durations. Two kinds of figures, kept apart on purpose:

- **Events** (this module): counters and histograms updated by whichever process did
  the work — webhooks and their ack time in a web process, sends and bursts in a
  worker. Each process counts its own. With ``PROMETHEUS_MULTIPROC_DIR`` set (the same
  existing, emptied-at-deploy directory for every atende process on a host, set before
  it starts), each process writes its counts there and any of them serving /metrics
  reports the sum for the host: several ``atende web`` processes, and the workers
  beside them. Without it, /metrics shows only the serving process's own counts (an
  ``atende serve`` does its webhooks and its sends in one process, so it is whole).
- **State** (``pipeline/scrape.py``): gauges read from the database at each scrape —
  queues, channels, breakers, heartbeats, recent failure rates — the same from every
  process, so they are never summed across processes or hosts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from atende.channels.registry import FACTORIES

PROVIDERS = tuple(FACTORIES)  # a label value only from this list: URLs say anything
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

WEBHOOKS = Counter("atende_webhooks_total", "Webhooks received", ["provider", "outcome"])
INGESTED = Counter("atende_messages_ingested_total", "Inbound messages stored")
ITEMS_REJECTED = Counter(
    "atende_webhook_items_rejected_total",
    "Items of authentic webhooks skipped: malformed, unusable sender, or not storable",
    ["provider", "reason"],
)
REPLAYS = Counter("atende_webhook_replays_total", "Inbound messages already stored (replays)")
FLUSHES = Counter("atende_flushes_total", "Bursts answered", ["route"])
SENDS = Counter("atende_sends_total", "Outbound send attempts", ["outcome"])
FLUSH_SECONDS = Histogram("atende_flush_seconds", "Time to answer one burst")
LLM_CALLS = Counter("atende_llm_calls_total", "Language model requests", ["outcome"])
LLM_TOKENS = Counter("atende_llm_tokens_total", "Language model tokens", ["kind"])
TURNS = Counter("atende_turns_total", "Bursts answered, by the brain that answered", ["brain"])
SENDS_OUTCOME_UNKNOWN = Counter(
    "atende_sends_outcome_unknown_total",
    "Sends repeated without knowing whether the earlier attempt reached the provider",
    ["provider"],
)
BREAKER_OPENED = Counter(
    "atende_breaker_opened_total", "Times a channel's breaker opened after repeated failures"
)
WEBHOOK_ACK_SECONDS = Histogram(
    "atende_webhook_ack_seconds",
    "From a webhook's request to its answer (one database commit)",
    ["provider"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SEND_SECONDS = Histogram(
    "atende_send_seconds",
    "From handing one send attempt to the provider to its answer",
    ["provider"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REPLY_LATENCY_SECONDS = Histogram(
    "atende_reply_latency_seconds",
    "From a burst's last inbound message to the provider accepting the first part of "
    "its reply (the burst window included: what the customer waits)",
    buckets=(1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0, 300.0, 900.0),
)

# Series that exist from the start, at zero, so dashboards and alert rules find them
# before the first event (a labelled metric exports nothing until a label is used).
for _provider in PROVIDERS:
    WEBHOOKS.labels(_provider, "accepted")
    ITEMS_REJECTED.labels(_provider, "malformed")
    WEBHOOK_ACK_SECONDS.labels(_provider)
    SEND_SECONDS.labels(_provider)
    SENDS_OUTCOME_UNKNOWN.labels(_provider)
for _outcome in ("sent", "reconciled", "retry", "failed", "waited", "rate_limited"):
    SENDS.labels(_outcome)
for _outcome in ("ok", "error"):
    LLM_CALLS.labels(_outcome)
for _kind in ("prompt", "completion"):
    LLM_TOKENS.labels(_kind)
for _route in ("client", "owner", "silent"):  # pipeline/router.py's Route
    FLUSHES.labels(_route)
for _brain in ("offline", "openai", "owner", "owner-llm"):  # each brain's ``name``
    TURNS.labels(_brain)


def provider_label(provider: str) -> str:
    return provider if provider in PROVIDERS else "unknown"


def observe_webhook_ack(provider: str, seconds: float) -> None:
    WEBHOOK_ACK_SECONDS.labels(provider_label(provider)).observe(seconds)


def observe_send(provider: str, seconds: float) -> None:
    """One send attempt's round trip to the provider (the send path calls it)."""
    SEND_SECONDS.labels(provider_label(provider)).observe(seconds)


def observe_reply_latency(seconds: float) -> None:
    """A burst's reply accepted by the provider (the send path calls it when the first
    part of a reply goes out; the definition is ``storage/monitoring.py``'s)."""
    REPLY_LATENCY_SECONDS.observe(seconds)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


class _Joined(Collector):
    def __init__(self, parts: Iterable[Collector]) -> None:
        self._parts = list(parts)

    def collect(self) -> Iterator[Metric]:
        for part in self._parts:
            yield from part.collect()


def exposition(*state: Collector) -> bytes:
    """The /metrics text: the events (this process's, or the host's in multiprocess
    mode) and the ``state`` collectors, read now."""
    if multiprocess():
        events: Collector = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(events)  # type: ignore[no-untyped-call]
    else:
        events = REGISTRY
    return generate_latest(_Joined([events, *state]))
