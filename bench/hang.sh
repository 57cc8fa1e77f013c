#!/usr/bin/env bash
# hang.sh - HOLD (10,000) connections held open by a `hang` fault: the
# server's RSS with them, and the p99 of normal refunds on other connections
# against the same load on a server holding nothing.
#
# usage: bench/hang.sh [PAYMOCK] [CLIENT]   (defaults: build-bench/paymock, build-bench/bench-client)
# env:   HOLD=10000 DURATION=10 THREADS=2 CONNS=64 ROUNDS=2 PIN=1 OUT=bench/out
# Each round starts two fresh servers in turn (so both loads start from the
# same state): "free" runs the load alone; "held" arms, in session "hang",
# {"match":{"operation":"refund.status"},"action":{"type":"hang"}}, opens HOLD
# connections that each GET a refund's status there (bench-client hang),
# reads RSS, then runs the load.  The load: wrk refund creates in session
# "load" (bench/load.lua), -t2 -c64 then -t1 -c1.  --idle-timeout 600 and
# --max-held HOLD keep the held connections from being closed meanwhile.
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
. "$HERE/lib.sh"
bench_setup hang "$@"
HOLD=${HOLD:-10000}
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-2}
PIN=${PIN:-1}
need=$((HOLD + 1000))
if [ "$(ulimit -n)" -lt "$need" ]; then
	ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
[ "$(ulimit -n)" -ge "$need" ] || die "ulimit -n is $(ulimit -n), $need needed (raise the hard limit)"
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then SP=(taskset -c 1); CP=(taskset -c 0); else SP=(); CP=(); fi

SPID=""; CPID=""
cleanup() {
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	wait 2>/dev/null
	SPID=""; CPID=""
}
trap cleanup EXIT
start() {
	start_listening "$OUT/hang-server.out" "${SP[@]+"${SP[@]}"}" "$BIN" --port 0 \
	    --fixtures "$HERE/fixtures/accelebit-bench.json" --quiet --idle-timeout 600 \
	    --max-held "$HOLD"
	SPID=$LISTEN_PID PORT=$LISTEN_PORT
	[ -n "$PORT" ] || die "paymock did not start"
	URL="http://127.0.0.1:$PORT"
}
kb() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$SPID/status"; }
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k / 1024}'; }
res() { sed -n 's/^RESULT //p' "$1" | tr ' ' '\n' | awk -F= '
	{ v[$1] = $2 }
	END { printf "%.0f\t%.3f\t%.3f\t%d", v["rps"], v["p50"] / 1000, v["p99"] / 1000,
	    v["err_connect"] + v["err_read"] + v["err_write"] + v["err_status"] + v["err_timeout"] }'; }
load() { # label -> tab-separated rps p50 p99 err (loaded) then the same (c1)
	local f="$OUT/hang-$1"
	MODE=create SESSION=load RUN_ID="$1" timeout $((DURATION + 30)) "${CP[@]+"${CP[@]}"}" \
	    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 2s --latency -s "$HERE/load.lua" "$URL/" > "$f.c$CONNS.txt" 2>&1
	MODE=create SESSION=load RUN_ID="$1-c1" timeout $((DURATION + 30)) "${CP[@]+"${CP[@]}"}" \
	    wrk -t1 -c1 -d"${DURATION}s" --timeout 2s --latency -s "$HERE/load.lua" "$URL/" > "$f.c1.txt" 2>&1
	printf '%s\t%s' "$(res "$f.c$CONNS.txt")" "$(res "$f.c1.txt")"
}

TSV="$OUT/hang.tsv"
printf 'round\tphase\trps\tp50\tp99\terr\trps_c1\tp50_c1\tp99_c1\terr_c1\trss_idle_kb\trss_held_kb\thwm_kb\tfired\tfds\n' > "$TSV"
for round in $(seq 1 "$ROUNDS"); do
	# nothing held
	start
	r=$(load "free.r$round")
	printf '%s\tfree\t%s\t%s\t\t%s\t\t\n' "$round" "$r" "$(kb VmRSS)" "$(kb VmHWM)" >> "$TSV"
	cleanup
	# HOLD connections held
	start
	curl -sf -H 'X-Paymock-Session: hang' \
	    -d '{"match":{"operation":"refund.status"},"action":{"type":"hang"}}' \
	    "$URL/__admin/faults" > /dev/null || die "cannot arm the fault"
	rss_idle=$(kb VmRSS)
	fifo="$OUT/hang-client.fifo"; rm -f "$fifo"; mkfifo "$fifo"
	# the client holds its connections until its stdin closes (at most 600 s)
	"${CP[@]+"${CP[@]}"}" "$CLIENT" hang "$PORT" "$HOLD" \
	    /accelebit/v1/refunds/00000000-0000-4000-8000-000000000000 hang 600 \
	    < "$fifo" > "$OUT/hang-client.out" 2>&1 &
	CPID=$!
	exec 9> "$fifo"
	for _ in $(seq 1 600); do grep -q '^held' "$OUT/hang-client.out" && break; sleep 0.1; done
	grep -q '^held' "$OUT/hang-client.out" || { cat "$OUT/hang-client.out"; die "the client did not hold its connections"; }
	sleep 1
	fired=$(curl -s -H 'X-Paymock-Session: hang' "$URL/__admin/scenarios" | grep -o '"fired":[0-9]*' | head -n1 | cut -d: -f2)
	fds=$(ls "/proc/$SPID/fd" | wc -l)
	rss_held=$(kb VmRSS)
	r=$(load "held.r$round")
	printf '%s\theld\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$r" "$rss_idle" "$rss_held" "$(kb VmHWM)" "$fired" "$fds" >> "$TSV"
	exec 9>&-
	wait "$CPID" 2>/dev/null; CPID=""
	cleanup
done

{
	echo "hang: $HOLD connections held by a hang fault (session hang) while wrk creates refunds in session load"
	echo "$(basename "$BIN"); pin $PIN; each load -t$THREADS -c$CONNS ${DURATION}s then -t1 -c1 ${DURATION}s on a fresh server; latencies in ms"
	awk -F'\t' -v hold="$HOLD" -v conns="$CONNS" '
	function mib(k) { return k == "" ? "-" : sprintf("%.1f", k / 1024) }
	function med(list,   n, a, i, j, t) {
		n = split(list, a, " "); if (n == 0) return ""
		for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	BEGIN { printf "%-5s %-5s %8s %7s %7s %4s %7s %7s %7s %4s %9s %9s %8s %6s %6s\n", "round", "phase", "rps@c" conns, "p50", "p99", "err", "rps@c1", "p50@c1", "p99@c1", "err", "RSS idle", "RSS held", "HWM", "fired", "fds" }
	NR == 1 { next }
	{
		printf "%-5s %-5s %8s %7s %7s %4s %7s %7s %7s %4s %9s %9s %8s %6s %6s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, mib($11), mib($12), mib($13), $14, $15
		P99[$2] = P99[$2] " " $5; P99C1[$2] = P99C1[$2] " " $9
		if ($2 == "held") { held = held " " $12; idle = idle " " $11 }
	}
	END {
		f = med(P99["free"]); h = med(P99["held"]); f1 = med(P99C1["free"]); h1 = med(P99C1["held"])
		printf "median p99: free %.3f ms, held %.3f ms (x%.2f); unloaded (c1): free %.3f ms, held %.3f ms (x%.2f)\n", f, h, h / f, f1, h1, h1 / f1
		printf "RSS with %d connections held: median %s MiB (%s MiB before holding: %.0f bytes per held connection)\n", hold, mib(med(held)), mib(med(idle)), (med(held) - med(idle)) * 1024 / hold
	}' "$TSV"
	grep -h '^held\|closed' "$OUT/hang-client.out"
} | tee "$OUT/hang-result.txt"
