/*
 * Issue 14, where paymock follows the providers' own documents: SmartPay's
 * retries and success headers, UTGL's refund tracked by its own id,
 * SmartRetry's merchant_transaction_id always a string.  Each test cites
 * the docs/providers/<name>.md rule it proves.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

#define SP_MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"
#define SP_TXN		"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define SP_REFUND	"/smartpay/payment/refund"
#define SP_STATUS	"/smartpay/payment/status/" SP_TXN "?merchantKey=" SP_MERCHANT
#define SP_BODY(amount) "{\"merchantKey\":\"" SP_MERCHANT "\",\"transactionId\":\"" \
	SP_TXN "\",\"modificationId\":\"retry-1\",\"modifiedAmount\":{\"amount\":" \
	amount ",\"currencyCode\":\"EUR\"}}"

#define UT_TXN		"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93"
#define UT_BASE		"/utgl/v1/partner-connect/transactions/"
/* Basic base64("partner:secret") */
#define UT_BASIC	"Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n"
#define UT_ID_MAX	40

#define SR_REFUND	"/smartretry/v1/payments/refund/ABC123"
#define SR_STATUS	"/smartretry/v1/payments/status/ABC123/"
#define SR_KEY		"x-api-key: k\r\n"

TestSuite(fidelity, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

/* docs/providers/smartpay.md: "Accept-Language: en-US" on success replies only. */
Test(fidelity, smartpay_success_replies_carry_accept_language)
{
	struct e2e_resp	*r = e2e("POST", SP_REFUND, JSON_CT, SP_BODY("1.00"));

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Accept-Language"), "en-US", "%s", r->head);
	cr_expect_str_eq(e2e_header(r, "Content-Language"), "en-US");
	r = e2e("GET", SP_STATUS, NULL, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Accept-Language"), "en-US");
	r = e2e("POST", SP_REFUND, JSON_CT, "{}");
	cr_assert_eq(r->status, 400, "%s", r->body);
	cr_expect_null(e2e_header(r, "Accept-Language"), "%s", r->head);
	cr_expect_str_eq(e2e_header(r, "Content-Language"), "en-US");
}

/*
 * docs/providers/smartpay.md, idempotency: a retry of the same body after
 * settlement is the first reply; another body too, with a warning.
 */
Test(fidelity, smartpay_retry_after_settlement_is_the_first_reply)
{
	struct e2e_resp	*first = e2e("POST", SP_REFUND, JSON_CT, SP_BODY("10.00"));
	struct e2e_resp	*same, *other, *now;

	cr_assert_eq(first->status, 200, "%s", first->body);
	e2e_advance("60");
	same = e2e("POST", SP_REFUND, JSON_CT, SP_BODY("10.00"));
	cr_expect_eq(same->status, 200);
	cr_expect_str_eq(same->body, first->body);
	/* No reuse warning (the missing Accept-Language and Origin warn apart). */
	cr_expect_null(strstr(same->head, "modificationId reused"), "%s", same->head);
	cr_expect_str_eq(e2e_header(same, "Accept-Language"), "en-US");
	cr_expect_str_eq(e2e_get(same, "modification.status"), "REFUND_PENDING");
	cr_expect_str_eq(e2e_get(same, "lastStatusDate"), E2E_EPOCH);
	cr_expect_eq(e2e_len(same, "modification.statusHistory"), 1);

	other = e2e("POST", SP_REFUND, JSON_CT, SP_BODY("12.00"));
	cr_expect_eq(other->status, 200);
	cr_expect_str_eq(other->body, first->body);
	cr_expect_not_null(strstr(other->head, "X-Paymock-Warning: modificationId "
	    "reused with a different request\r\n"), "%s", other->head);
	cr_expect_eq(e2e_refund_count(), 1);

	now = e2e("GET", SP_STATUS, NULL, NULL);
	cr_expect_str_eq(e2e_get(now, "modifications[0].status"), "REFUNDED");
	cr_expect_eq(e2e_len(now, "modifications[0].statusHistory"), 2);
	cr_expect_str_eq(e2e_get(now, "lastStatusDate"), "2026-04-09T14:00:02.000Z");
}

/* GET 'base' followed by 'id'. */
static struct e2e_resp *
view(const char *base, const char *id, const char *headers)
{
	char	path[160];

	snprintf(path, sizeof path, "%s%s", base, id);
	return (e2e("GET", path, headers, NULL));
}

/* A UTGL GET of 'id' (transaction or refund). */
static struct e2e_resp *
utgl_view(const char *id)
{
	return (view(UT_BASE, id, UT_BASIC));
}

/*
 * docs/providers/utgl.md: GET by refundTransactionId is the refund's own
 * view; synchronous, so "refunded" from its timestamp on, whatever the clock.
 */
Test(fidelity, utgl_refund_is_tracked_by_its_own_id)
{
	struct e2e_resp	*r = e2e("POST", UT_BASE "refund", JSON_CT UT_BASIC,
	    "{\"transactionId\":\"" UT_TXN "\",\"amount\":1.5,\"currency\":\"USD\","
	    "\"reason\":\"Customer requested\",\"description\":\"Item X\"}");
	char		 id[UT_ID_MAX], upper[UT_ID_MAX], want[1024];
	size_t		 i;

	cr_assert_eq(r->status, 200, "%s", r->body);
	snprintf(id, sizeof id, "%s", e2e_get(r, "refundTransactionId"));
	snprintf(want, sizeof want, "{\"transactionId\":\"" UT_TXN "\","
	    "\"refundTransactionId\":\"%s\",\"amount\":1.50,\"currency\":\"USD\","
	    "\"reason\":\"Customer requested\",\"description\":\"Item X\","
	    "\"timestamp\":\"" E2E_EPOCH "\",\"status\":\"refunded\","
	    "\"cardId\":\"b7d2e9f4-1a3c-4e5b-8d6f-2c9a0e1b3d57\",\"refId\":\"CT6KQDDEC2\"}",
	    id);
	r = utgl_view(id);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(r->body, want);
	e2e_advance("2592000");
	cr_expect_str_eq(utgl_view(id)->body, want);
	for (i = 0; id[i] != '\0'; i++)
		upper[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 32 : id[i]);
	upper[i] = '\0';
	cr_expect_str_eq(utgl_view(upper)->body, want);
	/* The transaction's own view is unchanged by it. */
	cr_expect_str_eq(e2e_get(utgl_view(UT_TXN), "status"), "captured");
	r = e2e("GET", "/__admin/journal?provider=utgl", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "entries[1].operation"), "refund.status");
	cr_expect_str_eq(e2e_get(r, "entries[1].refund_id"), id);
	/* A reset forgets it: the id names nothing. */
	cr_assert_eq(e2e("POST", "/__admin/reset", NULL, NULL)->status, 200);
	r = utgl_view(id);
	cr_expect_eq(r->status, 404, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "error.code"), "TRANSACTION_NOT_FOUND");
}

/* docs/providers/utgl.md: a declined refund is never recorded, so has no view. */
Test(fidelity, utgl_declined_refund_has_no_id_to_track)
{
	struct e2e_resp	*r = e2e("POST", UT_BASE "refund", JSON_CT UT_BASIC,
	    "{\"transactionId\":\"07000000-0000-4000-8000-000000000001\",\"amount\":1,"
	    "\"currency\":\"USD\",\"reason\":\"r\",\"description\":\"d\"}");

	cr_expect_eq(r->status, 402, "%s", r->body);
	cr_expect_null(e2e_get(r, "refundTransactionId"));
	cr_expect_eq(e2e_refund_count(), 0);
}

static struct e2e_resp *
smartretry_refund(const char *txn, const char *order)
{
	return (e2ef("POST", SR_REFUND, JSON_CT SR_KEY, "{\"transaction_reference_id\":"
	    "\"%s\",\"order_reference_id\":\"%s\",\"amount\":1.00}", txn, order));
}

static struct e2e_resp *
smartretry_status(const char *id)
{
	return (view(SR_STATUS, id, SR_KEY));
}

/* 'path' of 'r' is the JSON string "" (not null, not absent). */
static void
expect_empty_string(const struct e2e_resp *r, const char *path)
{
	cr_expect(json_is_string(e2e_node(r, path)), "%s in %s", path, r->body);
	cr_expect_str_eq(e2e_get(r, path), "", "%s in %s", path, r->body);
}

/*
 * docs/providers/smartretry.md: merchant_transaction_id is a required
 * string; "" when the request (or the sale's fixture) gave none.
 */
Test(fidelity, smartretry_merchant_transaction_id_is_never_null)
{
	struct e2e_resp	*r = smartretry_refund("TX8A3F2C", "OR7B9E1D");
	char		 id[16];

	cr_assert_eq(r->status, 200, "%s", r->body);
	expect_empty_string(r, "merchant_transaction_id");
	snprintf(id, sizeof id, "%s", e2e_get(r, "transaction_id"));
	expect_empty_string(smartretry_status(id), "merchant_transaction_id");
	e2e_advance("30");
	expect_empty_string(smartretry_status(id), "merchant_transaction_id");
	/* A sale added without one. */
	r = e2e("POST", "/__admin/transactions", NULL, "{\"provider\":\"smartretry\","
	    "\"id\":\"TXNOMT01\",\"amount\":\"10.00\",\"currency\":\"USD\","
	    "\"terminal\":\"ABC123\",\"order_id\":\"ORNOMT01\"}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	expect_empty_string(smartretry_status("TXNOMT01"), "merchant_transaction_id");
}

/* The webhook's data is the status resource: "" there too. */
Test(fidelity, smartretry_webhook_data_has_an_empty_merchant_transaction_id)
{
	int		 port, fd = e2e_listen(0, &port);
	struct e2e_resp	*r;

	/* Nothing listens there any more: the attempt is refused, and logged. */
	close(fd);
	r = e2ef("POST", "/__admin/webhooks", NULL, "{\"provider\":\"smartretry\","
	    "\"url\":\"http://127.0.0.1:%d/hooks\",\"secret\":\"s\"}", port);
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_assert_eq(smartretry_refund("TX8A3F2C", "OR7B9E1D")->status, 200);
	e2e_advance("30");
	r = e2e_await_deliveries(NULL, 1, 5000);
	cr_assert_eq(e2e_len(r, "deliveries"), 1, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "deliveries[0].event"), "refund.approved");
	expect_empty_string(r, "deliveries[0].payload.data.merchant_transaction_id");
}
