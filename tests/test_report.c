/*
 * The integration report (docs/report.md) end to end: small integrator
 * clients, a careless one that commits each bug once and a careful one that
 * does everything right, against the real server; the report, the admin
 * calls around it and `paymock report`.
 */
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "jsonx.h"
#include "util.h"

TestSuite(report, .init = e2e_setup, .fini = e2e_teardown, .timeout = 60);

#define SP_TXN		"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define SP_BODY		"{\"merchantKey\":\"31928de9-1344-469f-b0eb-8e5d0fef3d21\"," \
			"\"transactionId\":\"" SP_TXN "\",\"modificationId\":\"%s\"," \
			"\"modifiedAmount\":{\"amount\":10,\"currencyCode\":\"EUR\"}}"
#define SP_HEADERS	"Accept-Language: en-US\r\nOrigin: https://shop.example\r\n"
#define SP_BASIC	"Authorization: Basic MzE5MjhkZTktMTM0NC00NjlmLWIwZWItOGU1" \
			"ZDBmZWYzZDIxOnNlY3JldA==\r\n"
#define SR_BODY		"{\"transaction_reference_id\":\"%s\",\"order_reference_id\":" \
			"\"%s\",\"amount\":%s}"
#define AB_TXN		"f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define AB_BODY		"{\"transactionId\":\"%s\",\"amount\":\"%s\",\"currency\":\"EUR\"}"
#define UT_TXN		"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93"
#define UT_DECLINES	"07000000-0000-4000-8000-000000000001"
#define UT_BASE		"/utgl/v1/partner-connect/transactions/"
#define UT_BASIC	"Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n"
#define UT_BODY		"{\"transactionId\":\"%s\",\"amount\":1.00,\"currency\":\"USD\"," \
			"\"reason\":\"Customer requested\",\"description\":\"Item X\"}"
#define PE_DECLINES	"9e000000-0000-4000-8000-000000000001"
#define PE_TXN		"9a0df7ef-b77f-4525-97e1-f41a98ad7f75"
#define PE_AUTH		"Authorization: Basic sk_test_secret\r\n"

/* The session's headers, then 'extra': four at a time may be alive. */
static const char *
hdr(const char *session, const char *extra)
{
	static char	buf[4][1024];
	static int	next;
	char		*b = buf[next++ % 4];

	snprintf(b, sizeof buf[0], "X-Paymock-Session: %s\r\n" JSON_CT "%s", session,
	    extra != NULL ? extra : "");
	return (b);
}

static void
fault(const char *s, const char *rule)
{
	struct e2e_resp	*r = e2e("POST", "/__admin/faults", hdr(s, NULL), rule);

	cr_assert_eq(r->status, 201, "fault: %s", r->body);
}

/* A request whose reply the client never gets (a fault closes it). */
static void
lost(const char *s, const char *path, const char *extra, const char *body)
{
	struct e2e_wire	w;

	e2e_exchange("POST", path, hdr(s, extra), body, 2000, &w);
	cr_assert(strstr(w.data, "HTTP/1.1 ") == NULL, "a reply came: %s", w.data);
}

static void
advance(const char *s, const char *seconds)
{
	e2e_advance_in(hdr(s, NULL), seconds);
}

static void
get_ok(const char *s, const char *path, const char *extra)
{
	struct e2e_resp	*r = e2e("GET", path, hdr(s, extra), NULL);

	cr_assert_eq(r->status, 200, "GET %s: %s", path, r->body);
}

static int
by_name(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* The comma-separated names in 'csv' sorted, into 'out'. */
static void
sorted(const char *csv, char *out, size_t len)
{
	char	*copy = xstrdup(csv), *names[64], *p, *save = NULL;
	size_t	 n = 0, i;

	for (p = strtok_r(copy, ",", &save); p != NULL && n < nitems(names);
	    p = strtok_r(NULL, ",", &save))
		names[n++] = p;
	qsort(names, n, sizeof *names, by_name);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i > 0 ? "," : "",
		    names[i]);
	free(copy);
}

/* The rules of the session's findings, sorted, comma-separated. */
static void
expect_rules(const char *s, const char *want)
{
	char		 got[1024], raw[1024] = "", sorted_want[1024];
	struct e2e_resp	*r = e2e("GET", "/__admin/report", hdr(s, NULL), NULL);
	json_t		*f;
	size_t		 i;

	cr_assert_eq(r->status, 200, "%s", r->body);
	json_array_foreach(json_object_get(r->json, "findings"), i, f) {
		snprintf(raw + strlen(raw), sizeof raw - strlen(raw), "%s%s",
		    i > 0 ? "," : "", json_string_value(json_object_get(f, "rule")));
	}
	sorted(raw, got, sizeof got);
	sorted(want, sorted_want, sizeof sorted_want);
	cr_expect_str_eq(got, sorted_want, "session %s: findings %s, want %s\n%s", s,
	    got, sorted_want, r->body);
}

/*
 * Each step of the clients: 'careful' does it right, the careless one
 * commits the step's bug once.
 */

/* SmartPay's reply is lost after the refund was made: retry with the same modificationId. */
static void
step_duplicate_refund(const char *s, int careful)
{
	char	body[512];

	fault(s, "{\"match\":{\"provider\":\"smartpay\",\"operation\":\"refund.create\","
	    "\"times\":1},\"action\":{\"type\":\"commit_then_drop\"}}");
	snprintf(body, sizeof body, SP_BODY, "mod-1");
	lost(s, "/smartpay/payment/refund", SP_HEADERS, body);
	snprintf(body, sizeof body, SP_BODY, careful ? "mod-1" : "mod-2");
	cr_assert_eq(e2e("POST", "/smartpay/payment/refund", hdr(s, SP_HEADERS),
	    body)->status, 200);
	advance(s, "3");
	get_ok(s, "/smartpay/payment/status/" SP_TXN, SP_HEADERS SP_BASIC);
}

/* SmartRetry drops the request: the retry carries the key the first one had. */
static void
step_retry_without_key(const char *s, int careful)
{
	const char	*key = careful ? "x-api-key: k\r\nIdempotency-Key: sr-1\r\n" :
			    "x-api-key: k\r\n";
	char		 body[256];

	fault(s, "{\"match\":{\"provider\":\"smartretry\",\"operation\":\"refund.create\","
	    "\"times\":1},\"action\":{\"type\":\"drop\"}}");
	snprintf(body, sizeof body, SR_BODY, "TX8A3F2C", "OR7B9E1D", "10.00");
	lost(s, "/smartretry/v1/payments/refund/ABC123", key, body);
	cr_assert_eq(e2e("POST", "/smartretry/v1/payments/refund/ABC123", hdr(s, key),
	    body)->status, 200);
	advance(s, "30");
	get_ok(s, "/smartretry/v1/payments/status/ABC123/TX8A3F2C", "x-api-key: k\r\n");
}

Test(report, retry_with_a_new_modification_id_after_a_drop)
{
	char	body[512];

	fault("s", "{\"match\":{\"provider\":\"smartpay\",\"times\":1},"
	    "\"action\":{\"type\":\"drop\"}}");
	snprintf(body, sizeof body, SP_BODY, "mod-1");
	lost("s", "/smartpay/payment/refund", SP_HEADERS, body);
	snprintf(body, sizeof body, SP_BODY, "mod-2");
	cr_assert_eq(e2e("POST", "/smartpay/payment/refund", hdr("s", SP_HEADERS),
	    body)->status, 200);
	advance("s", "3");
	get_ok("s", "/smartpay/payment/status/" SP_TXN, SP_HEADERS SP_BASIC);
	expect_rules("s", "retry-without-key");
}

static char *
ab_create(const char *s, const char *key, const char *txn, const char *amount,
    int status)
{
	char		 h[256], body[256];
	struct e2e_resp	*r;

	snprintf(h, sizeof h, "X-API-Key: smtgw_sk_test_your_secret_key\r\n"
	    "Idempotency-Key: %s\r\n", key);
	snprintf(body, sizeof body, AB_BODY, txn, amount);
	r = e2e("POST", "/accelebit/v1/refunds", hdr(s, h), body);
	cr_assert_eq(r->status, status, "%s", r->body);
	return (status == 201 ? xstrdup(e2e_get(r, "data.id")) : NULL);
}

static void
ab_fetch(const char *s, char *id)
{
	char	path[128];

	snprintf(path, sizeof path, "/accelebit/v1/refunds/%s", id);
	get_ok(s, path, "X-API-Key: smtgw_sk_test_your_secret_key\r\n");
	free(id);
}

/* Accelebit: a second refund gets a key of its own. */
static void
step_key_reused(const char *s, int careful)
{
	char	*first = ab_create(s, "ab-1", AB_TXN, "10.00", 201), *second;

	second = ab_create(s, careful ? "ab-2" : "ab-1", AB_TXN, "12.00",
	    careful ? 201 : 422);
	advance(s, "5");
	ab_fetch(s, first);
	if (second != NULL)
		ab_fetch(s, second);
}

/* Accelebit: an asynchronous refund is not done when it is accepted. */
static void
step_outcome_never_observed(const char *s, int careful)
{
	char	*id = ab_create(s, "ab-9", "ac000000-0000-4000-8000-000000000008",
		    "3.00", 201);

	advance(s, "5");
	if (careful)
		ab_fetch(s, id);
	else
		free(id);
}

/* UTGL and PayEngine decline at once: look at the decline, do not send it again. */
static void
step_decline_ignored(const char *s, int careful)
{
	static const char pe_body[] = "{\"id\":\"" PE_DECLINES "\",\"amount\":\"5.00\","
	    "\"reason\":\"Discount issued\"}";
	struct e2e_resp	*r;
	char		 body[256], path[160];

	snprintf(body, sizeof body, UT_BODY, UT_DECLINES);
	cr_assert_eq(e2e("POST", UT_BASE "refund", hdr(s, UT_BASIC), body)->status, 402);
	if (careful)
		get_ok(s, UT_BASE UT_DECLINES, UT_BASIC);
	r = e2e("POST", "/payengine/api/payment/refund", hdr(s, PE_AUTH), pe_body);
	cr_assert_eq(r->status, 200, "%s", r->body);
	if (!careful) {
		r = e2e("POST", "/payengine/api/payment/refund", hdr(s, PE_AUTH), pe_body);
		cr_assert_eq(r->status, 200, "%s", r->body);
	}
	snprintf(path, sizeof path, "/payengine/api/payment/refund/%s",
	    e2e_get(r, "data.ID"));
	get_ok(s, path, PE_AUTH);
}

/* UTGL says 429 and Retry-After: 2; the retry waits that long. */
static void
step_retry_after_ignored(const char *s, int careful)
{
	char	body[256];

	fault(s, "{\"match\":{\"provider\":\"utgl\",\"operation\":\"refund.create\","
	    "\"times\":1},\"action\":{\"type\":\"rate_limit\",\"retry_after_s\":2}}");
	snprintf(body, sizeof body, UT_BODY, UT_TXN);
	cr_assert_eq(e2e("POST", UT_BASE "refund", hdr(s, UT_BASIC), body)->status, 429);
	if (careful)
		advance(s, "2");
	cr_assert_eq(e2e("POST", UT_BASE "refund", hdr(s, UT_BASIC), body)->status, 200);
}

/* A UTGL transaction looked at once, not six times in a virtual second. */
static void
step_polling_storm(const char *s, int careful)
{
	int	i;

	for (i = 0; i < (careful ? 1 : 6); i++)
		get_ok(s, UT_BASE UT_TXN, UT_BASIC);
}

/* PayEngine documents amounts as strings: two refunds with numbers draw two warnings. */
static void
step_warnings(const char *s, int careful)
{
	static const char *const amounts[2][2] = { { "5", "6" }, { "\"5.00\"", "\"6.00\"" } };
	struct e2e_resp	*r;
	int		 i;

	for (i = 0; i < 2; i++) {
		r = e2ef("POST", "/payengine/api/payment/refund", hdr(s, PE_AUTH),
		    "{\"id\":\"" PE_TXN "\",\"amount\":%s,\"reason\":\"Discount "
		    "issued\"}", amounts[careful][i]);
		cr_assert_eq(r->status, 200, "%s", r->body);
	}
}


/* SmartRetry's webhook is answered 2xx at once, not after a failure. */
static void
step_webhook_not_acknowledged(const char *s, int careful)
{
	char	body[256];
	int	port, listener = e2e_listen(0, &port);

	snprintf(body, sizeof body, "{\"provider\":\"smartretry\",\"url\":"
	    "\"http://127.0.0.1:%d/hooks\"}", port);
	cr_assert_eq(e2e("POST", "/__admin/webhooks", hdr(s, NULL), body)->status, 201);
	snprintf(body, sizeof body, SR_BODY, "TXPART08", "ORPART08", "5.00");
	cr_assert_eq(e2e("POST", "/smartretry/v1/payments/refund/ABC123",
	    hdr(s, "x-api-key: k\r\n"), body)->status, 200);
	advance(s, "30");
	cr_assert(e2e_answer(listener, 3000, careful ? 200 : 500, NULL, 0, NULL, 0), "no delivery");
	if (!careful) {
		advance(s, "60");
		cr_assert(e2e_answer(listener, 3000, 200, NULL, 0, NULL, 0), "no retry");
	}
	e2e_await_deliveries(hdr(s, NULL), careful ? 1 : 2, 3000);
	close(listener);
}

static const struct step {
	const char	*rule;
	void		 (*fn)(const char *, int);
	const char	*careless;	/* the findings it makes */
} steps[] = {
	{ "duplicate-refund", step_duplicate_refund, "duplicate-refund" },
	{ "retry-without-key", step_retry_without_key, "retry-without-key" },
	{ "key-reused-with-other-body", step_key_reused, "key-reused-with-other-body" },
	{ "outcome-never-observed", step_outcome_never_observed,
	    "outcome-never-observed" },
	{ "decline-ignored", step_decline_ignored, "decline-ignored,decline-ignored" },
	{ "retry-after-ignored", step_retry_after_ignored, "retry-after-ignored" },
	{ "polling-storm", step_polling_storm, "polling-storm" },
	{ "warnings", step_warnings, "warnings" },
	/* Last: events go to endpoints set before a refund, so no other step's do. */
	{ "webhook-not-acknowledged", step_webhook_not_acknowledged,
	    "webhook-not-acknowledged" },
};

static const struct step *
step(const char *rule)
{
	size_t	i;

	for (i = 0; i < nitems(steps); i++) {
		if (strcmp(steps[i].rule, rule) == 0)
			return (&steps[i]);
	}
	cr_assert_fail("no step for %s", rule);
	return (NULL);
}

/* The step's careless client in session "careless", its careful one in "careful". */
static void
rule_pair(const char *rule)
{
	const struct step	*st = step(rule);

	st->fn("careless", 0);
	expect_rules("careless", st->careless);
	st->fn("careful", 1);
	expect_rules("careful", "");
}

Test(report, duplicate_refund_after_a_lost_reply) { rule_pair("duplicate-refund"); }
Test(report, retry_without_key_after_a_drop) { rule_pair("retry-without-key"); }
Test(report, key_reused_with_another_body) { rule_pair("key-reused-with-other-body"); }
Test(report, outcome_never_observed) { rule_pair("outcome-never-observed"); }
Test(report, decline_ignored_or_sent_again) { rule_pair("decline-ignored"); }
Test(report, retry_after_ignored) { rule_pair("retry-after-ignored"); }
Test(report, polling_storm) { rule_pair("polling-storm"); }
Test(report, warnings) { rule_pair("warnings"); }
Test(report, webhook_acknowledged_only_after_a_retry)
{
	rule_pair("webhook-not-acknowledged");
}

/* What the two clients leave in their sessions, every step run. */
static void
run_clients(void)
{
	size_t	i;

	for (i = 0; i < nitems(steps); i++) {
		steps[i].fn("careless", 0);
		steps[i].fn("careful", 1);
	}
}

Test(report, the_careless_client_gets_exactly_its_bugs_the_careful_one_none)
{
	struct buf	want = { 0 };
	struct e2e_resp	*r;
	size_t		i;

	run_clients();
	for (i = 0; i < nitems(steps); i++)
		buf_addf(&want, "%s%s", i > 0 ? "," : "", steps[i].careless);
	expect_rules("careless", want.data);
	buf_release(&want);
	r = e2e("GET", "/__admin/report", hdr("careful", NULL), NULL);
	cr_expect_str_eq(e2e_get(r, "counts.error"), "0", "%s", r->body);
	cr_expect_eq(e2e_len(r, "findings"), 0, "%s", r->body);
	cr_expect_eq(e2e_len(r, "rules"), 9);
}

Test(report, a_finding_says_why_and_cites_its_evidence)
{
	struct e2e_resp	*r;

	step_duplicate_refund("s", 0);
	r = e2e("GET", "/__admin/report", hdr("s", NULL), NULL);
	cr_assert_eq(e2e_len(r, "findings"), 1, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "findings[0].id"), "F1");
	cr_expect_str_eq(e2e_get(r, "findings[0].severity"), "error");
	cr_expect_str_eq(e2e_get(r, "findings[0].provider"), "smartpay");
	cr_expect(strstr(e2e_get(r, "findings[0].message"), "reply was lost") != NULL,
	    "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "findings[0].entries[0]"), "1");
	cr_expect_str_eq(e2e_get(r, "findings[0].entries[1]"), "2");
	cr_expect_eq(e2e_len(r, "findings[0].refunds"), 2);
	cr_expect_str_eq(e2e_get(r, "findings[0].transactions[0]"), SP_TXN);
	cr_expect_str_eq(e2e_get(r, "counts.error"), "1");
	/* Asked for, the journal links back: both entries cite F1, the status call none. */
	r = e2e("GET", "/__admin/journal", hdr("s", NULL), NULL);
	cr_expect_null(e2e_node(r, "entries[0].findings"), "%s", r->body);
	r = e2e("GET", "/__admin/journal?findings=true", hdr("s", NULL), NULL);
	cr_expect_str_eq(e2e_get(r, "entries[0].findings[0]"), "F1", "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "entries[1].findings[0]"), "F1");
	cr_expect_null(e2e_node(r, "entries[2].findings"));
	cr_expect(json_is_true(e2e_node(r, "entries[0].reply_lost")));
	cr_expect(json_is_false(e2e_node(r, "entries[1].reply_lost")));
}

Test(report, the_windows_are_settings_of_the_call)
{
	struct e2e_resp	*r;

	step_polling_storm("s", 0);
	r = e2e("GET", "/__admin/report?polling_max_per_s=6", hdr("s", NULL), NULL);
	cr_expect_eq(e2e_len(r, "findings"), 0, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "config.polling_max_per_s"), "6");
	cr_expect_eq(e2e("GET", "/__admin/report?polling_max_per_s=0", hdr("s", NULL),
	    NULL)->status, 400);
	cr_expect_eq(e2e("GET", "/__admin/report?duplicate_window_s=x", hdr("s", NULL),
	    NULL)->status, 400);
}

Test(report, a_duplicate_outside_the_window_is_not_one)
{
	char	body[512];

	snprintf(body, sizeof body, SP_BODY, "mod-1");
	cr_assert_eq(e2e("POST", "/smartpay/payment/refund", hdr("s", SP_HEADERS),
	    body)->status, 200);
	advance("s", "601");
	snprintf(body, sizeof body, SP_BODY, "mod-2");
	cr_assert_eq(e2e("POST", "/smartpay/payment/refund", hdr("s", SP_HEADERS),
	    body)->status, 200);
	advance("s", "3");
	get_ok("s", "/smartpay/payment/status/" SP_TXN, SP_HEADERS SP_BASIC);
	expect_rules("s", "");
}

Test(report, rules_are_silenced_per_session_until_undone_or_reset)
{
	struct e2e_resp	*r;

	step_polling_storm("s", 0);
	step_polling_storm("t", 0);
	r = e2e("POST", "/__admin/report/ignore", hdr("s", NULL),
	    "{\"rule\":\"polling-storm\"}");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "ignored[0]"), "polling-storm");
	expect_rules("s", "");
	expect_rules("t", "polling-storm");
	r = e2e("GET", "/__admin/report", hdr("s", NULL), NULL);
	cr_expect_str_eq(e2e_get(r, "ignored[0]"), "polling-storm");
	r = e2e("POST", "/__admin/report/ignore", hdr("s", NULL),
	    "{\"rule\":\"polling-storm\",\"ignore\":false}");
	cr_expect_eq(e2e_len(r, "ignored"), 0, "%s", r->body);
	expect_rules("s", "polling-storm");
	e2e("POST", "/__admin/report/ignore", hdr("s", NULL), "{\"rule\":\"polling-storm\"}");
	cr_assert_eq(e2e("POST", "/__admin/reset", hdr("s", NULL), NULL)->status, 200);
	step_polling_storm("s", 0);
	expect_rules("s", "polling-storm");
}

Test(report, ignore_refuses_what_it_does_not_know)
{
	static const char *const bodies[] = { "{\"rule\":\"nope\"}", "{}", "[]", "{",
	    "{\"rule\":\"warnings\",\"ignore\":1}", "{\"rule\":\"warnings\",\"x\":1}" };
	struct e2e_resp	*r;
	size_t		 i;

	for (i = 0; i < nitems(bodies); i++) {
		r = e2e("POST", "/__admin/report/ignore", hdr("s", NULL), bodies[i]);
		cr_expect_eq(r->status, 400, "%s: %s", bodies[i], r->body);
		cr_expect_str_eq(e2e_get(r, "error.code"), "invalid_body");
	}
	r = e2e("GET", "/__admin/report", hdr("s", NULL), NULL);
	cr_expect_eq(e2e_len(r, "ignored"), 0);
}

Test(report, a_client_that_gives_up_on_a_delayed_reply_lost_it)
{
	struct e2e_wire	 w;
	struct e2e_resp	*r = NULL;
	struct timespec	 t0;
	char		 body[256];

	fault("s", "{\"match\":{\"provider\":\"accelebit\",\"times\":1},"
	    "\"action\":{\"type\":\"delay\",\"ms\":1500}}");
	snprintf(body, sizeof body, AB_BODY, AB_TXN, "10.00");
	e2e_exchange("POST", "/accelebit/v1/refunds", hdr("s",
	    "X-API-Key: smtgw_sk_test_your_secret_key\r\nIdempotency-Key: d-1\r\n"),
	    body, 100, &w);
	cr_assert_eq(w.err, EAGAIN, "the client did not time out");
	/* The server learns of it when the connection closes: poll its record. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (e2e_ms_since(&t0) < 5000) {
		r = e2e_await_journal(hdr("s", NULL), 1, 3000);
		if (json_is_true(e2e_node(r, "entries[0].reply_lost")))
			break;
		e2e_sleep_ms(20);
	}
	cr_expect(json_is_true(e2e_node(r, "entries[0].reply_lost")), "%s", r->body);
}

/* Past 100 findings of a rule the rest are counted, not listed. */
Test(report, a_rule_lists_its_first_100_findings_and_counts_the_rest)
{
	struct e2e_resp	*r;
	char		 body[256];
	int		 i;

	snprintf(body, sizeof body, UT_BODY, UT_DECLINES);
	for (i = 0; i < 103; i++)
		cr_assert_eq(e2e("POST", UT_BASE "refund", hdr("many", UT_BASIC),
		    body)->status, 402);
	r = e2e("GET", "/__admin/report", hdr("many", NULL), NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_eq(e2e_len(r, "findings"), 100);
	cr_expect_str_eq(e2e_get(r, "findings[99].id"), "F100");
	cr_expect_str_eq(e2e_get(r, "omitted.decline-ignored"), "3");
	/* 102 identical sends after a decline, and the last decline left alone. */
	cr_expect_str_eq(e2e_get(r, "counts.warning"), "102");
	cr_expect_str_eq(e2e_get(r, "counts.info"), "1");
}

Test(report, retry_after_is_in_the_journal)
{
	struct e2e_resp	*r;

	step_retry_after_ignored("s", 1);
	r = e2e("GET", "/__admin/journal", hdr("s", NULL), NULL);
	cr_expect_str_eq(e2e_get(r, "entries[0].retry_after"), "2", "%s", r->body);
	cr_expect(json_is_null(e2e_node(r, "entries[1].retry_after")));
}

Test(report, warnings_are_grouped_by_code)
{
	struct e2e_resp	*r;

	step_warnings("s", 0);
	r = e2e("GET", "/__admin/report", hdr("s", NULL), NULL);
	cr_assert_eq(e2e_len(r, "findings"), 1, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "findings[0].rule"), "warnings");
	cr_expect_str_eq(e2e_get(r, "findings[0].code"), "amount-not-string");
	cr_expect_str_eq(e2e_get(r, "findings[0].count"), "2");
	cr_expect_eq(e2e_len(r, "findings[0].entries"), 2);
	cr_expect(strstr(e2e_get(r, "findings[0].message"), "(amount-not-string)") != NULL,
	    "%s", r->body);
}

/* `paymock report` against this server: its exit status, its output in 'out'. */
static int
cli(const char *args, char *out, size_t len)
{
	const char	*bin = getenv("PAYMOCK_BIN");
	char		 cmd[1024];

	snprintf(cmd, sizeof cmd, "%s report --timeout 5 %s 2>&1", bin != NULL ? bin :
	    "build/paymock", args);
	return (e2e_run(cmd, out, len));
}

static int
cli_session(const char *session, const char *args, char *out, size_t len)
{
	char	a[512];

	snprintf(a, sizeof a, "--url http://127.0.0.1:%d --session %s %s", e2e_port(),
	    session, args);
	return (cli(a, out, len));
}

Test(report, cli_text_and_exit_status)
{
	static char	out[65536];

	run_clients();
	cr_expect_eq(cli_session("careless", "", out, sizeof out), 1, "%s", out);
	cr_expect(strstr(out, "error   F1 duplicate-refund [smartpay]") != NULL, "%s", out);
	cr_expect(strstr(out, "3 error(s), 6 warning(s), 1 info") != NULL, "%s", out);
	cr_expect_eq(cli_session("careful", "--fail-on warning", out, sizeof out), 0,
	    "%s", out);
	cr_expect(strstr(out, "No findings") != NULL, "%s", out);
}

/* The Docker image's entrypoint puts server flags first: `docker run IMAGE report …`. */
Test(report, cli_after_the_images_server_flags)
{
	const char	*bin = getenv("PAYMOCK_BIN");
	static char	 out[65536];
	char		 cmd[1024];

	snprintf(cmd, sizeof cmd, "%s --bind 0.0.0.0 --fixtures /etc/paymock/fixtures "
	    "--scenario-dir /etc/paymock/scenarios report --timeout 5 --url "
	    "http://127.0.0.1:%d --session careful --format json 2>&1",
	    bin != NULL ? bin : "build/paymock", e2e_port());
	cr_expect_eq(e2e_run(cmd, out, sizeof out), 0, "%s", out);
	cr_expect(strstr(out, "\"findings\": []") != NULL, "%s", out);
}

Test(report, cli_fail_on_sets_the_bar)
{
	static char	out[65536];

	step_outcome_never_observed("w", 0);
	cr_expect_eq(cli_session("w", "", out, sizeof out), 0, "%s", out);
	cr_expect_eq(cli_session("w", "--fail-on error", out, sizeof out), 0, "%s", out);
	cr_expect_eq(cli_session("w", "--fail-on warning", out, sizeof out), 1, "%s", out);
	e2e("POST", "/__admin/report/ignore", hdr("w", NULL),
	    "{\"rule\":\"outcome-never-observed\"}");
	cr_expect_eq(cli_session("w", "--fail-on warning", out, sizeof out), 0, "%s", out);
	cr_expect(strstr(out, "ignored in this session: outcome-never-observed") != NULL,
	    "%s", out);
}

Test(report, cli_json_is_the_report)
{
	static char	 out[65536];
	json_t		*o;
	json_error_t	 err;

	step_retry_after_ignored("j", 0);
	cr_expect_eq(cli_session("j", "--format json --fail-on warning", out,
	    sizeof out), 1);
	o = json_loads(out, 0, &err);
	cr_assert_not_null(o, "%s: %s", err.text, out);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "findings"), 0), "rule")), "retry-after-ignored");
	json_decref(o);
}

Test(report, cli_junit_has_a_testcase_per_rule_and_escapes)
{
	static char	 out[65536];
	const char	*p;
	size_t		 n = 0;

	step_outcome_never_observed("u", 0);
	step_duplicate_refund("u", 0);
	cr_expect_eq(cli_session("u", "--format junit", out, sizeof out), 1, "%s", out);
	cr_expect(strncmp(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
	for (p = out; (p = strstr(p, "<testcase ")) != NULL; p++)
		n++;
	cr_expect_eq(n, 9, "%s", out);
	cr_expect(strstr(out, "tests=\"9\" failures=\"1\" errors=\"0\" skipped=\"0\"") !=
	    NULL, "%s", out);
	cr_expect(strstr(out, "<failure type=\"error\" message=\"Refund ") != NULL, "%s",
	    out);
	/* Below the bar: printed, not failed; the message's quotes escaped. */
	cr_expect(strstr(out, "<system-out>F2 [accelebit] Refund ") != NULL, "%s", out);
	cr_expect(strstr(out, "&quot;accepted&quot;") != NULL, "%s", out);
	cr_expect(strstr(out, "first one&apos;s reply") != NULL, "%s", out);
	cr_expect(strstr(out, "\"accepted\"") == NULL, "%s", out);
}

Test(report, cli_usage_and_unreachable)
{
	static char	out[8192];
	char		args[256];
	int		port, fd = e2e_listen(0, &port);

	cr_expect_eq(cli("--session s", out, sizeof out), 2, "%s", out);
	cr_expect_eq(cli_session("s", "--format yaml", out, sizeof out), 2, "%s", out);
	cr_expect_eq(cli_session("s", "--fail-on info", out, sizeof out), 2, "%s", out);
	cr_expect_eq(cli_session("bad/name", "", out, sizeof out), 2, "%s", out);
	cr_expect_eq(cli("--url ftp://x --session s", out, sizeof out), 3, "%s", out);
	/* A port nothing listens on: the one of a socket bound and closed. */
	close(fd);
	snprintf(args, sizeof args, "--url http://127.0.0.1:%d --session s", port);
	cr_expect_eq(cli(args, out, sizeof out), 3, "%s", out);
	/* Something that answers, but not a report. */
	snprintf(args, sizeof args, "--url http://127.0.0.1:%d/accelebit --session s",
	    e2e_port());
	cr_expect_eq(cli(args, out, sizeof out), 3, "%s", out);
}
