/* Idempotency records: storage, expiry on the virtual clock, fingerprints. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "idem.h"
#include "util.h"

static struct idem	*idem;

static void
idem_test_setup(void)
{
	idem = idem_new();
}

static void
idem_test_teardown(void)
{
	idem_free(idem);
}

TestSuite(idem, .init = idem_test_setup, .fini = idem_test_teardown);

/* A record under 'key' holding a reply, as an adapter fills it. */
static struct idem_record *
idem_test_put(const char *key, uint64_t fp, int64_t expires_ms, const char *body)
{
	struct idem_record	*r = idem_put(idem, key, fp, expires_ms);

	cr_assert_not_null(r);
	r->status = 201;
	r->headers = xstrdup("Content-Type: application/json\n");
	r->body = xstrdup(body);
	r->refund_id = xstrdup("r1");
	r->txn_id = xstrdup("t1");
	return (r);
}

Test(idem, put_get)
{
	struct idem_record	*r = idem_put(idem, "k", 77, 1000), *got;

	cr_assert_not_null(r);
	cr_expect_eq(r->fingerprint, 77);
	cr_expect_eq(r->expires_ms, 1000);
	cr_expect_eq(r->in_flight, 0);
	cr_expect_eq(r->status, 0);
	cr_expect_null(r->body);
	cr_expect_null(r->refund_id);
	r->status = 201;
	r->body = xstrdup("{}");

	got = idem_get(idem, "k", 0);
	cr_expect_eq(got, r);
	cr_expect_eq(got->status, 201);
	cr_expect_str_eq(got->body, "{}");
	cr_expect_null(idem_get(idem, "K", 0), "keys are case-sensitive");
	cr_expect_null(idem_get(idem, "other", 0));
	cr_expect_eq(idem_count(idem), 1);
}

Test(idem, expiry_exactly_at_expires_ms)
{
	struct idem_record	*r = idem_test_put("k", 1, 1000, "{}");

	cr_expect_eq(idem_get(idem, "k", 999), r, "live one ms before");
	cr_expect_null(idem_get(idem, "k", 1000), "expired at expires_ms");
	cr_expect_eq(idem_count(idem), 0, "the expired record is dropped");
	cr_expect_null(idem_get(idem, "k", 0), "and stays gone with the clock back");
}

Test(idem, forever)
{
	struct idem_record	*r = idem_test_put("k", 1, IDEM_FOREVER, "{}");

	cr_expect_eq(idem_get(idem, "k", 0), r);
	cr_expect_eq(idem_get(idem, "k", 4107542400000LL), r);
	cr_expect_eq(idem_get(idem, "k", IDEM_FOREVER - 1), r);
	cr_expect_eq(idem_count(idem), 1);
}

Test(idem, in_flight_does_not_expire)
{
	struct idem_record	*r = idem_test_put("k", 1, 1000, "{}");

	r->in_flight = 1;
	cr_expect_eq(idem_get(idem, "k", 1000), r);
	cr_expect_eq(idem_get(idem, "k", 5000000), r, "held past its expiry");
	cr_expect_eq(idem_count(idem), 1);
	r->in_flight = 0;
	cr_expect_null(idem_get(idem, "k", 5000000), "expires once replied");
	cr_expect_eq(idem_count(idem), 0);
}

Test(idem, replace)
{
	struct idem_record	*r;

	idem_test_put("k", 1, 1000, "old");
	r = idem_put(idem, "k", 2, 9000);
	cr_expect_eq(r->fingerprint, 2);
	cr_expect_eq(r->expires_ms, 9000);
	cr_expect_null(r->body, "the replacement starts empty");
	cr_expect_eq(r->status, 0);
	cr_expect_eq(idem_get(idem, "k", 5000), r, "the new expiry applies");
	cr_expect_eq(idem_count(idem), 1);
}

Test(idem, del)
{
	idem_test_put("a", 1, IDEM_FOREVER, "{}");
	idem_test_put("b", 2, IDEM_FOREVER, "{}");
	idem_del(idem, "a");
	idem_del(idem, "missing");
	cr_expect_null(idem_get(idem, "a", 0));
	cr_expect_not_null(idem_get(idem, "b", 0));
	cr_expect_eq(idem_count(idem), 1);
}

Test(idem, reset)
{
	idem_test_put("a", 1, IDEM_FOREVER, "{}");
	idem_test_put("b", 2, 10, "{}");
	idem_test_put("c", 3, 1000, "{}")->in_flight = 1;
	idem_reset(idem);
	cr_expect_eq(idem_count(idem), 0);
	cr_expect_null(idem_get(idem, "a", 0));
	cr_expect_null(idem_get(idem, "c", 0));
	idem_test_put("a", 4, IDEM_FOREVER, "{}");
	cr_expect_eq(idem_get(idem, "a", 0)->fingerprint, 4, "usable after reset");
}

/* The header promises FNV-1a 64: its published test vectors. */
Test(idem, fingerprint_is_fnv1a)
{
	cr_expect_eq(idem_fingerprint("", 0), 0xcbf29ce484222325ULL,
	    "offset basis %#llx", (unsigned long long)idem_fingerprint("", 0));
	cr_expect_eq(idem_fingerprint("a", 1), 0xaf63dc4c8601ec8cULL);
	cr_expect_eq(idem_fingerprint("foobar", 6), 0x85944171f73967e8ULL);
}

Test(idem, fingerprint)
{
	cr_expect_eq(idem_fingerprint("{\"a\":1}", 7), idem_fingerprint("{\"a\":1}", 7));
	cr_expect_neq(idem_fingerprint("{\"a\":1}", 7), idem_fingerprint("{\"a\":2}", 7));
	cr_expect_neq(idem_fingerprint("{\"a\":1}", 7), idem_fingerprint("{\"a\": 1}", 8));
	cr_expect_neq(idem_fingerprint("ab", 2), idem_fingerprint("abc", 3));
	cr_expect_neq(idem_fingerprint("ab", 2), idem_fingerprint("ba", 2));
	cr_expect_neq(idem_fingerprint("a\0b", 3), idem_fingerprint("a\0c", 3),
	    "bytes after a NUL count");
	cr_expect_neq(idem_fingerprint("a", 1), idem_fingerprint("a\0", 2));
}

/* Keys that never return are freed as the clock passes their expiry. */
Test(idem, expired_records_are_purged_without_their_key_returning)
{
	char	key[32];
	int	i, j;

	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		idem_test_put(key, 1, 1000 + (i * 7919) % 1000, "{}");
	}
	idem_put(idem, "forever", 1, IDEM_FOREVER);
	idem_put(idem, "late", 1, 5000);
	cr_assert_eq(idem_count(idem), 1002);
	cr_expect_null(idem_get(idem, "absent", 1500));
	cr_expect_eq(idem_count(idem), 1002 - IDEM_PURGE_PER_CALL,
	    "soonest first, at most the per-call bound");
	for (j = 0; j < 1000 / IDEM_PURGE_PER_CALL + 1; j++)
		idem_get(idem, "absent", 2000);
	cr_expect_eq(idem_count(idem), 2);
	cr_expect_not_null(idem_get(idem, "late", 2000));
	cr_expect_not_null(idem_get(idem, "forever", INT64_MAX - 1));
}

Test(idem, an_in_flight_record_outlives_its_expiry)
{
	struct idem_record	*r = idem_put(idem, "held", 1, 10);

	r->in_flight = 1;
	idem_put(idem, "other", 1, 20);
	idem_get(idem, "x", 100);
	cr_expect_eq(idem_count(idem), 2, "the held record waits, and the rest with it");
	r->in_flight = 0;
	idem_get(idem, "x", 100);
	cr_expect_eq(idem_count(idem), 0);
}

Test(idem, stored_rejections_are_capped_oldest_first)
{
	char			key[32];
	struct idem_record	*r;
	int			i;

	idem_test_put("refund", 1, 1000000, "{}");
	for (i = 0; i < IDEM_REJECTIONS_MAX + 10; i++) {
		snprintf(key, sizeof key, "rej%d", i);
		r = idem_test_put(key, 1, 1000000, "{}");
		r->status = 422;
		idem_rejection(idem, r);
	}
	cr_expect_eq(idem_count(idem), IDEM_REJECTIONS_MAX + 1);
	cr_expect_null(idem_get(idem, "rej9", 0), "the oldest went");
	cr_expect_not_null(idem_get(idem, "rej10", 0));
	cr_expect_not_null(idem_get(idem, "refund", 0), "refund records are not counted");
	idem_del(idem, "rej10");
	idem_test_put("rej11", 2, 1000000, "{}");
	cr_expect_eq(idem_count(idem), IDEM_REJECTIONS_MAX);
	idem_reset(idem);
	cr_expect_eq(idem_count(idem), 0);
}
