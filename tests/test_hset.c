/* The pointer set: finds what was added, loses nothing when others are deleted. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "hset.h"
#include "util.h"

#define HSET_TEST_N	4096

/* Records keyed by their number; a weak hash makes long runs to shift back. */
static uint64_t
hset_test_hash(const void *p)
{
	return (*(const unsigned *)p % 97);
}

static int
hset_test_match(const void *p, const void *key)
{
	return (*(const unsigned *)p == *(const unsigned *)key);
}

static void *
hset_test_find(const struct hset *s, unsigned key)
{
	return (hset_find(s, key % 97, hset_test_match, &key));
}

Test(hset, add_find_delete_against_a_mirror)
{
	static unsigned	 keys[HSET_TEST_N];
	static int	 in[HSET_TEST_N];
	struct hset	 s;
	unsigned	 x = 12345, i, k;
	size_t		 count = 0;

	hset_init(&s, hset_test_hash);
	cr_expect_null(hset_test_find(&s, 1), "an empty set finds nothing");
	cr_expect_eq(hset_bytes(&s), 0);
	for (i = 0; i < HSET_TEST_N; i++)
		keys[i] = i;
	for (i = 0; i < 40000; i++) {
		x = x * 1103515245 + 12345;
		k = (x >> 8) % HSET_TEST_N;
		if (in[k]) {
			hset_del(&s, &keys[k]);
			count--;
		} else {
			hset_add(&s, &keys[k]);
			count++;
		}
		in[k] = !in[k];
		if (i % 997 == 0) {
			for (k = 0; k < HSET_TEST_N; k++)
				cr_assert_eq(hset_test_find(&s, k), in[k] ? &keys[k] : NULL,
				    "key %u after %u steps", k, i);
		}
	}
	cr_expect_eq(s.count, count);
	cr_expect_leq(s.count * 4, s.cap * 3, "at most three quarters full");
	cr_expect_eq(hset_bytes(&s), alloc_bytes(s.cap * sizeof(void *)));
	hset_del(&s, &x);	/* not there: nothing happens */
	cr_expect_eq(s.count, count);
	hset_release(&s);
	cr_expect_eq(s.count, 0);
	cr_expect_null(hset_test_find(&s, 1));
}

Test(hset, hash2_scopes_keys)
{
	cr_expect_neq(hset_hash2("ab", "c"), hset_hash2("a", "bc"));
	cr_expect_eq(hset_hash2("a", "b"), hset_hash2("a", "b"));
	cr_expect_neq(hset_hash2("a", "b"), hset_hash2("b", "a"));
}
