"""Property-based fuzzing of the three webhooks: every named provider fixture mutated
(types swapped, NULs, controls, non-BMP and lone surrogates, huge strings, deep
nesting, batches mixing good and bad items), signed, posted to one real uvicorn per
database. Never a 5xx; every valid item stored exactly once, redeliveries included.

The total is printed at the end of the module (``pytest -s``); bench/fuzz_webhooks.py
runs the same properties with many more examples.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from atende.storage.migrate import upgrade
from tests.support.fuzz import STRATEGIES, Delivery, Tally, check
from tests.support.webhooks import Hub, pg_database, serve_hub

EXAMPLES = 150  # per provider per database: about a minute for the whole file
TALLY = Tally()
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# One server per module outlives any one test's clock: the module keeps the machine's clock
# throughout (intake only, nothing here depends on the date or hour).
pytestmark = pytest.mark.wall_clock
QUIET = {"buffer_seconds": 3600.0, "buffer_max_messages": 10**6}  # intake only: no replies


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hub]:
    """One server per database for the whole module, not one per example."""
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'atende.db'}"
        upgrade(url)
        with serve_hub(url, workdir, **QUIET) as hub:
            yield hub
        return
    with (
        pg_database(request.getfixturevalue("pg_template")) as url,
        serve_hub(url, workdir, **QUIET) as hub,
    ):
        yield hub


@pytest.fixture(scope="module", autouse=True)
def summary() -> Iterator[None]:
    yield
    print(f"\nwebhook fuzz: {TALLY.summary()}")


@FUZZ
@given(delivery=STRATEGIES["twilio"])
def test_twilio_fuzz(fuzz_hub: Hub, delivery: Delivery) -> None:
    check(fuzz_hub, delivery, TALLY)


@FUZZ
@given(delivery=STRATEGIES["meta"])
def test_meta_fuzz(fuzz_hub: Hub, delivery: Delivery) -> None:
    check(fuzz_hub, delivery, TALLY)


@FUZZ
@given(delivery=STRATEGIES["evolution"])
def test_evolution_fuzz(fuzz_hub: Hub, delivery: Delivery) -> None:
    check(fuzz_hub, delivery, TALLY)
