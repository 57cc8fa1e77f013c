/* SmartPay contract: every worked example and error row of docs/providers/smartpay.md. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "e2e.h"

#define MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"
#define TXN		"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define REFUND		"/smartpay/payment/refund"
#define STATUS		"/smartpay/payment/status/"
#define MAGIC(nn)	"5a000000-0000-4000-8000-0000000000" nn
/* Basic base64("31928de9-1344-469f-b0eb-8e5d0fef3d21:secret") */
#define BASIC		"Authorization: Basic MzE5MjhkZTktMTM0NC00NjlmLWIwZWItOGU1ZDBmZWYzZDIxOnNlY3JldA==\r\n"

TestSuite(smartpay, .init = e2e_setup, .fini = e2e_teardown, .timeout = 20);

/* A refund of 'amount' (JSON text; NULL: everything left) in 'ccy'. */
static struct e2e_resp *
refund(const char *txn, const char *modid, const char *amount, const char *ccy)
{
	if (amount == NULL)
		return (e2ef("POST", REFUND, JSON_CT, "{\"merchantKey\":\"%s\","
		    "\"transactionId\":\"%s\",\"modificationId\":\"%s\"}",
		    MERCHANT, txn, modid));
	return (e2ef("POST", REFUND, JSON_CT, "{\"merchantKey\":\"%s\","
	    "\"transactionId\":\"%s\",\"modificationId\":\"%s\",\"modifiedAmount\":"
	    "{\"amount\":%s,\"currencyCode\":\"%s\"}}", MERCHANT, txn, modid, amount,
	    ccy));
}

/* The payment's status view now: its modifications as they are. */
static struct e2e_resp *
status_of(const char *txn)
{
	char	path[128];

	snprintf(path, sizeof path, STATUS "%s", txn);
	return (e2e("GET", path, BASIC, NULL));
}

static void
expect_error(const struct e2e_resp *r, int status, const char *code)
{
	cr_expect_eq(r->status, status, "status %d, body %s", r->status, r->body);
	cr_expect_str_eq(e2e_get(r, "errorCode"), code, "body %s", r->body);
	cr_expect_eq(strlen(e2e_get(r, "traceId")), 16);
	cr_expect_str_eq(e2e_header(r, "X-Trace-Id"), e2e_get(r, "traceId"));
}

static const char seed_request[] =
    "{\n\"merchantKey\": \"" MERCHANT "\",\n"
    "\"transactionId\": \"" TXN "\",\n"
    "\"modificationId\": \"f7c55bb3-0002-4363-9a33-56af8d5e691e\",\n"
    "\"modifiedAmount\": {\n\"description\": \"SMP-Transaction-01\"%s\n"
    "\"amount\": 25,\n\"currencyCode\": \"EUR\"\n}\n}";

Test(smartpay, ex01_seed_request_as_printed_is_invalid_json)
{
	struct e2e_resp	*r = e2ef("POST", REFUND, JSON_CT "Accept-Language: en-US\r\n",
	    seed_request, "");

	expect_error(r, 400, "INVALID_JSON");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartpay, ex02_seed_request_with_comma_is_partial_pending)
{
	struct e2e_resp	*r = e2ef("POST", REFUND, JSON_CT "Accept-Language: en-US\r\n",
	    seed_request, ",");

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	cr_expect_str_eq(e2e_header(r, "Content-Language"), "en-US");
	cr_expect_str_eq(e2e_header(r, "Accept-Language"), "en-US");
	cr_expect_str_eq(e2e_get(r, "paymentStatus"), "CAPTURED");
	cr_expect_str_eq(e2e_get(r, "reconciliationReferenceId"), "RTEvocd9ZkGirboB8haVlw");
	cr_expect_str_eq(e2e_get(r, "description"), "SMP-UAT-02*k2t3gn");
	cr_expect_str_eq(e2e_get(r, "creationDate"), "2020-12-15T14:35:44.532Z");
	cr_expect_str_eq(e2e_get(r, "lastStatusDate"), E2E_EPOCH);
	cr_expect_str_eq(e2e_get(r, "transactionOverview"),
	    "{\"amount\":35.99,\"currencyCode\":\"EUR\",\"mit\":false,"
	    "\"transactionId\":\"" TXN "\",\"paymentMethod\":\"IDEAL\"}");
	cr_expect_str_eq(e2e_get(r, "modification.status"), "REFUND_PENDING");
	cr_expect_str_eq(e2e_get(r, "modification.modificationData.type"), "REFUND");
	cr_expect_str_eq(e2e_get(r, "modification.modificationData.modificationId"),
	    "f7c55bb3-0002-4363-9a33-56af8d5e691e");
	cr_expect_eq(strlen(e2e_get(r,
	    "modification.modificationData.reconciliationReferenceId")), 22);
	cr_expect_str_eq(e2e_get(r, "modification.modificationAmount"),
	    "{\"amount\":25.00,\"currencyCode\":\"EUR\",\"description\":\"SMP-Transaction-01\"}");
	cr_expect_str_eq(e2e_get(r, "modification.creationDate"), E2E_EPOCH);
	cr_expect_eq(e2e_len(r, "modification.statusHistory"), 1);
	cr_expect_str_eq(e2e_get(r, "modification.statusHistory[0]"),
	    "{\"status\":\"REFUND_PENDING\",\"statusDate\":\"" E2E_EPOCH "\","
	    "\"modificationAmount\":{\"amount\":25.00,\"currencyCode\":\"EUR\"}}");
}

Test(smartpay, ex03_full_refund_without_amount)
{
	struct e2e_resp	*r = refund(TXN, "full-1", NULL, NULL);

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "modification.modificationAmount.amount"), "35.99");
	cr_expect_null(e2e_get(r, "modification.modificationAmount.description"));
}

Test(smartpay, ex04_same_modification_id_is_byte_identical)
{
	struct e2e_resp	*a = refund(TXN, "full-1", NULL, NULL);
	struct e2e_resp	*b = refund(TXN, "full-1", NULL, NULL);

	cr_assert_eq(a->status, 200);
	cr_expect_eq(b->status, 200);
	cr_expect_str_eq(a->body, b->body);
	/* Only the integration warnings (no Accept-Language, no Origin): no reuse. */
	cr_expect_null(strstr(b->head, "modificationId reused"), "%s", b->head);
	cr_expect_eq(e2e_refund_count(), 1);
}

/*
 * A retry is the first reply byte for byte, even once settled; the status
 * view shows the refund now (docs/providers/smartpay.md, idempotency).
 */
Test(smartpay, ex05_after_two_seconds_retry_is_the_first_reply)
{
	struct e2e_resp	*first, *r;

	first = refund(TXN, "full-1", NULL, NULL);
	cr_assert_eq(first->status, 200);
	e2e_advance("2");
	r = refund(TXN, "full-1", NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_expect_str_eq(r->body, first->body);
	cr_expect_str_eq(e2e_get(r, "modification.status"), "REFUND_PENDING");
	cr_expect_eq(e2e_len(r, "modification.statusHistory"), 1);
	cr_expect_str_eq(e2e_get(r, "lastStatusDate"), E2E_EPOCH);
	r = status_of(TXN);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "modifications[0].status"), "REFUNDED");
	cr_assert_eq(e2e_len(r, "modifications[0].statusHistory"), 2);
	cr_expect_str_eq(e2e_get(r, "modifications[0].statusHistory[0].status"),
	    "REFUND_PENDING");
	cr_expect_str_eq(e2e_get(r, "modifications[0].statusHistory[0].statusDate"),
	    E2E_EPOCH);
	cr_expect_str_eq(e2e_get(r, "modifications[0].statusHistory[1].status"),
	    "REFUNDED");
	cr_expect_str_eq(e2e_get(r, "modifications[0].statusHistory[1].statusDate"),
	    "2026-04-09T14:00:02.000Z");
	cr_expect_str_eq(e2e_get(r, "lastStatusDate"), "2026-04-09T14:00:02.000Z");
}

Test(smartpay, ex06_status_lists_modifications)
{
	struct e2e_resp	*r;

	cr_assert_eq(refund(TXN, "m-1", "10.00", "EUR")->status, 200);
	cr_assert_eq(refund(TXN, "m-2", "5.00", "EUR")->status, 200);
	r = status_of(TXN);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_null(e2e_get(r, "modification"));
	cr_assert_eq(e2e_len(r, "modifications"), 2);
	cr_expect_str_eq(e2e_get(r, "modifications[0].modificationData.modificationId"), "m-1");
	cr_expect_str_eq(e2e_get(r, "modifications[1].modificationAmount.amount"), "5.00");
	cr_expect_str_eq(e2e_get(r, "transactionOverview.transactionId"), TXN);
}

Test(smartpay, ex07_after_full_refund_new_id_is_already_refunded)
{
	cr_assert_eq(refund(TXN, "full-1", NULL, NULL)->status, 200);
	expect_error(refund(TXN, "one-more", "1", "EUR"), 422, "ALREADY_REFUNDED");
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(smartpay, ex08_partials_add_up_to_the_amount)
{
	cr_expect_eq(refund(TXN, "p-1", "20.00", "EUR")->status, 200);
	cr_expect_eq(refund(TXN, "p-2", "15.99", "EUR")->status, 200);
	expect_error(refund(TXN, "p-3", "0.01", "EUR"), 422, "ALREADY_REFUNDED");
}

Test(smartpay, ex09_bad_amounts_are_invalid_requests)
{
	static const char *const amounts[] = { "-1", "0", "1.234", "\"25\"", "1e400",
	    "null", "{}", "99999999999999999999" };
	size_t	i;

	for (i = 0; i < sizeof amounts / sizeof *amounts; i++) {
		struct e2e_resp *r = refund(TXN, "bad", amounts[i], "EUR");
		expect_error(r, 400, "INVALID_REQUEST");
		cr_expect(strstr(e2e_get(r, "errorMessage"), "modifiedAmount.amount") != NULL,
		    "message for %s: %s", amounts[i], r->body);
	}
	cr_expect_eq(e2e_refund_count(), 0);
	/* The rejected modificationId was not kept: it still works. */
	cr_expect_eq(refund(TXN, "bad", "1.00", "EUR")->status, 200);
}

Test(smartpay, ex10_other_currency_is_a_mismatch)
{
	expect_error(refund(TXN, "usd", "10.00", "USD"), 422, "CURRENCY_MISMATCH");
	expect_error(refund(TXN, "xyz", "10.00", "XYZ"), 400, "INVALID_REQUEST");
	expect_error(refund(TXN, "low", "10.00", "eur"), 400, "INVALID_REQUEST");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartpay, ex11_unknown_payment_is_not_found)
{
	expect_error(refund("00000000-0000-4000-8000-000000000000", "x", NULL, NULL),
	    404, "TRANSACTION_NOT_FOUND");
}

Test(smartpay, ex12_unknown_merchant_and_wrong_types)
{
	expect_error(e2e("POST", REFUND, JSON_CT, "{\"merchantKey\":"
	    "\"00000000-0000-4000-8000-000000000001\",\"transactionId\":\"" TXN "\","
	    "\"modificationId\":\"x\"}"), 401, "UNAUTHORIZED");
	expect_error(e2e("POST", REFUND, JSON_CT, "{\"merchantKey\":\"invalid\","
	    "\"transactionId\":\"" TXN "\",\"modificationId\":\"x\"}"), 401, "UNAUTHORIZED");
	expect_error(e2e("POST", REFUND, JSON_CT, "{\"merchantKey\":\"" MERCHANT "\","
	    "\"transactionId\":12,\"modificationId\":\"x\"}"), 400, "INVALID_REQUEST");
}

Test(smartpay, ex13_magic_01_declines_and_gives_the_balance_back)
{
	struct e2e_resp	*r = refund(MAGIC("01"), "d-1", "10.00", "EUR");

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "modification.status"), "REFUND_PENDING");
	e2e_advance("2");
	r = status_of(MAGIC("01"));
	cr_expect_str_eq(e2e_get(r, "modifications[0].status"), "REFUND_DECLINED");
	cr_expect_str_eq(e2e_get(r, "modifications[0].statusHistory[1].status"),
	    "REFUND_DECLINED");
	r = refund(MAGIC("01"), "d-2", NULL, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "modification.modificationAmount.amount"), "50.00");
	e2e_advance("2");
	cr_expect_str_eq(e2e_get(status_of(MAGIC("01")), "modifications[1].status"),
	    "REFUND_DECLINED");
}

Test(smartpay, ex14_magic_02_stays_pending)
{
	cr_assert_eq(refund(MAGIC("02"), "s-1", NULL, NULL)->status, 200);
	e2e_advance("2592000");
	cr_expect_str_eq(e2e_get(status_of(MAGIC("02")), "modifications[0].status"),
	    "REFUND_PENDING");
}

Test(smartpay, ex15_reused_modification_id_warns)
{
	struct e2e_resp	*a = refund(TXN, "p1", "10.00", "EUR");
	struct e2e_resp	*b = refund(TXN, "p1", "12.00", "EUR");
	struct e2e_resp	*j;

	cr_assert_eq(a->status, 200);
	cr_expect_eq(b->status, 200);
	cr_expect_str_eq(a->body, b->body);
	/* After the missing Accept-Language and Origin warnings. */
	cr_expect_not_null(strstr(b->head, "X-Paymock-Warning: modificationId "
	    "reused with a different request\r\n"), "%s", b->head);
	cr_expect_null(strstr(a->head, "modificationId reused"), "%s", a->head);
	j = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_expect_str_eq(e2e_get(j, "entries[1].warnings[2].code"),
	    "modification-id-reused");
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(smartpay, ex16_oversize_body_is_413)
{
	expect_error(e2e_post_oversize(REFUND, JSON_CT), 413, "PAYLOAD_TOO_LARGE");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartpay, error_not_json_is_415)
{
	expect_error(e2e("POST", REFUND, "Content-Type: text/plain\r\n", "{}"), 415,
	    "UNSUPPORTED_MEDIA_TYPE");
	expect_error(e2e("POST", REFUND, NULL, "{}"), 415, "UNSUPPORTED_MEDIA_TYPE");
	cr_expect_eq(refund(TXN, "ok", "1.00", "EUR")->status, 200);
	cr_expect_eq(e2e("POST", REFUND, "Content-Type: application/json; charset=utf-8\r\n",
	    "{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"" TXN "\","
	    "\"modificationId\":\"ok2\",\"modifiedAmount\":{\"amount\":1,"
	    "\"currencyCode\":\"EUR\"}}")->status, 200);
}

Test(smartpay, error_missing_and_long_fields)
{
	static const char *const bodies[] = {
		"{\"transactionId\":\"" TXN "\",\"modificationId\":\"x\"}",
		"{\"merchantKey\":\"" MERCHANT "\",\"modificationId\":\"x\"}",
		"{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"" TXN "\"}",
		"{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"" TXN "\",\"modificationId\":\"\"}",
		"{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"" TXN "\","
		    "\"modificationId\":\"0123456789012345678901234567890123456\"}",
		"{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"" TXN "\","
		    "\"modificationId\":\"x\",\"modifiedAmount\":{\"currencyCode\":\"EUR\"}}",
		"{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"" TXN "\","
		    "\"modificationId\":\"x\",\"modifiedAmount\":{\"amount\":1}}",
		"{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"" TXN "\","
		    "\"modificationId\":\"x\",\"modifiedAmount\":5}",
		"{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"" TXN "\","
		    "\"modificationId\":\"x\",\"customReferences\":[]}",
		"[1,2]",
	};
	size_t	i;

	for (i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		struct e2e_resp *r = e2e("POST", REFUND, JSON_CT, bodies[i]);
		cr_expect(r->status == 400 && (strcmp(e2e_get(r, "errorCode"),
		    "INVALID_REQUEST") == 0 || strcmp(e2e_get(r, "errorCode"),
		    "INVALID_JSON") == 0), "body %zu: %d %s", i, r->status, r->body);
	}
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartpay, error_duplicate_keys_and_bad_utf8_are_invalid_json)
{
	expect_error(e2e("POST", REFUND, JSON_CT, "{\"merchantKey\":\"" MERCHANT "\","
	    "\"merchantKey\":\"" MERCHANT "\"}"), 400, "INVALID_JSON");
	expect_error(e2e("POST", REFUND, JSON_CT, "{\"merchantKey\":\"\xff\xfe\"}"),
	    400, "INVALID_JSON");
	expect_error(e2e("POST", REFUND, JSON_CT, "{\"merchantKey\":\"a\\u0000b\"}"),
	    400, "INVALID_JSON");
}

Test(smartpay, error_authorization_header_must_name_the_merchant)
{
	/* Basic base64("someone-else:secret") */
	struct e2e_resp	*r = e2ef("POST", REFUND, JSON_CT
	    "Authorization: Basic c29tZW9uZS1lbHNlOnNlY3JldA==\r\n",
	    "{\"merchantKey\":\"%s\",\"transactionId\":\"%s\",\"modificationId\":\"a\"}",
	    MERCHANT, TXN);

	expect_error(r, 401, "UNAUTHORIZED");
	r = e2ef("POST", REFUND, JSON_CT BASIC, "{\"merchantKey\":\"%s\","
	    "\"transactionId\":\"%s\",\"modificationId\":\"a\"}", MERCHANT, TXN);
	cr_expect_eq(r->status, 200, "%s", r->body);
}

Test(smartpay, error_modification_id_on_another_payment_is_409)
{
	cr_assert_eq(refund(TXN, "shared", "1.00", "EUR")->status, 200);
	expect_error(refund(MAGIC("08"), "shared", "1.00", "EUR"), 409,
	    "DUPLICATE_MODIFICATION_ID");
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(smartpay, error_business_rules)
{
	expect_error(refund(MAGIC("04"), "a", NULL, NULL), 422, "PAYMENT_NOT_CAPTURED");
	expect_error(refund(MAGIC("05"), "b", NULL, NULL), 422, "ALREADY_REFUNDED");
	expect_error(refund(MAGIC("09"), "c", NULL, NULL), 422, "PAYMENT_CANCELLED");
	cr_expect_str_eq(e2e_get(refund(TXN, "d", "40.00", "EUR"), "errorMessage"),
	    "The refund amount 40.00 EUR exceeds the refundable amount 35.99 EUR.");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartpay, magic_03_fails_after_pending)
{
	cr_assert_eq(refund(MAGIC("03"), "f", NULL, NULL)->status, 200);
	e2e_advance("1.999");
	cr_expect_str_eq(e2e_get(status_of(MAGIC("03")), "modifications[0].status"),
	    "REFUND_PENDING");
	e2e_advance("0.001");
	cr_expect_str_eq(e2e_get(status_of(MAGIC("03")), "modifications[0].status"),
	    "REFUND_FAILED");
}

Test(smartpay, magic_06_to_08_amounts_in_their_currencies)
{
	struct e2e_resp	*r;

	expect_error(refund(MAGIC("06"), "j1", "1.5", "JPY"), 400, "INVALID_REQUEST");
	r = refund(MAGIC("06"), "j2", "1500", "JPY");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "modification.modificationAmount.amount"), "1500");
	cr_expect_str_eq(e2e_get(r, "transactionOverview.amount"), "5000");
	r = refund(MAGIC("07"), "k1", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "modification.modificationAmount.amount"), "12.345");
	r = refund(MAGIC("08"), "p1", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "modification.modificationAmount.amount"), "60.00");
}

Test(smartpay, status_needs_the_merchant)
{
	struct e2e_resp	*r;

	expect_error(e2e("GET", STATUS TXN, NULL, NULL), 401, "UNAUTHORIZED");
	expect_error(e2e("GET", STATUS TXN, "Authorization: Basic aW52YWxpZDp4\r\n", NULL),
	    401, "UNAUTHORIZED");
	r = e2e("GET", STATUS TXN "?merchantKey=" MERCHANT, NULL, NULL);
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_eq(e2e_len(r, "modifications"), 0);
	expect_error(e2e("GET", STATUS "00000000-0000-4000-8000-000000000000", BASIC, NULL),
	    404, "TRANSACTION_NOT_FOUND");
}

Test(smartpay, unknown_path_and_method)
{
	struct e2e_resp	*r = e2e("GET", REFUND, NULL, NULL);

	expect_error(r, 405, "METHOD_NOT_ALLOWED");
	cr_expect_str_eq(e2e_header(r, "Allow"), "POST");
	expect_error(e2e("POST", "/smartpay/payment/refunds", JSON_CT, "{}"), 404,
	    "NOT_FOUND");
}

Test(smartpay, ids_repeat_with_the_seed)
{
	const char	*first = e2e_get(refund(TXN, "r", "1.00", "EUR"),
	    "modification.modificationData.reconciliationReferenceId");
	char		 saved[32];

	snprintf(saved, sizeof saved, "%s", first);
	cr_assert_eq(e2e("POST", "/__admin/reset", NULL, NULL)->status, 200);
	cr_expect_str_eq(e2e_get(refund(TXN, "r", "1.00", "EUR"),
	    "modification.modificationData.reconciliationReferenceId"), saved);
}
