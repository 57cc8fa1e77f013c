#!/bin/sh
# Runs libFuzzer harnesses for a bounded time each and prints one line per
# harness; non-zero if any found a crash, leak or timeout (the artifact is named).
#   tests/fuzz/run.sh BUILD_DIR SECONDS HARNESS...
set -u
dir=$1
secs=$2
shift 2
here=$(dirname "$0")
status=0
printf '%-11s %10s %9s %7s %8s  %s\n' harness execs exec/s corpus rss result
for h in "$@"; do
	corpus=$dir/corpus/$h
	mkdir -p "$corpus" "$dir/crashes" "$dir/log"
	case $h in
	money|sequence) dict= ;;
	scenario|fixtures) dict=-dict=$here/json.dict ;;
	*) dict=-dict=$here/dispatch.dict ;;
	esac
	log=$dir/log/$h.log
	"$dir/fuzz-$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=8192 -print_final_stats=1 -artifact_prefix="$dir/crashes/$h-" \
	    $dict "$corpus" "$here/corpus/$h" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	units=$(ls "$corpus" | wc -l)
	if [ $rc -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc): $(grep -m1 -o "Test unit written to .*" "$log")"
		status=1
	fi
	printf '%-11s %10s %9s %7s %6sMB  %s\n' "$h" "${execs:-?}" "${rate:-?}" \
	    "$units" "${rss:-?}" "$result"
	[ $rc -ne 0 ] && grep -m3 -E "ERROR|SUMMARY|fuzz:" "$log" | sed 's/^/    /'
done
exit $status
