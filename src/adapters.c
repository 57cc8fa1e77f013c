/* The table of adapters, handed to the provider module at start-up. */
#include "adapters.h"
#include "provider.h"
#include "session.h"
#include "util.h"

extern const struct provider provider_smartretry, provider_smartpay,
    provider_utgl, provider_accelebit, provider_payengine;

static const struct provider *const adapters[] = {
	&provider_smartretry,
	&provider_smartpay,
	&provider_utgl,
	&provider_accelebit,
	&provider_payengine,
};
/* Sessions keep a lifecycle per provider, by its index here. */
_Static_assert(nitems(adapters) <= SESSION_PROVIDERS_MAX,
    "more providers than SESSION_PROVIDERS_MAX");

void
adapters_use(void)
{
	provider_use(adapters, nitems(adapters));
}
