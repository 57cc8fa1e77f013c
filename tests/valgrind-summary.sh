#!/bin/sh
# Totals the valgrind reports of one check-valgrind run; non-zero if any
# server process had a memory error, leaked, or never reached its exit.
#   tests/valgrind-summary.sh DIR
set -u
dir=$1
procs=0 errors=0 definite=0 indirect=0 unfinished=0 bad=
for f in "$dir"/paymock.*.log; do
	[ -e "$f" ] || continue
	procs=$((procs + 1))
	e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$f" | tr -d ,)
	d=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" | tr -d ,)
	i=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$f" | tr -d ,)
	if [ -z "$e" ]; then
		unfinished=$((unfinished + 1))
		bad="$bad $f"
		continue
	fi
	errors=$((errors + e))
	definite=$((definite + ${d:-0}))
	indirect=$((indirect + ${i:-0}))
	[ "$e" -ne 0 ] && bad="$bad $f"
done
echo "valgrind: $procs server processes, $errors errors, $definite bytes definitely" \
    "and $indirect bytes indirectly lost, $unfinished without a final report"
if [ -n "$bad" ] || [ "$procs" -eq 0 ]; then
	for f in $bad; do
		echo "--- $f"
		grep -E "Invalid|uninitialised|definitely lost in|indirectly lost in|by 0x|at 0x" "$f" | head -20
	done
	exit 1
fi
