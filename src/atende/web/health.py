"""/health (db, queue, worker versions) and /metrics (Prometheus text).

Neither needs a key, and only /metrics carries figures across organizations (queue
depth, waiting conversations, outbound by status) — for whoever runs the server.
/health says whether each part works, not how busy anyone is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from atende import __version__
from atende.pipeline.metrics import exposition
from atende.pipeline.scrape import DatabaseCollector
from atende.storage import heartbeats
from atende.web.deps import RuntimeDep

router = APIRouter(tags=["monitoring"])


def _checks(runtime: RuntimeDep) -> tuple[str, dict[str, Any]]:
    checks: dict[str, Any] = {}
    status = "ok"
    try:
        with runtime.sessions() as s:
            s.execute(text("SELECT 1"))
            alive = heartbeats.alive(s, max(30.0, runtime.settings.sweep_interval_seconds * 3))
        checks["database"] = "ok"
    except Exception as exc:
        return "down", {"database": f"error: {exc.__class__.__name__}"}
    try:
        runtime.queue.stats()  # reachable; its depth (every organization's) is on /metrics
        checks["queue"] = {"status": "ok"}
    except Exception as exc:
        checks["queue"] = {"status": f"error: {exc.__class__.__name__}"}
        status = "degraded"
    versions = sorted({w.version for w in alive})
    checks["workers"] = {"alive": len(alive), "versions": versions}
    if not alive:
        checks["workers"]["status"] = "no worker seen recently"
        status = "degraded"
    elif versions != [__version__]:
        checks["workers"]["status"] = f"version skew: web {__version__}, workers {versions}"
        status = "degraded"
    else:
        checks["workers"]["status"] = "ok"
    return status, checks


@router.get("/health")
def health(runtime: RuntimeDep, response: Response) -> dict[str, Any]:
    status, checks = _checks(runtime)
    if status == "down":
        response.status_code = 503
    return {"status": status, "version": __version__, "checks": checks}


@router.get("/metrics")
def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus text: events counted by the processes (pipeline/metrics.py) and state
    read from the database now (pipeline/scrape.py). It answers even when the database
    or the queue is down (``atende_database_up``, ``atende_queue_up`` say so)."""
    body = exposition(DatabaseCollector(runtime.sessions, runtime.queue.stats))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
