#!/usr/bin/env bash
# Installs atende into .venv, creates the demo pet shop and starts `atende serve`
# on the embedded default (SQLite file ./atende.db, in-process worker, offline brain).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/atende init --demo
exec .venv/bin/atende serve "$@"
