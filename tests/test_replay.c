/*
 * Issue 13, memory per refund: an idempotent replay is rendered again from
 * the refund and the first reply's status instead of kept as text, and must
 * be the first reply byte for byte (status line, every header, body) but for
 * the headers that are per request by design:
 *
 *   Date                       the wall clock of each reply
 *   X-RateLimit-Remaining      counted per request (decorate, every reply)
 *   X-RateLimit-Reset          the next second of virtual time, which moved
 *   Idempotency-Replayed,      only the replay has it
 *   Idempotent-Replayed
 *   X-Trace-Id                 SmartPay's, new for every request
 *
 * X-RateLimit-Limit, Content-Type and Content-Length are compared.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "e2e.h"
#include "util.h"

#define SESSION(n)	"X-Paymock-Session: " n "\r\n"
#define SR_REFUND	"/smartretry/v1/payments/refund/ABC123"
#define SR_STATUS	"/smartretry/v1/payments/status/ABC123/"
#define SR_KEY		"x-api-key: k\r\n"
#define AB_REFUNDS	"/accelebit/v1/refunds"
#define AB_KEY		"X-API-Key: sk_test_k\r\n"
#define AB_DECLINES	"ac000000-0000-4000-8000-000000000001"

TestSuite(replay, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

static const char *const replay_per_request[] = {
	"Date", "X-RateLimit-Remaining", "X-RateLimit-Reset",
	"Idempotency-Replayed", "Idempotent-Replayed", "X-Trace-Id",
};

/* The reply's head without the per-request headers, lines in order. */
static char *
replay_head(const struct e2e_resp *r)
{
	struct buf	 b = { 0 };
	const char	*line, *end;
	size_t		 i, n;
	int		 skip;

	for (line = r->head; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		n = (size_t)(end - line);
		for (i = 0, skip = 0; i < nitems(replay_per_request); i++) {
			size_t k = strlen(replay_per_request[i]);
			skip |= n > k && line[k] == ':' &&
			    strncasecmp(line, replay_per_request[i], k) == 0;
		}
		if (!skip)
			buf_add(&b, line, end - line + (*end != '\0'));
	}
	return (buf_steal(&b));
}

/* 'again' is 'first' again: the same bytes but the per-request headers. */
static void
expect_same_reply(const struct e2e_resp *first, const struct e2e_resp *again)
{
	char	*a = replay_head(first), *b = replay_head(again);

	cr_expect_eq(again->status, first->status);
	cr_expect_str_eq(b, a, "heads differ:\n%s\n--- replay:\n%s", a, b);
	cr_expect_eq(again->body_len, first->body_len);
	cr_expect_str_eq(again->body, first->body);
	free(a);
	free(b);
}

/* ...and only the replay says it is one. */
static void
expect_replay(const struct e2e_resp *first, const struct e2e_resp *again,
    const char *replayed)
{
	expect_same_reply(first, again);
	cr_expect_null(e2e_header(first, replayed));
	cr_expect_str_eq(e2e_header(again, replayed), "true");
}

/* A provider whose creates take an Idempotency-Key, and how to ask a refund's state. */
struct keyed {
	const char	*create;	/* the create's path */
	const char	*auth;		/* a header line */
	const char	*status;	/* the status path, before the refund's id */
	const char	*state;		/* the state's place in the status reply */
	const char	*id;		/* the refund id's place in the create's reply */
	const char	*replayed;	/* the header only a replay has */
};

static const struct keyed sr_api = { SR_REFUND, SR_KEY, SR_STATUS, "status",
    "transaction_id", "Idempotency-Replayed" };
static const struct keyed ab_api = { AB_REFUNDS, AB_KEY, AB_REFUNDS "/",
    "data.status", "data.id", "Idempotent-Replayed" };

static struct e2e_resp *
create(const struct keyed *p, const char *session, const char *key, const char *body)
{
	char	headers[256];

	snprintf(headers, sizeof headers, "%s%s" JSON_CT "Idempotency-Key: %s\r\n",
	    session, p->auth, key);
	return (e2e("POST", p->create, headers, body));
}

/* The refund's state now, as its provider's GET says it. */
static const char *
state(const struct keyed *p, const char *session, const char *id)
{
	char	path[128], headers[128];

	snprintf(path, sizeof path, "%s%s", p->status, id);
	snprintf(headers, sizeof headers, "%s%s", session, p->auth);
	return (e2e_get(e2e("GET", path, headers, NULL), p->state));
}

/*
 * Creates a refund of each of 'bodies' with a key, moves the clock an hour
 * on, checks that each refund is now 'settled', and that a replay of each
 * is its first reply; the first replies go to 'first'.
 */
static void
expect_replays_after_an_hour(const struct keyed *p, const char *session,
    const char *const *bodies, size_t n, const char *settled,
    struct e2e_resp **first)
{
	char	key[16];
	size_t	i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "k-%zu", i);
		first[i] = create(p, session, key, bodies[i]);
		cr_assert_eq(first[i]->status / 100, 2, "%s", first[i]->body);
	}
	e2e_advance_in(session, "3600");
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "k-%zu", i);
		cr_expect_str_eq(state(p, session, e2e_get(first[i], p->id)), settled);
		expect_replay(first[i], create(p, session, key, bodies[i]), p->replayed);
	}
}

Test(replay, smartretry_after_settlement_is_the_first_reply)
{
	static const char	*bodies[] = {
		"{\"transaction_reference_id\":\"TX8A3F2C\",\"order_reference_id\":"
		"\"OR7B9E1D\",\"amount\":10.00,\"merchant_transaction_id\":\"mt-\\u00e9-1\"}",
		/* No merchant_transaction_id: the reply says "". */
		"{\"transaction_reference_id\":\"TX8A3F2C\",\"order_reference_id\":"
		"\"OR7B9E1D\",\"amount\":5}",
	};
	struct e2e_resp		*first[nitems(bodies)];

	expect_replays_after_an_hour(&sr_api, SESSION("sr"), bodies, nitems(bodies),
	    "APPROVED", first);
	cr_expect_str_eq(e2e_get(first[0], "merchant_transaction_id"), "mt-\u00e9-1");
	cr_expect_str_eq(e2e_get(first[1], "merchant_transaction_id"), "");
}

Test(replay, accelebit_after_settlement_is_the_first_reply)
{
	static const char	*bodies[] = {
		"{\"transactionId\":\"F47AC10B-58CC-4372-A567-0E02B2C3D479\","
		"\"amount\":\"10.00\",\"currency\":\"eur\",\"reason\":\"a \\\"quoted\\\" why\"}",
		"{\"transactionId\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\","
		"\"amount\":\"1.50\",\"currency\":\"EUR\"}",
	};
	struct e2e_resp		*first[nitems(bodies)];

	expect_replays_after_an_hour(&ab_api, SESSION("ab"), bodies, nitems(bodies),
	    "succeeded", first);
	cr_expect_str_eq(e2e_get(first[0], "data.status"), "created");
	cr_expect_str_eq(e2e_get(first[0], "data.reason"), "a \"quoted\" why");
	cr_expect(json_is_null(e2e_node(first[1], "data.reason")));
}

/* A magic transaction declines its refunds: the replay still shows the start. */
Test(replay, after_a_decline_is_the_first_reply)
{
	static const char	*sr_body[] = { "{\"transaction_reference_id\":\"TXDECL01\","
	    "\"order_reference_id\":\"ORDECL01\",\"amount\":1}" };
	static const char	*ab_body[] = { "{\"transactionId\":\"" AB_DECLINES "\","
	    "\"amount\":\"1.00\",\"currency\":\"EUR\"}" };
	struct e2e_resp		*first[1];

	expect_replays_after_an_hour(&sr_api, SESSION("d"), sr_body, 1, "DECLINED", first);
	cr_expect_str_eq(e2e_get(first[0], "accepted"), "true");
	expect_replays_after_an_hour(&ab_api, SESSION("d"), ab_body, 1, "failed", first);
	cr_expect_str_eq(e2e_get(first[0], "data.status"), "created");
}

/* A stored rejection keeps its text, and its replay is that text. */
Test(replay, a_stored_422_is_the_first_reply)
{
	static const char	 sr_body[] = "{\"transaction_reference_id\":\"TX8A3F2C\","
	    "\"order_reference_id\":\"OR7B9E1D\",\"amount\":1000}";
	static const char	 ab_body[] = "{\"transactionId\":\"f47ac10b-58cc-4372-a567-"
	    "0e02b2c3d479\",\"amount\":\"1000.00\",\"currency\":\"EUR\"}";
	struct e2e_resp		*sr = create(&sr_api, SESSION("r"), "rej", sr_body);
	struct e2e_resp		*ab = create(&ab_api, SESSION("r"), "rej", ab_body);

	cr_assert_eq(sr->status, 422, "%s", sr->body);
	cr_assert_eq(ab->status, 422, "%s", ab->body);
	e2e_advance_in(SESSION("r"), "60");
	expect_replay(sr, create(&sr_api, SESSION("r"), "rej", sr_body), sr_api.replayed);
	expect_replay(ab, create(&ab_api, SESSION("r"), "rej", ab_body), ab_api.replayed);
}

/*
 * Records go with the refunds they point at: after a reset the key is new
 * (another body under it would otherwise be a 422 conflict).
 */
Test(replay, a_reset_forgets_the_key_with_the_refund)
{
	static const char	 body[] = "{\"transactionId\":\"f47ac10b-58cc-4372-a567-"
	    "0e02b2c3d479\",\"amount\":\"2.00\",\"currency\":\"EUR\"}";
	static const char	 other[] = "{\"transactionId\":\"f47ac10b-58cc-4372-a567-"
	    "0e02b2c3d479\",\"amount\":\"3.00\",\"currency\":\"EUR\"}";
	struct e2e_resp		*again;

	cr_assert_eq(create(&ab_api, SESSION("z"), "k", body)->status, 201);
	cr_assert_eq(create(&ab_api, SESSION("z"), "k", other)->status, 422);
	cr_assert_eq(e2e("POST", "/__admin/reset", SESSION("z"), NULL)->status, 200);
	again = create(&ab_api, SESSION("z"), "k", other);
	cr_expect_eq(again->status, 201, "%s", again->body);
	cr_expect_null(e2e_header(again, ab_api.replayed));
	cr_expect_str_eq(e2e_get(again, "data.amount"), "3.00");
}

/*
 * SmartPay's modificationId retry is the first reply, even after the
 * decline (docs/providers/smartpay.md, idempotency); the status view has
 * the refund now.
 */
Test(replay, smartpay_after_settlement_is_the_first_reply)
{
	static const char	 body[] = "{\"merchantKey\":\"31928de9-1344-469f-b0eb-"
	    "8e5d0fef3d21\",\"transactionId\":\"5a000000-0000-4000-8000-000000000001\","
	    "\"modificationId\":\"mod-1\",\"modifiedAmount\":{\"amount\":1.00,"
	    "\"currencyCode\":\"EUR\",\"description\":\"d\"},"
	    "\"customReferences\":{\"a\":[1.50,{\"b\":null}]}}";
	struct e2e_resp		*first = e2e("POST", "/smartpay/payment/refund",
	    SESSION("sp") JSON_CT, body), *again, *now;

	cr_assert_eq(first->status, 200, "%s", first->body);
	e2e_advance_in(SESSION("sp"), "3600");
	again = e2e("POST", "/smartpay/payment/refund", SESSION("sp") JSON_CT, body);
	expect_same_reply(first, again);
	/* No reuse warning (the missing Accept-Language and Origin warn apart). */
	cr_expect_null(strstr(again->head, "modificationId reused"), "%s", again->head);
	cr_expect_str_eq(e2e_get(again, "modification.status"), "REFUND_PENDING");
	cr_expect_str_eq(e2e_get(again, "modification.customReferences.a[0]"), "1.50");
	now = e2e("GET", "/smartpay/payment/status/5a000000-0000-4000-8000-000000000001"
	    "?merchantKey=31928de9-1344-469f-b0eb-8e5d0fef3d21", SESSION("sp"), NULL);
	cr_expect_str_eq(e2e_get(now, "modifications[0].status"), "REFUND_DECLINED");
}

/* Fields not sent are not kept, and so not shown (not even as null). */
Test(replay, smartpay_without_extras_shows_none)
{
	static const char	 body[] = "{\"merchantKey\":\"31928de9-1344-469f-b0eb-"
	    "8e5d0fef3d21\",\"transactionId\":\"5a000000-0000-4000-8000-000000000001\","
	    "\"modificationId\":\"mod-2\",\"modifiedAmount\":{\"amount\":1.00,"
	    "\"currencyCode\":\"EUR\"}}";
	struct e2e_resp		*r = e2e("POST", "/smartpay/payment/refund",
	    SESSION("sp") JSON_CT, body);

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_null(strstr(r->body, "customReferences"), "%s", r->body);
	cr_expect_null(strstr(r->body, "\"description\":null"), "%s", r->body);
	cr_expect_null(e2e_node(r, "modification.modificationAmount.description"));
}

/* A gauge's value in GET /__admin/metrics. */
static double
metric(const char *name)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/metrics", NULL, NULL);
	char		 want[128];
	const char	*at;

	snprintf(want, sizeof want, "\n%s ", name);
	cr_assert_eq(r->status, 200);
	cr_assert((at = strstr(r->body, want)) != NULL, "no %s", name);
	return (strtod(at + strlen(want), NULL));
}

/* What the sessions hold but their journals: ledgers and idempotency stores. */
static double
held_but_journals(void)
{
	return (metric("paymock_memory_tracked_bytes") - metric("paymock_journal_bytes"));
}

/* Issue 13's promise: a refund with its idempotency record, at most 512 bytes. */
Test(replay, a_keyed_refund_holds_at_most_512_bytes)
{
	char	body[160], key[32];
	double	before, per;
	int	i;

	for (i = 0; i < 10; i++)
		cr_assert_eq(e2ef("POST", "/__admin/transactions", SESSION("mem"),
		    "{\"provider\":\"accelebit\",\"id\":\"be%06d-0000-4000-8000-"
		    "000000000000\",\"amount\":\"100.00\",\"currency\":\"EUR\","
		    "\"state\":\"captured\"}", i)->status, 201);
	before = held_but_journals();
	for (i = 0; i < 1000; i++) {
		snprintf(body, sizeof body, "{\"transactionId\":\"be%06d-0000-4000-8000-"
		    "000000000000\",\"amount\":\"0.01\",\"currency\":\"EUR\","
		    "\"reason\":\"customer request\"}", i / 100);
		snprintf(key, sizeof key, "mem-%d", i);
		cr_assert_eq(create(&ab_api, SESSION("mem"), key, body)->status, 201);
	}
	per = (held_but_journals() - before) / 1000;
	cr_expect_leq(per, 512, "%.0f bytes a refund", per);
	cr_expect_geq(per, 200, "%.0f bytes a refund: counted at all?", per);
}

/*
 * PayEngine keeps only what its refund cannot give and renders the rest:
 * a GET is the create's reply, for a decline (no auth code, nothing
 * processed) and for a device sale with metadata alike.
 */
Test(replay, payengine_get_renders_the_create_reply)
{
	static const char	*bodies[] = {
		"{\"id\":\"9e000000-0000-4000-8000-000000000001\",\"amount\":1.5,"
		"\"reason\":\"declined\"}",
		"{\"id\":\"9e000000-0000-4000-8000-000000000008\",\"amount\":\"2.00\","
		"\"reason\":\"r\",\"internalTransactionID\":\"mine\",\"metadata\":"
		"{\"k\":1.10,\"n\":{\"x\":[true]}}}",
	};
	struct e2e_resp		*a, *b;
	char			 path[96];
	size_t			 i;

	for (i = 0; i < nitems(bodies); i++) {
		a = e2e("POST", "/payengine/api/payment/refund", SESSION("pe")
		    "Authorization: Basic sk_test_s\r\n" JSON_CT, bodies[i]);
		cr_assert_eq(a->status, 200, "%s", a->body);
		e2e_advance_in(SESSION("pe"), "3600");
		snprintf(path, sizeof path, "/payengine/api/payment/refund/%s",
		    e2e_get(a, "data.ID"));
		b = e2e("GET", path, SESSION("pe") "Authorization: Basic sk_test_s\r\n", NULL);
		cr_expect_str_eq(b->body, a->body);
	}
	cr_expect_str_eq(e2e_get(a, "data.Metadata.k"), "1.10");
	cr_expect_str_eq(e2e_get(a, "data.device.model"), "A920");
	cr_expect_str_eq(e2e_get(a, "data.internalTransactionID"), "mine");
}
