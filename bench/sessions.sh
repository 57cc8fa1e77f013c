#!/usr/bin/env bash
# sessions.sh - memory per session and per refund: NSESSIONS (1,000) sessions,
# then NREFUNDS (100, the most one transaction takes) Accelebit refunds in
# each, RSS (VmRSS) read before and after each step, with the memory budget
# raised out of the way (this measures what things weigh, not how the budget
# sheds them).  Also the cost of a session created after glibc has raised its
# mmap threshold (which happens once a big table has grown and freed its old
# slots): such a session's eager allocations come from the heap, cleared.
#
# usage: bench/sessions.sh [PAYMOCK] [CLIENT]   env: NSESSIONS=1000 NREFUNDS=100 WORKERS=4 OUT=bench/out
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
. "$HERE/lib.sh"
bench_setup sessions "$@"
NSESSIONS=${NSESSIONS:-1000}
NREFUNDS=${NREFUNDS:-100}
WORKERS=${WORKERS:-4}
SPID=""
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; wait 2>/dev/null' EXIT
start() { # fixtures
	start_listening "$OUT/sessions-server.out" "$BIN" --port 0 --fixtures "$1" --quiet \
	    --max-memory 64G
	SPID=$LISTEN_PID PORT=$LISTEN_PORT
	[ -n "$PORT" ] || die "paymock did not start"
}
stop() { kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=""; }
kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$SPID/status"; }
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN{printf "%.0f", (b - a) * 1024 / n}'; }
{
echo "sessions: $NSESSIONS sessions, then $NREFUNDS Accelebit refunds in each ($WORKERS client processes); RSS = VmRSS"
# 1. empty sessions with the shipped fixtures (every provider's transactions)
start "$ROOT/fixtures"
r0=$(kb); "$CLIENT" touch "$PORT" "$NSESSIONS" e || die "touch failed"; r1=$(kb)
echo "shipped fixtures: RSS $((r0 / 1024)) MiB at start; $NSESSIONS empty sessions: +$(( (r1 - r0) / 1024 )) MiB = $(per "$r0" "$r1" "$NSESSIONS") bytes per session"
stop
# 2. the bench fixture: empty sessions, then refunds in each
start "$HERE/fixtures/accelebit-bench.json"
r0=$(kb); "$CLIENT" touch "$PORT" "$NSESSIONS" s || die "touch failed"; r1=$(kb)
"$CLIENT" sessions "$PORT" "$NSESSIONS" "$NREFUNDS" "$WORKERS" s || die "refunds failed"
r2=$(kb)
echo "bench fixture: $NSESSIONS empty sessions: $(per "$r0" "$r1" "$NSESSIONS") bytes per session; then $((NSESSIONS * NREFUNDS)) refunds: +$(( (r2 - r1) / 1024 )) MiB = $(per "$r1" "$r2" $((NSESSIONS * NREFUNDS))) bytes per refund (journal entry, idempotency record, ledger refund); RSS $((r2 / 1024)) MiB"
# 3. sessions made after big tables grew (glibc's mmap threshold raised); a
# transaction takes at most 100 refunds, and the bench fixture has one
"$CLIENT" sessions "$PORT" 1000 100 "$WORKERS" big > /dev/null || die "big sessions failed"
r3=$(kb); "$CLIENT" touch "$PORT" "$NSESSIONS" late || die "touch failed"; r4=$(kb)
echo "after 100,000 more refunds: $NSESSIONS more empty sessions: $(per "$r3" "$r4" "$NSESSIONS") bytes per session"
stop
} | tee "$OUT/sessions-result.txt"
