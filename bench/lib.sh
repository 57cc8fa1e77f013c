# shellcheck shell=bash
# Sourced by bench scripts: starting a server that prints its port.

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
