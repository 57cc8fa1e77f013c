/* The transaction set fixtures and the ledger's run-time additions share. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "txn.h"
#include "util.h"

Test(txn, add_find)
{
	struct txn_set	*f = txn_set_new();
	struct txn	*a = txn_new("smartpay", "t1", NULL);
	struct txn	*dup = txn_new("smartpay", "t1", NULL);
	struct txn	*other = txn_new("utgl", "t1", NULL);

	cr_expect_eq(txn_set_count(f), 0);
	cr_expect_eq(txn_set_add(f, a), 0);
	cr_expect_eq(txn_set_add(f, dup), -1);
	cr_expect_eq(txn_set_add(f, other), 0);
	cr_expect_eq(txn_set_count(f), 2);
	cr_expect_eq(txn_set_find(f, "smartpay", "t1"), a);
	cr_expect_eq(txn_set_find(f, "utgl", "t1"), other);
	cr_expect_null(txn_set_find(f, "smartpay", "t2"));
	cr_expect_eq(txn_set_at(f, 1), other);
	txn_free(dup);
	txn_set_free(f);
}

/* The key is the pair, not a joined string: no separator can make two meet. */
Test(txn, key_is_the_pair)
{
	struct txn_set	*f = txn_set_new();
	struct txn	*a = txn_new("a\x1f" "b", "c", NULL);
	struct txn	*b = txn_new("a", "b\x1f" "c", NULL);

	cr_expect_eq(txn_set_add(f, a), 0);
	cr_expect_eq(txn_set_add(f, b), 0);
	cr_expect_eq(txn_set_find(f, "a\x1f" "b", "c"), a);
	cr_expect_eq(txn_set_find(f, "a", "b\x1f" "c"), b);
	cr_expect_null(txn_set_find(f, "a", "b"));
	txn_set_free(f);
}

/* Draining goes newest first, in slices, and gives every counted byte back. */
Test(txn, drain_and_bytes)
{
	struct txn_set	*f = txn_set_new();
	size_t		 empty = txn_set_bytes(f), i;
	char		 id[16];

	for (i = 0; i < 40; i++) {
		snprintf(id, sizeof id, "t%zu", i);
		cr_assert_eq(txn_set_add(f, txn_new("utgl", id, NULL)), 0);
	}
	cr_expect_gt(txn_set_bytes(f), empty + 40 * alloc_bytes(sizeof(struct txn)));
	cr_expect_eq(txn_set_drain(f, 15), 25);
	cr_expect_null(txn_set_find(f, "utgl", "t39"));
	cr_expect_not_null(txn_set_find(f, "utgl", "t24"));
	cr_expect_eq(txn_set_drain(f, SIZE_MAX), 0);
	cr_expect_null(txn_set_find(f, "utgl", "t0"));
	/* The array and table keep their capacity; the transactions are gone. */
	cr_expect_lt(txn_set_bytes(f), empty + 40 * alloc_bytes(sizeof(struct txn)));
	txn_set_free(f);
}
