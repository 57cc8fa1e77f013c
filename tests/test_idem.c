/* Idempotency records: storage, expiry on the virtual clock, fingerprints. */
#include <criterion/criterion.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "idem.h"
#include "quota.h"
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

/* A record under 'key' of a reply that created the ledger's refund 'body[0]'. */
static struct idem_record *
idem_test_put(const char *key, uint64_t fp, int64_t expires_ms, const char *body)
{
	struct idem_record	*r = idem_put(idem, key, fp, expires_ms);

	cr_assert_not_null(r);
	r->status = 201;
	r->refund = (uint32_t)body[0];
	return (r);
}

/* A stored rejection under 'key'. */
static struct idem_record *
idem_test_reject(const char *key)
{
	struct idem_record	*r = idem_put(idem, key, 1, 1000000);

	r->status = 422;
	cr_assert_eq(idem_keep_text(idem, r, "application/json", "X-A: b\n",
	    "{\"error\":\"no\"}"), 0);
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
	cr_expect_null(r->text);
	cr_expect_eq(r->refund, IDEM_NO_REFUND);
	r->status = 201;
	r->refund = 7;

	got = idem_get(idem, "k", 0);
	cr_expect_eq(got, r);
	cr_expect_eq(got->status, 201);
	cr_expect_eq(got->refund, 7);
	cr_expect_str_eq(got->key, "k");
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
	cr_expect_eq(r->refund, IDEM_NO_REFUND, "the replacement starts empty");
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

Test(idem, a_text_is_kept_whole)
{
	struct idem_record	*r = idem_test_reject("k");

	cr_assert_not_null(r->text);
	cr_expect_str_eq(r->text->content_type, "application/json");
	cr_expect_str_eq(r->text->headers, "X-A: b\n");
	cr_expect_str_eq(r->text->body, "{\"error\":\"no\"}");
	cr_expect_eq(idem_text_count(idem), 1);
	idem_del(idem, "k");
	cr_expect_eq(idem_text_count(idem), 0);
}

Test(idem, stored_rejections_are_capped_oldest_first)
{
	char	key[32];
	size_t	i, saved = quota.rejections;

	quota.rejections = 100;
	idem_test_put("refund", 1, 1000000, "{}");
	for (i = 0; i < quota.rejections + 10; i++) {
		snprintf(key, sizeof key, "rej%zu", i);
		idem_test_reject(key);
	}
	cr_expect_eq(idem_count(idem), quota.rejections + 1);
	cr_expect_eq(idem_text_count(idem), quota.rejections);
	cr_expect_null(idem_get(idem, "rej9", 0), "the oldest went");
	cr_expect_not_null(idem_get(idem, "rej10", 0));
	cr_expect_not_null(idem_get(idem, "refund", 0), "refund records are not counted");
	idem_del(idem, "rej10");
	idem_test_put("rej11", 2, 1000000, "{}");
	cr_expect_eq(idem_count(idem), quota.rejections);
	cr_expect_eq(idem_text_count(idem), quota.rejections - 2,
	    "a record replaced drops its text");
	idem_reset(idem);
	cr_expect_eq(idem_count(idem), 0);
	quota.rejections = saved;
}

Test(idem, no_rejection_kept_when_the_quota_is_zero)
{
	size_t			saved = quota.rejections;
	struct idem_record	*r = idem_put(idem, "k", 1, 1000);

	quota.rejections = 0;
	cr_expect_eq(idem_keep_text(idem, r, "application/json", "", "{}"), -1);
	cr_expect_null(idem_get(idem, "k", 0), "the record is dropped");
	cr_expect_eq(idem_count(idem), 0);
	quota.rejections = saved;
}

/* What malloc holds for the process now (arena and mmapped chunks). */
static size_t
idem_test_heap(void)
{
	struct mallinfo2	mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

/*
 * idem_bytes counts what the store allocates: within a quarter of what
 * malloc says records (keys, heap, table) and texts took, and back to the
 * empty value once they expire, are deleted or reset.
 */
Test(idem, bytes_follow_the_allocations)
{
	size_t	empty = idem_bytes(idem), heap0 = idem_test_heap(), heap, bytes;
	char	key[80];
	int	i;

	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "accelebit\x1f%08d-4a1b-4c2d-8e3f-9a0b1c2d3e4f", i);
		idem_test_put(key, 1, 1000 + i, "\x01");
	}
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof key, "rejected-%d", i);
		idem_test_reject(key);
	}
	heap = idem_test_heap() - heap0;
	bytes = idem_bytes(idem) - empty;
	/* mallinfo2 knows glibc's malloc only, not a sanitizer's (then it says 0). */
	cr_expect(heap == 0 || (bytes > heap * 3 / 4 && bytes < heap * 5 / 4),
	    "counted %zu, malloc says %zu", bytes, heap);
	cr_expect_lt(bytes / 20200, 160, "%zu bytes a record", bytes / 20200);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof key, "rejected-%d", i);
		idem_del(idem, key);
	}
	for (i = 0; i < 20000 / IDEM_PURGE_PER_CALL + 1; i++)
		idem_get(idem, "absent", 1000000);
	cr_expect_eq(idem_count(idem), 0);
	cr_expect_leq(idem_bytes(idem) - empty, 2 * alloc_bytes(32768 * sizeof(void *)),
	    "only the grown table and heap stay");
	idem_reset(idem);
	cr_expect_eq(idem_bytes(idem), empty, "a reset gives it all back");
}

Test(idem, a_drain_frees_in_steps_then_the_store_goes)
{
	struct idem	*i = idem_new();
	char		 key[16];
	int		 n;

	for (n = 0; n < 10; n++) {
		snprintf(key, sizeof key, "k%d", n);
		idem_put(i, key, 1, n % 2 == 0 ? IDEM_FOREVER : 1000);
	}
	cr_expect_eq(idem_drain(i, 4), 6);
	cr_expect_eq(idem_drain(i, 4), 2);
	cr_expect_eq(idem_drain(i, 4), 0);
	cr_expect_eq(idem_drain(i, 4), 0);
	idem_free(i);
}
