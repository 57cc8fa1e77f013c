#!/usr/bin/env bash
# instr.sh - user-space instructions per request under callgrind: a figure that
# other load on a shared machine does not move (cpu time does), to compare two
# builds of paymock, or paymock with the bare baseline, on the same load.
#
# usage: bench/instr.sh BINARY [MODE]     MODE: create (default), replay, status
#        BASELINE=1 bench/instr.sh BASELINE_SERVER   (the peer harness's bare
#        libevent server: argument its port, POST /v1/refunds)
# env:   SECONDS_LOAD=8 (wrk -t1 -c8 under callgrind), OUT=bench/out/instr
# Prints: requests, Ir (instructions) per request, and the top functions
# (inclusive) to OUT/<name>.<mode>.top.txt.  Needs valgrind (Debian package).
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
. "$HERE/lib.sh"
BIN="$1"; MODE="${2:-create}"
SECONDS_LOAD=${SECONDS_LOAD:-8}
OUT=${OUT:-$HERE/out/instr}
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "instr: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
name=$(basename "$BIN")
cg="$OUT/$name.$MODE.callgrind"
rm -f "$cg" "$cg".*
if [ "${BASELINE:-0}" = 1 ]; then
	# the baseline server takes a port and prints nothing: ask it until it answers
	PORT=${PORT:-18977}
	valgrind --tool=callgrind --callgrind-out-file="$cg" "$BIN" "$PORT" > "$OUT/server.out" 2>&1 &
	VPID=$!
	PATHP=/v1/refunds
	for _ in $(seq 1 300); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
		sleep 0.1
	done
else
	LISTEN_WAIT=30 start_listening "$OUT/server.out" valgrind --tool=callgrind \
	    --callgrind-out-file="$cg" "$BIN" --port 0 \
	    --fixtures "$HERE/fixtures/accelebit-bench.json" --quiet
	VPID=$LISTEN_PID PORT=$LISTEN_PORT
	[ -n "$PORT" ] || { cat "$OUT/server.out" >&2; exit 1; }
	PATHP=/accelebit/v1/refunds
fi
BODY='{"transactionId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","amount":"55.00","currency":"EUR","reason":"Customer requested refund"}'
REFUND_ID=""
if [ "$MODE" != create ]; then
	REFUND_ID=$(curl -s -X POST -H 'Content-Type: application/json' -H 'X-API-Key: sk_test_bench' \
	    -H 'Idempotency-Key: bench-replayed-key' --data-binary "$BODY" "http://127.0.0.1:$PORT$PATHP" |
	    sed 's/.*"id":"\([^"]*\)".*/\1/')
fi
run() { # seconds -> wrk output
	if [ "${BASELINE:-0}" = 1 ]; then
		MODE=create REFUND_PATH=$PATHP RUN_ID="$1.$RANDOM" wrk -t1 -c8 -d"$1s" --timeout 5s \
		    -s "$HERE/load.lua" "http://127.0.0.1:$PORT$PATHP" 2>&1
	else
		MODE=$MODE REFUND_ID=$REFUND_ID IDEM_KEY=bench-replayed-key RUN_ID="$1.$RANDOM" wrk -t1 -c8 -d"$1s" --timeout 5s \
		    -s "$HERE/load.lua" "http://127.0.0.1:$PORT/" 2>&1
	fi
}
run 2 > /dev/null			# warm up: maps grown, caches filled
callgrind_control -z "$VPID" > /dev/null	# counting starts here
out=$(run "$SECONDS_LOAD")
callgrind_control -d "$VPID" > /dev/null
n=$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' <<< "$out")
[ -n "$n" ] || n=$(awk '/requests in/{print $1}' <<< "$out")
kill -TERM "$VPID"; wait "$VPID" 2>/dev/null
f=$(ls -t "$cg".* 2>/dev/null | head -n1)
ir=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1; exit}')
callgrind_annotate --inclusive=yes "$f" 2>/dev/null | head -n 60 > "$OUT/$name.$MODE.top.txt"
awk -v n="$n" -v ir="$ir" -v b="$name" -v m="$MODE" 'BEGIN{printf "%s %s: %d requests, %.0f Ir/request\n", b, m, n, ir / n}'
