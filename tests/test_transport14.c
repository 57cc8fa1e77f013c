/*
 * Issue 14's transport decisions, end to end: JSON numbers in any spelling,
 * fingerprints by value, the Date header on the virtual clock, CORS for a
 * browser front-end, per-scenario seeds, and chunk extensions.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"
#include "util.h"

#define SP_MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"
#define SP_TXN		"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define SP_REFUND	"/smartpay/payment/refund"
#define SR_REFUND	"/smartretry/v1/payments/refund/ABC123"
#define SR_HDRS		"x-api-key: YOUR_API_KEY\r\n" JSON_CT
#define UTGL_REFUND	"/utgl/v1/partner-connect/transactions/refund"
#define UTGL_TXN	"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93"
#define UTGL_AUTH	"Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n"
#define ORIGIN		"Origin: https://shop.example\r\n"
/* E2E_EPOCH, 2026-04-09T14:00:00.000Z, as HTTP writes it. */
#define EPOCH_DATE	"Thu, 09 Apr 2026 14:00:00 GMT"

TestSuite(transport14, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

/* A SmartPay refund of 'amount' (JSON text) EUR under 'modid'. */
static struct e2e_resp *
sp_refund(const char *headers, const char *modid, const char *amount)
{
	return (e2ef("POST", SP_REFUND, headers != NULL ? headers : JSON_CT,
	    "{\"merchantKey\":\"" SP_MERCHANT "\",\"transactionId\":\"" SP_TXN "\","
	    "\"modificationId\":\"%s\",\"modifiedAmount\":{\"amount\":%s,"
	    "\"currencyCode\":\"EUR\"}}", modid, amount));
}

/* A SmartRetry refund of 'amount' (JSON text) USD; 'headers' are added. */
static struct e2e_resp *
sr_refund(const char *headers, const char *amount)
{
	char	h[256];

	snprintf(h, sizeof h, SR_HDRS "%s", headers);
	return (e2ef("POST", SR_REFUND, h, "{\"transaction_reference_id\":\"TX8A3F2C\","
	    "\"order_reference_id\":\"OR7B9E1D\",\"amount\":%s}", amount));
}

/* How many times 'name' appears among the reply's headers. */
static int
header_count(const struct e2e_resp *r, const char *name)
{
	const char	*p = r->head;
	size_t		 n = strlen(name);
	int		 count = 0;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			count++;
	}
	return (count);
}

/* docs/providers/smartpay.md: the amount is a JSON number; 2.5E+0 is 2.50. */
Test(transport14, amounts_in_exponent_form_are_their_value)
{
	static const struct {
		const char	*amount;
		const char	*shown;
	} cases[] = {
		{ "2.5E+0", "2.50" }, { "1e1", "10.00" }, { "1.50e0", "1.50" },
		{ "150e-2", "1.50" },
	};
	struct e2e_resp	*r;
	char		 modid[16], want[128];
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		snprintf(modid, sizeof modid, "num-%zu", i);
		r = sp_refund(NULL, modid, cases[i].amount);
		cr_assert_eq(r->status, 200, "%s: %s", cases[i].amount, r->body);
		snprintf(want, sizeof want, "{\"amount\":%s,\"currencyCode\":\"EUR\"}",
		    cases[i].shown);
		cr_expect_str_eq(e2e_get(r, "modification.modificationAmount"), want,
		    "%s", cases[i].amount);
	}
}

/* Too many places, in any spelling, is each provider's own decimals error. */
Test(transport14, exponent_forms_past_the_places_get_the_provider_error)
{
	struct e2e_resp	*r, *plain;

	r = sp_refund(NULL, "dec-1", "1e-3");
	plain = sp_refund(NULL, "dec-2", "0.001");
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "errorCode"), e2e_get(plain, "errorCode"));
	cr_expect_str_eq(e2e_get(r, "errorMessage"), e2e_get(plain, "errorMessage"));
	/* docs/providers/utgl.md: "a multiple of 0.01", whatever the spelling. */
	r = e2e("POST", UTGL_REFUND, UTGL_AUTH JSON_CT, "{\"transactionId\":\""
	    UTGL_TXN "\",\"amount\":1e-3,\"currency\":\"USD\",\"reason\":\"r\"}");
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_not_null(strstr(r->body, "must be a multiple of 0.01"), "%s", r->body);
	r = sr_refund("", "1e-3");
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_eq(e2e_refund_count(), 0);
}

/* A huge exponent costs no more than its digits, and is refused plainly. */
Test(transport14, huge_exponents_are_refused_at_once)
{
	static const char *const amounts[] = { "1e999999999", "1E+99999999999999999999",
	    "1e-999999999", "-1e999999999" };
	struct e2e_resp	*r;
	size_t		 i;

	for (i = 0; i < nitems(amounts); i++) {
		r = sp_refund(NULL, "huge", amounts[i]);
		cr_expect_eq(r->status, 400, "%s: %d %s", amounts[i], r->status, r->body);
	}
	r = sp_refund(NULL, "zero", "0e999999999");
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_not_null(strstr(r->body, "greater than zero"), "%s", r->body);
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(e2e("GET", "/__admin/health", NULL, NULL)->status, 200);
}

/* 1, 1.00 and 1e0 are one body: the retry is a replay, not a conflict. */
Test(transport14, idempotency_compares_numbers_by_value)
{
	static const char *const amounts[] = { "1", "1.00", "1e0", "0.1E1" };
	struct e2e_resp	*r, *first = NULL;
	size_t		 i;

	for (i = 0; i < nitems(amounts); i++) {
		r = sr_refund("Idempotency-Key: by-value\r\n", amounts[i]);
		cr_expect_lt(r->status, 300, "%s: %d %s", amounts[i], r->status, r->body);
		if (first == NULL)
			first = r;
		else {
			cr_expect_str_eq(e2e_header(r, "Idempotency-Replayed"), "true",
			    "%s", amounts[i]);
			cr_expect_str_eq(r->body, first->body, "%s", amounts[i]);
		}
	}
	/* Another value is another body. */
	r = sr_refund("Idempotency-Key: by-value\r\n", "1.01");
	cr_expect_geq(r->status, 400, "%d %s", r->status, r->body);
	/* SmartPay's modificationId: the same value is no "different request". */
	r = sp_refund(NULL, "by-value", "25");
	cr_assert_eq(r->status, 200, "%s", r->body);
	r = sp_refund(NULL, "by-value", "2.5e1");
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_null(strstr(r->head, "modificationId reused"), "%s", r->head);
	cr_expect_eq(e2e_refund_count(), 2);
}

/* A rule's body match takes the value too: 25 is 2.5E+1. */
Test(transport14, rule_body_matches_numbers_by_value)
{
	struct e2e_resp	*r;

	r = e2e("POST", "/__admin/faults", JSON_CT, "{\"match\":{\"provider\":"
	    "\"smartretry\",\"body\":{\"amount\":25}},\"action\":{\"type\":"
	    "\"respond\",\"error\":\"provider_unavailable\"}}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	r = sr_refund("", "2.5E+1");
	cr_expect_eq(r->status, 503, "%s", r->body);
	cr_expect_eq(e2e_refund_count(), 0);
}

/* The Date header is the session's virtual time, as the bodies are. */
Test(transport14, date_follows_the_virtual_clock)
{
	struct e2e_resp	*r;

	r = sp_refund(NULL, "date-1", "1");
	cr_expect_str_eq(e2e_header(r, "Date"), EPOCH_DATE);
	cr_expect_eq(header_count(r, "Date"), 1, "%s", r->head);
	r = e2e("POST", "/__admin/clock/advance", "X-Paymock-Session: later\r\n" JSON_CT,
	    "{\"seconds\":86401}");
	cr_assert_eq(r->status, 200, "%s", r->body);
	/* The admin reply that moved the clock is dated after the move. */
	cr_expect_str_eq(e2e_header(r, "Date"), "Fri, 10 Apr 2026 14:00:01 GMT");
	r = e2e("GET", "/smartpay/payment/status/" SP_TXN, "X-Paymock-Session: later\r\n",
	    NULL);
	cr_expect_str_eq(e2e_header(r, "Date"), "Fri, 10 Apr 2026 14:00:01 GMT");
	cr_expect_eq(header_count(r, "Date"), 1, "%s", r->head);
	/* Other sessions keep their own time. */
	r = e2e("GET", "/__admin/clock", NULL, NULL);
	cr_expect_str_eq(e2e_header(r, "Date"), EPOCH_DATE);
	/* A reply that belongs to no session has the wall time, from libevent. */
	r = e2e("GET", "/nowhere", NULL, NULL);
	cr_expect_eq(r->status, 404);
	cr_expect_not_null(e2e_header(r, "Date"));
	cr_expect_eq(header_count(r, "Date"), 1, "%s", r->head);
}

/* A browser's preflight: 204 with what it asked for, before any session. */
Test(transport14, cors_preflight_is_answered_and_not_journaled)
{
	struct e2e_resp	*r;

	/* A fault on every SmartPay call: the preflight is no call. */
	r = e2e("POST", "/__admin/faults", JSON_CT, "{\"match\":{\"provider\":"
	    "\"smartpay\"},\"action\":{\"type\":\"reset\"}}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	r = e2e("OPTIONS", SP_REFUND, ORIGIN "Access-Control-Request-Method: POST\r\n"
	    "Access-Control-Request-Headers: content-type,authorization,"
	    "x-paymock-session,accept-language\r\n", NULL);
	cr_expect_eq(r->status, 204, "%s", r->head);
	cr_expect_str_eq(e2e_header(r, "Access-Control-Allow-Origin"), "https://shop.example");
	cr_expect_str_eq(e2e_header(r, "Access-Control-Allow-Methods"), "POST");
	cr_expect_str_eq(e2e_header(r, "Access-Control-Allow-Headers"),
	    "content-type,authorization,x-paymock-session,accept-language");
	cr_expect_str_eq(e2e_header(r, "Access-Control-Max-Age"), "600");
	cr_expect_str_eq(e2e_header(r, "Vary"), "Origin");
	cr_expect_eq(r->body_len, 0);
	/* Without the headers it will send, the ones the providers read. */
	r = e2e("OPTIONS", "/accelebit/refunds", ORIGIN
	    "Access-Control-Request-Method: POST\r\n", NULL);
	cr_expect_eq(r->status, 204, "%s", r->head);
	cr_expect_not_null(strstr(e2e_header(r, "Access-Control-Allow-Headers"),
	    "Idempotency-Key"));
	cr_expect_not_null(strstr(e2e_header(r, "Access-Control-Allow-Headers"),
	    "X-Paymock-Session"));
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_expect_eq(e2e_len(r, "entries"), 0, "%s", r->body);
	r = e2e("GET", "/__admin/scenarios", NULL, NULL);
	cr_expect_not_null(strstr(r->body, "\"seen\":0,"), "%s", r->body);
	/* An OPTIONS that is no preflight is the provider's, as before. */
	r = e2e("OPTIONS", SP_REFUND, "X-Paymock-Session: plain\r\n", NULL);
	cr_expect_eq(r->status, 405, "%d %s", r->status, r->body);
}

/* With an Origin, every provider reply says who may read it, and what. */
Test(transport14, cors_headers_on_provider_replies_never_on_admin)
{
	struct e2e_resp	*r;
	const char	*expose;

	r = sp_refund(JSON_CT ORIGIN, "cors-1", "1");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Access-Control-Allow-Origin"), "https://shop.example");
	cr_expect_str_eq(e2e_header(r, "Vary"), "Origin");
	expose = e2e_header(r, "Access-Control-Expose-Headers");
	cr_assert_not_null(expose, "%s", r->head);
	cr_expect_not_null(strstr(expose, "X-Trace-Id"), "%s", expose);
	cr_expect_not_null(strstr(expose, "Date"), "%s", expose);
	/* Errors too: the front-end must read why it failed. */
	r = e2e("POST", SR_REFUND, JSON_CT ORIGIN, "{}");
	cr_expect_eq(r->status, 401, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Access-Control-Allow-Origin"), "https://shop.example");
	/* No Origin, no CORS. */
	r = sp_refund(NULL, "cors-2", "1");
	cr_expect_null(e2e_header(r, "Access-Control-Allow-Origin"));
	cr_expect_null(e2e_header(r, "Vary"));
	/* The admin API never: not on a reply, not on a preflight. */
	r = e2e("GET", "/__admin/journal", ORIGIN, NULL);
	cr_expect_eq(r->status, 200);
	cr_expect_null(e2e_header(r, "Access-Control-Allow-Origin"), "%s", r->head);
	r = e2e("OPTIONS", "/__admin/reset", ORIGIN "Access-Control-Request-Method: POST\r\n",
	    NULL);
	cr_expect_neq(r->status, 204);
	cr_expect_null(e2e_header(r, "Access-Control-Allow-Origin"), "%s", r->head);
	cr_expect_null(e2e_header(r, "Access-Control-Allow-Methods"), "%s", r->head);
}

static void
transport14_no_cors(void)
{
	static const char *const args[] = { "--no-cors", NULL };

	e2e_start(args);
}

TestSuite(transport14_no_cors, .init = transport14_no_cors, .fini = e2e_teardown,
    .timeout = 30);

Test(transport14_no_cors, no_cors_sends_none)
{
	struct e2e_resp	*r;

	r = e2e("OPTIONS", SP_REFUND, ORIGIN "Access-Control-Request-Method: POST\r\n",
	    NULL);
	cr_expect_eq(r->status, 405, "%d %s", r->status, r->body);
	cr_expect_null(e2e_header(r, "Access-Control-Allow-Origin"), "%s", r->head);
	r = sp_refund(JSON_CT ORIGIN, "nocors", "1");
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_null(e2e_header(r, "Access-Control-Allow-Origin"), "%s", r->head);
	cr_expect_null(e2e_header(r, "Access-Control-Expose-Headers"), "%s", r->head);
}

/*
 * Which of 24 calls in session 'name' a coin-flip rule answered with 503,
 * as a string of 0 and 1.  'seed' is the scenario's seed text ("" for none).
 */
static void
fault_pattern(const char *name, const char *seed, char out[25])
{
	char		 session[96];
	struct e2e_resp	*r;
	size_t		 i;

	snprintf(session, sizeof session, "X-Paymock-Session: %s\r\n", name);
	r = e2ef("POST", "/__admin/scenarios", session, "{\"name\":\"coin\",%s"
	    "\"rules\":[{\"match\":{\"provider\":\"smartpay\",\"probability\":0.5},"
	    "\"action\":{\"type\":\"respond\",\"error\":\"provider_unavailable\"}}]}",
	    seed);
	cr_assert_eq(r->status, 201, "%s", r->body);
	for (i = 0; i < 24; i++) {
		r = e2e("GET", "/smartpay/payment/status/" SP_TXN, session, NULL);
		out[i] = r->status == 503 ? '1' : '0';
	}
	out[24] = '\0';
}

/* A CI job with a fresh session name per run sees the same faults every run. */
Test(transport14, a_scenario_seed_gives_the_same_draws_in_every_session)
{
	char	a[25], b[25];

	fault_pattern("ci-run-1", "\"seed\":7,", a);
	fault_pattern("ci-run-2", "\"seed\":7,", b);
	cr_expect_str_eq(a, b);
	cr_expect(strchr(a, '0') != NULL && strchr(a, '1') != NULL, "%s", a);
	/* Without a seed, each session's own generator (--seed and its name). */
	fault_pattern("ci-run-3", "", a);
	fault_pattern("ci-run-4", "", b);
	cr_expect_str_neq(a, b);
}

/*
 * RFC 9112 §7.1.1 allows "7;ext=1" as a chunk's size line; libevent 2.1
 * refuses it (an HTML 413) and closes, before paymock sees the request.
 * The README's limits table says so; the client gets a clear status and
 * the server lives on.
 */
Test(transport14, chunk_extensions_are_refused_and_the_server_survives)
{
	static const char req[] = "POST " SP_REFUND " HTTP/1.1\r\nHost: x\r\n"
	    JSON_CT "Transfer-Encoding: chunked\r\n\r\n7;ext=1\r\n{\"a\":1}\r\n0\r\n\r\n";
	static const char blank[] = "POST " SP_REFUND " HTTP/1.1\r\nHost: x\r\n"
	    JSON_CT "Transfer-Encoding: chunked\r\n\r\n7 ;ext=1\r\n{\"a\":1}\r\n0\r\n\r\n";
	char	*got = e2e_raw(req, sizeof req - 1, 2000);

	cr_expect_eq(strncmp(got, "HTTP/1.1 413 ", 13), 0, "%s", got);
	free(got);
	/* libevent ends the size at a blank: "7 ;ext=1" (BWS, as RFC 9112 allows) passes. */
	got = e2e_raw(blank, sizeof blank - 1, 2000);
	cr_expect_eq(strncmp(got, "HTTP/1.1 400 ", 13), 0, "%s", got);
	cr_expect_not_null(strstr(got, "merchantKey is required"), "%s", got);
	free(got);
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(e2e("GET", "/__admin/health", NULL, NULL)->status, 200);
}
