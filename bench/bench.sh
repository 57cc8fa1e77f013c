#!/usr/bin/env bash
# bench.sh - paymock's own load table: refund create, idempotent replay and
# status polling against Accelebit, each on a fresh server started on a free
# loopback port with the bench fixture, driven by wrk, bounded in time.
#
# usage: bench/bench.sh [PAYMOCK_BINARY]      (default build-bench/paymock)
#
# Knobs (environment):
#   LOADS="create replay status"   which loads, in this order
#   DURATION=10    seconds of each measured wrk run (loaded and unloaded)
#   WARMUP=2       seconds of unmeasured load first (0 = none)
#   THREADS=2 CONNS=64             the loaded run (the unloaded one is -t1 -c1)
#   ROUNDS=1       repeat every load; with ROUNDS>1 medians are printed too
#   PIN=1          server on SERVER_CPU, wrk on CLIENT_CPU (taskset), if 2+ cpus
#   SERVER_CPU=1 CLIENT_CPU=0
#   QUIET_MAX=25 QUIET_WAIT=60     before each load wait (at most QUIET_WAIT s)
#                  until the machine's cpu use is <= QUIET_MAX % (100 = a core)
#   FIXTURE=bench/fixtures/accelebit-bench.json
#   PAYMOCK_ARGS="--quiet"         extra server flags (e.g. "" for the access log)
#   OUT=bench/out  where raw wrk output and the table go
# Columns: rps and latency (ms) of the loaded run, rps/p50/p99 of the unloaded
# run, us/req = server cpu (user+sys) per request in the loaded run, srv% and
# wrk% = the server's and wrk's cpu in the loaded run (100 = one core; wrk%
# near 100 = the client was the limit), oth% = cpu of everything else
# meanwhile (noise), RSS = the server's VmHWM at the end.
set -u -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
. "$HERE/lib.sh"
ROOT="$(dirname "$HERE")"
BIN="${1:-$ROOT/build-bench/paymock}"
LOADS=${LOADS:-"create replay status"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-1}
PIN=${PIN:-1}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
QUIET_MAX=${QUIET_MAX:-25}
QUIET_WAIT=${QUIET_WAIT:-60}
FIXTURE=${FIXTURE:-$HERE/fixtures/accelebit-bench.json}
PAYMOCK_ARGS=${PAYMOCK_ARGS---quiet}
OUT=${OUT:-$HERE/out}
LUA="$HERE/load.lua"
HZ=$(getconf CLK_TCK)
BODY='{"transactionId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","amount":"55.00","currency":"EUR","reason":"Customer requested refund"}'

die() { echo "bench: $*" >&2; exit 2; }
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v curl >/dev/null || die "curl not found"
[ -x "$BIN" ] || die "$BIN not built"
[ -f "$FIXTURE" ] || die "no fixture $FIXTURE"
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
	SRV_PIN=(taskset -c "$SERVER_CPU"); CLI_PIN=(taskset -c "$CLIENT_CPU")
else
	SRV_PIN=(); CLI_PIN=(); PIN=0
fi
mkdir -p "$OUT"

busy_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9 && i <= NF; i++) t += $i; print t - $5 - $6; exit }' /proc/stat; }
proc_ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }
wait_quiet() {
	[ "$QUIET_WAIT" -gt 0 ] || return 0
	local end=$(( $(date +%s) + QUIET_WAIT )) a b pct
	while :; do
		a=$(busy_ticks); sleep 1; b=$(busy_ticks)
		pct=$(( (b - a) * 100 / HZ ))
		[ "$pct" -le "$QUIET_MAX" ] && return 0
		if [ "$(date +%s)" -ge "$end" ]; then
			log "machine still busy (${pct}% cpu), measuring anyway"; return 0
		fi
		log "machine busy (${pct}% cpu by others), waiting"
	done
}

SPID=""; PORT=""
stop_server() {
	[ -n "$SPID" ] || return 0
	kill -TERM "$SPID" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=""
}
trap 'stop_server' EXIT
trap 'stop_server; exit 130' INT TERM

start_server() { # -> SPID, PORT
	# --port 0: the kernel picks a free loopback port; the first line names it
	# shellcheck disable=SC2086  # PAYMOCK_ARGS: several flags
	start_listening "$OUT/server.out" "${SRV_PIN[@]+"${SRV_PIN[@]}"}" "$BIN" --bind 127.0.0.1 \
	    --port 0 --fixtures "$FIXTURE" $PAYMOCK_ARGS
	SPID=$LISTEN_PID PORT=$LISTEN_PORT
	[ -n "$PORT" ] && return 0
	cat "$OUT/server.out" >&2
	die "paymock did not start"
}

post() { # key -> body on stdout, status on fd 3
	curl -s -m 5 -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
	    -H 'X-API-Key: sk_test_bench' -H "Idempotency-Key: $1" --data-binary "$BODY" \
	    "http://127.0.0.1:$PORT/accelebit/v1/refunds"
}

run_wrk() { # threads conns seconds outfile; wrk's cpu seconds go to outfile.cpu
	(
		MODE="$MODE" REFUND_ID="${REFUND_ID:-}" IDEM_KEY="${IDEM_KEY:-}" RUN_ID="$(basename "$4" .txt)" \
		    timeout -k 5 $(( $3 + 30 )) "${CLI_PIN[@]+"${CLI_PIN[@]}"}" \
		    wrk -t"$1" -c"$2" -d"$3s" --timeout 2s --latency -s "$LUA" \
		    "http://127.0.0.1:$PORT/" > "$4" 2>&1
		times > "$4.times"	# line 2: user and sys time of waited-for children
	)
	sed -n 2p "$4.times" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.3f\n", s }' > "$4.cpu"
	rm -f "$4.times"
}
res() { sed -n 's/^RESULT //p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

TSV="$OUT/results.tsv"
printf 'round\tload\trps\tp50_us\tp99_us\terr\trps_c1\tp50_c1_us\tp99_c1_us\tus_req\tsrv_pct\twrk_pct\toth_pct\trss_kb\n' > "$TSV"
log "$BIN; loads: $LOADS; -t$THREADS -c$CONNS ${DURATION}s (+${WARMUP}s warmup), then -t1 -c1 ${DURATION}s; rounds $ROUNDS; pin $PIN"

for round in $(seq 1 "$ROUNDS"); do
	for MODE in $LOADS; do
		wait_quiet
		start_server
		REFUND_ID=""; IDEM_KEY=""
		case "$MODE" in
		create) ;;
		replay|status)
			IDEM_KEY="bench-replayed-key"
			r=$(post "$IDEM_KEY")
			[ "$(tail -n1 <<< "$r")" = 201 ] || die "priming refund failed: $r"
			REFUND_ID=$(head -n1 <<< "$r" | sed 's/.*"id":"\([^"]*\)".*/\1/') ;;
		*) die "unknown load '$MODE' (create, replay, status)" ;;
		esac
		f="$OUT/$MODE.r$round"
		[ "$WARMUP" -gt 0 ] && run_wrk "$THREADS" "$CONNS" "$WARMUP" "$f.warmup.txt"
		k0=$(proc_ticks "$SPID"); a0=$(busy_ticks); t0=$(date +%s.%N)
		run_wrk "$THREADS" "$CONNS" "$DURATION" "$f.c$CONNS.txt"
		k1=$(proc_ticks "$SPID"); a1=$(busy_ticks); t1=$(date +%s.%N)
		run_wrk 1 1 "$DURATION" "$f.c1.txt"
		rss=$(awk '/^VmHWM:/{print $2}' "/proc/$SPID/status")
		kill -0 "$SPID" 2>/dev/null || die "paymock died during '$MODE'"
		stop_server
		n=$(res "$f.c$CONNS.txt" requests)
		err=0
		for k in err_connect err_read err_write err_status err_timeout; do
			v=$(res "$f.c$CONNS.txt" $k); err=$(( err + ${v:-0} ))
		done
		# oth% = the machine's busy time less the server's and wrk's
		stats=$(awk -v k0="$k0" -v k1="$k1" -v a0="$a0" -v a1="$a1" -v t0="$t0" -v t1="$t1" \
		    -v hz="$HZ" -v n="${n:-0}" -v wc="$(cat "$f.c$CONNS.txt.cpu")" 'BEGIN {
			s = (k1 - k0) / hz; w = t1 - t0
			o = ((a1 - a0) / hz - s - wc) / w * 100; if (o < 0) o = 0
			printf "%.2f\t%.0f\t%.0f\t%.0f", (n > 0 ? s / n * 1e6 : 0), s / w * 100, wc / w * 100, o }')
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$MODE" \
		    "$(res "$f.c$CONNS.txt" rps)" "$(res "$f.c$CONNS.txt" p50)" "$(res "$f.c$CONNS.txt" p99)" "$err" \
		    "$(res "$f.c1.txt" rps)" "$(res "$f.c1.txt" p50)" "$(res "$f.c1.txt" p99)" \
		    "$stats" "$rss" >> "$TSV"
		log "$MODE: $(res "$f.c$CONNS.txt" rps) req/s, $(cut -f1 <<< "$stats") us/req, $err errors"
	done
done

{
	echo "paymock $("$BIN" --version | awk '{print $2}') - Accelebit refunds on 127.0.0.1, fixture $(basename "$FIXTURE"), server flags: ${PAYMOCK_ARGS:-none}"
	echo "wrk $(wrk -v 2>&1 | head -n1 | awk '{print $2}'): loaded -t$THREADS -c$CONNS ${DURATION}s after ${WARMUP}s warmup; unloaded -t1 -c1 ${DURATION}s; $( [ "$PIN" = 1 ] && echo "server on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU" || echo "no pinning"); $(nproc) cpus; $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "latencies in ms; err = socket errors + timeouts + non-2xx (loaded run); us/req = server cpu per request (loaded run)"
	awk -F'\t' -v rounds="$ROUNDS" -v conns="$CONNS" '
	function ms(u) { return u == "" ? "-" : sprintf("%.3f", u / 1000) }
	function med(list,   n, a, i, j, t) {
		n = split(list, a, " "); if (n == 0) return ""
		for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function row(r, l, a, b, c, e, d, f, g, u, s, x, o, m) {
		printf "%-6s %-7s %8.0f %8s %8s %5s %8.0f %8s %8s %7.2f %5s %5s %5s %8.1f\n", r, l, a, ms(b), ms(c), e, d, ms(f), ms(g), u, s, x, o, m / 1024
	}
	BEGIN { printf "%-6s %-7s %8s %8s %8s %5s %8s %8s %8s %7s %5s %5s %5s %8s\n", "round", "load", "rps@c" conns, "p50", "p99", "err", "rps@c1", "p50@c1", "p99@c1", "us/req", "srv%", "wrk%", "oth%", "RSS(MiB)" }
	NR == 1 { next }
	{
		row($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		if (!($2 in seen)) { seen[$2] = 1; order[++nl] = $2 }
		for (k = 3; k <= 14; k++) L[$2, k] = L[$2, k] " " $k
	}
	END {
		if (rounds > 1) {
			print "median over " rounds " rounds (us/req spread: min-max)"
			for (i = 1; i <= nl; i++) {
				l = order[i]; n = split(L[l, 10], u, " "); lo = u[1]; hi = u[1]
				for (j = 2; j <= n; j++) { if (u[j] + 0 < lo + 0) lo = u[j]; if (u[j] + 0 > hi + 0) hi = u[j] }
				row("med", l, med(L[l, 3]), med(L[l, 4]), med(L[l, 5]), med(L[l, 6]), med(L[l, 7]), med(L[l, 8]), med(L[l, 9]), med(L[l, 10]), med(L[l, 11]), med(L[l, 12]), med(L[l, 13]), med(L[l, 14]))
				printf "       %-7s us/req %s-%s\n", l, lo, hi
			}
		}
	}' "$TSV"
} | tee "$OUT/table.txt"
