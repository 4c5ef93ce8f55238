"""Every /api/ operation of /openapi.json, fuzzed by schemathesis against a real server
holding real rows: no input makes a 5xx, and answers match the published schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from atende.storage.db import transaction
from atende.storage.types import utcnow
from tests.support.api_fuzz import fuzz
from tests.support.api_server import add_conversation, api_server

EXAMPLES = 30


@pytest.mark.timeout(600)  # CPU-bound generation: slow on a loaded 2-core machine
def test_no_generated_request_gets_a_server_error(db_url: str, tmp_path: Path) -> None:
    """On both databases: PostgreSQL refuses what SQLite lets through (NUL in text, some
    grouped expressions), so a request can be fine on one and a 500 on the other."""
    with api_server(db_url, tmp_path) as api:
        with transaction(api.runtime.sessions) as s:
            for i in range(3):
                add_conversation(
                    s, api.org_id, api.channel_id, f"+55119999900{i}", utcnow(), utcnow()
                )
        report = fuzz(api.url, api.key, EXAMPLES)
    assert report.operations >= 15 and report.requests >= report.operations * EXAMPLES
    assert report.server_errors == [], report.server_errors[:10]
    assert report.nonconforming == [], report.nonconforming[:10]
