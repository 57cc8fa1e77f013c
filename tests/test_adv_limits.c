/*
 * Issue 12, the limits a client meets, end to end: globs that cannot stall
 * the loop (3), per-session memory that cannot grow without bound (10), and
 * error messages that show neither internal markers nor server paths (11).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "util.h"

#define AB_TXN		"f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define AB_REFUNDS	"/accelebit/v1/refunds"
#define AB_OVER_BODY	"{\"transactionId\":\"" AB_TXN "\",\"amount\":\"999999.00\"," \
			"\"currency\":\"EUR\"}"
#define SESSION(n)	"X-Paymock-Session: " n "\r\n"

/*
 * The longest one request may take, wall time on a shared machine: the
 * quadratic globs took seconds; linear ones take about a millisecond of CPU.
 */
#if defined(__SANITIZE_ADDRESS__)
#define PATIENCE_MS	3000
#else
#define PATIENCE_MS	1000
#endif

/*
 * RSS says something only of a plain build: ASan's quarantine and
 * valgrind's allocator keep freed memory resident.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL()	0
#else
#define RSS_MEANINGFUL()	(getenv("PAYMOCK_REAL_BIN") == NULL)
#endif

TestSuite(adv_limits, .init = e2e_setup, .fini = e2e_teardown, .timeout = 60);

/* A glob of 'len' bytes no path of a's matches: '*', a's, 'b'. */
static char *
slow_glob(size_t len)
{
	char	*p = xmalloc(len + 1);

	p[0] = '*';
	memset(p + 1, 'a', len - 2);
	p[len - 1] = 'b';
	p[len] = '\0';
	return (p);
}

/* A scenario of 'n' rules on glob 'path' (a 503 each), as JSON text. */
static char *
glob_scenario(const char *name, size_t n, const char *path)
{
	struct buf	b = { 0 };
	size_t		i;

	buf_addf(&b, "{\"name\":\"%s\",\"rules\":[", name);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s{\"match\":{\"path\":\"%s\"},\"action\":{\"type\":"
		    "\"respond\",\"error\":\"provider_unavailable\"}}", i > 0 ? "," : "", path);
	buf_adds(&b, "]}");
	return (buf_steal(&b));
}

static struct e2e_resp *
post_scenario(const char *headers, const char *name, size_t n, const char *path)
{
	char		*body = glob_scenario(name, n, path);
	struct e2e_resp	*r = e2e("POST", "/__admin/scenarios", headers, body);

	free(body);
	return (r);
}

/* A GET of a path of 'len' a's under the SmartPay prefix. */
static char *
long_path(size_t len)
{
	char	*p = xmalloc(len + 1);

	memcpy(p, "/smartpay/", 10);
	memset(p + 10, 'a', len - 10);
	p[len] = '\0';
	return (p);
}

Test(adv_limits, glob_patterns_and_rule_counts_are_bounded)
{
	static const char fault[] =
	    "{\"match\":{\"path\":\"/y\"},\"action\":{\"type\":\"drop\"}}";
	char		*big = slow_glob(7002);
	struct e2e_resp	*r;

	r = post_scenario(SESSION("g"), "big", 1, big);
	cr_expect_eq(r->status, 400);
	cr_expect(strstr(r->body, "rules[0].match.path") != NULL, "%s", r->body);
	r = post_scenario(SESSION("g"), "many", 500, "/x");
	cr_expect_eq(r->status, 400);
	cr_expect(strstr(r->body, "rules:") != NULL, "%s", r->body);
	/* The cap is per session, scenarios and faults together. */
	r = post_scenario(SESSION("g"), "half", 200, "/x");
	cr_assert_eq(r->status, 201, "%s", r->body);
	r = post_scenario(SESSION("g"), "half2", 57, "/x");
	cr_expect_eq(r->status, 400, "%s", r->body);
	r = post_scenario(SESSION("g"), "rest", 55, "/x");
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_expect_eq(e2e("POST", "/__admin/faults", SESSION("g"), fault)->status, 201);
	r = e2e("POST", "/__admin/faults", SESSION("g"), fault);
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect(strstr(r->body, "256") != NULL, "%s", r->body);
	free(big);
}

/* Failure 3: the worst globs the limits allow, on a path near the URL limit. */
Test(adv_limits, globs_cannot_stall_the_loop)
{
	char		*glob = slow_glob(1024), *path = long_path(14000), body[1200];
	struct e2e_wire	 w;
	struct e2e_resp	*r;
	int		 i;

	for (i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof name, "slow%d", i);
		r = post_scenario(SESSION("s"), name, 56, glob);
		cr_assert_eq(r->status, 201, "%s", r->body);
	}
	r = post_scenario(SESSION("s"), "slow4", 32, glob);
	cr_assert_eq(r->status, 201, "%s", r->body);
	e2e_exchange("GET", path, SESSION("s"), NULL, 10000, &w);
	cr_expect(strncmp(w.data, "HTTP/1.1 404", 12) == 0, "%.40s", w.data);
	cr_expect_lt(w.ms, PATIENCE_MS, "256 rules on a 14,000-byte path took %ld ms",
	    w.ms);

	for (i = 0; i < 300; i++)
		e2e("GET", path, SESSION("j"), NULL);
	snprintf(body, sizeof body, "{\"match\":{\"path\":\"%s\"}}", glob);
	e2e_exchange("POST", "/__admin/journal/count", SESSION("j"), body, 10000, &w);
	cr_expect(strstr(w.data, "{\"count\":0}") != NULL, "%s", w.data);
	cr_expect_lt(w.ms, PATIENCE_MS, "a count over 300 long paths took %ld ms", w.ms);
	free(glob);
	free(path);
}

/* The server's resident memory in KiB, from /proc/PID/statm (pages). */
static long
server_rss_kb(void)
{
	char	 path[64];
	long	 size, pages = -1;
	FILE	*fp;

	snprintf(path, sizeof path, "/proc/%d/statm", e2e_server_pid());
	cr_assert_not_null(fp = fopen(path, "r"));
	cr_assert_eq(fscanf(fp, "%ld %ld", &size, &pages), 2);
	fclose(fp);
	return (pages * (sysconf(_SC_PAGESIZE) / 1024));
}

/* Failure 10: a rejected upload is journaled as a capture, not whole. */
Test(adv_limits, rejected_uploads_are_journaled_as_a_capture)
{
	size_t		 len = 1000 * 1000, i;
	char		*body = xmalloc(len + 1);
	struct e2e_resp	*r;
	long		 before, grew;
	json_t		*req;

	memset(body, 'x', len);
	memcpy(body, "{\"a\":\"", 6);
	memcpy(body + len - 2, "\"}", 3);
	before = server_rss_kb();
	for (i = 0; i < 40; i++)
		cr_assert_eq(e2e("POST", AB_REFUNDS, JSON_CT SESSION("up"), body)->status, 413);
	grew = server_rss_kb() - before;
	if (RSS_MEANINGFUL())
		cr_expect_lt(grew, 16 * 1024, "40 rejected 1 MB bodies grew RSS by %ld KiB",
		    grew);
	r = e2e("GET", "/__admin/journal?limit=1", SESSION("up"), NULL);
	cr_assert_not_null(req = e2e_node(r, "entries[0].request"), "%s", r->body);
	cr_expect(json_is_true(json_object_get(req, "truncated")));
	cr_expect_str_eq(e2e_get(r, "entries[0].request.body_length"), "1000000");
	cr_expect_eq(strlen(e2e_get(r, "entries[0].request.body")), 8192);
	free(body);
}

/* The X-RateLimit-Remaining a request under 'key' gets. */
static int
rate_remaining(const char *key)
{
	char		 headers[256];
	struct e2e_resp	*r;

	snprintf(headers, sizeof headers, JSON_CT SESSION("rl") "X-API-Key: %s\r\n"
	    "Idempotency-Key: %s\r\n", key, key);
	r = e2e("POST", AB_REFUNDS, headers, AB_OVER_BODY);
	cr_assert_not_null(e2e_header(r, "X-RateLimit-Remaining"), "%s", r->head);
	return (atoi(e2e_header(r, "X-RateLimit-Remaining")));
}

/* Failure 10: every new API key no longer adds a counter for ever. */
Test(adv_limits, rate_counters_are_bounded)
{
	char	key[32];
	int	i, first = rate_remaining("sk_test_first");

	cr_expect_eq(rate_remaining("sk_test_first"), first - 1);
	for (i = 0; i < 1024; i++) {
		snprintf(key, sizeof key, "sk_test_%d", i);
		rate_remaining(key);
	}
	cr_expect_eq(rate_remaining("sk_test_first"), first,
	    "the key counted first was forgotten at 1,024 keys");
	cr_expect_eq(rate_remaining("sk_test_1023"), first - 1, "the newest are kept");
	e2e_advance_in(SESSION("rl"), "1");
	cr_expect_eq(rate_remaining("sk_test_1023"), first, "a new second counts afresh");
}

static long
idempotency_keys(const char *session)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/sessions", NULL, NULL);
	size_t		 i, n = e2e_len(r, "sessions");
	char		 at[64];

	for (i = 0; i < n; i++) {
		snprintf(at, sizeof at, "sessions[%zu].name", i);
		if (strcmp(e2e_get(r, at), session) == 0) {
			snprintf(at, sizeof at, "sessions[%zu].idempotency_keys", i);
			return (atol(e2e_get(r, at)));
		}
	}
	cr_assert_fail("no session %s", session);
	return (-1);
}

static void
rejected_refund(const char *session, int i)
{
	char	headers[256];

	snprintf(headers, sizeof headers, JSON_CT "X-Paymock-Session: %s\r\n"
	    "X-API-Key: sk_test_k\r\nIdempotency-Key: key-%d\r\n", session, i);
	cr_assert_eq(e2e("POST", AB_REFUNDS, headers, AB_OVER_BODY)->status, 422);
}

/* Failure 10: stored rejections are capped, and expired keys go unasked. */
Test(adv_limits, idempotency_records_are_bounded)
{
	int	i;

	for (i = 0; i < 50; i++)
		rejected_refund("ex", i);
	cr_expect_eq(idempotency_keys("ex"), 50);
	e2e_advance_in(SESSION("ex"), "86401");
	rejected_refund("ex", 1000);
	cr_expect_eq(idempotency_keys("ex"), 1, "expired keys purged without returning");

	for (i = 0; i < 1100; i++)
		rejected_refund("cap", i);
	cr_expect_eq(idempotency_keys("cap"), 1024);
}

/* Failure 11: no internal number marker, no server path in an error. */
Test(adv_limits, errors_show_no_marker_and_no_server_path)
{
	static const struct {
		const char	*path, *headers, *body;
	} creates[] = {
		{ "/smartretry/v1/payments/refund/ABC123", "x-api-key: k\r\n" JSON_CT,
		  "{\"transaction_reference_id\":\"TX8A3F2C\",\"amount\":01}" },
		{ "/smartpay/payment/refund", JSON_CT, "{\"merchantKey\":\"m\",\"x\":01}" },
		{ "/utgl/v1/partner-connect/transactions/refund",
		  "Authorization: Basic cDpz\r\n" JSON_CT, "{\"amount\":01}" },
		{ AB_REFUNDS, "X-API-Key: sk_test_k\r\nIdempotency-Key: i\r\n" JSON_CT,
		  "{\"amount\":01}" },
		{ "/payengine/api/payment/refund", "Authorization: Basic sk_test_s\r\n" JSON_CT,
		  "{\"amount\":01}" },
		{ "/__admin/faults", NULL, "{\"times\":01}" },
	};
	struct e2e_resp	*r;
	size_t		 i;

	for (i = 0; i < sizeof creates / sizeof creates[0]; i++) {
		r = e2e("POST", creates[i].path, creates[i].headers, creates[i].body);
		cr_expect_eq(r->status, 400, "%s: %s", creates[i].path, r->body);
		cr_expect_null(strstr(r->body, "u0000"), "%s: %s", creates[i].path, r->body);
		cr_expect_null(strstr(r->body, "#1"), "%s: %s", creates[i].path, r->body);
	}
	r = e2e("POST", "/__admin/scenarios/no-such-scenario", NULL, NULL);
	cr_expect_eq(r->status, 404);
	cr_expect_null(strstr(r->body, e2e_scenario_dir()), "%s", r->body);
	cr_expect(strstr(r->body, "no-such-scenario") != NULL, "%s", r->body);
}
