/* The string-keyed hash table: basics, growth, tombstones, iteration, ownership. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "util.h"

#define MANY	100000

/* Values are small integers stored in the pointer; 0 would read as absent. */
#define VAL(i)	((void *)(uintptr_t)((i) + 1))

static char *
map_test_key(char buf[32], int i)
{
	snprintf(buf, 32, "key-%d", i);
	return (buf);
}

static void
map_test_put_range(struct map *m, int from, int to, int bias)
{
	char	key[32];
	int	i;

	for (i = from; i < to; i++)
		map_put(m, map_test_key(key, i), VAL(i + bias));
}

/* Every key in [from, to) holds VAL(i + bias), or is absent when 'absent'. */
static void
map_test_check_range(const struct map *m, int from, int to, int bias, int absent)
{
	char	key[32];
	int	i;

	for (i = from; i < to; i++) {
		void *v = map_get(m, map_test_key(key, i));
		if (absent)
			cr_assert_null(v, "%s still there", key);
		else
			cr_assert_eq(v, VAL(i + bias), "%s", key);
	}
}

Test(map, put_get_del_count)
{
	struct map	*m = map_new(NULL);
	int		 a, b;

	cr_expect_eq(map_count(m), 0);
	cr_expect_null(map_get(m, "a"));
	map_put(m, "a", &a);
	map_put(m, "b", &b);
	map_put(m, "", &b);
	cr_expect_eq(map_count(m), 3);
	cr_expect_eq(map_get(m, "a"), &a);
	cr_expect_eq(map_get(m, "b"), &b);
	cr_expect_eq(map_get(m, ""), &b);
	cr_expect_null(map_get(m, "c"));
	cr_expect_null(map_get(m, "ab"));

	cr_expect_eq(map_del(m, "a"), &a);
	cr_expect_null(map_get(m, "a"));
	cr_expect_eq(map_get(m, "b"), &b);
	cr_expect_eq(map_count(m), 2);
	cr_expect_null(map_del(m, "a"), "deleting twice");
	cr_expect_null(map_del(m, "nope"));
	cr_expect_eq(map_count(m), 2);
	map_free(m);
}

Test(map, keys_are_copied)
{
	struct map	*m = map_new(NULL);
	char		 key[8] = "abc";
	int		 v;

	map_put(m, key, &v);
	strcpy(key, "xyz");
	cr_expect_eq(map_get(m, "abc"), &v);
	cr_expect_null(map_get(m, "xyz"));
	map_free(m);
}

Test(map, overwrite)
{
	struct map	*m = map_new(NULL);
	int		 a, b;

	map_put(m, "k", &a);
	map_put(m, "k", &b);
	cr_expect_eq(map_count(m), 1);
	cr_expect_eq(map_get(m, "k"), &b);
	cr_expect_eq(map_del(m, "k"), &b);
	cr_expect_eq(map_count(m), 0);
	cr_expect_null(map_get(m, "k"));
	map_free(m);
}

Test(map, many_keys)
{
	struct map	*m = map_new(NULL);

	map_test_put_range(m, 0, MANY, 0);
	cr_assert_eq(map_count(m), MANY);
	map_test_check_range(m, 0, MANY, 0, 0);
	cr_expect_null(map_get(m, "key-100000"));
	cr_expect_null(map_get(m, "key--1"));
	map_free(m);
}

Test(map, deletes_then_reinserts)
{
	struct map	*m = map_new(NULL);
	char		 key[32];
	int		 i;

	map_test_put_range(m, 0, MANY, 0);
	for (i = 0; i < MANY; i += 2)
		cr_assert_eq(map_del(m, map_test_key(key, i)), VAL(i));
	cr_assert_eq(map_count(m), MANY / 2);
	for (i = 0; i < MANY; i++) {
		void *v = map_get(m, map_test_key(key, i));
		cr_assert_eq(v, i % 2 == 0 ? NULL : VAL(i), "%s", key);
	}

	/* The even keys come back with new values over their tombstones. */
	for (i = 0; i < MANY; i += 2)
		map_put(m, map_test_key(key, i), VAL(i + 7));
	cr_assert_eq(map_count(m), MANY);
	for (i = 0; i < MANY; i++) {
		void *v = map_get(m, map_test_key(key, i));
		cr_assert_eq(v, VAL(i % 2 == 0 ? i + 7 : i), "%s", key);
	}
	map_free(m);
}

Test(map, churn_leaves_no_garbage)
{
	struct map	*m = map_new(NULL);
	char		 key[32];
	int		 i, keep;

	/*
	 * A small live set and a stream of short-lived keys: the table fills
	 * with tombstones and must clean them without growing forever or
	 * losing the live keys.
	 */
	map_test_put_range(m, 0, 10, 0);
	for (i = 10; i < MANY * 3; i++) {
		map_put(m, map_test_key(key, i), VAL(i));
		cr_assert_eq(map_del(m, key), VAL(i), "%s", key);
	}
	cr_expect_eq(map_count(m), 10);
	map_test_check_range(m, 0, 10, 0, 0);
	map_test_check_range(m, 10, MANY * 3, 0, 1);
	for (keep = 0; keep < 10; keep++)
		cr_expect_eq(map_del(m, map_test_key(key, keep)), VAL(keep));
	cr_expect_eq(map_count(m), 0);
	map_free(m);
}

struct visit {
	unsigned char	*seen;
	size_t		 calls;
	int		 bad;
};

static void
map_test_visit(const char *key, void *value, void *arg)
{
	struct visit	*v = arg;
	int		 i;

	v->calls++;
	if (sscanf(key, "key-%d", &i) != 1 || i < 0 || i >= MANY ||
	    value != VAL(i) || v->seen[i]++ != 0)
		v->bad++;
}

Test(map, each_visits_all)
{
	struct map	*m = map_new(NULL);
	struct visit	 v = { 0 };
	char		 key[32];
	int		 i;

	map_test_put_range(m, 0, MANY, 0);
	for (i = 0; i < MANY; i += 3)
		map_del(m, map_test_key(key, i));
	v.seen = calloc(MANY, 1);
	map_each(m, map_test_visit, &v);
	cr_expect_eq(v.calls, map_count(m));
	cr_expect_eq(v.bad, 0);
	for (i = 0; i < MANY; i++)
		cr_assert_eq(v.seen[i], i % 3 != 0, "key-%d seen %d times", i,
		    v.seen[i]);
	free(v.seen);
	map_free(m);
}

static int	freed;

static void
map_test_free_value(void *p)
{
	freed++;
	free(p);
}

Test(map, free_value_on_map_free)
{
	struct map	*m = map_new(map_test_free_value);
	char		 key[32];
	int		 i;

	for (i = 0; i < 10; i++)
		map_put(m, map_test_key(key, i), malloc(16));
	for (i = 0; i < 3; i++)
		free(map_del(m, map_test_key(key, i)));	/* now the caller's */
	cr_expect_eq(freed, 0, "map_del must not free the value");
	map_free(m);
	cr_expect_eq(freed, 7);
	map_free(NULL);
}

Test(map, no_free_value)
{
	struct map	*m = map_new(NULL);
	int		 v = 5;

	map_put(m, "k", &v);	/* a stack value: freeing it would crash */
	map_free(m);
	cr_expect_eq(v, 5);
}

Test(map, bytes_follow_the_keys)
{
	struct map	*m = map_new(NULL);
	size_t		 empty = map_bytes(m), full, keys = 0;
	char		 key[32];
	int		 i;

	map_put(m, "abc", VAL(1));
	cr_expect_eq(map_bytes(m), empty + 4 + ALLOC_OVERHEAD);
	map_put(m, "abc", VAL(2));
	cr_expect_eq(map_bytes(m), empty + 4 + ALLOC_OVERHEAD, "a key replaced costs nothing");
	map_del(m, "abc");
	cr_expect_eq(map_bytes(m), empty);
	for (i = 0; i < 1000; i++)
		keys += strlen(map_test_key(key, i)) + 1 + ALLOC_OVERHEAD;
	map_test_put_range(m, 0, 1000, 0);
	full = map_bytes(m);
	cr_expect_geq(full, empty + keys + 1000 * 3 * sizeof(void *), "slots grew");
	for (i = 0; i < 1000; i++)
		map_del(m, map_test_key(key, i));
	cr_expect_eq(map_bytes(m), full - keys, "the slots stay, the keys go");
	map_free(m);
}
