#!/usr/bin/env bash
# check-fleet.sh - docker/fleet/nginx.conf in front of paymock processes on loopback (make
# check-fleet; not part of make test).  Proves:
#   (a) sticky: one session's refunds (header) and its admin calls (?session=: a fault, a clock
#       advance, a journal count) all land on one backend: asked directly, exactly one backend
#       has the session, with the journal and clock seen through nginx;
#   (b) spread: SPREAD (300) sessions, each named once by header and once by ?session=: each is
#       on exactly one backend, every backend has some, none more than SPREAD_MAX_PCT (50) %;
#   (c) scale: wrk refunds over 10,000 sessions (fleet.lua) through nginx to 1, 2 and 3
#       fresh backends, DURATION (5) s each, THREADS (2) threads, CONNS (64) connections, and
#       to one backend directly for reference.  Reported; it fails only below a sanity floor
#       (an error rate over 1 %, or 2 or 3 backends slower than SCALE_FLOOR (0.5) x one: on a
#       machine with few cores, wrk, nginx and the backends share them, so more backends need not
#       mean more req/s; the CPU columns show who had the cores).
# nginx runs from a temporary prefix (config, pid, logs, temp files), as the current user,
# NGINX_WORKERS (auto) worker processes; its config is nginx.conf with the `server
# paymock-N:8080` lines and the `listen` port replaced.  Everything started is stopped on exit.
#
# usage: docker/fleet/check-fleet.sh [PAYMOCK]     (default build-bench/paymock)
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${1:-$ROOT/build-bench/paymock}"
SPREAD=${SPREAD:-300}
SPREAD_MAX_PCT=${SPREAD_MAX_PCT:-50}
DURATION=${DURATION:-5}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
SCALE_FLOOR=${SCALE_FLOOR:-0.5}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
CLOCK=2026-04-09T14:00:00.000Z
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/../..
. "$ROOT/bench/lib.sh"

die() { echo "check-fleet: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "$BIN not built"
[ -x "$NGINX" ] || die "nginx not found (Debian: nginx-light)"
command -v wrk > /dev/null || die "wrk not found"
TMP=$(mktemp -d /tmp/paymock-fleet.XXXXXX)
BACKEND_PIDS=()
PORTS=()
NGINX_PID=""
stop_all() {
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	NGINX_PID=""
	local p
	for p in "${BACKEND_PIDS[@]+"${BACKEND_PIDS[@]}"}"; do kill "$p" 2>/dev/null; done
	for p in "${BACKEND_PIDS[@]+"${BACKEND_PIDS[@]}"}"; do wait "$p" 2>/dev/null; done
	BACKEND_PIDS=()
	PORTS=()
}
trap 'stop_all; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# backends K: K fresh paymock processes on free loopback ports, one frozen clock.
backends() {
	local i
	for i in $(seq 1 "$1"); do
		start_listening "$TMP/paymock-$i.log" "$BIN" --port 0 --quiet --clock "frozen:$CLOCK" \
		    --fixtures "$ROOT/fixtures" --scenario-dir "$ROOT/scenarios" ||
		    die "paymock $i did not start: $(cat "$TMP/paymock-$i.log")"
		BACKEND_PIDS+=("$LISTEN_PID")
		PORTS+=("$LISTEN_PORT")
	done
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# proxy: nginx in front of every backend in PORTS; sets URL.
proxy() {
	local port conf="$TMP/nginx.conf" user=""
	port=$(free_port)
	awk -v ports="${PORTS[*]}" -v listen="127.0.0.1:$port" '
	    /^[ \t]*server paymock-[0-9]+:8080/ {
		if (!done) { n = split(ports, p, " "); for (i = 1; i <= n; i++)
		    printf "    server 127.0.0.1:%s max_fails=0;\n", p[i] }
		done = 1; next }
	    { sub(/listen 8080;/, "listen " listen ";"); print }' "$HERE/nginx.conf" > "$TMP/fleet.conf"
	# As root, nginx would switch its workers to "nobody", who cannot use the temporary prefix.
	[ "$(id -u)" = 0 ] && user="user $(id -un) $(id -gn);"
	cat > "$conf" <<-EOF
	$user
	daemon off;
	worker_processes $NGINX_WORKERS;
	pid $TMP/nginx.pid;
	error_log $TMP/nginx-error.log warn;
	events { worker_connections 4096; }
	http {
	    access_log off;
	    client_body_temp_path $TMP/client_body;
	    proxy_temp_path $TMP/proxy;
	    fastcgi_temp_path $TMP/fastcgi;
	    uwsgi_temp_path $TMP/uwsgi;
	    scgi_temp_path $TMP/scgi;
	    include $TMP/fleet.conf;
	}
	EOF
	"$NGINX" -e "$TMP/nginx-error.log" -p "$TMP" -c "$conf" &
	NGINX_PID=$!
	URL="http://127.0.0.1:$port"
	for _ in $(seq 1 250); do
		curl -fs -o /dev/null "$URL/__admin/health" && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.02
	done
	die "nginx did not start: $(cat "$TMP/nginx-error.log")"
}

# sessions_of PORT: "NAME JOURNAL NOW" for each session of the backend on PORT, asked directly.
sessions_of() {
	curl -fsS "http://127.0.0.1:$1/__admin/sessions" | python3 -c '
import json, sys
for s in json.load(sys.stdin)["sessions"]:
    print(s["name"], s["journal"], s["now"])'
}

FAILED=0
verdict() { # STATUS MESSAGE: ok when STATUS (a command's) is 0
	if [ "$1" = 0 ]; then echo "  ok   $2"; else echo "  FAIL $2"; FAILED=1; fi
}

echo "check-fleet: nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'), paymock $BIN, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
backends 3
proxy
echo "3 backends on ports ${PORTS[*]}, nginx on ${URL#http://}"

echo "(a) one session stays on one backend"
S=fleet-sticky-$$
H="X-Paymock-Session: $S"
ACC=(-H 'Content-Type: application/json' -H 'X-API-Key: sk_test_fleet')
BODY='{"transactionId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","amount":"1.00","currency":"EUR","reason":"fleet"}'
codes=$(curl -s -o /dev/null -w '%{http_code}' "$URL/__admin/faults?session=$S" -H 'Content-Type: application/json' \
	-d '{"match":{"operation":"refund.create","nth":2},"action":{"type":"respond","error":"provider_unavailable"}}')
for n in 1 2 3; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' "${ACC[@]}" -H "$H" -H "Idempotency-Key: sticky-$n" -d "$BODY" "$URL/accelebit/v1/refunds")"
done
codes="$codes $(curl -s -o /dev/null -w '%{http_code}' "$URL/__admin/clock/advance?session=$S" -d '{"seconds":3600}')"
now=$(curl -fsS "$URL/__admin/clock?session=$S" | python3 -c 'import json, sys; print(json.load(sys.stdin)["now"])')
count=$(curl -fsS -H "$H" "$URL/__admin/journal/count" -d '{"match":{"operation":"refund.create"}}' | tr -dc 0-9)
echo "  through nginx: fault, 3 refunds, clock advance answered $codes; clock $now; journal count $count"
[ "$codes" = "201 201 503 201 200" ] && [ "$count" = 3 ] && [ "$now" = 2026-04-09T15:00:00.000Z ]
verdict $? "answers through nginx as one paymock gives them"
owners=()
for i in 0 1 2; do
	line=$(sessions_of "${PORTS[$i]}" | awk -v s="$S" '$1 == s')
	echo "  backend $((i + 1)) (port ${PORTS[$i]}), asked directly: ${line:-no session $S}"
	[ -n "$line" ] && owners+=("$i $line")
done
if [ "${#owners[@]}" = 1 ]; then
	read -r owner _ journal bnow <<< "${owners[0]}"
	refused=$(curl -fsS -H "$H" "http://127.0.0.1:${PORTS[$owner]}/__admin/journal/count" \
	    -d '{"match":{"status":503}}' | tr -dc 0-9)
	[ "$journal" = 3 ] && [ "$bnow" = "$now" ] && [ "$refused" = 1 ]
	verdict $? "exactly one backend (backend $((owner + 1))) has $S: journal $journal, clock $bnow, the fault's 503 counted $refused"
else
	verdict 1 "${#owners[@]} backends have $S (want exactly 1)"
fi

echo "(b) different sessions spread"
# One curl: each session named once by header and once by ?session=.
for i in $(seq 1 "$SPREAD"); do
	[ "$i" = 1 ] || echo next
	printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\nurl = "%s/__admin/health"\n' "$URL"
	printf 'header = "X-Paymock-Session: fleet-spread-%d"\nnext\n' "$i"
	printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
	printf 'url = "%s/__admin/health?session=fleet-spread-%d"\n' "$URL" "$i"
done > "$TMP/spread.curl"
curl -s -K "$TMP/spread.curl" | sort | uniq -c | awk '{ printf "  %d requests answered %s\n", $1, $2 }'
counts=()
for i in 0 1 2; do
	counts+=("$(sessions_of "${PORTS[$i]}" | grep -c '^fleet-spread-')")
done
total=$((counts[0] + counts[1] + counts[2]))
max=$(printf '%s\n' "${counts[@]}" | sort -n | tail -n 1)
min=$(printf '%s\n' "${counts[@]}" | sort -n | head -n 1)
echo "  $SPREAD sessions per backend: ${counts[*]} (largest share $((100 * max / (total > 0 ? total : 1)))%)"
[ "$total" = "$SPREAD" ] && [ "$min" -gt 0 ] && [ $((100 * max)) -le $((SPREAD_MAX_PCT * total)) ]
verdict $? "each of $SPREAD sessions on one backend, every backend used, none over $SPREAD_MAX_PCT%"

echo "(c) throughput with 1, 2, 3 backends (wrk -t$THREADS -c$CONNS -d${DURATION}s, UTGL refunds over 10,000 sessions)"
# ticks PID...: CPU time (user + system, clock ticks) the processes have used.
ticks() {
	local p t=0
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo "$t"
}
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
HZ=$(getconf CLK_TCK)
# load LABEL URL -> "rps requests non2xx errors paymock% nginx% wrk% others%" (CPU: 100 = one
# core; others: everything else the machine ran meanwhile).  wrk's CPU is read from the shell
# that waited for it (its children's times).
load() {
	local cpu p0 n0 m0 t0 ngx=()
	[ -n "$NGINX_PID" ] && mapfile -t ngx < <(echo "$NGINX_PID"; pgrep -P "$NGINX_PID")
	p0=$(ticks "${BACKEND_PIDS[@]}"); n0=$(ticks "${ngx[@]}"); m0=$(busy); t0=$(date +%s%N)
	# shellcheck disable=SC2016 # $$ and the fields are the inner shell's and awk's
	w=$(bash -c '"$@" > "$0" 2>&1; awk "{ print \$16 + \$17 }" "/proc/$$/stat"' "$TMP/wrk-$1.txt" \
	    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 5s -s "$HERE/fleet.lua" "$2")
	cpu="$(($(ticks "${BACKEND_PIDS[@]}") - p0)) $(($(ticks "${ngx[@]}") - n0)) $w $(($(busy) - m0))"
	sed -n 's/^RESULT //p' "$TMP/wrk-$1.txt" | tr ' ' '\n' | awk -F= -v cpu="$cpu" \
	    -v s="$(( ($(date +%s%N) - t0) * HZ / 1000000000 ))" '
	    { v[$1] = $2 }
	    END { split(cpu, c, " "); printf "%d %d %d %d %.0f %.0f %.0f %.0f", v["rps"],
		v["requests"], v["non2xx"], v["errors"], 100 * c[1] / s, 100 * c[2] / s,
		100 * c[3] / s, 100 * (c[4] - c[1] - c[2] - c[3]) / s }'
}
declare -A RPS
row() { printf '  %-22s %7s %6s %8s %7s %9s %7s %5s %8s\n' "$@"; }
row "" "req/s" "vs 1" "non-2xx" "errors" "paymock%" "nginx%" "wrk%" "others%"
for k in 1 2 3 direct; do
	stop_all
	if [ "$k" = direct ]; then
		backends 1
		target="http://127.0.0.1:${PORTS[0]}"
		label="1 backend, no nginx"
	else
		backends "$k"
		proxy
		target=$URL
		label="$k backend$([ "$k" = 1 ] || echo s) via nginx"
	fi
	read -r rps requests non2xx errors pcpu ncpu wcpu ocpu <<< "$(load "$k" "$target")"
	RPS[$k]=${rps:-0}
	ratio=$(awk -v a="${RPS[$k]}" -v b="${RPS[1]:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
	row "$label" "${rps:-0}" "$ratio" "${non2xx:-?}" "${errors:-?}" "${pcpu:-?}" \
	    "$([ "$k" = direct ] && echo - || echo "${ncpu:-?}")" "${wcpu:-?}" "${ocpu:-?}"
	if [ "${requests:-0}" = 0 ] || [ $((100 * (non2xx + errors))) -gt "$requests" ]; then
		verdict 1 "$label: no answers, or over 1% of them errors (wrk: $(tail -n 3 "$TMP/wrk-$k.txt" | tr '\n' ' '))"
	fi
done
echo "  (CPU over each run, 100 = one core; others: every other process, other users' too)"
awk -v a="${RPS[1]}" -v b="${RPS[2]}" -v c="${RPS[3]}" -v f="$SCALE_FLOOR" \
    'BEGIN { exit !(a > 0 && b >= f * a && c >= f * a) }'
verdict $? "2 and 3 backends at least ${SCALE_FLOOR}x one backend's req/s ($(nproc) cores shared by wrk, nginx and the backends)"

if [ "$FAILED" = 0 ]; then echo "check-fleet: PASS"; else echo "check-fleet: FAIL"; fi
exit "$FAILED"
