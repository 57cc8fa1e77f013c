/* UTGL Partner Connect contract: every worked example and error row of
 * docs/providers/utgl.md. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

#define TXN		"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93"
#define CARD		"b7d2e9f4-1a3c-4e5b-8d6f-2c9a0e1b3d57"
#define REF		"CT6KQDDEC2"
#define BASE		"/utgl/v1/partner-connect/transactions/"
#define REFUND		BASE "refund"
#define MAGIC(nn)	"07000000-0000-4000-8000-0000000000" nn
#define UNKNOWN		"07000000-0000-4000-8000-000000000099"
#define CHALLENGE	"Basic realm=\"partner-connect\""
/* Basic base64("partner:secret"), as in the contract's worked example 1. */
#define BASIC		"Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n"
#define POST_HEADERS	JSON_CT BASIC
#define REASON		"Customer requested"
#define DESCRIPTION	"Partial refund for item X"
#define ID_MAX		40

TestSuite(utgl, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

/* A refund of 'amount' (JSON text) in 'ccy', with the contract's reason and description. */
static struct e2e_resp *
refund(const char *txn, const char *amount, const char *ccy)
{
	return (e2ef("POST", REFUND, POST_HEADERS, "{\"transactionId\":\"%s\","
	    "\"amount\":%s,\"currency\":\"%s\",\"reason\":\"" REASON "\","
	    "\"description\":\"" DESCRIPTION "\"}", txn, amount, ccy));
}

/* GET the transaction view. */
/* A 1.00 USD refund of the default transaction that must pass; copies its id. */
static void
refund_ok(char id[ID_MAX])
{
	struct e2e_resp	*r = refund(TXN, "1.00", "USD");

	cr_assert_eq(r->status, 200, "%s", r->body);
	snprintf(id, ID_MAX, "%s", e2e_get(r, "refundTransactionId"));
}

static struct e2e_resp *
view(const char *txn)
{
	char	path[128];

	snprintf(path, sizeof path, BASE "%s", txn);
	return (e2e("GET", path, BASIC, NULL));
}

/* The contract's error shape; 'field' NULL means the body names none. */
static void
expect_error(const struct e2e_resp *r, int status, const char *code, const char *field)
{
	cr_expect_eq(r->status, status, "status %d, body %s", r->status, r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	cr_expect_str_eq(e2e_get(r, "error.code"), code, "body %s", r->body);
	cr_expect_not_null(e2e_get(r, "error.message"), "body %s", r->body);
	cr_expect_str_eq(e2e_get(r, "timestamp"), E2E_EPOCH, "body %s", r->body);
	if (field == NULL)
		cr_expect_null(e2e_get(r, "error.field"), "body %s", r->body);
	else
		cr_expect_str_eq(e2e_get(r, "error.field"), field, "body %s", r->body);
	if (status == 401)
		cr_expect_str_eq(e2e_header(r, "WWW-Authenticate"), CHALLENGE);
	else
		cr_expect_null(e2e_header(r, "WWW-Authenticate"));
}

/* A lowercase version 4 UUID. */
static void
expect_uuid(const char *s)
{
	size_t	i;

	cr_assert_not_null(s);
	cr_assert_eq(strlen(s), 36, "'%s'", s);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			cr_expect_eq(s[i], '-', "'%s'", s);
		else
			cr_expect(strchr("0123456789abcdef", s[i]) != NULL, "'%s'", s);
	}
	cr_expect_eq(s[14], '4', "'%s'", s);
}

/* A refund above what is left: 422 naming both amounts. */
static void
expect_exceeds(const char *txn, const char *amount, const char *ccy, const char *left)
{
	struct e2e_resp	*r = refund(txn, amount, ccy);
	char		 want[128];

	expect_error(r, 422, "AMOUNT_EXCEEDS_AVAILABLE", "amount");
	snprintf(want, sizeof want, "The refund amount %s %s exceeds the available "
	    "amount %s %s.", amount, ccy, left, ccy);
	cr_expect_str_eq(e2e_get(r, "error.message"), want);
}

/* A refund of exactly what is left leaves the transaction refunded. */
static void
expect_last_refund(const char *txn, const char *amount, const char *ccy)
{
	struct e2e_resp	*r = refund(txn, amount, ccy);

	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "status"), "refunded", "%s", r->body);
}

Test(utgl, ex01_partial_refund_is_captured)
{
	struct e2e_resp	*r = refund(TXN, "1.00", "USD");
	char		 want[512];

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	expect_uuid(e2e_get(r, "refundTransactionId"));
	/* The amount is the number 1.00, two places kept. */
	snprintf(want, sizeof want, "{\"transactionId\":\"" TXN "\","
	    "\"refundTransactionId\":\"%s\",\"status\":\"captured\",\"amount\":1.00,"
	    "\"currency\":\"USD\",\"timestamp\":\"" E2E_EPOCH "\",\"cardId\":\""
	    CARD "\",\"refId\":\"" REF "\"}", e2e_get(r, "refundTransactionId"));
	cr_expect_str_eq(r->body, want);
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(utgl, ex02_same_again_is_another_refund)
{
	struct e2e_resp	*v;
	char		 first[ID_MAX], second[ID_MAX];

	refund_ok(first);
	refund_ok(second);
	cr_expect_str_neq(first, second);
	v = view(TXN);
	cr_assert_eq(v->status, 200, "%s", v->body);
	cr_assert_eq(e2e_len(v, "refunds"), 2, "%s", v->body);
	cr_expect_str_eq(e2e_get(v, "refunds[0].refundTransactionId"), first);
	cr_expect_str_eq(e2e_get(v, "refunds[1].refundTransactionId"), second);
	cr_expect_str_eq(e2e_get(v, "refundedAmount"), "2.00");
	cr_expect_eq(e2e_refund_count(), 2);
}

Test(utgl, ex03_the_rest_refunds_it_then_nothing_is_left)
{
	cr_assert_eq(refund(TXN, "1.00", "USD")->status, 200);
	cr_assert_eq(refund(TXN, "1.00", "USD")->status, 200);
	expect_last_refund(TXN, "98.00", "USD");
	expect_error(refund(TXN, "0.01", "USD"), 422, "ALREADY_REFUNDED", NULL);
	cr_expect_str_eq(e2e_get(view(TXN), "status"), "refunded");
	cr_expect_eq(e2e_refund_count(), 3);
}

Test(utgl, ex04_sub_cent_and_zero_amounts_are_invalid)
{
	struct e2e_resp	*r = refund(TXN, "1.005", "USD");

	expect_error(r, 400, "INVALID_AMOUNT", "amount");
	cr_expect_str_eq(e2e_get(r, "error.message"), "amount must be a multiple of 0.01");
	r = refund(TXN, "0", "USD");
	expect_error(r, 400, "INVALID_AMOUNT", "amount");
	cr_expect_str_eq(e2e_get(r, "error.message"), "amount must be at least 0.01");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, ex05_other_currency_is_a_mismatch)
{
	expect_error(refund(TXN, "1.00", "EUR"), 422, "CURRENCY_MISMATCH", "currency");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, ex06_missing_description_names_the_field)
{
	struct e2e_resp	*r = e2e("POST", REFUND, POST_HEADERS, "{\"transactionId\":\""
	    TXN "\",\"amount\":1.00,\"currency\":\"USD\",\"reason\":\"" REASON "\"}");

	expect_error(r, 400, "MISSING_FIELD", "description");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, ex07_no_authorization_is_401_with_a_challenge)
{
	struct e2e_resp	*r = e2e("POST", REFUND, JSON_CT, "{\"transactionId\":\"" TXN
	    "\",\"amount\":1.00,\"currency\":\"USD\",\"reason\":\"" REASON "\","
	    "\"description\":\"" DESCRIPTION "\"}");

	expect_error(r, 401, "UNAUTHORIZED", NULL);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, ex08_magic_02_is_locked_and_01_declines)
{
	struct e2e_resp	*v;

	expect_error(refund(MAGIC("02"), "1.00", "USD"), 409, "TRANSACTION_LOCKED", NULL);
	expect_error(refund(MAGIC("01"), "10.00", "USD"), 402, "REFUND_DECLINED", NULL);
	v = view(MAGIC("01"));
	cr_assert_eq(v->status, 200, "%s", v->body);
	cr_expect_str_eq(e2e_get(v, "status"), "captured");
	cr_expect_str_eq(e2e_get(v, "refundedAmount"), "0.00");
	cr_expect_eq(e2e_len(v, "refunds"), 0);
	cr_expect_str_eq(e2e_get(view(MAGIC("02")), "status"), "locked");
	cr_expect_eq(e2e_refund_count(), 0);
	/* The balance is untouched: the whole amount is still there to decline. */
	expect_error(refund(MAGIC("01"), "50.00", "USD"), 402, "REFUND_DECLINED", NULL);
}

Test(utgl, ex09_transaction_id_not_a_uuid_is_invalid)
{
	expect_error(refund("not-a-uuid", "1.00", "USD"), 400, "INVALID_FIELD",
	    "transactionId");
	cr_expect_eq(e2e_refund_count(), 0);
}

/* The members of a valid request, in the contract's order. */
static const struct {
	const char	*name;
	const char	*value;
} members[] = {
	{ "transactionId", "\"" TXN "\"" },
	{ "amount", "1.00" },
	{ "currency", "\"USD\"" },
	{ "reason", "\"" REASON "\"" },
	{ "description", "\"" DESCRIPTION "\"" },
};

/* One member of a request and its JSON text (NULL: left out). */
struct member_case {
	const char	*name;
	const char	*value;
};

/* A valid request with one member changed; valid until the next call. */
static const char *
body_with(const struct member_case *change)
{
	static char	body[2048];
	size_t		i, len = 0;
	const char	*value;

	for (i = 0; i < sizeof members / sizeof *members; i++) {
		value = strcmp(members[i].name, change->name) == 0 ? change->value :
		    members[i].value;
		if (value != NULL)
			len += (size_t)snprintf(body + len, sizeof body - len, "%s\"%s\":%s",
			    len == 0 ? "{" : ",", members[i].name, value);
	}
	snprintf(body + len, sizeof body - len, "%s}", len == 0 ? "{" : "");
	return (body);
}

/* Changes nothing: no member has an empty name. */
static const struct member_case unchanged = { "", NULL };
#define VALID_BODY	body_with(&unchanged)

/* Each change gets 400 'code' naming its member, and nothing is recorded. */
static void
expect_member_errors(const struct member_case *cases, size_t n, const char *code)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		struct e2e_resp *r = e2e("POST", REFUND, POST_HEADERS, body_with(&cases[i]));
		cr_expect_eq(r->status, 400, "%s: %d %s", cases[i].name, r->status, r->body);
		cr_expect_str_eq(e2e_get(r, "error.code"), code, "%s", r->body);
		cr_expect_str_eq(e2e_get(r, "error.field"), cases[i].name, "%s", r->body);
	}
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, view_shows_the_transaction_and_its_refunds)
{
	struct e2e_resp	*v;
	char		 id[ID_MAX], want[1024];

	refund_ok(id);
	snprintf(want, sizeof want, "{\"transactionId\":\"" TXN "\",\"status\":"
	    "\"captured\",\"amount\":100.00,\"refundedAmount\":1.00,\"currency\":"
	    "\"USD\",\"cardId\":\"" CARD "\",\"refId\":\"" REF "\",\"refunds\":["
	    "{\"refundTransactionId\":\"%s\",\"amount\":1.00,\"currency\":\"USD\","
	    "\"reason\":\"" REASON "\",\"description\":\"" DESCRIPTION "\","
	    "\"timestamp\":\"" E2E_EPOCH "\"}]}", id);
	v = view(TXN);
	cr_assert_eq(v->status, 200, "%s", v->body);
	cr_expect_str_eq(v->body, want);
}

Test(utgl, view_errors)
{
	expect_error(e2e("GET", BASE TXN, NULL, NULL), 401, "UNAUTHORIZED", NULL);
	expect_error(e2e("GET", BASE TXN, "Authorization: Basic aW52YWxpZDp4\r\n", NULL),
	    401, "UNAUTHORIZED", NULL);
	expect_error(view("not-a-uuid"), 400, "INVALID_FIELD", "transactionId");
	expect_error(view(UNKNOWN), 404, "TRANSACTION_NOT_FOUND", "transactionId");
}

Test(utgl, view_states_of_magic_transactions)
{
	cr_expect_str_eq(e2e_get(view(MAGIC("04")), "status"), "authorized");
	cr_expect_str_eq(e2e_get(view(MAGIC("05")), "status"), "refunded");
	cr_expect_str_eq(e2e_get(view(MAGIC("05")), "refundedAmount"), "50.00");
	cr_expect_str_eq(e2e_get(view(MAGIC("09")), "status"), "void");
	cr_expect_str_eq(e2e_get(view(MAGIC("08")), "refundedAmount"), "40.00");
}

Test(utgl, uuids_match_in_any_case)
{
	struct e2e_resp	*r = refund("3E5F1C8A-7B2D-4C9E-A1F0-6D8B2E4C7A93", "1.00", "USD");

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "transactionId"), TXN);
	cr_expect_str_eq(e2e_get(view("3E5F1C8A-7B2D-4C9E-A1F0-6D8B2E4C7A93"),
	    "refundedAmount"), "1.00");
}

Test(utgl, error_credentials_are_401_with_a_challenge)
{
	static const char *const headers[] = {
		"Authorization: Bearer cGFydG5lcjpzZWNyZXQ=\r\n",
		"Authorization: Basic !!!!\r\n",
		"Authorization: Basic cGFydG5lcg==\r\n",		/* partner */
		"Authorization: Basic OnNlY3JldA==\r\n",		/* :secret */
		"Authorization: Basic aW52YWxpZDpzZWNyZXQ=\r\n",	/* invalid:secret */
		"Authorization: Basic \r\n",
	};
	char	line[256];
	size_t	i;

	for (i = 0; i < sizeof headers / sizeof *headers; i++) {
		snprintf(line, sizeof line, JSON_CT "%s", headers[i]);
		expect_error(e2e("POST", REFUND, line, VALID_BODY), 401, "UNAUTHORIZED", NULL);
	}
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, any_other_credential_is_accepted)
{
	/* partner: (empty password), and the scheme in lowercase */
	cr_expect_eq(e2e("POST", REFUND, JSON_CT "Authorization: Basic cGFydG5lcjo=\r\n",
	    VALID_BODY)->status, 200);
	cr_expect_eq(e2e("POST", REFUND, JSON_CT "Authorization: basic "
	    "cGFydG5lcjpzZWNyZXQ=\r\n", VALID_BODY)->status, 200);
}

Test(utgl, error_media_type_is_415)
{
	expect_error(e2e("POST", REFUND, "Content-Type: text/plain\r\n" BASIC, VALID_BODY),
	    415, "UNSUPPORTED_MEDIA_TYPE", NULL);
	expect_error(e2e("POST", REFUND, BASIC, VALID_BODY), 415,
	    "UNSUPPORTED_MEDIA_TYPE", NULL);
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(e2e("POST", REFUND, "Content-Type: application/json; charset=utf-8\r\n"
	    BASIC, VALID_BODY)->status, 200);
}

Test(utgl, error_bad_json_is_400)
{
	static const char *const bodies[] = { "{", "", "[1,2]", "\"refund\"",
	    "{\"reason\":\"a\",\"reason\":\"b\"}", "{\"reason\":\"\xff\xfe\"}" };
	size_t	i;

	for (i = 0; i < sizeof bodies / sizeof *bodies; i++)
		expect_error(e2e("POST", REFUND, POST_HEADERS, bodies[i]), 400,
		    "INVALID_JSON", NULL);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, error_body_over_64_kib_is_413)
{
	expect_error(e2e_post_oversize(REFUND, POST_HEADERS), 413, "PAYLOAD_TOO_LARGE", NULL);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, error_unknown_path_is_404)
{
	expect_error(e2e("POST", "/utgl/v1/partner-connect/refunds", POST_HEADERS,
	    VALID_BODY), 404, "NOT_FOUND", NULL);
	expect_error(e2e("GET", "/utgl/v2/partner-connect/transactions/" TXN, BASIC, NULL),
	    404, "NOT_FOUND", NULL);
	expect_error(e2e("GET", "/utgl", NULL, NULL), 404, "NOT_FOUND", NULL);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, error_wrong_method_is_405_with_allow)
{
	struct e2e_resp	*r = e2e("PUT", REFUND, POST_HEADERS, VALID_BODY);

	expect_error(r, 405, "METHOD_NOT_ALLOWED", NULL);
	cr_expect_str_eq(e2e_header(r, "Allow"), "POST, GET");
	r = e2e("DELETE", BASE TXN, BASIC, NULL);
	expect_error(r, 405, "METHOD_NOT_ALLOWED", NULL);
	cr_expect_str_eq(e2e_header(r, "Allow"), "GET");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, error_missing_or_empty_fields)
{
	static const struct member_case cases[] = {
		{ "transactionId", NULL }, { "transactionId", "\"\"" },
		{ "transactionId", "null" }, { "amount", NULL }, { "amount", "null" },
		{ "currency", NULL }, { "currency", "\"\"" }, { "reason", NULL },
		{ "reason", "\"\"" }, { "description", NULL }, { "description", "\"\"" },
	};

	expect_member_errors(cases, sizeof cases / sizeof *cases, "MISSING_FIELD");
	expect_error(e2e("POST", REFUND, POST_HEADERS, "{}"), 400, "MISSING_FIELD",
	    "transactionId");
	/* Fields are checked before the transaction is looked up. */
	expect_error(e2e("POST", REFUND, POST_HEADERS, "{\"transactionId\":\"" UNKNOWN
	    "\",\"amount\":1.00,\"currency\":\"USD\",\"reason\":\"x\"}"), 400,
	    "MISSING_FIELD", "description");
}

#define LONG_TEXT_64	"0123456789012345678901234567890123456789012345678901234567890123"
#define LONG_TEXT_255	LONG_TEXT_64 LONG_TEXT_64 LONG_TEXT_64 \
			"012345678901234567890123456789012345678901234567890123456789012"

Test(utgl, error_invalid_fields)
{
	static const struct member_case cases[] = {
		{ "transactionId", "12" }, { "transactionId", "\"" TXN "x\"" },
		{ "amount", "\"1.00\"" }, { "amount", "true" }, { "currency", "840" },
		{ "currency", "\"usd\"" }, { "currency", "\"US\"" },
		{ "currency", "\"XYZ\"" }, { "reason", "true" },
		{ "reason", "\"" LONG_TEXT_255 "x\"" }, { "description", "{}" },
		{ "description", "\"" LONG_TEXT_255 "x\"" },
	};

	expect_member_errors(cases, sizeof cases / sizeof *cases, "INVALID_FIELD");
}

Test(utgl, error_invalid_amounts)
{
	static const char *const amounts[] = { "-1", "-0.01", "0.00", "0.001", "1.005",
	    "1.0001", "1e-3", "0e2", "99999999999999999999" };
	size_t	i;

	for (i = 0; i < sizeof amounts / sizeof *amounts; i++) {
		struct e2e_resp *r = refund(TXN, amounts[i], "USD");
		expect_error(r, 400, "INVALID_AMOUNT", "amount");
		cr_expect(strstr(e2e_get(r, "error.message"), "amount") != NULL,
		    "message for %s: %s", amounts[i], r->body);
	}
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, amounts_in_any_plain_form_are_accepted)
{
	static const char *const amounts[] = { "1", "1.0", "1.000", "0.01", "1e0",
	    "2.5E-1" };
	static const char *const shown[] = { "1.00", "1.00", "1.00", "0.01", "1.00",
	    "0.25" };
	size_t	i;

	for (i = 0; i < sizeof amounts / sizeof *amounts; i++)
		cr_expect_str_eq(e2e_get(refund(TXN, amounts[i], "USD"), "amount"),
		    shown[i], "for %s", amounts[i]);
}

Test(utgl, long_texts_up_to_255_and_extra_fields_are_fine)
{
	static const struct member_case extra = { "description", "\"" LONG_TEXT_255
	    "\",\"merchantReference\":\"abc\",\"metadata\":{\"x\":[1,2]}" };
	struct e2e_resp	*r = e2e("POST", REFUND, POST_HEADERS, body_with(&extra));

	cr_expect_eq(r->status, 200, "%s", r->body);
}

Test(utgl, error_unknown_transaction_is_404)
{
	expect_error(refund(UNKNOWN, "1.00", "USD"), 404, "TRANSACTION_NOT_FOUND",
	    "transactionId");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, error_business_rules)
{
	expect_error(refund(MAGIC("04"), "1.00", "USD"), 422, "TRANSACTION_NOT_CAPTURED",
	    NULL);
	expect_error(refund(MAGIC("05"), "1.00", "USD"), 422, "ALREADY_REFUNDED", NULL);
	expect_error(refund(MAGIC("09"), "1.00", "USD"), 422, "TRANSACTION_VOID", NULL);
	expect_exceeds(TXN, "100.01", "USD", "100.00");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(utgl, magic_06_jpy_whole_numbers_with_two_places)
{
	struct e2e_resp	*r = refund(MAGIC("06"), "1.5", "JPY");

	expect_error(r, 400, "INVALID_AMOUNT", "amount");
	cr_expect_str_eq(e2e_get(r, "error.message"), "amount must be a whole number in JPY");
	r = refund(MAGIC("06"), "1500", "JPY");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "amount"), "1500.00");
	cr_expect_str_eq(e2e_get(r, "currency"), "JPY");
	r = view(MAGIC("06"));
	cr_expect_str_eq(e2e_get(r, "amount"), "5000.00");
	cr_expect_str_eq(e2e_get(r, "refundedAmount"), "1500.00");
	expect_last_refund(MAGIC("06"), "3500.00", "JPY");
}

Test(utgl, magic_07_kwd_in_cents_with_two_places)
{
	struct e2e_resp	*r = refund(MAGIC("07"), "0.005", "KWD");

	expect_error(r, 400, "INVALID_AMOUNT", "amount");
	r = refund(MAGIC("07"), "1.5", "KWD");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "amount"), "1.50");
	cr_expect_str_eq(e2e_get(view(MAGIC("07")), "amount"), "12.35");
	expect_exceeds(MAGIC("07"), "10.86", "KWD", "10.85");
	expect_last_refund(MAGIC("07"), "10.85", "KWD");
}

Test(utgl, magic_08_has_60_left)
{
	struct e2e_resp	*r;

	expect_exceeds(MAGIC("08"), "60.01", "USD", "60.00");
	expect_last_refund(MAGIC("08"), "60.00", "USD");
	r = view(MAGIC("08"));
	cr_expect_str_eq(e2e_get(r, "refundedAmount"), "100.00");
	cr_expect_eq(e2e_len(r, "refunds"), 1);
}

Test(utgl, lifecycle_is_final_at_once_and_time_changes_nothing)
{
	struct e2e_resp	*r;
	char		 id[ID_MAX];

	refund_ok(id);
	r = e2e("GET", "/__admin/refunds?provider=utgl", NULL, NULL);
	cr_assert_eq(e2e_len(r, "refunds"), 1, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "refunds[0].id"), id);
	cr_expect_str_eq(e2e_get(r, "refunds[0].transaction_id"), TXN);
	cr_expect_str_eq(e2e_get(r, "refunds[0].state"), "succeeded");
	cr_expect_str_eq(e2e_get(r, "refunds[0].created_at"), E2E_EPOCH);
	cr_assert_eq(e2e_len(r, "refunds[0].history"), 1, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "refunds[0].history[0].at"), E2E_EPOCH);

	e2e_advance("2592000");
	r = view(TXN);
	cr_expect_str_eq(e2e_get(r, "refundedAmount"), "1.00");
	cr_expect_str_eq(e2e_get(r, "refunds[0].timestamp"), E2E_EPOCH);
	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/refunds", NULL, NULL),
	    "refunds[0].state"), "succeeded");
	r = refund(TXN, "2.00", "USD");
	cr_expect_str_eq(e2e_get(r, "timestamp"), "2026-05-09T14:00:00.000Z");
	r = refund(UNKNOWN, "1.00", "USD");
	cr_expect_str_eq(e2e_get(r, "timestamp"), "2026-05-09T14:00:00.000Z");
}

Test(utgl, rejected_requests_change_nothing)
{
	static const char *const magic[] = { "01", "02", "04", "05", "09" };
	struct e2e_resp	*r;
	size_t		 i;

	e2e("POST", REFUND, JSON_CT, VALID_BODY);
	e2e("POST", REFUND, BASIC, VALID_BODY);
	e2e("POST", REFUND, POST_HEADERS, "{");
	e2e("POST", REFUND, POST_HEADERS, "{\"transactionId\":\"" TXN "\"}");
	refund(TXN, "1.005", "USD");
	refund(TXN, "1.00", "EUR");
	refund(TXN, "100.01", "USD");
	refund(UNKNOWN, "1.00", "USD");
	for (i = 0; i < sizeof magic / sizeof *magic; i++) {
		char id[ID_MAX];
		snprintf(id, sizeof id, "07000000-0000-4000-8000-0000000000%s", magic[i]);
		cr_expect_neq(refund(id, "1.00", "USD")->status, 200, "magic %s", magic[i]);
	}
	cr_expect_eq(e2e_refund_count(), 0);
	r = view(TXN);
	cr_expect_str_eq(e2e_get(r, "refundedAmount"), "0.00");
	cr_expect_eq(e2e_len(r, "refunds"), 0);
	/* The whole amount is still there. */
	expect_last_refund(TXN, "100.00", "USD");
}

Test(utgl, journal_names_the_refund)
{
	struct e2e_resp	*r;
	char		 id[ID_MAX];

	refund_ok(id);
	r = e2e("GET", "/__admin/journal?provider=utgl", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "entries[0].operation"), "refund.create");
	cr_expect_str_eq(e2e_get(r, "entries[0].refund_id"), id);
}

Test(utgl, ids_repeat_with_the_seed_and_sessions_are_apart)
{
	char	first[ID_MAX], again[ID_MAX];

	refund_ok(first);
	cr_assert_eq(e2e("POST", "/__admin/reset", NULL, NULL)->status, 200);
	refund_ok(again);
	cr_expect_str_eq(again, first);
	cr_expect_str_eq(e2e_get(e2e("GET", BASE TXN, BASIC "X-Paymock-Session: other\r\n",
	    NULL), "refundedAmount"), "0.00");
}
