#!/usr/bin/env bash
# Installs what the tests need into .venv, then runs lint, types and the whole suite.
# PostgreSQL/Redis tests use the servers on 127.0.0.1 (ATENDE_TEST_PG_URL /
# ATENDE_TEST_REDIS_URL override); where none answers they skip and say how to enable them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/ruff check src tests bench
.venv/bin/mypy
exec .venv/bin/pytest "$@"
