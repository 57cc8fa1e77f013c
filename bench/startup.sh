#!/usr/bin/env bash
# startup.sh - time from exec to the first 200 on /__admin/health, with the
# shipped fixtures (bench-client startup: fork+exec, poll-connect every 100 us).
# usage: bench/startup.sh [PAYMOCK] [CLIENT]   env: RUNS=50 OUT=bench/out
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
. "$HERE/lib.sh"
bench_setup startup "$@"
RUNS=${RUNS:-50}
"$CLIENT" startup "$RUNS" "$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" \
    --fixtures "$ROOT/fixtures" --scenario-dir "$ROOT/scenarios" --quiet | tee "$OUT/startup-result.txt"
