# The benchmark; included by the Makefile, never part of `make test`.
#
#   make bench           optimised build, then bench/bench.sh: refund create,
#                        idempotent replay and status polling against Accelebit
#                        on a free loopback port with the bench fixture, driven
#                        by wrk, each load bounded in time; prints a table
#   make bench-peers PEERS=DIR
#                        a peer load harness's DIR/run.sh (nginx, a bare libevent
#                        baseline, Mockoon, Prism) with paymock as an extra peer
#   make bench-hang      10,000 connections held by a hang fault: RSS, and the
#                        p99 of normal refunds meanwhile against none held
#   make bench-sessions  1,000 sessions x 1,000 refunds: bytes per session, per refund
#   make bench-refund-memory
#                        bytes per refund in one session, journal excluded:
#                        100,000 keyed refunds per provider in process
#                        (bench/refund_memory.c; N=... to change the count)
#   make bench-startup   exec to the first 200 on /__admin/health
#   make bench-all       all of the above
#   make bench-profile   perf profile of the create load (linux-perf)
#   make bench-instr     instructions per request under callgrind (valgrind)
# Knobs are the scripts' environment (DURATION, ROUNDS, PIN, ...: see each
# script's header); BENCH_BUILD and BENCH_OPT name the build.  Results go to
# bench/out/ (git-ignored); bench/RESULTS.md holds the figures measured.

BENCH_BUILD  ?= build-bench
BENCH_OPT    ?= -O2 -g
BENCH_BIN     = $(BENCH_BUILD)/paymock
BENCH_CLIENT  = $(BENCH_BUILD)/bench-client
BENCH_FIXTURE = bench/fixtures/accelebit-bench.json

.PHONY: bench bench-build bench-deps bench-peers bench-hang bench-sessions \
	bench-startup bench-all bench-profile bench-instr bench-refund-memory

# wrk (and, for the profiles, perf or valgrind) from Debian when missing.
bench-deps:
	@$(call install_pkgs,wrk curl $(BENCH_EXTRA_PKGS))

bench-build: deps
	@$(MAKE) --no-print-directory BUILD=$(BENCH_BUILD) OPT='$(BENCH_OPT)' $(BENCH_BIN)
	@mkdir -p $(BENCH_BUILD)
	@$(CC) -O2 -Wall -Wextra -std=c11 -D_GNU_SOURCE -o $(BENCH_CLIENT) bench/client.c

bench: bench-build bench-deps
	bench/bench.sh $(BENCH_BIN)

bench-peers: bench-build bench-deps
	@[ -x "$(PEERS)/run.sh" ] || { echo "bench-peers: name the peer harness: make bench-peers PEERS=DIR (DIR/setup.sh, DIR/run.sh)"; exit 2; }
	cd $(PEERS) && ./setup.sh && ./run.sh all \
	    paymock@/accelebit/v1/refunds='$(abspath $(BENCH_BIN)) --port {PORT} --fixtures $(abspath $(BENCH_FIXTURE)) --quiet'

bench-hang: bench-build bench-deps
	bench/hang.sh $(BENCH_BIN) $(BENCH_CLIENT)

bench-sessions: bench-build
	bench/sessions.sh $(BENCH_BIN) $(BENCH_CLIENT)

bench-startup: bench-build
	bench/startup.sh $(BENCH_BIN) $(BENCH_CLIENT)

bench-all: bench bench-hang bench-sessions bench-startup bench-peers

bench-profile: BENCH_EXTRA_PKGS = linux-perf
bench-profile: bench-build bench-deps
	bench/profile.sh $(BENCH_BIN)

bench-instr: BENCH_EXTRA_PKGS = valgrind
bench-instr: bench-build bench-deps
	bench/instr.sh $(BENCH_BIN)

# The request bodies are printf formats from a table, hence -Wno-format-nonliteral.
$(BUILD)/refund-memory: bench/refund_memory.c $(LIB_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) -Wno-format-nonliteral $(ALL_LDFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

bench-refund-memory: deps
	@$(MAKE) --no-print-directory BUILD=$(BENCH_BUILD) OPT='$(BENCH_OPT)' \
	    $(BENCH_BUILD)/refund-memory
	$(BENCH_BUILD)/refund-memory $(N)
