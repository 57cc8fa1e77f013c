# make soak: a month of CI against one server in minutes (bench/soak.py); included by the
# Makefile, never part of `make test`.  The optimised build of the bench targets, gnuplot
# from Debian for the plot; knobs are soak.py's environment (SOAK_SESSIONS, SOAK_WORKERS,
# SOAK_SECONDS, SOAK_TTL, SOAK_MAX_MEMORY, SOAK_MAX_SESSIONS, ...: see its header).
# Results: bench/out/soak.csv, soak.png, soak-summary.txt, soak-metrics.txt.

.PHONY: soak soak-deps

soak-deps:
	@$(call install_pkgs,gnuplot-nox python3)

soak: bench-build soak-deps
	python3 bench/soak.py $(BENCH_BIN)
