#!/bin/sh
# The server under valgrind memcheck, for `make check-valgrind` (PAYMOCK_BIN
# points here).  Any memory error, and any definite or indirect leak at exit,
# makes it exit 99; each process writes its report to $PAYMOCK_VALGRIND_LOGS,
# which tests/valgrind-summary.sh reads.
exec valgrind --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    --log-file="${PAYMOCK_VALGRIND_LOGS:-/tmp}/paymock.%p.log" \
    "${PAYMOCK_REAL_BIN:-build/paymock}" "$@"
