#!/usr/bin/env bash
# The whole suite as if the wall clock said another moment, to prove no test depends on
# the date or the hour:   ./scripts/test-at.sh "2026-12-05 07:00" [pytest args]
# The moment is São Paulo local time. libfaketime (Debian's faketime package) moves the
# realtime clock of this process and of every process the suite starts by one offset;
# the monotonic clock stays real. libfaketime 0.9.10 turns Python's monotonic sleeps
# into EINVAL in that mode, so a small shim (scripts/faketime_shim.c) sleeps for real.
set -euo pipefail
cd "$(dirname "$0")/.."
moment=${1:?usage: scripts/test-at.sh "YYYY-MM-DD HH:MM" [pytest args]}
shift
lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -f "$lib" ] || lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
if [ ! -f "${lib:-}" ]; then
  echo "needs libfaketime: apt-get install faketime" >&2
  exit 2
fi
scripts/bootstrap.sh
shim=.venv/faketime_shim.so
[ -f "$shim" ] && [ "$shim" -nt scripts/faketime_shim.c ] || gcc -shared -fPIC -O2 -o "$shim" scripts/faketime_shim.c
offset=$(( $(TZ=America/Sao_Paulo date -d "$moment" +%s) - $(date +%s) ))
echo "running the suite at $(TZ=America/Sao_Paulo date -d "$moment" '+%a %Y-%m-%d %H:%M %Z') (offset ${offset}s)"
export LD_PRELOAD="$PWD/$shim $lib" FAKETIME="${offset:+$( [ "$offset" -ge 0 ] && echo +)}${offset}s" \
  FAKETIME_DONT_FAKE_MONOTONIC=1
exec .venv/bin/pytest -n "${ATENDE_TEST_JOBS:-4}" -p no:cacheprovider "$@"
