/*
 * The libFuzzer entry points; which fuzz path this binary runs is chosen at
 * build time: -DFUZZ_PROVIDER="smartpay" (or "admin"), -DFUZZ_SCENARIO,
 * -DFUZZ_FIXTURE, -DFUZZ_MONEY or -DFUZZ_SEQUENCE.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if defined(FUZZ_PROVIDER)
	return (fuzz_dispatch_input(FUZZ_PROVIDER, data, size));
#elif defined(FUZZ_SCENARIO)
	return (fuzz_scenario_input(data, size));
#elif defined(FUZZ_FIXTURE)
	return (fuzz_fixtures_input(data, size));
#elif defined(FUZZ_MONEY)
	return (fuzz_money_input(data, size));
#elif defined(FUZZ_SEQUENCE)
	return (fuzz_sequence_input(data, size));
#else
#error "build with -DFUZZ_PROVIDER=\"name\", -DFUZZ_SCENARIO, -DFUZZ_FIXTURE, -DFUZZ_MONEY or -DFUZZ_SEQUENCE"
#endif
}
