"""Schemathesis over every /api/ operation, many more examples than the suite runs.

    PYTHONPATH=src python -m bench.fuzz_api [EXAMPLES_PER_OPERATION [DATABASE_URL]]

Starts the demo shop on 127.0.0.1 (no worker) on a SQLite file in a temporary
directory, or on DATABASE_URL (an empty database, e.g. a fresh PostgreSQL one), runs
EXAMPLES valid and as many invalid requests per operation, and prints "requests N,
5xx M" with the statuses seen and any answer that broke the schema.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.support.api_fuzz import fuzz
from tests.support.api_server import add_conversation, api_server

from atende.storage.db import transaction
from atende.storage.migrate import upgrade
from atende.storage.types import utcnow


def main(examples: int, database_url: str | None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'atende.db'}"
        upgrade(url)
        with api_server(url, Path(tmp)) as api:
            with transaction(api.runtime.sessions) as s:
                for i in range(3):
                    add_conversation(
                        s, api.org_id, api.channel_id, f"+5511988880{i:03d}", utcnow(), utcnow()
                    )
            report = fuzz(api.url, api.key, examples)
    print(f"operations {report.operations}, examples per operation and mode {examples}")
    print(f"requests {report.requests}, 5xx {report.count_5xx}")
    print("statuses", dict(sorted(report.statuses.items())))
    for line in report.server_errors[:20] + report.nonconforming[:20]:
        print(" ", line.replace("\n", " ")[:300])
    return 1 if report.count_5xx or report.nonconforming else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(int(args[0]) if args else 300, args[1] if len(args) > 1 else None))
