"""Ingest throughput: signed Twilio webhooks against `atende serve` and, in the same run,
against a bare ASGI endpoint on the same uvicorn (bench/bare_asgi.py).

    .venv/bin/python bench/ingest.py [--requests 3000] [--concurrency 32]

Prints the throughputs, their ratio, ack latency p50/p99, and checks that every
acknowledged message was committed to the database before its 200. A second reference,
the same bare endpoint committing each message to SQLite (bench/bare_asgi_commit.py),
shows what durability alone costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench_auth_token_0123456789abcdef"
ACCOUNT = "AC" + "b" * 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_twilio_sink() -> str:
    """Accepts the replies atende sends during the run (never the real Twilio)."""

    class Sink(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = json.dumps({"sid": "SM" + secrets.token_hex(16)}).encode()
            self.send_response(201)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def wait_up(url: str, timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def build_requests(url: str, count: int) -> list[tuple[bytes, dict[str, str], str]]:
    validator = RequestValidator(TOKEN)
    out = []
    for i in range(count):
        sid = "SM" + secrets.token_hex(16)
        phone = f"+55119{i % 500:08d}"
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT,
            "From": f"whatsapp:{phone}",
            "To": "whatsapp:+551130040001",
            "Body": f"oi, quanto custa o banho? ({i})",
            "NumMedia": "0",
            "ProfileName": "Bench",
            "WaId": phone[1:],
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": validator.compute_signature(url, form),
        }
        out.append((urlencode(form).encode(), headers, sid))
    return out


async def fire(
    url: str, requests: list[tuple[bytes, dict[str, str], str]], concurrency: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    ok = 0
    queue: asyncio.Queue[tuple[bytes, dict[str, str], str]] = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal ok
            while not queue.empty():
                body, headers, _ = queue.get_nowait()
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        ok += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, ok


def serve(cmd: list[str], env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="atende-bench-")
    port_app, port_bare, port_commit = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATENDE_")}
    env.update(
        {
            "ATENDE_DATABASE_URL": f"sqlite:///{work}/atende.db",
            "ATENDE_PUBLIC_URL": f"http://127.0.0.1:{port_app}",
            "ATENDE_TWILIO_API_BASE": start_twilio_sink(),
            "ATENDE_LOG_LEVEL": "WARNING",
        }
    )
    atende = [sys.executable, "-m", "atende.cli"]
    subprocess.run([*atende, "init", "--demo"], env=env, cwd=work, check=True, capture_output=True)
    added = subprocess.run(
        [
            *atende,
            "channel",
            "add",
            "demo",
            "twilio",
            "--account-sid",
            ACCOUNT,
            "--auth-token",
            TOKEN,
            "--number",
            "+551130040001",
        ],
        env=env,
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    )
    webhook = re.search(r"^webhook: (\S+)$", added.stdout, re.M).group(1)  # type: ignore[union-attr]

    bare = serve(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_asgi:app",
            "--port",
            str(port_bare),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        {**env, "PYTHONPATH": str(ROOT)},
        str(ROOT),
    )
    commit = serve(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_asgi_commit:app",
            "--port",
            str(port_commit),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        {**env, "PYTHONPATH": str(ROOT), "BENCH_DB": f"{work}/bare.db"},
        str(ROOT),
    )
    app = serve([*atende, "serve", "--port", str(port_app)], env, work)
    try:
        wait_up(f"http://127.0.0.1:{port_bare}/")
        wait_up(f"http://127.0.0.1:{port_commit}/")
        wait_up(f"http://127.0.0.1:{port_app}/health")
        bare_url = f"http://127.0.0.1:{port_bare}/webhooks/twilio/x"
        commit_url = f"http://127.0.0.1:{port_commit}/webhooks/twilio/x"
        # Warm-ups, then atende first: its warm-up bursts stay open (same customers), so
        # bursts are answered after the measured window, ATENDE_BUFFER_SECONDS after each
        # customer's last message. This measures acknowledgement, not answering.
        for url in (webhook, bare_url, commit_url):
            asyncio.run(fire(url, build_requests(url, 200), args.concurrency))
        results = {}
        app_requests = build_requests(webhook, args.requests)
        for name, url, reqs in (
            ("atende serve", webhook, app_requests),
            ("bare ASGI", bare_url, build_requests(bare_url, args.requests)),
            ("bare + commit", commit_url, build_requests(commit_url, args.requests)),
        ):
            elapsed, latencies, ok = asyncio.run(fire(url, reqs, args.concurrency))
            results[name] = (args.requests / elapsed, pct(latencies, 0.5), pct(latencies, 0.99), ok)
    finally:
        for proc in (app, bare, commit):
            proc.terminate()
            proc.wait(timeout=30)

    engine = create_engine(f"sqlite:///{work}/atende.db")
    with engine.connect() as conn:
        sids = {
            r[0]
            for r in conn.execute(text("SELECT provider_id FROM messages WHERE direction = 'in'"))
        }
    committed = sum(1 for _, _, sid in app_requests if sid in sids)

    print(
        f"requests per run: {args.requests}, concurrency: {args.concurrency}, "
        f"cores: {os.cpu_count()}"
    )
    print(f"{'endpoint':<14} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'200s':>6}")
    for name, (rps, p50, p99, ok) in results.items():
        print(f"{name:<14} {rps:>8.0f} {p50:>8.1f} {p99:>8.1f} {ok:>6}")
    ratio = results["atende serve"][0] / results["bare ASGI"][0]
    print(f"ratio atende/bare: {ratio:.2f}")
    floor = results["atende serve"][0] / results["bare + commit"][0]
    print(f"ratio atende/(bare + commit): {floor:.2f}")
    print(f"acknowledged and committed: {committed}/{results['atende serve'][3]}")
    if committed != results["atende serve"][3]:
        raise SystemExit("an acknowledged message is missing from the database")


if __name__ == "__main__":
    main()
