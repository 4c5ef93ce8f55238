"""Schemathesis over the admin API: every /api/ operation, valid and invalid requests,
counting what came back. Used by tests/test_schemathesis.py (a few dozen examples per
operation) and bench/fuzz_api.py (many more)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

# Two checks judge the requests rather than the answers, and misjudge this API: which
# strings are cursors it gave out, or phone numbers, no schema can say (a schema-valid
# request may rightly get a 4xx saying why), and unknown query parameters are ignored,
# as HTTP APIs do, while the bearer header a negative case drops is added back by us.
# Every check of the answers stays on: no 5xx, documented statuses, content types,
# headers, and bodies matching the response schemas.
EXCLUDED = [positive_data_acceptance, negative_data_rejection]


@dataclass
class FuzzReport:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    nonconforming: list[str] = field(default_factory=list)
    operations: int = 0

    @property
    def count_5xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def fuzz(base_url: str, api_key: str, max_examples: int) -> FuzzReport:
    """Run ``max_examples`` valid and as many invalid requests per /api/ operation."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json").include(path_regex="^/api/")
    report = FuzzReport()
    headers = {"Authorization": f"Bearer {api_key}"}
    with requests.Session() as session:  # keep-alive: the server, not connecting, is tested
        for result in schema.get_all_operations():
            operation = result.ok()
            report.operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(generation_mode=mode)
                _run(strategy, session, headers, max_examples, report)
    return report


def _run(
    strategy: st.SearchStrategy[schemathesis.Case],
    session: requests.Session,
    headers: dict[str, str],
    max_examples: int,
    report: FuzzReport,
) -> None:
    @given(case=strategy)
    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=False,
    )
    def one(case: schemathesis.Case) -> None:
        response = case.call(session=session, headers=headers, timeout=10)
        report.requests += 1
        report.statuses[response.status_code] += 1
        label = f"{case.method} {case.formatted_path} -> {response.status_code}"
        if response.status_code >= 500:
            report.server_errors.append(f"{label}: {response.text[:200]}")
        try:
            case.validate_response(response, headers=headers, excluded_checks=EXCLUDED)
        except (Failure, FailureGroup) as exc:  # keep going, report them all
            report.nonconforming.append(f"{label}: {str(exc)[:300]}")

    one()
