#!/usr/bin/env bash
# profile.sh - perf profile of paymock under the create (or replay/status) load:
# server pinned to cpu 1, wrk to cpu 0, perf record --call-graph dwarf for
# SECONDS_PROF s after a warmup, then the top of the report and a breakdown by
# the innermost paymock function (bench/perf-attr.py).
# usage: bench/profile.sh BINARY [MODE]     (perf: Debian package linux-perf)
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
. "$HERE/lib.sh"
BIN="$1"; MODE="${2:-create}"
SECONDS_PROF=${SECONDS_PROF:-5}
OUT=${OUT:-$HERE/out/profile}
mkdir -p "$OUT"
name=$(basename "$BIN")
start_listening "$OUT/server.out" taskset -c 1 "$BIN" --port 0 \
    --fixtures "$HERE/fixtures/accelebit-bench.json" --quiet
SPID=$LISTEN_PID PORT=$LISTEN_PORT
trap 'kill $SPID 2>/dev/null' EXIT
[ -n "$PORT" ] || { cat "$OUT/server.out" >&2; exit 1; }
BODY='{"transactionId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","amount":"55.00","currency":"EUR","reason":"Customer requested refund"}'
REFUND_ID=$(curl -s -X POST -H 'Content-Type: application/json' -H 'X-API-Key: sk_test_bench' \
    -H 'Idempotency-Key: bench-replayed-key' --data-binary "$BODY" "http://127.0.0.1:$PORT/accelebit/v1/refunds" |
    sed 's/.*"id":"\([^"]*\)".*/\1/')
load() { MODE=$MODE REFUND_ID=$REFUND_ID IDEM_KEY=bench-replayed-key RUN_ID="$1.$RANDOM" taskset -c 0 \
    wrk -t2 -c64 -d"$2s" -s "$HERE/load.lua" "http://127.0.0.1:$PORT/" | sed -n 's/^RESULT //p'; }
load warm 3 > /dev/null
perf record -F 1999 --call-graph dwarf,16384 -p "$SPID" -o "$OUT/$name.$MODE.perf.data" -- sleep "$SECONDS_PROF" > /dev/null 2>&1 &
PP=$!
load prof $((SECONDS_PROF + 1))
wait $PP
perf report -i "$OUT/$name.$MODE.perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
    grep -v '^#' | grep '%' | head -40 > "$OUT/$name.$MODE.top.txt"
perf script -i "$OUT/$name.$MODE.perf.data" 2>/dev/null | python3 "$HERE/perf-attr.py" "$name" > "$OUT/$name.$MODE.attr.txt"
echo "self time, top 40: $OUT/$name.$MODE.top.txt; by paymock function: $OUT/$name.$MODE.attr.txt"
