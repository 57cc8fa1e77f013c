/*
 * Integration warnings: what a provider documents as required and paymock
 * does not enforce is answered with X-Paymock-Warning and listed in the
 * journal, or refused with the provider's 400 in strict mode (--strict, or
 * POST /__admin/strict per session).  The rules: each provider's
 * docs/providers/NAME.md.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <strings.h>

#include "e2e.h"

#define SP_REFUND	"/smartpay/payment/refund"
#define SP_BODY_OF(modid, amount) \
	"{\"merchantKey\":\"31928de9-1344-469f-b0eb-8e5d0fef3d21\"," \
	"\"transactionId\":\"933a0fab-80a0-42c5-b010-c71174f4ab32\"," \
	"\"modificationId\":\"" modid "\",\"modifiedAmount\":{\"amount\":" amount "," \
	"\"currencyCode\":\"EUR\"}}"
#define SP_BODY(modid)	SP_BODY_OF(modid, "1.00")
#define SP_HEADERS	JSON_CT "Accept-Language: en-US\r\nOrigin: https://shop.example\r\n"
#define AB_REFUND	"/accelebit/v1/refunds"
#define AB_HEADERS	JSON_CT "X-API-Key: smtgw_sk_test_k\r\nIdempotency-Key: w1\r\n"
#define AB_BODY		"{\"transactionId\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\"," \
	"\"amount\":\"5.00\",\"currency\":\"EUR\"}"
#define PE_REFUND	"/payengine/api/payment/refund"
#define PE_HEADERS	JSON_CT "Authorization: Basic sk_test_secret\r\n"
#define PE_BODY(amount)	"{\"id\":\"9a0df7ef-b77f-4525-97e1-f41a98ad7f75\"," \
	"\"amount\":" amount ",\"reason\":\"Discount issued\"}"
#define SESSION(name)	"X-Paymock-Session: " name "\r\n"

TestSuite(warnings, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

/* How many X-Paymock-Warning headers the reply has. */
static size_t
warning_count(const struct e2e_resp *r)
{
	static const char	 name[] = "\nX-Paymock-Warning:";
	const char		*p;
	size_t			 n = 0;

	for (p = r->head; (p = strchr(p, '\n')) != NULL; p++)
		n += strncasecmp(p, name, strlen(name)) == 0;
	return (n);
}

/* The reply has 'status' and 'n' X-Paymock-Warning headers. */
static void
expect_reply(const struct e2e_resp *r, int status, size_t n)
{
	cr_assert_eq(r->status, status, "%s", r->body);
	cr_expect_eq(warning_count(r), n, "%s", r->head);
}

static const char *
journal_count(const char *headers, const char *match)
{
	char	body[256];

	snprintf(body, sizeof body, "{\"match\":%s}", match);
	return (e2e_get(e2e("POST", "/__admin/journal/count", headers, body), "count"));
}

static struct e2e_resp *
strict_set(const char *headers, const char *value)
{
	char	body[64];

	snprintf(body, sizeof body, "{\"strict\":%s}", value);
	return (e2e("POST", "/__admin/strict", headers, body));
}

/* docs/providers/smartpay.md: requests must have Accept-Language and Origin. */
Test(warnings, smartpay_without_accept_language_and_origin_warns_twice)
{
	struct e2e_resp	*r = e2e("POST", SP_REFUND, JSON_CT, SP_BODY("w1"));

	expect_reply(r, 200, 2);
	cr_expect_str_eq(e2e_header(r, "X-Paymock-Warning"), "Accept-Language is "
	    "missing: SmartPay requests must have Accept-Language: en-US");
	cr_expect_not_null(strstr(r->head, "X-Paymock-Warning: Origin is missing: "
	    "SmartPay requests must have an Origin header\r\n"), "%s", r->head);
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_expect_eq(e2e_len(r, "entries[0].warnings"), 2, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "entries[0].warnings[0].code"),
	    "missing-accept-language");
	cr_expect_str_eq(e2e_get(r, "entries[0].warnings[1].code"), "missing-origin");
	cr_expect_str_eq(e2e_get(r, "entries[0].warnings[1].text"),
	    "Origin is missing: SmartPay requests must have an Origin header");
}

Test(warnings, smartpay_with_both_headers_has_none)
{
	struct e2e_resp	*r = e2e("POST", SP_REFUND, SP_HEADERS, SP_BODY("w1"));

	expect_reply(r, 200, 0);
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_expect_null(e2e_node(r, "entries[0].warnings"), "%s", r->body);
	/* One header alone still warns of the other. */
	r = e2e("POST", SP_REFUND, JSON_CT "Accept-Language: en-US\r\n", SP_BODY("w2"));
	cr_expect_eq(warning_count(r), 1, "%s", r->head);
	cr_expect_str_eq(e2e_header(r, "X-Paymock-Warning"),
	    "Origin is missing: SmartPay requests must have an Origin header");
}

Test(warnings, journal_count_matches_with_and_without_warnings)
{
	struct e2e_resp	*r;

	e2e("POST", SP_REFUND, JSON_CT, SP_BODY("w1"));
	e2e("POST", SP_REFUND, SP_HEADERS, SP_BODY("w2"));
	e2e("POST", SP_REFUND, SP_HEADERS, SP_BODY("w3"));
	cr_expect_str_eq(journal_count(NULL, "{\"warnings\":true}"), "1");
	cr_expect_str_eq(journal_count(NULL, "{\"warnings\":false}"), "2");
	cr_expect_str_eq(journal_count(NULL, "{\"provider\":\"smartpay\"}"), "3");
	cr_expect_eq(e2e("POST", "/__admin/journal/count", NULL,
	    "{\"match\":{\"warnings\":\"yes\"}}")->status, 400);
	/* A scenario rule is not a journal count: it takes no "warnings". */
	cr_expect_eq(e2e("POST", "/__admin/scenarios", NULL, "{\"name\":\"w\","
	    "\"rules\":[{\"match\":{\"provider\":\"utgl\"},\"action\":{\"type\":"
	    "\"delay\",\"ms\":1}}]}")->status, 201);
	r = e2e("POST", "/__admin/scenarios", NULL, "{\"name\":\"w\",\"rules\":"
	    "[{\"match\":{\"warnings\":true},\"action\":{\"type\":\"delay\","
	    "\"ms\":1}}]}");
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_not_null(strstr(r->body, "warnings"), "%s", r->body);
}

/* The per-session switch: the provider's 400, nothing kept, reset to the server's flag. */
Test(warnings, strict_session_refuses_with_the_providers_400_and_keeps_nothing)
{
	const char	*s = SESSION("strict-a");
	char		 headers[128];
	struct e2e_resp	*r;

	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/strict", s, NULL), "strict"),
	    "false");
	r = strict_set(s, "true");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "strict"), "true");
	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/strict", s, NULL), "strict"),
	    "true");
	/* Only this session. */
	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/strict", NULL, NULL), "strict"),
	    "false");

	snprintf(headers, sizeof headers, "%s%s", s, JSON_CT);
	r = e2e("POST", SP_REFUND, headers, SP_BODY("w1"));
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "errorCode"), "INVALID_REQUEST");
	cr_expect_not_null(strstr(e2e_get(r, "errorMessage"), "Accept-Language"),
	    "%s", r->body);
	cr_expect_not_null(e2e_header(r, "X-Trace-Id"));
	cr_expect_eq(warning_count(r), 0, "%s", r->head);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/refunds", s, NULL), "refunds"), 0);
	/* The journal records the refused request with what it missed. */
	r = e2e("GET", "/__admin/journal", s, NULL);
	cr_expect_str_eq(e2e_get(r, "entries[0].response.status"), "400");
	cr_expect_str_eq(e2e_get(r, "entries[0].warnings[0].code"),
	    "missing-accept-language");
	cr_expect_str_eq(journal_count(s, "{\"warnings\":true}"), "1");

	/* No modificationId was kept: the same one, sent right, creates the refund. */
	snprintf(headers, sizeof headers, "%s%s", s, SP_HEADERS);
	r = e2e("POST", SP_REFUND, headers, SP_BODY("w1"));
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "modification.modificationData.modificationId"), "w1");

	/* Off again, then a reset returns the session to the server's flag (off). */
	cr_expect_str_eq(e2e_get(strict_set(s, "false"), "strict"), "false");
	strict_set(s, "true");
	cr_expect_eq(e2e("POST", "/__admin/reset", s, NULL)->status, 200);
	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/strict", s, NULL), "strict"),
	    "false");
	snprintf(headers, sizeof headers, "%s%s", s, JSON_CT);
	cr_expect_eq(e2e("POST", SP_REFUND, headers, SP_BODY("w2"))->status, 200);
}

/* A modificationId reused with another body: a warning, a 400 when strict. */
Test(warnings, smartpay_reused_modification_id_is_a_400_when_strict)
{
	const char	*s = SESSION("strict-reuse");
	char		 headers[160];
	struct e2e_resp	*r;

	snprintf(headers, sizeof headers, "%s%s", s, SP_HEADERS);
	cr_assert_eq(e2e("POST", SP_REFUND, headers, SP_BODY("m1"))->status, 200);
	r = e2e("POST", SP_REFUND, headers, SP_BODY("m1") " ");
	expect_reply(r, 200, 0);
	r = e2e("POST", SP_REFUND, headers, SP_BODY_OF("m1", "2"));
	expect_reply(r, 200, 1);
	cr_expect_str_eq(e2e_header(r, "X-Paymock-Warning"),
	    "modificationId reused with a different request");
	strict_set(s, "true");
	r = e2e("POST", SP_REFUND, headers, SP_BODY_OF("m1", "3"));
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "errorCode"), "INVALID_REQUEST");
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/refunds", s, NULL), "refunds"), 1);
}

Test(warnings, strict_switch_takes_only_a_boolean)
{
	cr_expect_eq(strict_set(NULL, "1")->status, 400);
	cr_expect_eq(e2e("POST", "/__admin/strict", NULL, "{\"strict\":true,"
	    "\"x\":1}")->status, 400);
	cr_expect_eq(e2e("POST", "/__admin/strict", NULL, "{}")->status, 400);
	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/strict", NULL, NULL), "strict"),
	    "false");
}

/* docs/providers/accelebit.md: the secret key stays server-side, never in client code. */
Test(warnings, accelebit_secret_key_from_a_browser_warns)
{
	struct e2e_resp	*r;

	r = e2e("POST", AB_REFUND, AB_HEADERS "Origin: https://shop.example\r\n", AB_BODY);
	expect_reply(r, 201, 1);
	cr_expect_not_null(strstr(e2e_header(r, "X-Paymock-Warning"), "X-API-Key"));
	cr_expect_str_eq(journal_count(NULL, "{\"warnings\":true,\"provider\":"
	    "\"accelebit\"}"), "1");
	/* A replay of the key carries the retry's warnings, not the first request's. */
	r = e2e("POST", AB_REFUND, AB_HEADERS, AB_BODY);
	cr_expect_eq(r->status, 201, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Idempotent-Replayed"), "true");
	cr_expect_eq(warning_count(r), 0, "%s", r->head);
	/* Every route: a GET from a browser shows the key too. */
	r = e2e("GET", "/accelebit/v1/refunds?transactionId=f47ac10b-58cc-4372-a567-"
	    "0e02b2c3d479", "X-API-Key: smtgw_sk_test_k\r\nOrigin: https://a.example\r\n",
	    NULL);
	expect_reply(r, 200, 1);
}

Test(warnings, accelebit_strict_is_a_validation_error_and_keeps_no_key)
{
	struct e2e_resp	*r;

	strict_set(NULL, "true");
	r = e2e("POST", AB_REFUND, AB_HEADERS "Origin: https://shop.example\r\n", AB_BODY);
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "error.name"), "ValidationError");
	cr_expect_not_null(strstr(e2e_get(r, "error.message"), "X-API-Key"));
	cr_expect_eq(e2e_refund_count(), 0);
	/* The key was not kept: the server-side retry creates the refund. */
	r = e2e("POST", AB_REFUND, AB_HEADERS, AB_BODY);
	cr_expect_eq(r->status, 201, "%s", r->body);
	cr_expect_null(e2e_header(r, "Idempotent-Replayed"));
}

/* docs/providers/payengine.md: amount is typed a string; a number is taken, with a warning. */
Test(warnings, payengine_amount_as_a_number_warns)
{
	struct e2e_resp	*r = e2e("POST", PE_REFUND, PE_HEADERS, PE_BODY("10"));

	expect_reply(r, 200, 1);
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "entries[0].warnings[0].code"), "amount-not-string");
	r = e2e("POST", PE_REFUND, PE_HEADERS, PE_BODY("\"10.00\""));
	expect_reply(r, 200, 0);
	strict_set(NULL, "true");
	r = e2e("POST", PE_REFUND, PE_HEADERS, PE_BODY("10"));
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "error"), "true");
	cr_expect_not_null(strstr(e2e_get(r, "message"), "amount"), "%s", r->body);
	cr_expect_eq(e2e_refund_count(), 2);
}

static void
warnings_strict_setup(void)
{
	const char *const	args[] = { "--strict", NULL };

	e2e_start(args);
}

TestSuite(warnings_strict, .init = warnings_strict_setup, .fini = e2e_teardown,
    .timeout = 30);

/* --strict: every session starts strict, and a reset returns it there. */
Test(warnings_strict, the_flag_refuses_and_creates_nothing)
{
	struct e2e_resp	*r = e2e("POST", SP_REFUND, JSON_CT, SP_BODY("w1"));

	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "errorCode"), "INVALID_REQUEST");
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/strict", SESSION("other"), NULL),
	    "strict"), "true");
	r = e2e("POST", SP_REFUND, SP_HEADERS, SP_BODY("w1"));
	expect_reply(r, 200, 0);
	strict_set(NULL, "false");
	r = e2e("POST", SP_REFUND, JSON_CT, SP_BODY("w2"));
	expect_reply(r, 200, 2);
	e2e("POST", "/__admin/reset", NULL, NULL);
	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/strict", NULL, NULL), "strict"),
	    "true");
}
