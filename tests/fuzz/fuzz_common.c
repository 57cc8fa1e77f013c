/* What every fuzz path shares: a frozen wall clock and the real fixtures. */
#include <stdio.h>
#include <stdlib.h>

#include "adapters.h"
#include "clock.h"
#include "fixtures.h"
#include "fuzz.h"
#include "provider.h"

#ifndef FUZZ_FIXTURES
#define FUZZ_FIXTURES	"fixtures"
#endif
#ifndef FUZZ_SCENARIOS
#define FUZZ_SCENARIOS	"scenarios"
#endif

struct txn_set	*fuzz_fixtures;
const char	*fuzz_scenario_dir = FUZZ_SCENARIOS;

static int64_t
fuzz_wall(void)
{
	return (FUZZ_EPOCH_MS);
}

void
fuzz_init(void)
{
	const char	*path = getenv("PAYMOCK_FIXTURES");
	char		*cause;

	adapters_use();
	clock_wall_hook = fuzz_wall;
	if (getenv("PAYMOCK_SCENARIOS") != NULL)
		fuzz_scenario_dir = getenv("PAYMOCK_SCENARIOS");
	if (fuzz_fixtures != NULL)
		return;
	if (path == NULL)
		path = FUZZ_FIXTURES;
	if ((fuzz_fixtures = fixtures_load(path, provider_fixture_check,
	    &cause)) == NULL) {
		fprintf(stderr, "fuzz: %s\n", cause);
		exit(1);
	}
}
