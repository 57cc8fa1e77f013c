# paymock: a payment-provider refund simulator.  `make run`, `make test`.

PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build

PKGS       = libevent jansson uuid libcrypto
TEST_LIBS  = criterion
DEB_PKGS   = build-essential pkg-config libevent-dev libjansson-dev uuid-dev libssl-dev \
             libcriterion-dev python3-yaml
# What the tests run besides the build: Debian's python3 checks /__admin/metrics.
TEST_PKGS  = python3-prometheus-client
STD        = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN       = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wwrite-strings -Wformat=2 -Wvla
# Warnings stop the tests and CI, not a user's build on a compiler newer than ours.
ifneq ($(filter test check-%,$(MAKECMDGOALS))$(SANITIZE),)
WERROR    ?= -Werror
endif
OPT       ?= -O2 -g
# pkg-config runs once, and only when something is compiled or linked (after `deps`).
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
ALL_CFLAGS = $(STD) $(WARN) $(WERROR) $(OPT) -iquote include -MMD -MP $(PKG_CFLAGS) $(CFLAGS)
ALL_LDLIBS = $(PKG_LIBS) $(LDLIBS)
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=address,undefined
override BUILD := $(BUILD)/sanitize
endif

SRCS      := $(wildcard src/*.c)
LIB_OBJS  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(filter-out src/main.c,$(SRCS)))
TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(patsubst tests/%.c,$(BUILD)/tobj/%.o,$(TEST_SRCS))
# The OpenAPI documents are compiled in as JSON (include/openapi.h).
OPENAPI_YAML := $(sort $(wildcard docs/openapi/*.yaml))
LIB_OBJS  += $(BUILD)/gen/openapi.o
# The console's files (src/ui, any depth) are compiled in too (include/console.h).
UI_FILES  := $(sort $(shell find src/ui -type f 2>/dev/null))
LIB_OBJS  += $(BUILD)/gen/ui_assets.o
BIN        = $(BUILD)/paymock
TESTBIN    = $(BUILD)/paymock-tests

# Only these goals may install packages; a plain `make` only builds (no apt on Fedora,
# macOS or a CI image that has the libraries already).
ifneq ($(filter run test check-openapi check-ui,$(MAKECMDGOALS)),)
INSTALL_FIRST = deps
endif

.PHONY: all run test deps test-deps clean install FORCE
all: $(BIN)

# $(call install_pkgs,PKGS): installs whichever of the Debian packages PKGS
# are missing; sudo only when not root.  Used by deps, fuzz-deps, bench-deps.
install_pkgs = missing=""; for p in $(1); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    command -v apt-get >/dev/null || { \
	        echo "missing:$$missing (Debian names); no apt-get here: install them by hand" >&2; \
	        exit 1; }; \
	    echo "installing:$$missing"; \
	    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# The installer runs only for what is not there already: libraries pkg-config finds, a
# python3 that imports prometheus_client (or yaml, for the OpenAPI table), need nothing.
deps:
	@{ pkg-config --print-errors --exists $(PKGS) $(TEST_LIBS) && \
	    /usr/bin/python3 -c 'import yaml' 2>/dev/null; } || { $(call install_pkgs,$(DEB_PKGS)); }

test-deps:
	@/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || { $(call install_pkgs,$(TEST_PKGS)); }

# The flags the objects were built with: a change (OPT, CFLAGS, SANITIZE's) recompiles
# them.  -Werror is left out: `make` then `make test` rebuilds nothing, and a clean build
# (CI) compiles everything under it.
$(BUILD)/cflags: FORCE | $(INSTALL_FIRST)
	@mkdir -p $(@D)
	@echo '$(filter-out $(WERROR),$(ALL_CFLAGS))' | cmp -s - $@ || \
	    echo '$(filter-out $(WERROR),$(ALL_CFLAGS))' >$@
FORCE:

$(BUILD)/obj/%.o: src/%.c $(BUILD)/cflags
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tobj/%.o: tests/%.c $(BUILD)/cflags
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The table of specs: a YAML edited, added or removed (the list below) regenerates it.
$(BUILD)/openapi-list: FORCE
	@mkdir -p $(@D)
	@echo '$(OPENAPI_YAML)' | cmp -s - $@ || echo '$(OPENAPI_YAML)' >$@

$(BUILD)/gen/openapi.c: tools/openapi2c.py tools/ctable.py $(OPENAPI_YAML) $(BUILD)/openapi-list | $(INSTALL_FIRST)
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@/usr/bin/python3 tools/openapi2c.py $@ $(OPENAPI_YAML)

# The same for the console's files: one added, changed or removed regenerates the table.
$(BUILD)/ui-list: FORCE
	@mkdir -p $(@D)
	@echo '$(UI_FILES)' | cmp -s - $@ || echo '$(UI_FILES)' >$@

$(BUILD)/gen/ui_assets.c: tools/assets2c.py tools/ctable.py $(UI_FILES) $(BUILD)/ui-list
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@/usr/bin/python3 tools/assets2c.py $@ src/ui $(UI_FILES)

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/cflags
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BIN): $(LIB_OBJS) $(BUILD)/obj/main.o
	@echo "  LINK    $@"
	@$(CC) $(ALL_LDFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(TESTBIN): $(LIB_OBJS) $(TEST_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(ALL_LDFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) -lcriterion

run: $(BIN)
	$(abspath $(BIN))

# The e2e tests start $(BIN); PAYMOCK_BIN tells them which build to run.
# Criterion ignores assertions in teardowns, so the e2e harness writes a server
# that did not exit cleanly (a leak under SANITIZE) to a log checked here.
test: $(BIN) $(TESTBIN) | test-deps
	@rm -f $(BUILD)/exit-failures.log
	PAYMOCK_ADMIN_TOKEN= LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) PAYMOCK_BIN=$(abspath $(BIN)) PAYMOCK_FIXTURES=$(abspath fixtures) \
	    PAYMOCK_SCENARIOS=$(abspath scenarios) PAYMOCK_EXIT_LOG=$(abspath $(BUILD))/exit-failures.log \
	    $(abspath $(TESTBIN)) $(TEST_ARGS)
	@if [ -s $(BUILD)/exit-failures.log ]; then \
	    echo "paymock did not exit cleanly after these tests:"; cat $(BUILD)/exit-failures.log; exit 1; fi

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/paymock
	install -m 644 docs/paymock.1 $(DESTDIR)$(PREFIX)/share/man/man1/paymock.1

clean:
	rm -rf $(BUILD)

# Container targets (make docker, make docker-test) live beside the Dockerfile,
# the benchmark (make bench) beside its scripts, fuzzing (make fuzz) beside its harnesses,
# the soak (make soak) beside the benchmark, the fleet check (make check-fleet) beside its config,
# the browser check of the console (make check-ui) beside its script.
-include docker/docker.mk
-include bench/bench.mk
-include bench/soak.mk
-include docker/fleet/fleet.mk
-include tests/fuzz/fuzz.mk
-include tools/graph.mk
-include tools/openapi/openapi.mk
-include tests/ui/ui.mk

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tobj/*.d $(BUILD)/gen/*.d)
