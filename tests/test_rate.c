/* Rate-limit counters: one second at a time, at most RATE_KEYS_MAX keys. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "rate.h"

Test(rate, counts_per_key_and_second)
{
	struct rates	*r = rates_new();

	cr_expect_eq(rates_hit(r, "a", 1), 1);
	cr_expect_eq(rates_hit(r, "a", 1), 2);
	cr_expect_eq(rates_hit(r, "b", 1), 1);
	cr_expect_eq(rates_hit(r, "a", 2), 1, "a new second starts over");
	cr_expect_eq(rates_count(r), 1);
	rates_free(r);
}

Test(rate, the_ring_grows_then_forgets_the_first_counted)
{
	struct rates	*r = rates_new();
	char		 key[16];
	int		 i;

	for (i = 0; i < RATE_KEYS_MAX + 10; i++) {
		snprintf(key, sizeof key, "k%d", i);
		cr_assert_eq(rates_hit(r, key, 7), 1);
		if (i == 2)
			cr_expect_eq(rates_hit(r, "k0", 7), 2, "kept while the ring grows");
	}
	cr_expect_eq(rates_count(r), RATE_KEYS_MAX);
	cr_expect_eq(rates_hit(r, "k0", 7), 1, "the first counted was forgotten");
	snprintf(key, sizeof key, "k%d", RATE_KEYS_MAX + 9);
	cr_expect_eq(rates_hit(r, key, 7), 2, "the newest stays");
	rates_free(r);
}
