#!/usr/bin/env bash
# Installs what the tests need into .venv, then runs lint, types and the whole suite.
# PostgreSQL/Redis tests use the servers on 127.0.0.1 (ATENDE_TEST_PG_URL /
# ATENDE_TEST_REDIS_URL override); where none answers they skip and say how to enable them.
# The dashboard is tested in Debian's Chromium (/usr/bin/chromium), installed here when
# missing and possible (root with apt-get); otherwise that test skips and says so.
# Tests run in parallel (pytest-xdist): ATENDE_TEST_JOBS=1 runs them one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing Debian's chromium for the dashboard browser test" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "could not install chromium; the browser test will skip" >&2
fi
.venv/bin/ruff check src tests bench
.venv/bin/mypy
exec .venv/bin/pytest -n "${ATENDE_TEST_JOBS:-4}" "$@"
