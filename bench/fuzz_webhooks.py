"""The webhook fuzz of tests/test_webhook_fuzz.py with many more examples.

    PYTHONPATH=src .venv/bin/python bench/fuzz_webhooks.py [--examples 3000] [--pg URL]

Starts one real uvicorn on a fresh SQLite database (and one on a fresh PostgreSQL
database with ``--pg postgresql://postgres@127.0.0.1:5432/postgres``), posts that many
fuzzed, correctly signed deliveries per provider, one at a time, and prints
"requests N, 5xx M" with every departure from the expected answer and rows.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import signal
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fuzz import STRATEGIES, Delivery, Tally, problems  # noqa: E402
from tests.support.webhooks import Hub, serve_hub  # noqa: E402

from atende.storage.migrate import upgrade  # noqa: E402


@contextmanager
def fresh_database(kind: str, workdir: Path, pg_admin: str) -> Iterator[str]:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'fuzz.db'}"
        upgrade(url)
        yield url
        return
    admin = create_engine(pg_admin.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")  # fmt: skip
    name = f"atende_fuzz_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fuzz(hub: Hub, provider: str, examples: int, tally: Tally, found: list[str]) -> None:
    """Generation only (no shrinking): count every departure instead of stopping."""

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(STRATEGIES[provider])
    def one(delivery: Delivery) -> None:
        found.extend(f"{provider}: {p}" for p in problems(hub, delivery, tally))

    one()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3000, help="per provider per database")
    parser.add_argument("--pg", default="", help="PostgreSQL admin URL (also fuzz PostgreSQL)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still drop the database
    logging.basicConfig(level=logging.ERROR)  # skipped items log a warning each: too many here
    failed = False
    for kind in ["sqlite"] + (["postgresql"] if args.pg else []):
        tally, found = Tally(), []
        with tempfile.TemporaryDirectory() as tmp, fresh_database(kind, Path(tmp), args.pg) as url:
            quiet = {"buffer_seconds": 3600.0, "buffer_max_messages": 10**6}
            with serve_hub(url, Path(tmp), **quiet) as hub:
                for provider in STRATEGIES:
                    fuzz(hub, provider, args.examples, tally, found)
        print(f"{kind}: {tally.summary()}; unexpected answers or rows: {len(found)}")
        for line in found[:20]:
            print("  ", line)
        failed = failed or bool(found) or tally.errors > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
