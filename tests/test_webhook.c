/* Webhooks end to end: a receiver in the test, signatures checked independently. */
#define _GNU_SOURCE	/* strcasestr */
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "e2e.h"
#include "jsonx.h"
#include "util.h"
#include "webhook_store.h"

#define SECRET		"whsec_test_secret"
#define AB_PAYMENT	"f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define AB_HEADERS	JSON_CT "X-API-Key: smtgw_sk_test_x\r\nIdempotency-Key: %s\r\n"
#define SR_REFUND	"/smartretry/v1/payments/refund/ABC123"
#define SESSION(n)	"X-Paymock-Session: " n "\r\n"

TestSuite(webhook, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

/* What the receiver got. */
struct hook {
	char	head[4096];
	char	body[16384];
};

static int	receiver = -1;
static int	receiver_port;

/* A listening socket on a free loopback port (or 'port', to come back up). */
static void
receiver_open(int port)
{
	receiver = e2e_listen(port, &receiver_port);
}

static void
receiver_close(void)
{
	close(receiver);
	receiver = -1;
}

/*
 * Waits up to 'ms' for one delivery and answers it with 'status'; 1 if one
 * came.  The wait is on the socket: paymock sends when the clock says so.
 */
static int
receive(int ms, int status, struct hook *h)
{
	return (e2e_answer(receiver, ms, status, h->head, sizeof h->head, h->body,
	    sizeof h->body));
}

/*
 * Asserts that no delivery is on its way, without a wall-clock wait a slow
 * machine could outlast: the log holds exactly 'logged' entries (the last
 * answered attempt given time to be logged), and nothing waits at the
 * receiver.  The log's GET comes after the last request or advance, whose
 * pump ran before its reply was written; a delivery that pump started has
 * connected by then (loopback), and one that did not start cannot come
 * until the clock moves again.
 */
static void
expect_quiet(const char *headers, size_t logged, const char *why)
{
	struct pollfd	 p = { receiver, POLLIN, 0 };
	struct e2e_resp	*r = e2e_await_deliveries(headers, logged, 3000);

	cr_expect_eq(e2e_len(r, "deliveries"), logged, "%s: %s", why, r->body);
	cr_expect_eq(poll(&p, 1, 0), 0, "%s", why);
}

static const char *
hook_header(const struct hook *h, const char *name, char *out, size_t len)
{
	const char	*p = strcasestr(h->head, name);
	size_t		 n;

	if (p == NULL)
		return (NULL);
	p += strlen(name) + 1;
	while (*p == ' ')
		p++;
	n = strcspn(p, "\r\n");
	snprintf(out, len, "%.*s", (int)n, p);
	return (out);
}

static const char *
hook_type(const struct hook *h)
{
	static char	 type[64];
	char		*cause;
	json_t		*o = jsonx_loads(h->body, strlen(h->body), &cause);

	cr_assert_not_null(o, "not JSON: %s", h->body);
	snprintf(type, sizeof type, "%s", jsonx_string(json_object_get(o, "type")));
	json_decref(o);
	return (type);
}

/* HMAC-SHA256(secret, "<t>.<body>") in hex, computed here, not by paymock. */
static void
expected_signature(const char *t, const char *body, char hex[65])
{
	unsigned char	 md[32];
	unsigned int	 n = 0, i;
	char		*msg = xasprintf("%s.%s", t, body);

	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (unsigned char *)msg,
	    strlen(msg), md, &n);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	free(msg);
}

static void
endpoint(const char *headers, const char *provider)
{
	struct e2e_resp	*r = e2ef("POST", "/__admin/webhooks", headers,
	    "{\"provider\":\"%s\",\"url\":\"http://127.0.0.1:%d/hooks/%s\","
	    "\"secret\":\"" SECRET "\"}", provider, receiver_port, provider);

	cr_assert_eq(r->status, 201, "%s", r->body);
}

static void
accelebit_refund(const char *headers, const char *key, const char *payment)
{
	char	h[512];

	snprintf(h, sizeof h, AB_HEADERS "%s", key, headers != NULL ? headers : "");
	cr_assert_eq(e2ef("POST", "/accelebit/v1/refunds", h, "{\"transactionId\":"
	    "\"%s\",\"amount\":\"10.00\",\"currency\":\"EUR\"}", payment)->status, 201);
}

static void
smartretry_refund(const char *txn, const char *order)
{
	struct e2e_resp	*r = e2ef("POST", SR_REFUND, JSON_CT "x-api-key: k\r\n",
	    "{\"transaction_reference_id\":\"%s\",\"order_reference_id\":\"%s\","
	    "\"amount\":10.00}", txn, order);

	cr_assert_eq(r->status, 200, "%s", r->body);
}

Test(webhook, accelebit_events_follow_the_refund_with_valid_signatures)
{
	static const char *const types[] = { "refund.created", "refund.pending",
	    "refund.succeeded" };
	struct hook	h;
	char		ts[32], sig[128], want[65];
	size_t		i;

	receiver_open(0);
	endpoint(NULL, "accelebit");
	accelebit_refund(NULL, "w1", AB_PAYMENT);
	for (i = 0; i < 3; i++) {
		if (i == 1)
			e2e_advance_in(NULL, "1");
		if (i == 2)
			e2e_advance_in(NULL, "4");
		cr_assert(receive(3000, 200, &h), "no %s", types[i]);
		cr_expect_str_eq(hook_type(&h), types[i]);
		cr_assert_not_null(hook_header(&h, "X-Webhook-Timestamp", ts, sizeof ts));
		cr_assert_not_null(hook_header(&h, "X-Webhook-Signature", sig, sizeof sig));
		expected_signature(ts, h.body, want);
		cr_expect(strncmp(sig, "sha256=", 7) == 0 && strcmp(sig + 7, want) == 0,
		    "signature %s, want sha256=%s", sig, want);
	}
	/* The events carry virtual times: created at 14:00:00, succeeded at :05. */
	cr_expect(strstr(h.body, "\"createdAt\":\"2026-04-09T14:00:05.000Z\"") != NULL,
	    "%s", h.body);
	cr_expect_str_eq(ts, "1775743205");
	cr_expect(strstr(h.body, "\"status\":\"succeeded\"") != NULL);
	cr_expect(strstr(h.head, "POST /hooks/accelebit HTTP/1.1") != NULL, "%s", h.head);
	expect_quiet(NULL, 3, "an extra delivery");
}

Test(webhook, smartretry_signature_and_final_events)
{
	struct hook	h;
	char		sig[160], want[65], t[32];

	receiver_open(0);
	endpoint(NULL, "smartretry");
	smartretry_refund("TX8A3F2C", "OR7B9E1D");
	smartretry_refund("TXDECL01", "ORDECL01");
	smartretry_refund("TXFAIL03", "ORFAIL03");
	expect_quiet(NULL, 0, "an event before the refund left PROCESSING");
	e2e_advance_in(NULL, "30");
	cr_assert(receive(3000, 200, &h));
	cr_expect_str_eq(hook_type(&h), "refund.approved");
	cr_assert_not_null(hook_header(&h, "X-SmartRetry-Signature", sig, sizeof sig));
	cr_assert_eq(sscanf(sig, "t=%31[0-9],", t), 1, "%s", sig);
	expected_signature(t, h.body, want);
	cr_expect(strstr(sig, ",v1=") != NULL && strcmp(strstr(sig, ",v1=") + 4, want) == 0,
	    "signature %s, want v1=%s", sig, want);
	cr_expect(strstr(h.body, "\"created_at\"") != NULL);
	cr_expect(strstr(h.body, "\"status\":\"APPROVED\"") != NULL, "%s", h.body);
	cr_assert(receive(3000, 200, &h));
	cr_expect_str_eq(hook_type(&h), "refund.declined");
	cr_assert(receive(3000, 200, &h));
	cr_expect_str_eq(hook_type(&h), "refund.error");
}

Test(webhook, the_full_retry_schedule_on_the_virtual_clock)
{
	static const int	 gaps[] = { 60, 300, 1800, 7200, 28800, 86400 };
	static const char *const at[] = { "2026-04-09T14:00:30.000Z",
	    "2026-04-09T14:01:30.000Z", "2026-04-09T14:06:30.000Z",
	    "2026-04-09T14:36:30.000Z", "2026-04-09T16:36:30.000Z",
	    "2026-04-10T00:36:30.000Z", "2026-04-11T00:36:30.000Z" };
	struct hook		 h;
	struct e2e_resp		*r;
	char			 secs[16], path[32];
	size_t			 i;

	receiver_open(0);
	endpoint(NULL, "smartretry");
	smartretry_refund("TX8A3F2C", "OR7B9E1D");
	e2e_advance_in(NULL, "30");
	cr_assert(receive(3000, 500, &h), "first attempt");
	for (i = 0; i < 6; i++) {
		snprintf(secs, sizeof secs, "%d", gaps[i] - 1);
		e2e_advance_in(NULL, secs);
		expect_quiet(NULL, i + 1, "a retry came early");
		e2e_advance_in(NULL, "1");
		cr_assert(receive(3000, 503, &h), "retry %zu", i + 1);
	}
	e2e_advance_in(NULL, "10000000");
	expect_quiet(NULL, 7, "an attempt after the last retry");
	r = e2e("GET", "/__admin/webhooks/deliveries", NULL, NULL);
	cr_assert_eq(e2e_len(r, "deliveries"), 7, "%s", r->body);
	for (i = 0; i < 7; i++) {
		snprintf(path, sizeof path, "deliveries[%zu].at", i);
		cr_expect_str_eq(e2e_get(r, path), at[i]);
		snprintf(path, sizeof path, "deliveries[%zu].attempt", i);
		cr_expect_eq(atoi(e2e_get(r, path)), (int)i + 1);
		snprintf(path, sizeof path, "deliveries[%zu].status", i);
		cr_expect_str_eq(e2e_get(r, path), i == 0 ? "500" : "503");
	}
	cr_expect_str_eq(e2e_get(r, "deliveries[0].event"), "refund.approved");
}

Test(webhook, one_big_advance_plays_every_due_retry_at_once)
{
	struct hook	h;
	int		n = 0;

	receiver_open(0);
	endpoint(NULL, "accelebit");
	accelebit_refund(NULL, "big", "ac000000-0000-4000-8000-000000000002");
	cr_assert(receive(3000, 500, &h));
	cr_expect_str_eq(hook_type(&h), "refund.created");
	/*
	 * 8 h covers created's retries at +1 min, +11 min, +1 h 11 and +7 h 11,
	 * and pending (due at 1 s) with its own four: nine attempts in one go.
	 */
	e2e_advance_in(NULL, "28800");
	while (n < 4 + 5 && receive(3000, 500, &h))
		n++;
	cr_expect_eq(n, 4 + 5, "%d deliveries after the advance", n);
	expect_quiet(NULL, 1 + 4 + 5, "more deliveries after the advance");
}

Test(webhook, a_receiver_down_then_up)
{
	struct hook	 h;
	struct e2e_resp	*r;
	int		 port;

	receiver_open(0);
	port = receiver_port;
	endpoint(NULL, "smartretry");
	receiver_close();
	smartretry_refund("TX8A3F2C", "OR7B9E1D");
	e2e_advance_in(NULL, "30");
	/* Refused: logged with no status and the reason. */
	r = e2e_await_deliveries(NULL, 1, 3000);
	cr_assert_eq(e2e_len(r, "deliveries"), 1);
	cr_expect_str_eq(e2e_get(r, "deliveries[0].status"), "null");
	cr_expect_not_null(e2e_get(r, "deliveries[0].error"));
	receiver_open(port);
	e2e_advance_in(NULL, "60");
	cr_assert(receive(3000, 200, &h), "the retry after the receiver came back");
	cr_expect_str_eq(hook_type(&h), "refund.approved");
}

Test(webhook, sessions_have_their_own_endpoints_and_logs)
{
	struct hook	h;

	receiver_open(0);
	endpoint(SESSION("a"), "accelebit");
	accelebit_refund(SESSION("b"), "iso", AB_PAYMENT);
	e2e_advance_in(SESSION("b"), "10");
	expect_quiet(SESSION("a"), 0, "session b's refund reached a's endpoint");
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/webhooks/deliveries", SESSION("b"), NULL),
	    "deliveries"), 0);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/webhooks", SESSION("b"), NULL),
	    "webhooks"), 0);
	accelebit_refund(SESSION("a"), "iso", AB_PAYMENT);
	cr_expect(receive(3000, 200, &h));
}

static void
arm(const char *rule)
{
	struct e2e_resp	*r = e2e("POST", "/__admin/faults", NULL, rule);

	cr_assert_eq(r->status, 201, "%s", r->body);
}

Test(webhook, scenario_drop_and_bad_signature)
{
	struct hook	 h;
	struct e2e_resp	*r;
	char		 ts[32], sig[128], want[65];

	receiver_open(0);
	endpoint(NULL, "accelebit");
	arm("{\"match\":{\"operation\":\"webhook.deliver\",\"body\":{\"type\":"
	    "\"refund.created\"}},\"action\":{\"type\":\"webhook_drop\"}}");
	arm("{\"match\":{\"operation\":\"webhook.deliver\",\"body\":{\"type\":"
	    "\"refund.pending\"}},\"action\":{\"type\":\"webhook_bad_signature\"}}");
	accelebit_refund(NULL, "drop", AB_PAYMENT);
	e2e_advance_in(NULL, "1");
	cr_assert(receive(3000, 200, &h));
	cr_expect_str_eq(hook_type(&h), "refund.pending", "created was not dropped");
	hook_header(&h, "X-Webhook-Timestamp", ts, sizeof ts);
	hook_header(&h, "X-Webhook-Signature", sig, sizeof sig);
	expected_signature(ts, h.body, want);
	cr_expect_str_neq(sig + 7, want, "the signature should be wrong");
	r = e2e_await_deliveries(NULL, 2, 3000);
	cr_expect(strstr(e2e_get(r, "deliveries[0].error"), "dropped") != NULL);
	cr_expect_str_eq(e2e_get(r, "deliveries[0].rule"), "fault-1");
}

Test(webhook, scenario_duplicate_delay_and_reorder)
{
	struct hook	h;
	char		first[16384];

	receiver_open(0);
	endpoint(NULL, "accelebit");
	arm("{\"match\":{\"operation\":\"webhook.deliver\",\"body\":{\"type\":"
	    "\"refund.created\"}},\"action\":{\"type\":\"webhook_reorder\"}}");
	arm("{\"match\":{\"operation\":\"webhook.deliver\",\"body\":{\"type\":"
	    "\"refund.succeeded\"}},\"action\":{\"type\":\"webhook_duplicate\"}}");
	arm("{\"match\":{\"operation\":\"webhook.deliver\",\"body\":{\"type\":"
	    "\"refund.pending\"}},\"action\":{\"type\":\"webhook_delay\",\"s\":2}}");
	accelebit_refund(NULL, "odd", AB_PAYMENT);
	expect_quiet(NULL, 0, "created should wait for pending");
	e2e_advance_in(NULL, "1");
	expect_quiet(NULL, 0, "pending is delayed 2 s");
	e2e_advance_in(NULL, "2");
	cr_assert(receive(3000, 200, &h));
	cr_expect_str_eq(hook_type(&h), "refund.pending");
	cr_assert(receive(3000, 200, &h));
	cr_expect_str_eq(hook_type(&h), "refund.created");
	e2e_advance_in(NULL, "2");
	cr_assert(receive(3000, 200, &h));
	cr_expect_str_eq(hook_type(&h), "refund.succeeded");
	snprintf(first, sizeof first, "%s", h.body);
	cr_assert(receive(3000, 200, &h), "the duplicate");
	cr_expect_str_eq(h.body, first);
}

Test(webhook, replay_sends_a_logged_delivery_again)
{
	struct hook	 h;
	struct e2e_resp	*r;
	char		 first[16384];

	receiver_open(0);
	endpoint(NULL, "accelebit");
	accelebit_refund(NULL, "rp", AB_PAYMENT);
	cr_assert(receive(3000, 200, &h));
	snprintf(first, sizeof first, "%s", h.body);
	e2e_await_deliveries(NULL, 1, 3000);
	r = e2e("POST", "/__admin/webhooks/deliveries/1/replay", NULL, NULL);
	cr_expect_eq(r->status, 202, "%s", r->body);
	cr_expect_eq(strncmp(r->head, "HTTP/1.1 202 Accepted\r\n", 23), 0, "%s", r->head);
	cr_assert(receive(3000, 200, &h));
	cr_expect_str_eq(h.body, first);
	cr_expect_eq(e2e_len(e2e_await_deliveries(NULL, 2, 3000), "deliveries"), 2);
	cr_expect_eq(e2e("POST", "/__admin/webhooks/deliveries/99/replay", NULL, NULL)->status,
	    404);
}

Test(webhook, endpoints_are_checked)
{
	struct e2e_resp	*r;

	r = e2e("POST", "/__admin/webhooks", NULL, "{\"provider\":\"accelebit\","
	    "\"url\":\"http://example.com/hook\"}");
	cr_expect_eq(r->status, 400);
	cr_expect(strstr(e2e_get(r, "error.message"), "--webhook-allow") != NULL, "%s", r->body);
	r = e2e("POST", "/__admin/webhooks", NULL, "{\"provider\":\"smartpay\","
	    "\"url\":\"http://127.0.0.1:1/hook\"}");
	cr_expect_eq(r->status, 400);
	/* The providers that take one, as the table has them. */
	cr_expect_str_eq(e2e_get(r, "error.message"), "provider: 'smartpay' documents "
	    "no webhooks (smartretry and accelebit do)");
	cr_expect_eq(e2e("POST", "/__admin/webhooks", NULL, "{\"provider\":\"accelebit\","
	    "\"url\":\"ftp://127.0.0.1/x\"}")->status, 400);
	cr_expect_eq(e2e("POST", "/__admin/webhooks", NULL, "{\"provider\":\"accelebit\","
	    "\"url\":\"http://127.0.0.1:9/x\",\"colour\":1}")->status, 400);
	r = e2e("POST", "/__admin/webhooks", NULL, "{\"provider\":\"accelebit\","
	    "\"url\":\"http://localhost:9/x\"}");
	cr_expect_eq(r->status, 201);
	cr_expect_str_eq(e2e_get(r, "webhooks[0].secret"), "whsec_paymock_test");
}

Test(webhook, the_webhook_flag_sets_the_default_session)
{
	char		 arg[96];
	const char	*args[] = { "--webhook", arg, NULL };
	struct hook	 h;

	receiver_open(0);
	snprintf(arg, sizeof arg, "accelebit=http://127.0.0.1:%d/x," SECRET, receiver_port);
	e2e_teardown();
	e2e_start(args);
	accelebit_refund(NULL, "flag", AB_PAYMENT);
	cr_assert(receive(3000, 200, &h));
	cr_expect_str_eq(hook_type(&h), "refund.created");
}

/*
 * The store alone, as a session holds it: no engine, no event loop.  The
 * log grows as a ring and, full, forgets its oldest in order.
 */
#define STORE_LOG_MAX	10000	/* WEBHOOK_LOG_MAX */

static void
store_log_one(struct webhooks *w, int n)
{
	struct webhook_delivery	d = {
		.type = "refund.created", .provider = "accelebit", .attempt = 1,
		.at = 1775743200000LL, .status = 200,
	};

	d.event_id = xasprintf("evt_%d", n);
	d.refund_id = xstrdup("rf_1");
	d.url = xstrdup("http://127.0.0.1:9/hook");
	d.headers = xstrdup("Content-Type: application/json\n");
	d.payload = xasprintf("{\"n\":%d}", n);
	cr_assert_eq(webhooks_log(w, &d), (uint64_t)n);
	cr_assert_null(d.event_id, "the log took the contents");
}

Test(webhook_store, the_log_grows_wraps_and_keeps_its_order)
{
	struct webhooks	*w = webhooks_new(NULL);
	size_t		 empty = webhooks_bytes(w);
	json_t		*o, *list;
	int		 n;

	for (n = 1; n <= 40; n++)
		store_log_one(w, n);
	o = webhooks_deliveries_json(w);
	list = json_object_get(o, "deliveries");
	cr_assert_eq(json_array_size(list), 40);
	for (n = 0; n < 40; n++)
		cr_expect_eq(json_integer_value(json_object_get(json_array_get(list,
		    (size_t)n), "id")), n + 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(
	    json_array_get(list, 0), "headers"), "Content-Type")), "application/json");
	json_decref(o);

	for (n = 41; n <= STORE_LOG_MAX + 25; n++)
		store_log_one(w, n);
	cr_assert_eq(webhooks_delivery_count(w), STORE_LOG_MAX);
	cr_expect_null(webhooks_log_find(w, 25), "the oldest went first");
	cr_assert_not_null(webhooks_log_find(w, 26));
	cr_expect_str_eq(webhooks_log_find(w, 26)->event_id, "evt_26");
	cr_expect_str_eq(webhooks_log_find(w, STORE_LOG_MAX + 25)->event_id,
	    "evt_10025");
	o = webhooks_deliveries_json(w);
	list = json_object_get(o, "deliveries");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(list, 0), "id")), 26);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(list,
	    STORE_LOG_MAX - 1), "id")), STORE_LOG_MAX + 25);
	json_decref(o);

	webhooks_reset(w);
	cr_expect_eq(webhooks_delivery_count(w), 0);
	cr_expect_eq(webhooks_bytes(w), empty, "a reset store weighs what a new one does");
	webhooks_free(w);
}
