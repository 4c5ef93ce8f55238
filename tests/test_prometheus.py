"""/metrics on a real server: every metric the shipped Grafana dashboard and Prometheus
rules name is exported, the state gauges say what the database holds, the page answers
when the database does not, and in multiprocess mode the counts of several processes
add up."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

import atende
from atende import __version__
from atende.storage import alerts, heartbeats
from atende.storage.db import transaction
from atende.storage.types import utcnow
from tests.support import send_rows
from tests.support.api_server import ApiServer, add_conversation, api_server

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NAME = re.compile(r"\batende_[a-z0-9_]+")
SOURCE = str(Path(atende.__file__).resolve().parents[1])


def samples(body: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every sample of a Prometheus text page, by sample name."""
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def value(found: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    matches = [v for ls, v in found.get(name, []) if labels.items() <= ls.items()]
    assert len(matches) == 1, (name, labels, found.get(name))
    return matches[0]


def rule_exprs() -> list[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    found = [r for group in rules["groups"] for r in group["rules"]]
    assert all({"alert", "expr", "for", "labels"} <= set(r) for r in found)
    return [str(r["expr"]) for r in found]


def dashboard_exprs() -> list[str]:
    board = json.loads((DEPLOY / "grafana" / "atende.json").read_text())

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("expr"), str):
                yield node["expr"]
            for child in node.values():
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    return list(walk(board["panels"]))


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[ApiServer]:
    with api_server(sqlite_url, tmp_path) as server:
        yield server


def scrape(api: ApiServer) -> str:
    got = httpx.get(api.url + "/metrics", timeout=10)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/plain")
    return got.text


def busy(api: ApiServer) -> None:
    """A worker, a backlog, a failing channel with its breaker open, an alert."""
    now = utcnow()
    with transaction(api.runtime.sessions) as s:
        conv = add_conversation(s, api.org_id, api.channel_id, "+5511999990001", now, now)
        send_rows.outbound(
            s, api.org_id, conv, api.channel_id, created_at=now - timedelta(minutes=3)
        )
        failed = send_rows.outbound(s, api.org_id, conv, api.channel_id, "failed")
        send_rows.attempt(s, failed, 1, "retry", now - timedelta(minutes=1), code="503")
        send_rows.attempt(s, failed, 2, "failed", now, code="503")
        send_rows.breaker(s, api.channel_id, "open", 3, "503")
        alerts.open_alert(s, api.org_id, alerts.SEND_FAILED, f"message:{failed}", "falhou")
        heartbeats.beat(s, "host:1", __version__)


def test_every_metric_the_dashboard_and_rules_name_is_exported(api: ApiServer) -> None:
    busy(api)
    exported = set(samples(scrape(api)))
    named = {n for expr in rule_exprs() + dashboard_exprs() for n in NAME.findall(expr)}
    assert len(named) >= 25
    assert named - exported == set()


def test_state_gauges_read_the_database(api: ApiServer) -> None:
    busy(api)
    found = samples(scrape(api))
    assert value(found, "atende_build_info", version=__version__) == 1
    assert value(found, "atende_database_up") == 1 and value(found, "atende_queue_up") == 1
    assert value(found, "atende_send_queue_messages", **{"class": "reply", "state": "queued"}) == 1
    age = value(found, "atende_send_queue_oldest_age_seconds", **{"class": "reply"})
    assert 170 <= age <= 240
    assert value(found, "atende_send_queue_oldest_age_seconds", **{"class": "campaign"}) == 0
    mine = {"channel": api.channel_id, "organization": "demo", "provider": "twilio"}
    assert value(found, "atende_channel_breaker_open", **mine) == 1
    assert value(found, "atende_channel_breaker_failures", **mine) == 3
    assert value(found, "atende_channel_up", **mine) == 0  # the breaker holds its sends
    assert value(found, "atende_channel_connection_state", state="untracked", **mine) == 1
    assert value(found, "atende_channel_connection_state", state="open", **mine) == 0
    for outcome in ("retry", "failed"):
        attempts = value(found, "atende_send_attempts_last_15m", outcome=outcome)
        assert attempts == 1
    assert value(found, "atende_open_alerts", organization="demo", kind="send_failed") == 1
    assert value(found, "atende_worker_heartbeat_age_seconds", worker="host:1") < 5
    assert value(found, "atende_llm_calls_last_15m", outcome="error") == 0
    assert value(found, "atende_outbound_messages", status="failed") == 1


def test_metrics_answer_when_the_database_does_not(api: ApiServer) -> None:
    with transaction(api.runtime.sessions) as s:
        s.execute(text("DROP TABLE send_attempts"))  # a real fault, as in test_api_hardening
    found = samples(scrape(api))
    assert value(found, "atende_database_up") == 0
    assert "atende_send_queue_messages" not in found  # no half truths
    assert "atende_webhooks_total" in found  # the events still are


CHILD = """
import sys
from atende.pipeline import metrics
metrics.SENDS.labels("sent").inc(3)
metrics.observe_reply_latency(float(sys.argv[1]))
metrics.observe_webhook_ack("twilio", 0.01)
metrics.observe_webhook_ack("../etc", 0.01)
"""
SCRAPER = """
import os
from atende.pipeline import metrics, scrape
from atende.storage.db import make_engine, make_sessionmaker
sessions = make_sessionmaker(make_engine(os.environ["ATENDE_DATABASE_URL"]))
print(metrics.exposition(scrape.DatabaseCollector(sessions, None)).decode())
"""


def test_multiprocess_mode_adds_up_every_process(sqlite_url: str, tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ATENDE_")},
        "PYTHONPATH": SOURCE,
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "ATENDE_DATABASE_URL": sqlite_url,
        "ATENDE_SECRET_KEY": os.environ["ATENDE_SECRET_KEY"],
    }
    for latency in ("2", "40"):  # two workers, each its own process
        subprocess.run([sys.executable, "-c", CHILD, latency], env=env, check=True, timeout=60)
    page = subprocess.run(
        [sys.executable, "-c", SCRAPER], env=env, check=True, timeout=60, capture_output=True
    ).stdout.decode()
    found = samples(page)
    assert value(found, "atende_sends_total", outcome="sent") == 6
    assert value(found, "atende_reply_latency_seconds_count") == 2
    assert value(found, "atende_reply_latency_seconds_sum") == 42
    assert value(found, "atende_reply_latency_seconds_bucket", le="5.0") == 1
    assert value(found, "atende_webhook_ack_seconds_count", provider="twilio") == 2
    assert value(found, "atende_webhook_ack_seconds_count", provider="unknown") == 2
    # state is read once from the database, whatever the number of processes
    assert value(found, "atende_database_up") == 1
    assert len(found["atende_send_queue_messages"]) == 9  # 3 classes × 3 states
