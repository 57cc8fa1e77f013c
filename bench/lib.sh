# shellcheck shell=bash
# Sourced by bench scripts: their common arguments, and starting a server that prints its port.

# bench_setup NAME [PAYMOCK] [CLIENT]: for the script NAME, ROOT, BIN and CLIENT (its
# arguments, else the optimised build's), OUT (default bench/out, made) and die(); both
# binaries must exist.
bench_setup() {
	BENCH_NAME=$1
	ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
	BIN="${2:-$ROOT/build-bench/paymock}"
	CLIENT="${3:-$ROOT/build-bench/bench-client}"
	OUT=${OUT:-$ROOT/bench/out}
	mkdir -p "$OUT"
	[ -x "$BIN" ] || die "$BIN not built"
	[ -x "$CLIENT" ] || die "$CLIENT not built"
}
die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 2; }

# start_listening LOG CMD...: runs CMD in the background, stdout and stderr to LOG, and waits
# (LISTEN_WAIT seconds, default 5) for its "... listening on http://ADDR:PORT" line.  Sets
# LISTEN_PID and LISTEN_PORT; returns 1 (LISTEN_PORT empty) when the line does not come.
start_listening() {
	local log=$1 _
	shift
	"$@" > "$log" 2>&1 &
	LISTEN_PID=$!
	LISTEN_PORT=""
	for _ in $(seq 1 $((${LISTEN_WAIT:-5} * 50))); do
		LISTEN_PORT=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\)$|\1|p' "$log" | head -n 1)
		[ -n "$LISTEN_PORT" ] && return 0
		kill -0 "$LISTEN_PID" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}
