/* SmartRetry contract: every worked example and error row of docs/providers/smartretry.md. */
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "jsonx.h"
#include "util.h"

#define REFUND		"/smartretry/v1/payments/refund/ABC123"
#define STATUS		"/smartretry/v1/payments/status/ABC123/"
#define KEY		"x-api-key: YOUR_API_KEY\r\n"
#define HDRS		KEY JSON_CT
#define SEED_KEY	"Idempotency-Key: refund-20260331-001\r\n"
#define PROBLEM_CT	"application/problem+json"
#define DOCS		"https://docs.smartretry.com/errors/"

TestSuite(smartretry, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

static const char seed_body[] =
    "{\n"
    "    \"transaction_reference_id\": \"TX8A3F2C\",\n"
    "    \"order_reference_id\": \"OR7B9E1D\",\n"
    "    \"merchant_transaction_id\": \"refund-20260331-001\",\n"
    "    \"amount\": 25.00\n"
    "  }";

/* A refund on 'txn' of its order 'order'; 'extra' is more members ("" for none). */
static struct e2e_resp *
refund(const char *headers, const char *txn, const char *order, const char *extra)
{
	return (e2ef("POST", REFUND, headers, "{\"transaction_reference_id\":\"%s\","
	    "\"order_reference_id\":\"%s\"%s}", txn, order, extra));
}

/* A refund of the default transaction with 'extra' members, no key. */
static struct e2e_resp *
refund_default(const char *extra)
{
	return (refund(HDRS, "TX8A3F2C", "OR7B9E1D", extra));
}

static struct e2e_resp *
status_of(const char *id)
{
	char	path[256];

	snprintf(path, sizeof path, STATUS "%s", id);
	return (e2e("GET", path, KEY, NULL));
}

/* The id of a 200 reply, copied out of the response (which e2e_get reuses). */
static const char *
refund_id(const struct e2e_resp *r, char out[16])
{
	cr_assert_eq(r->status, 200, "status %d: %s", r->status, r->body);
	snprintf(out, 16, "%s", e2e_get(r, "transaction_id"));
	return (out);
}

static void
expect_rate_headers(const struct e2e_resp *r)
{
	cr_expect_str_eq(e2e_header(r, "X-RateLimit-Limit"), "100", "%s", r->head);
	cr_expect_not_null(e2e_header(r, "X-RateLimit-Remaining"), "%s", r->head);
	cr_expect_not_null(e2e_header(r, "X-RateLimit-Reset"), "%s", r->head);
}

/* Each {path, value} of 'want' as e2e_get shows it. */
static void
expect_fields(const struct e2e_resp *r, const char *const (*want)[2], size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		cr_expect_str_eq(e2e_get(r, want[i][0]), want[i][1], "%s in %s",
		    want[i][0], r->body);
}

/* An RFC 7807 problem with SmartRetry's extensions. */
static void
expect_problem(const struct e2e_resp *r, int status, const char *code)
{
	char	type[160];
	size_t	i, n = strlen(DOCS);

	snprintf(type, sizeof type, DOCS "%s", code);
	for (i = n; type[i] != '\0'; i++)
		type[i] = type[i] == '_' ? '-' : (char)(type[i] | 0x20);
	cr_expect_eq(r->status, status, "status %d, body %s", r->status, r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), PROBLEM_CT, "%s", r->head);
	cr_assert_not_null(r->json, "not JSON: %s", r->body);
	cr_expect_str_eq(e2e_get(r, "reason_code"), code, "body %s", r->body);
	cr_expect_str_eq(e2e_get(r, "type"), type, "body %s", r->body);
	cr_expect_eq(atoi(e2e_get(r, "status")), status);
	cr_expect_not_null(e2e_get(r, "title"));
	cr_expect_not_null(e2e_get(r, "detail"));
	cr_expect(json_is_object(e2e_node(r, "context")), "body %s", r->body);
	expect_rate_headers(r);
}

/* A 400 VALIDATION_ERROR whose context.errors names 'field'. */
static void
expect_invalid(const struct e2e_resp *r, const char *field)
{
	size_t	i, n = e2e_len(r, "context.errors");
	char	path[64];

	expect_problem(r, 400, "VALIDATION_ERROR");
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "context.errors[%zu].field", i);
		if (strcmp(e2e_get(r, path), field) == 0)
			return;
	}
	cr_expect_fail("no error for %s in %s", field, r->body);
}

Test(smartretry, ex01_seed_request_unchanged)
{
	struct e2e_resp	*r = e2e("POST", REFUND, HDRS SEED_KEY, seed_body);
	const char	*id;

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	cr_expect_null(e2e_header(r, "Idempotency-Replayed"));
	expect_rate_headers(r);
	id = e2e_get(r, "transaction_id");
	cr_expect_eq(strlen(id), 8);
	cr_expect(strncmp(id, "TX", 2) == 0 &&
	    strspn(id + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == 6, "id %s", id);
	cr_expect_str_eq(e2e_get(r, "order_id"), "OR7B9E1D");
	cr_expect_str_eq(e2e_get(r, "merchant_transaction_id"), "refund-20260331-001");
	cr_expect_str_eq(e2e_get(r, "accepted"), "true");
	cr_expect_eq(e2e_len(r, ""), 4);
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(smartretry, ex02_same_request_is_replayed)
{
	struct e2e_resp	*a = e2e("POST", REFUND, HDRS SEED_KEY, seed_body);
	/* Key order and whitespace do not make another request. */
	struct e2e_resp	*b = e2e("POST", REFUND, HDRS SEED_KEY,
	    "{\"amount\":25.00,\"merchant_transaction_id\":\"refund-20260331-001\","
	    "\"order_reference_id\":\"OR7B9E1D\",\"transaction_reference_id\":\"TX8A3F2C\"}");

	cr_assert_eq(a->status, 200, "%s", a->body);
	cr_expect_eq(b->status, 200, "%s", b->body);
	cr_expect_str_eq(b->body, a->body);
	cr_expect_str_eq(e2e_header(b, "Idempotency-Replayed"), "true");
	cr_expect_str_eq(e2e_header(b, "Content-Type"), "application/json");
	expect_rate_headers(b);
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(smartretry, ex03_same_key_other_body_conflicts)
{
	struct e2e_resp	*r;

	cr_assert_eq(e2e("POST", REFUND, HDRS SEED_KEY, seed_body)->status, 200);
	r = refund(HDRS SEED_KEY, "TX8A3F2C", "OR7B9E1D",
	    ",\"merchant_transaction_id\":\"refund-20260331-001\",\"amount\":26.00");
	expect_problem(r, 409, "IDEMPOTENCY_CONFLICT");
	cr_expect_null(e2e_header(r, "Idempotency-Replayed"));
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(smartretry, ex04_status_processing_then_approved)
{
	static const char *const processing[][2] = {
		{ "type", "REFUND" },
		{ "order_id", "OR7B9E1D" },
		{ "merchant_transaction_id", "refund-20260331-001" },
		{ "reference_transaction_id", "TX8A3F2C" },
		{ "amount", "25.00" },
		{ "currency", "USD" },
		{ "status", "PROCESSING" },
		{ "reason", "{\"code\":\"PROCESSOR.PENDING\",\"name\":\"Pending\","
		    "\"domain\":\"PROCESSOR\",\"description\":\"The refund was "
		    "submitted and awaits the processor's answer.\"}" },
		{ "created_at", E2E_EPOCH },
		{ "updated_at", E2E_EPOCH },
	};
	char		 id[16];
	struct e2e_resp	*r;

	refund_id(e2e("POST", REFUND, HDRS SEED_KEY, seed_body), id);
	r = status_of(id);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	expect_rate_headers(r);
	cr_expect_str_eq(e2e_get(r, "transaction_id"), id);
	expect_fields(r, processing, nitems(processing));

	e2e_advance("29.999");
	cr_expect_str_eq(e2e_get(status_of(id), "status"), "PROCESSING");
	e2e_advance("0.001");
	r = status_of(id);
	cr_expect_str_eq(e2e_get(r, "status"), "APPROVED");
	cr_expect_str_eq(e2e_get(r, "reason.code"), "ISSUER.APPROVED");
	cr_expect_str_eq(e2e_get(r, "reason.domain"), "ISSUER");
	cr_expect_str_eq(e2e_get(r, "created_at"), E2E_EPOCH);
	cr_expect_str_eq(e2e_get(r, "updated_at"), "2026-04-09T14:00:30.000Z");
}

Test(smartretry, ex05_no_api_key_is_401)
{
	expect_problem(e2e("POST", REFUND, JSON_CT, seed_body), 401, "UNAUTHORIZED");
	expect_problem(e2e("POST", REFUND, JSON_CT "x-api-key: \r\n", seed_body), 401,
	    "UNAUTHORIZED");
	expect_problem(e2e("POST", REFUND, JSON_CT "x-api-key: invalid\r\n", seed_body),
	    401, "UNAUTHORIZED");
	expect_problem(e2e("GET", STATUS "TX8A3F2C", NULL, NULL), 401, "UNAUTHORIZED");
	expect_problem(e2e("GET", STATUS "TX8A3F2C", "x-api-key: invalid\r\n", NULL),
	    401, "UNAUTHORIZED");
	cr_expect_eq(e2e_refund_count(), 0);
	/* Header names are case-insensitive. */
	cr_expect_eq(e2e("POST", REFUND, "X-API-KEY: other\r\n" JSON_CT,
	    seed_body)->status, 200);
}

Test(smartretry, ex06_bad_and_unknown_terminals)
{
	static const struct {
		const char	*method, *terminal;
		int		 status;
		const char	*code;
	} cases[] = {
		{ "POST", "ABC12", 400, "INVALID_TERMINAL_ID" },
		{ "POST", "ABC1234", 400, "INVALID_TERMINAL_ID" },
		{ "POST", "ABC-12", 400, "INVALID_TERMINAL_ID" },
		{ "POST", "ZZZ999", 404, "TERMINAL_NOT_FOUND" },
		/* Terminal ids are case-sensitive. */
		{ "POST", "abc123", 404, "TERMINAL_NOT_FOUND" },
		{ "GET", "ABC12", 400, "INVALID_TERMINAL_ID" },
		{ "GET", "ZZZ999", 404, "TERMINAL_NOT_FOUND" },
	};
	char	path[128];
	size_t	i;

	for (i = 0; i < nitems(cases); i++) {
		int post = strcmp(cases[i].method, "POST") == 0;
		snprintf(path, sizeof path, "/smartretry/v1/payments/%s/%s%s",
		    post ? "refund" : "status", cases[i].terminal, post ? "" : "/TX8A3F2C");
		expect_problem(e2e(cases[i].method, path, HDRS, post ? seed_body : NULL),
		    cases[i].status, cases[i].code);
	}
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, ex07_partials_then_already_refunded)
{
	cr_expect_eq(refund_default(",\"amount\":25.00")->status, 200);
	cr_expect_eq(refund_default(",\"amount\":75.00")->status, 200);
	expect_problem(refund_default(",\"amount\":0.01"), 422, "ALREADY_REFUNDED");
	cr_expect_eq(e2e_refund_count(), 2);
}

Test(smartretry, ex08_amount_above_refundable)
{
	struct e2e_resp	*r = refund_default(",\"amount\":150.00");

	expect_problem(r, 422, "AMOUNT_EXCEEDS_REFUNDABLE");
	cr_expect_str_eq(e2e_get(r, "title"), "Amount exceeds refundable amount");
	cr_expect_str_eq(e2e_get(r, "detail"),
	    "Refund of 150.00 USD exceeds the refundable 100.00 USD.");
	cr_expect_str_eq(e2e_get(r, "context"),
	    "{\"refundable_amount\":100.00,\"currency\":\"USD\"}");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, ex09_three_decimals_on_usd)
{
	struct e2e_resp	*r = refund_default(",\"amount\":1.005");

	expect_invalid(r, "amount");
	cr_expect_eq(e2e_len(r, "context.errors"), 1);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, ex10_no_amount_refunds_what_is_left)
{
	char	id[16];

	refund_id(refund(HDRS, "TXPART08", "ORPART08", ""), id);
	cr_expect_str_eq(e2e_get(status_of(id), "amount"), "60.00");
	cr_expect_str_eq(e2e_get(status_of("TXPART08"), "refunded_amount"), "100.00");
}

Test(smartretry, ex11_preauth_and_voided)
{
	struct e2e_resp	*r = refund(HDRS, "TXAUTH04", "ORAUTH04", "");

	expect_problem(r, 422, "PREAUTH_NOT_CAPTURED");
	cr_expect_str_eq(e2e_get(r, "detail"), "Use the void endpoint to cancel a "
	    "pre-authorization before capture");
	expect_problem(refund(HDRS, "TXVOID09", "ORVOID09", ""), 422,
	    "TRANSACTION_VOIDED");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, ex12_declined_gives_the_balance_back)
{
	char		 first[16], second[16];
	struct e2e_resp	*r;

	r = refund(HDRS, "TXDECL01", "ORDECL01", ",\"amount\":10.00");
	refund_id(r, first);
	cr_expect_str_eq(e2e_get(r, "accepted"), "true");
	expect_problem(refund(HDRS, "TXDECL01", "ORDECL01", ",\"amount\":50.00"), 422,
	    "AMOUNT_EXCEEDS_REFUNDABLE");
	e2e_advance("30");
	r = status_of(first);
	cr_expect_str_eq(e2e_get(r, "status"), "DECLINED");
	cr_expect_str_eq(e2e_get(r, "reason.code"), "ISSUER.REFUND_DECLINED");
	cr_expect_str_eq(e2e_get(r, "updated_at"), "2026-04-09T14:00:30.000Z");
	refund_id(refund(HDRS, "TXDECL01", "ORDECL01", ",\"amount\":50.00"), second);
	cr_expect_str_eq(e2e_get(status_of(second), "status"), "PROCESSING");
	e2e_advance("30");
	cr_expect_str_eq(e2e_get(status_of(second), "status"), "DECLINED");
}

Test(smartretry, ex13_jpy_has_no_decimals)
{
	char	id[16];

	expect_invalid(refund(HDRS, "TXJPY006", "ORJPY006", ",\"amount\":1.5"), "amount");
	refund_id(refund(HDRS, "TXJPY006", "ORJPY006", ",\"amount\":1500"), id);
	cr_expect_str_eq(e2e_get(status_of(id), "amount"), "1500");
	cr_expect_str_eq(e2e_get(status_of(id), "currency"), "JPY");
}

Test(smartretry, ex14_currency_mismatch_and_unknown)
{
	expect_problem(refund_default(",\"currency\":\"EUR\""), 422, "CURRENCY_MISMATCH");
	expect_invalid(refund_default(",\"currency\":\"XYZ\""), "currency");
	expect_invalid(refund_default(",\"currency\":\"usd\""), "currency");
	expect_invalid(refund_default(",\"currency\":840"), "currency");
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(refund_default(",\"currency\":\"USD\",\"amount\":1")->status, 200);
}

Test(smartretry, ex15_order_mismatch)
{
	expect_problem(refund(HDRS, "TX8A3F2C", "OR000000", ""), 422, "ORDER_MISMATCH");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, ex16_duplicate_merchant_transaction_id)
{
	expect_problem(refund_default(",\"merchant_transaction_id\":\"sale-20260331-001\""),
	    422, "DUPLICATE_MERCHANT_TRANSACTION_ID");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, ex17_bad_idempotency_key)
{
	char	long_key[300], headers[400];

	expect_problem(e2e("POST", REFUND, HDRS "Idempotency-Key: bad key!\r\n",
	    seed_body), 400, "INVALID_IDEMPOTENCY_KEY");
	expect_problem(e2e("POST", REFUND, HDRS "Idempotency-Key: \r\n", seed_body),
	    400, "INVALID_IDEMPOTENCY_KEY");
	memset(long_key, 'k', 256);
	long_key[256] = '\0';
	snprintf(headers, sizeof headers, HDRS "Idempotency-Key: %s\r\n", long_key);
	expect_problem(e2e("POST", REFUND, headers, seed_body), 400,
	    "INVALID_IDEMPOTENCY_KEY");
	cr_expect_eq(e2e_refund_count(), 0);
	/* 255 is still a key. */
	long_key[255] = '\0';
	snprintf(headers, sizeof headers, HDRS "Idempotency-Key: %s\r\n", long_key);
	cr_expect_eq(e2e("POST", REFUND, headers, seed_body)->status, 200);
}

/* Connects and sends, reading nothing yet. */
static int
sr_send(const char *request)
{
	int	fd = e2e_connect(5000);
	size_t	len = strlen(request);

	cr_assert_eq(send(fd, request, len, MSG_NOSIGNAL), (ssize_t)len);
	return (fd);
}

/* Reads a reply to the close; returns its status, its parsed body in '*body'. */
static int
sr_read(int fd, json_t **body)
{
	struct buf	 b = { 0 };
	char		 chunk[8192], *sep, *cause;
	ssize_t		 got;
	int		 status = 0;

	while ((got = recv(fd, chunk, sizeof chunk, 0)) > 0)
		buf_add(&b, chunk, (size_t)got);
	close(fd);
	cr_assert(b.data != NULL && sscanf(b.data, "HTTP/1.1 %d", &status) == 1,
	    "reply: '%s'", b.data != NULL ? b.data : "");
	cr_assert((sep = strstr(b.data, "\r\n\r\n")) != NULL);
	if ((*body = jsonx_loads(sep + 4, strlen(sep + 4), &cause)) == NULL)
		free(cause);
	buf_release(&b);
	return (status);
}

/* Sends every request before reading any reply, then reads them all. */
static void
sr_concurrent(size_t n, const char *const *requests, int *status, json_t **body)
{
	int	*fds = xcalloc(n, sizeof *fds);
	size_t	 i;

	for (i = 0; i < n; i++)
		fds[i] = sr_send(requests[i]);
	for (i = 0; i < n; i++)
		status[i] = sr_read(fds[i], &body[i]);
	free(fds);
}

static char *
sr_request(const char *headers, const char *body)
{
	return (xasprintf("POST " REFUND " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n%sContent-Length: %zu\r\n\r\n%s", headers,
	    strlen(body), body));
}

#define SR_CONCURRENT	50

Test(smartretry, ex18_fifty_concurrent_requests_one_key)
{
	char		*reqs[SR_CONCURRENT];
	int		 status[SR_CONCURRENT];
	json_t		*body[SR_CONCURRENT];
	const char	*id, *first = NULL;
	struct e2e_resp	*list;
	size_t		 i;

	for (i = 0; i < SR_CONCURRENT; i++)
		reqs[i] = sr_request(HDRS "Idempotency-Key: concurrent-1\r\n", seed_body);
	sr_concurrent(SR_CONCURRENT, (const char *const *)reqs, status, body);
	list = e2e("GET", "/__admin/refunds", NULL, NULL);
	cr_assert_eq(e2e_len(list, "refunds"), 1, "%s", list->body);
	for (i = 0; i < SR_CONCURRENT; i++) {
		cr_expect(status[i] == 200 || status[i] == 409, "reply %zu: %d", i,
		    status[i]);
		if (status[i] == 200) {
			id = jsonx_string(json_object_get(body[i], "transaction_id"));
			cr_expect_not_null(id);
			if (first == NULL)
				first = id;
			cr_expect_str_eq(id, first, "reply %zu", i);
		}
		free(reqs[i]);
	}
	cr_assert_not_null(first);
	cr_expect_str_eq(e2e_get(list, "refunds[0].id"), first);
	for (i = 0; i < SR_CONCURRENT; i++)
		json_decref(body[i]);
}

Test(smartretry, ex19_key_window_is_24_hours)
{
	char	a[16], b[16];

	refund_id(e2e("POST", REFUND, HDRS SEED_KEY, seed_body), a);
	e2e_advance("86399");
	cr_expect_str_eq(refund_id(e2e("POST", REFUND, HDRS SEED_KEY, seed_body), b), a);
	e2e_advance("2");
	refund_id(e2e("POST", REFUND, HDRS SEED_KEY, seed_body), b);
	cr_expect_str_neq(b, a);
	cr_expect_eq(e2e_refund_count(), 2);
}

Test(smartretry, concurrent_partials_never_exceed_the_amount)
{
	char	*reqs[SR_CONCURRENT];
	int	 status[SR_CONCURRENT];
	json_t	*body[SR_CONCURRENT];
	size_t	 i, ok = 0;

	for (i = 0; i < SR_CONCURRENT; i++)
		reqs[i] = sr_request(HDRS, "{\"transaction_reference_id\":\"TX8A3F2C\","
		    "\"order_reference_id\":\"OR7B9E1D\",\"amount\":7.00}");
	sr_concurrent(SR_CONCURRENT, (const char *const *)reqs, status, body);
	for (i = 0; i < SR_CONCURRENT; i++) {
		ok += status[i] == 200;
		cr_expect(status[i] == 200 || status[i] == 422, "reply %zu: %d", i,
		    status[i]);
		free(reqs[i]);
		json_decref(body[i]);
	}
	/* 14 x 7.00 = 98.00; a fifteenth would pass 100.00. */
	cr_expect_eq(ok, 14);
	cr_expect_eq(e2e_refund_count(), 14);
	cr_expect_str_eq(e2e_get(status_of("TX8A3F2C"), "refunded_amount"), "98.00");
	expect_problem(refund_default(",\"amount\":2.01"), 422,
	    "AMOUNT_EXCEEDS_REFUNDABLE");
	cr_expect_eq(refund_default(",\"amount\":2.00")->status, 200);
}

/* A required string in the reply: "" when the request had none (docs/providers/smartretry.md). */
Test(smartretry, merchant_transaction_id_is_echoed_or_empty)
{
	char		 id[16];
	struct e2e_resp	*r = refund_default(",\"amount\":1");

	refund_id(r, id);
	cr_expect(json_is_string(e2e_node(r, "merchant_transaction_id")), "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "merchant_transaction_id"), "");
	cr_expect_str_eq(e2e_get(status_of(id), "merchant_transaction_id"), "");
	r = refund_default(",\"amount\":1,\"merchant_transaction_id\":\"r-2\"");
	cr_expect_str_eq(e2e_get(r, "merchant_transaction_id"), "r-2");
}

Test(smartretry, status_of_the_original_sale)
{
	static const char *const sale[][2] = {
		{ "transaction_id", "TX8A3F2C" },
		{ "type", "SALE" },
		{ "status", "APPROVED" },
		{ "reason.code", "ISSUER.APPROVED" },
		{ "order_id", "OR7B9E1D" },
		{ "merchant_transaction_id", "sale-20260331-001" },
		{ "amount", "100.00" },
		{ "refunded_amount", "25.00" },
		{ "created_at", "2026-03-31T12:00:00.000Z" },
		/* The refund made 5 s ago is its last change. */
		{ "updated_at", E2E_EPOCH },
	};
	struct e2e_resp	*r;

	cr_assert_eq(refund_default(",\"amount\":25.00")->status, 200);
	e2e_advance("5");
	r = status_of("TX8A3F2C");
	cr_assert_eq(r->status, 200, "%s", r->body);
	expect_fields(r, sale, nitems(sale));
	cr_expect(json_is_null(e2e_node(r, "reference_transaction_id")));
	cr_expect_str_eq(e2e_get(status_of("TXREFD05"), "refunded_amount"), "50.00");
	cr_expect_str_eq(e2e_get(status_of("TXVOID09"), "status"), "CANCELLED");
	cr_expect_str_eq(e2e_get(status_of("TXKWD007"), "amount"), "12.345");
}

Test(smartretry, status_unknown_transaction_is_404)
{
	expect_problem(status_of("TX000000"), 404, "TRANSACTION_NOT_FOUND");
	expect_problem(status_of("nonsense-id"), 404, "TRANSACTION_NOT_FOUND");
}

Test(smartretry, other_terminals_see_nothing_of_this_one)
{
	struct e2e_resp	*r;
	char		 id[16], path[128];

	r = e2e("POST", "/__admin/transactions", JSON_CT, "{\"transactions\":[{"
	    "\"provider\":\"smartretry\",\"id\":\"TXOTHER1\",\"amount\":\"10.00\","
	    "\"currency\":\"EUR\",\"state\":\"captured\",\"terminal\":\"XYZ789\","
	    "\"order_id\":\"OROTHER1\"}]}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	refund_id(refund_default(",\"amount\":1"), id);
	expect_problem(refund(HDRS, "TXOTHER1", "OROTHER1", ""), 404,
	    "TRANSACTION_NOT_FOUND");
	expect_problem(status_of("TXOTHER1"), 404, "TRANSACTION_NOT_FOUND");
	snprintf(path, sizeof path, "/smartretry/v1/payments/status/XYZ789/%s", id);
	expect_problem(e2e("GET", path, KEY, NULL), 404, "TRANSACTION_NOT_FOUND");
	r = e2e("POST", "/smartretry/v1/payments/refund/XYZ789", HDRS,
	    "{\"transaction_reference_id\":\"TXOTHER1\",\"order_reference_id\":\"OROTHER1\"}");
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(e2e("GET", "/smartretry/v1/payments/status/XYZ789/TXOTHER1",
	    KEY, NULL), "refunded_amount"), "10.00");
}

Test(smartretry, fixtures_with_bad_extras_are_refused)
{
	struct e2e_resp	*r;

	r = e2e("POST", "/__admin/transactions", JSON_CT, "{\"provider\":\"smartretry\","
	    "\"id\":\"TXBAD001\",\"amount\":\"1.00\",\"currency\":\"USD\","
	    "\"terminal\":\"AB-123\",\"order_id\":\"ORBAD001\"}");
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect(strstr(r->body, "terminal") != NULL, "%s", r->body);
	r = e2e("POST", "/__admin/transactions", JSON_CT, "{\"provider\":\"smartretry\","
	    "\"id\":\"TXBAD\",\"amount\":\"1.00\",\"currency\":\"USD\","
	    "\"terminal\":\"ABC123\",\"order_id\":\"ORBAD001\"}");
	cr_expect_eq(r->status, 400, "%s", r->body);
	cr_expect(strstr(r->body, "id") != NULL, "%s", r->body);
}

Test(smartretry, error_not_json_is_415)
{
	expect_problem(e2e("POST", REFUND, KEY "Content-Type: text/plain\r\n", seed_body),
	    415, "UNSUPPORTED_MEDIA_TYPE");
	expect_problem(e2e("POST", REFUND, KEY, seed_body), 415, "UNSUPPORTED_MEDIA_TYPE");
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(e2e("POST", REFUND, KEY "Content-Type: application/json; "
	    "charset=utf-8\r\n", seed_body)->status, 200);
}

Test(smartretry, error_bad_json_is_400)
{
	expect_problem(e2e("POST", REFUND, HDRS, "{\"transaction_reference_id\":"), 400,
	    "MALFORMED_JSON");
	expect_problem(e2e("POST", REFUND, HDRS, "[1,2]"), 400, "MALFORMED_JSON");
	expect_problem(e2e("POST", REFUND, HDRS, ""), 400, "MALFORMED_JSON");
	expect_problem(e2e("POST", REFUND, HDRS, "{\"amount\":1,\"amount\":2}"), 400,
	    "MALFORMED_JSON");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, error_validation_lists_every_bad_field)
{
	struct e2e_resp	*r = e2e("POST", REFUND, HDRS, "{\"transaction_reference_id\":"
	    "12,\"order_reference_id\":\"OR7B9E1\",\"merchant_transaction_id\":\"\","
	    "\"amount\":\"25.00\",\"currency\":\"US\"}");

	expect_problem(r, 400, "VALIDATION_ERROR");
	cr_assert_eq(e2e_len(r, "context.errors"), 5, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "context.errors[0].field"), "transaction_reference_id");
	cr_expect_str_eq(e2e_get(r, "context.errors[1].field"), "order_reference_id");
	cr_expect_str_eq(e2e_get(r, "context.errors[2].field"), "merchant_transaction_id");
	cr_expect_str_eq(e2e_get(r, "context.errors[3].field"), "currency");
	cr_expect_str_eq(e2e_get(r, "context.errors[4].field"), "amount");
	cr_expect(strstr(e2e_get(r, "context.errors[4].message"), "amount") != NULL);
	expect_invalid(e2e("POST", REFUND, HDRS, "{}"), "transaction_reference_id");
	expect_invalid(e2e("POST", REFUND, HDRS, "{}"), "order_reference_id");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, error_bad_amounts)
{
	static const char *const amounts[] = { "0", "-1", "0.00", "1e-3", "\"25.00\"",
	    "true", "{}", "[]", "99999999999999999999" };
	char	extra[64];
	size_t	i;

	for (i = 0; i < nitems(amounts); i++) {
		snprintf(extra, sizeof extra, ",\"amount\":%s", amounts[i]);
		expect_invalid(refund_default(extra), "amount");
	}
	/* 64 characters is the most a merchant_transaction_id may have. */
	expect_invalid(refund_default(",\"merchant_transaction_id\":"
	    "\"0123456789012345678901234567890123456789012345678901234567890123X\""),
	    "merchant_transaction_id");
	cr_expect_eq(e2e_refund_count(), 0);
	/* null is an omitted amount: everything left. */
	cr_expect_str_eq(e2e_get(status_of(e2e_get(refund_default(",\"amount\":null"),
	    "transaction_id")), "amount"), "100.00");
}

Test(smartretry, error_unknown_transaction_is_404)
{
	expect_problem(refund(HDRS, "TX000000", "OR7B9E1D", ""), 404,
	    "TRANSACTION_NOT_FOUND");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, error_oversize_body_is_413)
{
	expect_problem(e2e_post_oversize(REFUND, HDRS), 413, "PAYLOAD_TOO_LARGE");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, error_unknown_path_and_wrong_method)
{
	struct e2e_resp	*r;

	r = e2e("GET", REFUND, KEY, NULL);
	expect_problem(r, 405, "METHOD_NOT_ALLOWED");
	cr_expect_str_eq(e2e_header(r, "Allow"), "POST");
	r = e2e("DELETE", STATUS "TX8A3F2C", KEY, NULL);
	expect_problem(r, 405, "METHOD_NOT_ALLOWED");
	cr_expect_str_eq(e2e_header(r, "Allow"), "GET");
	expect_problem(e2e("POST", "/smartretry/v1/payments/refunds/ABC123", HDRS,
	    seed_body), 404, "NOT_FOUND");
	expect_problem(e2e("GET", "/smartretry", KEY, NULL), 404, "NOT_FOUND");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, error_business_rejection_is_kept_under_the_key)
{
	struct e2e_resp	*a, *b;

	a = refund(HDRS "Idempotency-Key: k-422\r\n", "TX8A3F2C", "OR7B9E1D",
	    ",\"amount\":150.00");
	expect_problem(a, 422, "AMOUNT_EXCEEDS_REFUNDABLE");
	b = refund(HDRS "Idempotency-Key: k-422\r\n", "TX8A3F2C", "OR7B9E1D",
	    ",\"amount\":150.00");
	expect_problem(b, 422, "AMOUNT_EXCEEDS_REFUNDABLE");
	cr_expect_str_eq(b->body, a->body);
	cr_expect_str_eq(e2e_header(b, "Idempotency-Replayed"), "true");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(smartretry, error_other_rejections_are_not_kept)
{
	/* A 400, 401 and 404 under a key leave it free for the corrected request. */
	expect_invalid(refund(HDRS "Idempotency-Key: k-1\r\n", "TX8A3F2C", "OR7B9E1D",
	    ",\"amount\":1.005"), "amount");
	expect_problem(refund(JSON_CT "Idempotency-Key: k-1\r\n", "TX8A3F2C", "OR7B9E1D",
	    ",\"amount\":1.00"), 401, "UNAUTHORIZED");
	expect_problem(refund(HDRS "Idempotency-Key: k-1\r\n", "TX000000", "OR7B9E1D",
	    ",\"amount\":1.00"), 404, "TRANSACTION_NOT_FOUND");
	cr_expect_eq(refund(HDRS "Idempotency-Key: k-1\r\n", "TX8A3F2C", "OR7B9E1D",
	    ",\"amount\":1.00")->status, 200);
}

Test(smartretry, rejected_requests_change_nothing)
{
	struct e2e_resp	*r;

	refund(JSON_CT, "TX8A3F2C", "OR7B9E1D", "");
	refund(HDRS, "TX8A3F2C", "OR7B9E1D", ",\"amount\":100.01");
	refund(HDRS, "TX8A3F2C", "OR000000", "");
	refund(HDRS, "TXAUTH04", "ORAUTH04", "");
	refund(HDRS, "TXREFD05", "ORREFD05", "");
	refund(HDRS, "TXVOID09", "ORVOID09", "");
	refund(HDRS "Idempotency-Key: bad key!\r\n", "TX8A3F2C", "OR7B9E1D", "");
	e2e("POST", "/smartretry/v1/payments/refund/ZZZ999", HDRS, seed_body);
	r = e2e("GET", "/__admin/refunds", NULL, NULL);
	cr_expect_str_eq(r->body, "{\"refunds\":[]}");
	cr_expect_str_eq(e2e_get(status_of("TX8A3F2C"), "refunded_amount"), "0.00");
	cr_expect_str_eq(e2e_get(status_of("TXPART08"), "refunded_amount"), "40.00");
}

Test(smartretry, magic_02_stays_processing)
{
	char	id[16];

	refund_id(refund(HDRS, "TXPEND02", "ORPEND02", ""), id);
	e2e_advance("2592000");
	cr_expect_str_eq(e2e_get(status_of(id), "status"), "PROCESSING");
	cr_expect_str_eq(e2e_get(status_of(id), "updated_at"), E2E_EPOCH);
	expect_problem(refund(HDRS, "TXPEND02", "ORPEND02", ""), 422, "ALREADY_REFUNDED");
}

Test(smartretry, magic_03_ends_in_error_and_gives_back)
{
	char		 id[16];
	struct e2e_resp	*r;

	refund_id(refund(HDRS, "TXFAIL03", "ORFAIL03", ""), id);
	e2e_advance("30");
	r = status_of(id);
	cr_expect_str_eq(e2e_get(r, "status"), "ERROR");
	cr_expect_str_eq(e2e_get(r, "reason.code"), "PROCESSOR.TIMEOUT");
	cr_expect_str_eq(e2e_get(r, "reason.domain"), "PROCESSOR");
	cr_expect_str_eq(e2e_get(status_of("TXFAIL03"), "refunded_amount"), "0.00");
	cr_expect_eq(refund(HDRS, "TXFAIL03", "ORFAIL03", "")->status, 200);
}

Test(smartretry, magic_05_already_refunded)
{
	expect_problem(refund(HDRS, "TXREFD05", "ORREFD05", ""), 422, "ALREADY_REFUNDED");
	expect_problem(refund(HDRS, "TXREFD05", "ORREFD05", ",\"amount\":1.00"), 422,
	    "ALREADY_REFUNDED");
}

Test(smartretry, magic_07_kwd_has_three_decimals)
{
	char		 id[16];
	struct e2e_resp	*r;

	expect_invalid(refund(HDRS, "TXKWD007", "ORKWD007", ",\"amount\":1.0005"),
	    "amount");
	refund_id(refund(HDRS, "TXKWD007", "ORKWD007", ",\"amount\":1.5"), id);
	cr_expect_str_eq(e2e_get(status_of(id), "amount"), "1.500");
	r = refund(HDRS, "TXKWD007", "ORKWD007", ",\"amount\":11");
	expect_problem(r, 422, "AMOUNT_EXCEEDS_REFUNDABLE");
	cr_expect_str_eq(e2e_get(r, "context.refundable_amount"), "10.845");
	refund_id(refund(HDRS, "TXKWD007", "ORKWD007", ""), id);
	cr_expect_str_eq(e2e_get(status_of(id), "amount"), "10.845");
}

Test(smartretry, magic_08_has_sixty_left)
{
	expect_problem(refund(HDRS, "TXPART08", "ORPART08", ",\"amount\":60.01"), 422,
	    "AMOUNT_EXCEEDS_REFUNDABLE");
	cr_expect_eq(refund(HDRS, "TXPART08", "ORPART08", ",\"amount\":60.00")->status,
	    200);
}

Test(smartretry, rate_headers_count_per_key_and_second)
{
	struct e2e_resp	*a = status_of("TX8A3F2C");
	struct e2e_resp	*b;

	cr_expect_str_eq(e2e_header(a, "X-RateLimit-Remaining"), "99");
	cr_expect_str_eq(e2e_header(a, "X-RateLimit-Reset"), "1775743201");
	b = status_of("TX8A3F2C");
	cr_expect_str_eq(e2e_header(b, "X-RateLimit-Remaining"), "98");
	b = e2e("GET", STATUS "TX8A3F2C", "x-api-key: another\r\n", NULL);
	cr_expect_str_eq(e2e_header(b, "X-RateLimit-Remaining"), "99");
	e2e_advance("1");
	b = status_of("TX8A3F2C");
	cr_expect_str_eq(e2e_header(b, "X-RateLimit-Remaining"), "99");
	cr_expect_str_eq(e2e_header(b, "X-RateLimit-Reset"), "1775743202");
}

Test(smartretry, new_ids_never_name_an_existing_transaction)
{
	char		 first[16], second[16], txn[512];
	struct e2e_resp	*r;

	refund_id(refund_default(",\"amount\":1"), first);
	cr_assert_eq(e2e("POST", "/__admin/reset", NULL, NULL)->status, 200);
	/* Same seed, same first id: unless a transaction already has it. */
	snprintf(txn, sizeof txn, "{\"provider\":\"smartretry\",\"id\":\"%s\","
	    "\"amount\":\"1.00\",\"currency\":\"USD\",\"terminal\":\"ABC123\","
	    "\"order_id\":\"ORCLASH1\"}", first);
	r = e2e("POST", "/__admin/transactions", JSON_CT, txn);
	cr_assert_eq(r->status, 201, "%s", r->body);
	refund_id(refund_default(",\"amount\":1"), second);
	cr_expect_str_neq(second, first);
	cr_expect_str_eq(e2e_get(status_of(first), "type"), "SALE");
}

Test(smartretry, ids_repeat_with_the_seed)
{
	char	first[16], again[16];

	refund_id(refund_default(",\"amount\":1"), first);
	cr_assert_eq(e2e("POST", "/__admin/reset", NULL, NULL)->status, 200);
	cr_expect_str_eq(refund_id(refund_default(",\"amount\":1"), again), first);
}

static void
arm(const char *rule)
{
	struct e2e_resp	*r = e2e("POST", "/__admin/faults", JSON_CT, rule);

	cr_assert_eq(r->status, 201, "fault: %s", r->body);
}

Test(smartretry, scenario_neutral_errors_in_problem_shape)
{
	struct e2e_resp	*r;

	arm("{\"match\":{\"provider\":\"smartretry\",\"nth\":1},\"action\":"
	    "{\"type\":\"respond\",\"error\":\"provider_unavailable\"}}");
	arm("{\"match\":{\"provider\":\"smartretry\",\"nth\":2},\"action\":"
	    "{\"type\":\"rate_limit\",\"retry_after_s\":3}}");
	expect_problem(e2e("POST", REFUND, HDRS, seed_body), 503, "SERVICE_UNAVAILABLE");
	r = e2e("POST", REFUND, HDRS, seed_body);
	expect_problem(r, 429, "RATE_LIMITED");
	cr_expect_str_eq(e2e_header(r, "Retry-After"), "3");
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(e2e("POST", REFUND, HDRS, seed_body)->status, 200);
}

Test(smartretry, scenario_decline_and_lifecycle)
{
	char		 declined[16], quick[16];
	struct e2e_resp	*r;

	arm("{\"match\":{\"provider\":\"smartretry\",\"operation\":\"refund.create\","
	    "\"times\":1},\"action\":{\"type\":\"decline\"}}");
	r = e2e("POST", "/__admin/scenarios", JSON_CT, "{\"name\":\"quick\","
	    "\"lifecycle\":{\"smartretry\":{\"settle_after_s\":5}}}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	r = refund_default(",\"amount\":10.00");
	refund_id(r, declined);
	cr_expect_str_eq(e2e_get(r, "accepted"), "true");
	refund_id(refund_default(",\"amount\":10.00"), quick);
	e2e_advance("5");
	cr_expect_str_eq(e2e_get(status_of(declined), "status"), "DECLINED");
	cr_expect_str_eq(e2e_get(status_of(quick), "status"), "APPROVED");
	cr_expect_str_eq(e2e_get(status_of(quick), "updated_at"),
	    "2026-04-09T14:00:05.000Z");
	cr_expect_str_eq(e2e_get(status_of("TX8A3F2C"), "refunded_amount"), "10.00");
}

Test(smartretry, key_in_flight_is_409_with_retry_after)
{
	char		*held = sr_request(HDRS SEED_KEY, seed_body);
	json_t		*body;
	struct e2e_resp	*r;
	int		 fd;

	arm("{\"match\":{\"provider\":\"smartretry\",\"nth\":1},\"action\":"
	    "{\"type\":\"delay\",\"ms\":300}}");
	fd = sr_send(held);
	/* The journal shows the held request once the server has taken it. */
	while (e2e_len(e2e("GET", "/__admin/journal?provider=smartretry", NULL, NULL),
	    "entries") == 0)
		;
	r = e2e("POST", REFUND, HDRS SEED_KEY, seed_body);
	expect_problem(r, 409, "IDEMPOTENCY_IN_PROGRESS");
	cr_expect_str_eq(e2e_header(r, "Retry-After"), "1");
	cr_expect_eq(sr_read(fd, &body), 200);
	cr_expect_str_eq(jsonx_string(json_object_get(body, "order_id")), "OR7B9E1D");
	json_decref(body);
	r = e2e("POST", REFUND, HDRS SEED_KEY, seed_body);
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Idempotency-Replayed"), "true");
	cr_expect_eq(e2e_refund_count(), 1);
	free(held);
}
