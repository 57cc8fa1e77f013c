/*
 * The test binary's start-up, as main's: criterion owns main, and every test
 * process (criterion runs each in its own) finds the providers registered.
 */
#include "adapters.h"

__attribute__((constructor)) static void
setup_adapters(void)
{
	adapters_use();
}
