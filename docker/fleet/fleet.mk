# make check-fleet: docker/fleet/nginx.conf in front of three paymock processes on loopback
# (docker/fleet/check-fleet.sh: sticky sessions, spread, throughput with 1-3 backends); included
# by the Makefile, never part of `make test`.  The optimised build of the bench targets; nginx
# (nginx-light), wrk and curl from Debian when missing.  Knobs: the script's environment.

.PHONY: check-fleet fleet-deps

fleet-deps:
	@$(call install_pkgs,nginx-light wrk curl python3)

check-fleet: bench-build fleet-deps
	docker/fleet/check-fleet.sh $(BENCH_BIN)
