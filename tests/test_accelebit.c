/* Accelebit contract: every worked example and error row of docs/providers/accelebit.md. */
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "ids.h"
#include "util.h"

#define TXN		"f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define REFUNDS		"/accelebit/v1/refunds"
#define MAGIC(nn)	"ac000000-0000-4000-8000-0000000000" nn
#define SK		"X-API-Key: smtgw_sk_test_your_secret_key\r\n"
#define CREATE(key)	JSON_CT SK "Idempotency-Key: " key "\r\n"
#define NOBODY_KEY	"00000000-0000-4000-8000-000000000000"

TestSuite(accelebit, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

/* A create with any JSON body under the Idempotency-Key 'key'. */
static struct e2e_resp *
create_raw(const char *key, const char *body)
{
	char	headers[512];

	snprintf(headers, sizeof headers, JSON_CT SK "Idempotency-Key: %s\r\n", key);
	return (e2e("POST", REFUNDS, headers, body));
}

/* A refund of the decimal string 'amount' in 'ccy'. */
static struct e2e_resp *
refund(const char *key, const char *txn, const char *amount, const char *ccy)
{
	char	body[512];

	snprintf(body, sizeof body, "{\"transactionId\":\"%s\",\"amount\":\"%s\","
	    "\"currency\":\"%s\"}", txn, amount, ccy);
	return (create_raw(key, body));
}

static struct e2e_resp *
show(const char *id)
{
	char	path[256];

	snprintf(path, sizeof path, REFUNDS "/%s", id);
	return (e2e("GET", path, SK, NULL));
}

/* The status of refund 'id' now. */
static const char *
status_of(const char *id)
{
	struct e2e_resp	*r = show(id);

	cr_assert_eq(r->status, 200, "%s", r->body);
	return (e2e_get(r, "data.status"));
}

/* Refund 'id' is in 'status' since 'updated', failed for 'failure' (NULL: none). */
static void
expect_refund(const char *id, const char *status, const char *updated,
    const char *failure)
{
	struct e2e_resp	*r = show(id);

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "data.id"), id);
	cr_expect_str_eq(e2e_get(r, "data.status"), status, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "data.updatedAt"), updated, "%s", r->body);
	if (failure != NULL)
		cr_expect_str_eq(e2e_get(r, "data.failureReason"), failure);
	else
		cr_expect(json_is_null(e2e_node(r, "data.failureReason")), "%s", r->body);
}

/* What the admin API says is refunded of payment 'id'. */
static const char *
refunded_of(const char *id)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/transactions", NULL, NULL);
	char		 path[64];
	size_t		 i, n = e2e_len(r, "transactions");

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "transactions[%zu].id", i);
		if (strcmp(e2e_get(r, path), id) == 0) {
			snprintf(path, sizeof path, "transactions[%zu].refunded", i);
			return (e2e_get(r, path));
		}
	}
	cr_assert_fail("no transaction %s", id);
	return (NULL);
}

static void
arm_fault(const char *rule)
{
	struct e2e_resp	*r = e2e("POST", "/__admin/faults", JSON_CT, rule);

	cr_assert_eq(r->status, 201, "fault: %s", r->body);
}

/* The id of a created refund, copied out of the response. */
static void
created_id(const struct e2e_resp *r, char out[IDS_UUID_MAX])
{
	cr_assert_eq(r->status, 201, "%s", r->body);
	snprintf(out, IDS_UUID_MAX, "%s", e2e_get(r, "data.id"));
	cr_assert(ids_is_uuid(out), "id %s", out);
}

static void
expect_error(const struct e2e_resp *r, int status, const char *name)
{
	char	text[8];

	snprintf(text, sizeof text, "%d", status);
	cr_expect_eq(r->status, status, "status %d, body %s", r->status, r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	cr_expect(json_is_null(e2e_node(r, "data")), "data is not null: %s", r->body);
	cr_expect_str_eq(e2e_get(r, "error.status"), text, "body %s", r->body);
	cr_expect_str_eq(e2e_get(r, "error.name"), name, "body %s", r->body);
	cr_expect(strlen(e2e_get(r, "error.message")) > 0);
	cr_expect_str_eq(e2e_header(r, "X-RateLimit-Limit"), "100");
}

static const char seed_body[] =
    "{\n"
    "    \"transactionId\": \"" TXN "\",\n"
    "    \"amount\": \"55.00\",\n"
    "    \"currency\": \"EUR\",\n"
    "    \"reason\": \"Customer requested refund\"\n"
    "  }";

Test(accelebit, ex01_seed_curl_creates_a_refund)
{
	struct e2e_resp	*r = e2e("POST", REFUNDS, CREATE("refund_abc123"), seed_body);

	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	cr_expect(ids_is_uuid(e2e_get(r, "data.id")));
	cr_expect_eq(e2e_get(r, "data.id")[14], '4', "not a v4 UUID");
	cr_expect_str_eq(e2e_get(r, "data.transactionId"), TXN);
	cr_expect_str_eq(e2e_get(r, "data.amount"), "55.00");
	cr_expect(json_is_string(e2e_node(r, "data.amount")), "amount is not a string");
	cr_expect_str_eq(e2e_get(r, "data.currency"), "EUR");
	cr_expect_str_eq(e2e_get(r, "data.status"), "created");
	cr_expect_str_eq(e2e_get(r, "data.reason"), "Customer requested refund");
	cr_expect_str_eq(e2e_get(r, "data.createdAt"), E2E_EPOCH);
	cr_expect_null(e2e_header(r, "Idempotent-Replayed"));
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(accelebit, ex02_same_key_replays_the_first_response)
{
	struct e2e_resp	*a = e2e("POST", REFUNDS, CREATE("refund_abc123"), seed_body);
	struct e2e_resp	*b = e2e("POST", REFUNDS, CREATE("refund_abc123"), seed_body);

	cr_assert_eq(a->status, 201);
	cr_expect_eq(b->status, 201);
	cr_expect_str_eq(a->body, b->body);
	cr_expect_str_eq(e2e_header(b, "Idempotent-Replayed"), "true");
	cr_expect_eq(e2e_refund_count(), 1);
	cr_expect_str_eq(refunded_of(TXN), "55.00");
}

Test(accelebit, ex03_same_key_other_body_is_idempotency_error)
{
	cr_assert_eq(refund("k1", TXN, "55.00", "EUR")->status, 201);
	expect_error(refund("k1", TXN, "56.00", "EUR"), 422, "IdempotencyError");
	cr_expect_eq(e2e_refund_count(), 1);
	/* The conflict stored nothing: the original still replays. */
	cr_expect_str_eq(e2e_header(refund("k1", TXN, "55.00", "EUR"),
	    "Idempotent-Replayed"), "true");
}

Test(accelebit, ex04_missing_idempotency_key_is_validation_error)
{
	struct e2e_resp	*r = e2e("POST", REFUNDS, JSON_CT SK, seed_body);

	expect_error(r, 400, "ValidationError");
	cr_expect_str_eq(e2e_get(r, "error.message"), "Idempotency-Key header is required");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, ex05_missing_key_is_401_publishable_key_is_403)
{
	expect_error(e2e("POST", REFUNDS, JSON_CT "Idempotency-Key: a\r\n", seed_body),
	    401, "AuthenticationError");
	expect_error(e2e("POST", REFUNDS, JSON_CT "Idempotency-Key: a\r\n"
	    "X-API-Key: smtgw_pk_test_x\r\n", seed_body), 403, "PermissionError");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, ex06_lowercase_currency_is_uppercased)
{
	struct e2e_resp	*r = refund("k", TXN, "10.00", "eur");

	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "data.currency"), "EUR");
	/* Uppercased before processing: "EUR" under the same key is the same request. */
	cr_expect_str_eq(e2e_header(refund("k", TXN, "10.00", "EUR"),
	    "Idempotent-Replayed"), "true");
}

Test(accelebit, ex07_other_currency_is_a_mismatch)
{
	expect_error(refund("k", TXN, "10.00", "USD"), 422, "CurrencyMismatchError");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, ex08_bad_amounts_are_400)
{
	static const char *const amounts[] = { "55", "\"1.001\"", "\"-1.00\"",
	    "\"0\"", "\"0.00\"", "\"\"", "\"abc\"", "\"1e2\"", "\" 1.00\"",
	    "\"+1.00\"", "\"99999999999999999999\"", "null", "true", "{}" };
	char		 body[256];
	size_t		 i;

	for (i = 0; i < nitems(amounts); i++) {
		struct e2e_resp *r;
		snprintf(body, sizeof body, "{\"transactionId\":\"" TXN "\","
		    "\"amount\":%s,\"currency\":\"EUR\"}", amounts[i]);
		r = create_raw("bad", body);
		expect_error(r, 400, "ValidationError");
		cr_expect(strstr(e2e_get(r, "error.message"), "amount") != NULL,
		    "message for %s: %s", amounts[i], r->body);
	}
	cr_expect_eq(e2e_refund_count(), 0);
	/* A 400 keeps nothing under its key: a good retry goes through. */
	cr_expect_eq(refund("bad", TXN, "1.00", "EUR")->status, 201);
}

Test(accelebit, ex09_over_refund_then_the_exact_rest)
{
	struct e2e_resp	*r;

	cr_assert_eq(e2e("POST", REFUNDS, CREATE("refund_abc123"), seed_body)->status, 201);
	r = refund("k2", TXN, "45.01", "EUR");
	expect_error(r, 422, "RefundExceedsPaymentError");
	cr_expect_str_eq(e2e_get(r, "error.message"),
	    "Refund amount 45.01 EUR exceeds the refundable amount 45.00 EUR.");
	cr_expect_eq(refund("k3", TXN, "45.00", "EUR")->status, 201);
	cr_expect_str_eq(refunded_of(TXN), "100.00");
}

Test(accelebit, ex10_lifecycle_created_pending_succeeded)
{
	static const struct {
		char	advance[8];
		char	status[16];
		char	updated[32];
	} steps[] = {
		{ "0", "created", E2E_EPOCH },
		{ "0.999", "created", E2E_EPOCH },
		{ "0.001", "pending", "2026-04-09T14:00:01.000Z" },
		{ "3.999", "pending", "2026-04-09T14:00:01.000Z" },
		{ "0.001", "succeeded", "2026-04-09T14:00:05.000Z" },
		{ "86400", "succeeded", "2026-04-09T14:00:05.000Z" },
	};
	char		 id[IDS_UUID_MAX];
	struct e2e_resp	*r;
	size_t		 i;

	created_id(e2e("POST", REFUNDS, CREATE("refund_abc123"), seed_body), id);
	for (i = 0; i < nitems(steps); i++) {
		e2e_advance(steps[i].advance);
		expect_refund(id, steps[i].status, steps[i].updated, NULL);
	}
	r = show(id);
	cr_expect_str_eq(e2e_get(r, "data.amount"), "55.00");
	cr_expect_str_eq(e2e_get(r, "data.reason"), "Customer requested refund");
	cr_expect_str_eq(e2e_get(r, "data.transactionId"), TXN);
	cr_expect_str_eq(e2e_get(r, "data.createdAt"), E2E_EPOCH);
}

Test(accelebit, ex11_magic_01_declines_and_returns_the_balance)
{
	char	first[IDS_UUID_MAX], second[IDS_UUID_MAX];

	created_id(refund("d1", MAGIC("01"), "10.00", "EUR"), first);
	e2e_advance("5");
	expect_refund(first, "failed", "2026-04-09T14:00:05.000Z", "declined_by_upstream");
	created_id(refund("d2", MAGIC("01"), "50.00", "EUR"), second);
	e2e_advance("5");
	expect_refund(second, "failed", "2026-04-09T14:00:10.000Z", "declined_by_upstream");
	cr_expect_str_eq(refunded_of(MAGIC("01")), "0.00");
}

Test(accelebit, ex12_reason_of_501_characters_is_400)
{
	char	reason[502], body[700];

	memset(reason, 'x', 501);
	reason[501] = '\0';
	snprintf(body, sizeof body, "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\","
	    "\"currency\":\"EUR\",\"reason\":\"%s\"}", reason);
	expect_error(create_raw("long", body), 400, "ValidationError");
	cr_expect_eq(e2e_refund_count(), 0);
	/* 500 characters, even multi-byte ones, are fine. */
	reason[500] = '\0';
	snprintf(body, sizeof body, "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\","
	    "\"currency\":\"EUR\",\"reason\":\"\xc3\xa9%s\"}", reason + 1);
	cr_expect_eq(create_raw("long", body)->status, 201, "%s", body);
}

/* Reads one whole response (the server closes) from 'fd' and returns its status. */
static int
read_status(int fd)
{
	char	buf[8192];
	size_t	len = 0;
	ssize_t	n;
	int	status = 0;

	while (len < sizeof buf - 1 &&
	    (n = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return (-1);
	return (status);
}

/* A socket that has sent a whole refund request and not read anything yet. */
static int
send_refund(const char *key, const char *txn, const char *amount)
{
	char	body[256], req[1024];
	int	fd = e2e_connect(5000), n;

	snprintf(body, sizeof body, "{\"transactionId\":\"%s\",\"amount\":\"%s\","
	    "\"currency\":\"EUR\"}", txn, amount);
	n = snprintf(req, sizeof req, "POST " REFUNDS " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n" JSON_CT SK "Idempotency-Key: %s\r\n"
	    "Content-Length: %zu\r\n\r\n%s", key, strlen(body), body);
	cr_assert_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
	return (fd);
}

Test(accelebit, ex13_forty_concurrent_refunds_never_exceed_the_payment)
{
	int	fds[40], created = 0, rejected = 0, st;
	char	key[32];
	size_t	i;

	for (i = 0; i < nitems(fds); i++) {
		snprintf(key, sizeof key, "burst-%zu", i);
		fds[i] = send_refund(key, TXN, "5.00");
	}
	for (i = 0; i < nitems(fds); i++) {
		st = read_status(fds[i]);
		created += st == 201;
		rejected += st == 422;
	}
	/* One event loop serialises them: exactly the 20 that fit go through. */
	cr_expect_eq(created, 20, "created %d, rejected %d", created, rejected);
	cr_expect_eq(rejected, 20, "created %d, rejected %d", created, rejected);
	cr_expect_eq(e2e_refund_count(), 20);
	cr_expect_str_eq(refunded_of(TXN), "100.00");
}

Test(accelebit, error_invalid_or_empty_key_is_401)
{
	static const char *const keys[] = { "X-API-Key: invalid\r\n", "X-API-Key:\r\n" };
	char		 headers[256];
	size_t		 i;

	for (i = 0; i < nitems(keys); i++) {
		snprintf(headers, sizeof headers, JSON_CT "Idempotency-Key: a\r\n%s", keys[i]);
		expect_error(e2e("POST", REFUNDS, headers, seed_body), 401,
		    "AuthenticationError");
		snprintf(headers, sizeof headers, "%s", keys[i]);
		expect_error(e2e("GET", REFUNDS "/" NOBODY_KEY, headers, NULL), 401,
		    "AuthenticationError");
		expect_error(e2e("GET", REFUNDS "?transactionId=" TXN, headers, NULL),
		    401, "AuthenticationError");
	}
	expect_error(e2e("GET", REFUNDS "/" NOBODY_KEY, NULL, NULL), 401,
	    "AuthenticationError");
	expect_error(e2e("GET", REFUNDS "/" NOBODY_KEY, "X-API-Key: smtgw_pk_live_1\r\n",
	    NULL), 403, "PermissionError");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, error_idempotency_key_format)
{
	char	headers[512], key[257];

	memset(key, 'k', 256);
	key[256] = '\0';
	snprintf(headers, sizeof headers, JSON_CT SK "Idempotency-Key: %s\r\n", key);
	expect_error(e2e("POST", REFUNDS, headers, seed_body), 400, "ValidationError");
	expect_error(e2e("POST", REFUNDS, JSON_CT SK "Idempotency-Key: caf\xc3\xa9\r\n",
	    seed_body), 400, "ValidationError");
	cr_expect_eq(e2e_refund_count(), 0);
	key[255] = '\0';
	snprintf(headers, sizeof headers, JSON_CT SK "Idempotency-Key: %s\r\n", key);
	cr_expect_eq(e2e("POST", REFUNDS, headers, seed_body)->status, 201);
	cr_expect_eq(e2e("POST", REFUNDS, CREATE("a b ~!@#$%^&*()"), "{\"transactionId\":"
	    "\"" TXN "\",\"amount\":\"1\",\"currency\":\"EUR\"}")->status, 201);
}

Test(accelebit, error_not_json_is_415)
{
	expect_error(e2e("POST", REFUNDS, "Content-Type: text/plain\r\n" SK
	    "Idempotency-Key: a\r\n", seed_body), 415, "UnsupportedMediaTypeError");
	expect_error(e2e("POST", REFUNDS, SK "Idempotency-Key: a\r\n", seed_body), 415,
	    "UnsupportedMediaTypeError");
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(e2e("POST", REFUNDS, "Content-Type: application/json; charset=utf-8\r\n"
	    SK "Idempotency-Key: a\r\n", seed_body)->status, 201);
}

Test(accelebit, error_bad_json_is_validation_error)
{
	static const char *const bodies[] = { "{", "", "[1,2]", "\"x\"",
	    "{\"amount\":\"1.00\",\"amount\":\"2.00\"}", "{\"reason\":\"\xff\"}" };
	size_t	i;

	for (i = 0; i < nitems(bodies); i++)
		expect_error(create_raw("j", bodies[i]), 400, "ValidationError");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, error_missing_fields_and_wrong_types)
{
	static const struct {
		const char	*body;
		const char	*field;
	} cases[] = {
		{ "{\"amount\":\"1.00\",\"currency\":\"EUR\"}", "transactionId" },
		{ "{\"transactionId\":\"" TXN "\",\"currency\":\"EUR\"}", "amount" },
		{ "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\"}", "currency" },
		{ "{\"transactionId\":12,\"amount\":\"1.00\",\"currency\":\"EUR\"}",
		    "transactionId" },
		{ "{\"transactionId\":\"\",\"amount\":\"1.00\",\"currency\":\"EUR\"}",
		    "transactionId" },
		{ "{\"transactionId\":\"TX-1\",\"amount\":\"1.00\",\"currency\":\"EUR\"}",
		    "transactionId" },
		{ "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\",\"currency\":978}",
		    "currency" },
		{ "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\",\"currency\":\"EURO\"}",
		    "currency" },
		{ "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\",\"currency\":\"XYZ\"}",
		    "currency" },
		{ "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\",\"currency\":\"E1R\"}",
		    "currency" },
		{ "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\",\"currency\":\"EUR\","
		    "\"reason\":5}", "reason" },
		{ "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\",\"currency\":\"EUR\","
		    "\"reason\":[\"a\"]}", "reason" },
	};
	size_t	i;

	for (i = 0; i < nitems(cases); i++) {
		struct e2e_resp *r = create_raw("f", cases[i].body);
		expect_error(r, 400, "ValidationError");
		cr_expect(strstr(e2e_get(r, "error.message"), cases[i].field) != NULL,
		    "case %zu: %s", i, r->body);
	}
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, error_unknown_payment_and_refund_are_404)
{
	expect_error(refund("u", NOBODY_KEY, "1.00", "EUR"), 404, "NotFoundError");
	expect_error(show(NOBODY_KEY), 404, "NotFoundError");
	expect_error(show("not-a-uuid"), 404, "NotFoundError");
	expect_error(e2e("GET", REFUNDS "?transactionId=" NOBODY_KEY, SK, NULL), 404,
	    "NotFoundError");
	cr_expect_eq(e2e_refund_count(), 0);
	/* A 404 keeps nothing under its key. */
	cr_expect_eq(refund("u", TXN, "1.00", "EUR")->status, 201);
}

Test(accelebit, error_business_rules_are_422_and_kept_under_the_key)
{
	struct e2e_resp	*a, *b;

	expect_error(refund("b4", MAGIC("04"), "1.00", "EUR"), 422, "PaymentNotCapturedError");
	expect_error(refund("b5", MAGIC("05"), "1.00", "EUR"), 422,
	    "PaymentAlreadyRefundedError");
	expect_error(refund("b9", MAGIC("09"), "1.00", "EUR"), 422, "PaymentVoidedError");
	a = refund("b8", MAGIC("08"), "60.01", "EUR");
	expect_error(a, 422, "RefundExceedsPaymentError");
	cr_expect_str_eq(e2e_get(a, "error.message"),
	    "Refund amount 60.01 EUR exceeds the refundable amount 60.00 EUR.");
	b = refund("b8", MAGIC("08"), "60.01", "EUR");
	cr_expect_eq(b->status, 422);
	cr_expect_str_eq(a->body, b->body);
	cr_expect_str_eq(e2e_header(b, "Idempotent-Replayed"), "true");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, error_in_flight_key_is_409)
{
	struct e2e_resp	*r;
	int		 fd;

	arm_fault("{\"match\":{\"provider\":\"accelebit\",\"operation\":\"refund.create\","
	    "\"nth\":1},\"action\":{\"type\":\"delay\",\"ms\":1000}}");
	fd = send_refund("slow", TXN, "1.00");
	/* Journaled: dispatched, its key in flight while the delay holds the reply. */
	cr_assert_eq(e2e_len(e2e_await_journal(NULL, 1, 5000), "entries"), 1);
	r = refund("slow", TXN, "1.00", "EUR");
	expect_error(r, 409, "IdempotencyError");
	cr_expect_eq(read_status(fd), 201);
	cr_expect_str_eq(e2e_header(refund("slow", TXN, "1.00", "EUR"),
	    "Idempotent-Replayed"), "true");
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(accelebit, error_rate_limited_is_429_with_retry_after)
{
	struct e2e_resp	*r;

	arm_fault("{\"match\":{\"provider\":\"accelebit\",\"times\":1},"
	    "\"action\":{\"type\":\"rate_limit\",\"retry_after_s\":7}}");
	r = refund("rl", TXN, "1.00", "EUR");
	expect_error(r, 429, "RateLimitError");
	cr_expect_str_eq(e2e_header(r, "Retry-After"), "7");
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(refund("rl", TXN, "1.00", "EUR")->status, 201);
}

Test(accelebit, error_scenario_neutral_names_in_accelebit_shape)
{
	arm_fault("{\"match\":{\"provider\":\"accelebit\",\"times\":1},\"action\":"
	    "{\"type\":\"respond\",\"error\":\"provider_unavailable\"}}");
	expect_error(refund("n", TXN, "1.00", "EUR"), 503, "UpstreamUnavailableError");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, rate_limit_headers_on_every_reply)
{
	struct e2e_resp	*a = refund("r1", TXN, "1.00", "EUR");
	struct e2e_resp	*b = e2e("GET", REFUNDS "/" NOBODY_KEY, SK, NULL);
	struct e2e_resp	*c = e2e("GET", REFUNDS "/" NOBODY_KEY, "X-API-Key: other\r\n", NULL);

	cr_expect_str_eq(e2e_header(a, "X-RateLimit-Limit"), "100");
	cr_expect_str_eq(e2e_header(a, "X-RateLimit-Remaining"), "99");
	/* 2026-04-09T14:00:00Z is 1775743200; the window ends a second later. */
	cr_expect_str_eq(e2e_header(a, "X-RateLimit-Reset"), "1775743201");
	cr_expect_str_eq(e2e_header(b, "X-RateLimit-Remaining"), "98");
	cr_expect_str_eq(e2e_header(c, "X-RateLimit-Remaining"), "99");
	e2e_advance("1");
	cr_expect_str_eq(e2e_header(refund("r1", TXN, "1.00", "EUR"),
	    "X-RateLimit-Remaining"), "99");
}

Test(accelebit, unknown_path_is_404_wrong_method_is_405)
{
	struct e2e_resp	*r = e2e("DELETE", REFUNDS, SK, NULL);

	expect_error(r, 405, "MethodNotAllowedError");
	cr_expect_str_eq(e2e_header(r, "Allow"), "POST, GET");
	r = e2e("POST", REFUNDS "/" NOBODY_KEY, JSON_CT SK, "{}");
	expect_error(r, 405, "MethodNotAllowedError");
	cr_expect_str_eq(e2e_header(r, "Allow"), "GET");
	expect_error(e2e("POST", "/accelebit/v1/refund", CREATE("p"), seed_body), 404,
	    "NotFoundError");
	expect_error(e2e("GET", "/accelebit/v2/refunds", SK, NULL), 404, "NotFoundError");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, oversize_body_is_413)
{
	expect_error(e2e_post_oversize(REFUNDS, CREATE("big")), 413, "PayloadTooLargeError");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(accelebit, rejected_requests_change_nothing)
{
	struct e2e_resp	*r;

	e2e("POST", REFUNDS, JSON_CT "Idempotency-Key: z\r\n", seed_body);
	e2e("POST", REFUNDS, JSON_CT "X-API-Key: smtgw_pk_x\r\nIdempotency-Key: z\r\n",
	    seed_body);
	e2e("POST", REFUNDS, JSON_CT SK, seed_body);
	e2e("POST", REFUNDS, "Content-Type: text/plain\r\n" SK "Idempotency-Key: z\r\n",
	    seed_body);
	create_raw("z", "{nope");
	refund("z", TXN, "1.001", "EUR");
	refund("z", NOBODY_KEY, "1.00", "EUR");
	refund("w", MAGIC("04"), "1.00", "EUR");
	refund("y", TXN, "100.01", "EUR");
	refund("x", TXN, "1.00", "GBP");
	r = e2e("GET", "/__admin/refunds", NULL, NULL);
	cr_expect_eq(e2e_len(r, "refunds"), 0, "%s", r->body);
	cr_expect_str_eq(refunded_of(TXN), "0.00");
	/* None of the 4xx before the business rules kept key "z". */
	cr_expect_eq(refund("z", TXN, "100.00", "EUR")->status, 201);
}

Test(accelebit, magic_02_stays_pending_forever)
{
	char	id[IDS_UUID_MAX];

	created_id(refund("s", MAGIC("02"), "50.00", "EUR"), id);
	e2e_advance("1");
	cr_expect_str_eq(status_of(id), "pending");
	e2e_advance("2592000");
	cr_expect_str_eq(status_of(id), "pending");
	expect_error(refund("s2", MAGIC("02"), "0.01", "EUR"), 422,
	    "PaymentAlreadyRefundedError");
}

Test(accelebit, magic_03_fails_after_pending_with_upstream_error)
{
	char	id[IDS_UUID_MAX];

	created_id(refund("f", MAGIC("03"), "20.00", "EUR"), id);
	e2e_advance("1");
	expect_refund(id, "pending", "2026-04-09T14:00:01.000Z", NULL);
	e2e_advance("4");
	expect_refund(id, "failed", "2026-04-09T14:00:05.000Z", "upstream_error");
	cr_expect_eq(refund("f2", MAGIC("03"), "50.00", "EUR")->status, 201);
}

Test(accelebit, magic_06_to_08_amounts_in_their_currencies)
{
	struct e2e_resp	*r;

	expect_error(refund("j1", MAGIC("06"), "1.5", "JPY"), 400, "ValidationError");
	r = refund("j2", MAGIC("06"), "1500", "JPY");
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "data.amount"), "1500");
	expect_error(refund("k1", MAGIC("07"), "12.3456", "KWD"), 400, "ValidationError");
	r = refund("k2", MAGIC("07"), "12", "kwd");
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "data.amount"), "12.000");
	cr_expect_str_eq(e2e_get(r, "data.currency"), "KWD");
	r = refund("k3", MAGIC("07"), "0.346", "KWD");
	cr_expect_str_eq(e2e_get(r, "error.message"),
	    "Refund amount 0.346 KWD exceeds the refundable amount 0.345 KWD.");
	r = refund("e1", MAGIC("08"), "55", "EUR");
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "data.amount"), "55.00");
	cr_expect_eq(refund("e2", MAGIC("08"), "5.00", "EUR")->status, 201);
	expect_error(refund("e3", MAGIC("08"), "0.01", "EUR"), 422,
	    "PaymentAlreadyRefundedError");
}

Test(accelebit, list_is_newest_first)
{
	char		 a[IDS_UUID_MAX], b[IDS_UUID_MAX];
	struct e2e_resp	*r;

	r = e2e("GET", REFUNDS "?transactionId=" TXN, SK, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_eq(e2e_len(r, "data"), 0);
	cr_expect(json_is_array(e2e_node(r, "data")));
	created_id(refund("l1", TXN, "10.00", "EUR"), a);
	e2e_advance("2");
	created_id(refund("l2", TXN, "20.00", "EUR"), b);
	r = e2e("GET", REFUNDS "?transactionId=" TXN, SK, NULL);
	cr_assert_eq(e2e_len(r, "data"), 2, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "data[0].id"), b);
	cr_expect_str_eq(e2e_get(r, "data[0].status"), "created");
	cr_expect_str_eq(e2e_get(r, "data[1].id"), a);
	cr_expect_str_eq(e2e_get(r, "data[1].status"), "pending");
	cr_expect_str_eq(e2e_get(r, "data[1].updatedAt"), "2026-04-09T14:00:01.000Z");
	expect_error(e2e("GET", REFUNDS, SK, NULL), 400, "ValidationError");
	expect_error(e2e("GET", REFUNDS "?transactionId=nope", SK, NULL), 400,
	    "ValidationError");
}

Test(accelebit, uuids_match_in_any_case)
{
	char	id[IDS_UUID_MAX], upper[IDS_UUID_MAX];
	size_t	i;

	created_id(refund("c", "F47AC10B-58CC-4372-A567-0E02B2C3D479", "1.00", "EUR"), id);
	for (i = 0; i < sizeof id; i++)
		upper[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 32 : id[i]);
	cr_expect_str_eq(e2e_get(show(upper), "data.transactionId"), TXN);
}

Test(accelebit, reason_is_null_when_absent)
{
	struct e2e_resp	*r = refund("n", TXN, "1.00", "EUR");

	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_expect(json_is_null(e2e_node(r, "data.reason")), "%s", r->body);
	r = create_raw("n2", "{\"transactionId\":\"" TXN "\",\"amount\":\"1.00\","
	    "\"currency\":\"EUR\",\"reason\":null,\"metadata\":{\"x\":1}}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_expect(json_is_null(e2e_node(r, "data.reason")), "%s", r->body);
}

Test(accelebit, idempotency_window_is_24_hours)
{
	struct e2e_resp	*r;

	cr_assert_eq(refund("w", TXN, "1.00", "EUR")->status, 201);
	e2e_advance("86399");
	expect_error(refund("w", TXN, "2.00", "EUR"), 422, "IdempotencyError");
	e2e_advance("1");
	r = refund("w", TXN, "2.00", "EUR");
	cr_expect_eq(r->status, 201, "%s", r->body);
	cr_expect_null(e2e_header(r, "Idempotent-Replayed"));
	cr_expect_eq(e2e_refund_count(), 2);
}

Test(accelebit, settle_after_moves_the_final_step)
{
	char		 id[IDS_UUID_MAX];
	struct e2e_resp	*r = e2e("POST", "/__admin/scenarios", JSON_CT,
	    "{\"name\":\"slow-settle\",\"lifecycle\":{\"accelebit\":"
	    "{\"settle_after_s\":30}}}");

	cr_assert_eq(r->status, 201, "%s", r->body);
	created_id(refund("s", TXN, "1.00", "EUR"), id);
	e2e_advance("1");
	cr_expect_str_eq(status_of(id), "pending");
	e2e_advance("28");
	cr_expect_str_eq(status_of(id), "pending");
	e2e_advance("1");
	cr_expect_str_eq(status_of(id), "succeeded");
}

Test(accelebit, journal_and_admin_name_the_refund)
{
	char		 id[IDS_UUID_MAX];
	struct e2e_resp	*r;

	created_id(refund("j", TXN, "1.00", "EUR"), id);
	r = e2e("GET", "/__admin/refunds?provider=accelebit", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "refunds[0].id"), id);
	cr_expect_str_eq(e2e_get(r, "refunds[0].transaction_id"), TXN);
	cr_expect_str_eq(e2e_get(r, "refunds[0].amount"), "1.00");
	r = e2e("GET", "/__admin/journal?provider=accelebit", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "entries[0].operation"), "refund.create");
	cr_expect_str_eq(e2e_get(r, "entries[0].refund_id"), id);
}

Test(accelebit, ids_repeat_with_the_seed)
{
	char	first[IDS_UUID_MAX], again[IDS_UUID_MAX];

	created_id(refund("i", TXN, "1.00", "EUR"), first);
	cr_assert_eq(e2e("POST", "/__admin/reset", NULL, NULL)->status, 200);
	created_id(refund("i", TXN, "1.00", "EUR"), again);
	cr_expect_str_eq(first, again);
}
