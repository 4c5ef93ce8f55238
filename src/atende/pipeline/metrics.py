"""Prometheus counters the pipeline updates (exposed by the web app at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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
