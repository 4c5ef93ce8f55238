"""Duplicate WhatsApp sends after kill -9, per provider, in one run.

    PYTHONPATH=src:. .venv/bin/python bench/crash_sends.py [--sends 1000] [--kills 8]

Queues ``--sends`` replies spread over Twilio, Evolution and Meta channels, sends them
with real ``atende worker`` processes through local fake providers that take 300 ms to
answer, SIGKILLs a worker ``--kills`` times while the providers hold sends it has not
recorded, and prints duplicates per 1,000 sends. Meta has no way to list what was sent,
so it is the baseline: what every provider would show without reconciliation.
Embedded backends (SQLite + SQLite queue) by default; ``--db-url`` / ``--queue-url``
for PostgreSQL + Redis.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.support.fake_senders import start_fake_senders
from tests.support.send_crash import PROVIDERS, CrashRun

from atende.storage.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sends", type=int, default=1000, help="replies in all (default 1000)")
    parser.add_argument("--kills", type=int, default=10, help="workers to SIGKILL (default 10)")
    parser.add_argument(
        "--limbo", type=int, default=3, help="kill once this many sends are unrecorded (3)"
    )
    parser.add_argument("--sweep", type=float, default=0.5, help="worker sweep interval, s")
    parser.add_argument("--delay", type=float, default=0.3, help="provider answer time, s")
    parser.add_argument("--db-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--queue-url", default="", help="default: a SQLite queue beside it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atende-crash-") as tmp_dir:
        tmp = Path(tmp_dir)
        db_url = args.db_url or f"sqlite:///{tmp / 'atende.db'}"
        queue_url = args.queue_url or f"sqlite:///{tmp / 'queue.db'}"
        upgrade(db_url)
        fake = start_fake_senders(args.delay)
        run = CrashRun(db_url, queue_url, tmp, fake, args.sweep)
        try:
            started = time.monotonic()
            run.queue(per_provider=max(1, args.sends // len(PROVIDERS)))
            outcome = run.crash_and_recover(args.kills, timeout=600, at_least=args.limbo)
            elapsed = time.monotonic() - started
        finally:
            run.close()
            fake.stop()
    total = sum(outcome.queued.values())
    print(f"{total} sends, {outcome.kills} workers killed with SIGKILL, {elapsed:.0f} s")
    header = ("provider", "sends", "in limbo", "unknown", "dupes", "per 1,000")
    print("{:<10} {:>6} {:>9} {:>8} {:>6} {:>10}".format(*header))
    for p in PROVIDERS:
        print(
            f"{p:<10} {outcome.queued[p]:>6} {outcome.exposed[p]:>9} {outcome.unknown[p]:>8} "
            f"{outcome.duplicates[p]:>6} {outcome.per_thousand(p):>10.1f}"
        )
    print("in limbo: accepted by the provider, not yet recorded when the worker died")
    if any(outcome.missing.values()):
        print(f"MISSING (never reached the provider): {dict(outcome.missing)}")


if __name__ == "__main__":
    main()
