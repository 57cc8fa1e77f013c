/*
 * The provider adapters: each is one file, src/provider-NAME.c, defining a
 * struct provider (provider.h), and one row in adapters.c.
 */
#ifndef PAYMOCK_ADAPTERS_H
#define PAYMOCK_ADAPTERS_H

/*
 * Registers every adapter with provider.h (provider_use).  Whatever looks a
 * provider up calls it first: main, the tests' start-up and fuzz_init.
 */
void	adapters_use(void);

#endif
