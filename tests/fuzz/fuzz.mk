# Reliability targets, included by the Makefile: the suite under sanitizers
# and under valgrind, and libFuzzer harnesses (clang) with their seed corpus.
#
#   make check-sanitize      the whole suite under ASan+UBSan (make SANITIZE=1 test)
#   make check-valgrind      the suite with the server under valgrind memcheck
#   make fuzz                every harness for FUZZ_SECONDS (60) each
#   make fuzz-smoke          every harness for 5 s each
#   make fuzz-build          just the harnesses, in $(BUILD)/fuzz
#   make check-adversarial   the adv_* end-to-end suites, fuzz-sequence for
#                            FUZZ_SECONDS (here 300 unless given), then
#                            tests/chaos.py: CHAOS_WORKERS clients at once over
#                            HTTP for CHAOS_SECONDS (120)

FUZZ_CC        ?= clang
FUZZ_SECONDS   ?= 60
FUZZ_DIR        = $(BUILD)/fuzz
FUZZ_SAN        = -fsanitize=address,undefined -fno-sanitize-recover=all \
                  -fno-omit-frame-pointer
# gcc's -Werror build is the judge of warnings; clang's extra ones (the
# vsnprintf(fmt) wrappers, designated initializers that leave a field zero)
# are not errors here.
FUZZ_CFLAGS     = $(STD) $(WARN) -Wno-format-nonliteral \
                  -Wno-missing-field-initializers -O1 -g -iquote include -iquote tests/fuzz -MMD -MP \
                  $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
                  $(PKG_CFLAGS) \
                  -DFUZZ_FIXTURES='"$(abspath fixtures)"' \
                  -DFUZZ_SCENARIOS='"$(abspath scenarios)"'
# One harness per provider: a provider is src/provider-NAME.c (provider.c is none).
FUZZ_PROVIDERS  = $(patsubst src/provider-%.c,%,$(wildcard src/provider-*.c)) admin
FUZZ_HARNESSES  = $(FUZZ_PROVIDERS) scenario fixtures money sequence
FUZZ_LIB_OBJS   = $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(filter-out src/main.c,$(SRCS))) \
                  $(FUZZ_DIR)/obj/gen-openapi.o $(FUZZ_DIR)/obj/gen-ui_assets.o
FUZZ_PATH_OBJS  = $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/obj/%.o,\
                  $(filter-out tests/fuzz/fuzz_main.c,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS       = $(addprefix $(FUZZ_DIR)/fuzz-,$(FUZZ_HARNESSES))

# Which fuzz path each harness's fuzz_main.c calls.
FUZZ_DEF_scenario = -DFUZZ_SCENARIO
FUZZ_DEF_fixtures = -DFUZZ_FIXTURE
FUZZ_DEF_money    = -DFUZZ_MONEY
FUZZ_DEF_sequence = -DFUZZ_SEQUENCE
$(foreach p,$(FUZZ_PROVIDERS),$(eval FUZZ_DEF_$(p) = -DFUZZ_PROVIDER='"$(p)"'))

VALGRIND_LOGS   = $(BUILD)/valgrind

.PHONY: check-sanitize check-valgrind check-adversarial fuzz fuzz-smoke fuzz-build fuzz-deps \
	valgrind-deps

# What the fuzzers and valgrind need, installed as `make deps` installs the rest.
fuzz-deps: TOOL_PKGS = clang libclang-rt-dev
valgrind-deps: TOOL_PKGS = valgrind
fuzz-deps valgrind-deps:
	@$(call install_pkgs,$(TOOL_PKGS))

# Criterion 2.4 ignores assertions in a suite's .fini, so the e2e teardown's
# "exit 0" check cannot fail a test: what the server processes report is read
# from their own logs instead, and any report fails the target (a file with
# only LeakSanitizer's table of suppressions used is not a report).
SANITIZE_LOGS   = $(BUILD)/sanitize-logs

check-sanitize:
	@rm -rf $(SANITIZE_LOGS) && mkdir -p $(SANITIZE_LOGS)
	@status=0; \
	ASAN_OPTIONS=log_path=$(abspath $(SANITIZE_LOGS))/asan \
	UBSAN_OPTIONS=print_stacktrace=1:log_path=$(abspath $(SANITIZE_LOGS))/ubsan \
	    $(MAKE) SANITIZE=1 test || status=1; \
	reports=$$(grep -l -E "ERROR: |runtime error" $(SANITIZE_LOGS)/* 2>/dev/null); \
	if [ -n "$$reports" ]; then \
	    echo "sanitizer reports (in-process ones fail their test; server ones only here):"; \
	    grep -h -E "ERROR: |SUMMARY|runtime error" $$reports | head -40; status=1; \
	else echo "sanitizers: no reports from the tests or any server process"; fi; \
	exit $$status

# The server runs under memcheck (tests/valgrind-paymock.sh); any error or
# definite/indirect leak makes it exit 99 and is totalled from its log.
check-valgrind: $(BIN) $(TESTBIN) | valgrind-deps
	@rm -rf $(VALGRIND_LOGS) && mkdir -p $(VALGRIND_LOGS)
	@status=0; \
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	    PAYMOCK_BIN=$(abspath tests/valgrind-paymock.sh) \
	    PAYMOCK_REAL_BIN=$(abspath $(BIN)) PAYMOCK_VALGRIND_LOGS=$(abspath $(VALGRIND_LOGS)) \
	    PAYMOCK_FIXTURES=$(abspath fixtures) PAYMOCK_SCENARIOS=$(abspath scenarios) \
	    $(abspath $(TESTBIN)) $(VALGRIND_TEST_ARGS) || status=1; \
	tests/valgrind-summary.sh $(VALGRIND_LOGS) || status=1; \
	exit $$status

$(FUZZ_DIR)/obj/%.o: src/%.c | deps fuzz-deps
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

# The tables the Makefile generates (specs, console files), compiled as the sources are.
$(FUZZ_DIR)/obj/gen-%.o: $(BUILD)/gen/%.c | deps fuzz-deps
	@mkdir -p $(@D)
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/fuzz_%.o: tests/fuzz/fuzz_%.c | deps fuzz-deps
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/main-%.o: tests/fuzz/fuzz_main.c | deps fuzz-deps
	@mkdir -p $(@D)
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEF_$*) -c -o $@ $<

$(FUZZ_DIR)/fuzz-%: $(FUZZ_DIR)/obj/main-%.o $(FUZZ_PATH_OBJS) $(FUZZ_LIB_OBJS)
	@echo "  LINK    $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(ALL_LDLIBS)

# Keep the objects: make would delete them as intermediates of the binaries.
.SECONDARY: $(FUZZ_LIB_OBJS) $(FUZZ_PATH_OBJS) \
	$(patsubst %,$(FUZZ_DIR)/obj/main-%.o,$(FUZZ_HARNESSES))

fuzz-build: $(FUZZ_BINS)

# Each harness starts from its seed corpus; what it learns stays in
# $(FUZZ_DIR)/corpus, crashes land in $(FUZZ_DIR)/crashes.
fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

fuzz-smoke: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_DIR) 5 $(FUZZ_HARNESSES)

# The adversarial round: every criterion suite named adv_* (PAYMOCK_ADVERSARIAL=long
# lets a test run its long version), then the state-sequence fuzzer.  Both run
# even if the first fails; either failing fails the target.
ADV_SECONDS = $(if $(filter command line environment,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),300)

CHAOS_SECONDS  ?= 120
CHAOS_WORKERS  ?= 6

check-adversarial: $(BIN) $(TESTBIN) $(FUZZ_DIR)/fuzz-sequence
	@status=0; \
	PAYMOCK_ADVERSARIAL=long $(MAKE) --no-print-directory test \
	    TEST_ARGS="--filter 'adv_*/*' $(ADV_TEST_ARGS)" || status=1; \
	tests/fuzz/run.sh $(FUZZ_DIR) $(ADV_SECONDS) sequence || status=1; \
	python3 tests/chaos.py $(BIN) $(CHAOS_SECONDS) $(CHAOS_WORKERS) || status=1; \
	exit $$status

# The compiler writes the .d files; without this rule make would try to remake
# an old one through main-%.o (fuzz_main.c with no harness defined) and fail.
$(FUZZ_DIR)/obj/%.d: ;

-include $(wildcard $(FUZZ_DIR)/obj/*.d)
