/* Rate-limit counters: one second at a time, at most quota.rate_keys keys. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "quota.h"
#include "quota_fixture.h"
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

	for (i = 0; i < (int)quota.rate_keys + 10; i++) {
		snprintf(key, sizeof key, "k%d", i);
		cr_assert_eq(rates_hit(r, key, 7), 1);
		if (i == 2)
			cr_expect_eq(rates_hit(r, "k0", 7), 2, "kept while the ring grows");
	}
	cr_expect_eq(rates_count(r), quota.rate_keys);
	cr_expect_eq(rates_hit(r, "k0", 7), 1, "the first counted was forgotten");
	snprintf(key, sizeof key, "k%d", (int)quota.rate_keys + 9);
	cr_expect_eq(rates_hit(r, key, 7), 2, "the newest stays");
	rates_free(r);
}

Test(rate, the_flag_sets_how_many_keys_a_second_keeps, .init = quota_save,
    .fini = quota_restore)
{
	struct rates	*r;

	quota.rate_keys = 2;
	r = rates_new();
	rates_hit(r, "a", 1);
	rates_hit(r, "b", 1);
	cr_expect_eq(rates_hit(r, "b", 1), 2);
	rates_hit(r, "c", 1);
	cr_expect_eq(rates_count(r), 2);
	cr_expect_eq(rates_hit(r, "b", 1), 3, "a later key is kept");
	cr_expect_eq(rates_hit(r, "a", 1), 1, "the earliest was forgotten");
	rates_free(r);
}

Test(rate, bytes_grow_with_keys_and_return_in_a_new_second)
{
	struct rates	*r = rates_new();
	size_t		 empty = rates_bytes(r), one, many;
	char		 key[16];
	int		 i;

	rates_hit(r, "key-1", 1);
	one = rates_bytes(r);
	cr_expect_gt(one, empty + 2 * sizeof("key-1"));
	rates_hit(r, "key-1", 1);
	cr_expect_eq(rates_bytes(r), one, "a count costs nothing more");
	for (i = 0; i < 500; i++) {
		snprintf(key, sizeof key, "key-%d", i + 1000);
		rates_hit(r, key, 1);
	}
	many = rates_bytes(r);
	cr_expect_gt(many, one + 500 * 2 * sizeof("key-1000"));
	rates_hit(r, "key-1", 2);
	cr_expect_eq(rates_bytes(r), one, "a new second holds one key again");
	rates_free(r);
}
