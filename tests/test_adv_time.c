/* Adversarial time end to end: clock ranges, a clock that only moves forward, ledgers that never wrap. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

#define MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"
#define TXN		"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define DECLINED	"5a000000-0000-4000-8000-000000000001"	/* magic 01 */
#define BIG		"5a000000-0000-4000-8000-0000000000ff"
#define HUGE_AMOUNT	"999999999999999.99"
#define REFUND_PATH	"/smartpay/payment/refund"
#define REFUND_FMT	"{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"%s\"," \
			"\"modificationId\":\"%s\",\"modifiedAmount\":{\"amount\":%s," \
			"\"currencyCode\":\"EUR\"}}"

TestSuite(adv_time, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

static struct e2e_resp *
refund(const char *txn, const char *modid, const char *amount)
{
	return (e2ef("POST", REFUND_PATH, JSON_CT, REFUND_FMT, txn, modid, amount));
}

static struct e2e_resp *
clock_post(const char *what, const char *body)
{
	char	path[64];

	snprintf(path, sizeof path, "/__admin/clock/%s", what);
	return (e2e("POST", path, NULL, body));
}

static const char *
clock_now(void)
{
	return (e2e_get(e2e("GET", "/__admin/clock", NULL, NULL), "now"));
}

/* The admin view of a SmartPay transaction's 'field' ("amount", "refunded"). */
static const char *
txn_field(const char *id, const char *field)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/transactions?provider=smartpay",
			    NULL, NULL);
	json_t		*list = e2e_node(r, "transactions"), *t;
	size_t		 i;

	json_array_foreach(list, i, t) {
		if (strcmp(json_string_value(json_object_get(t, "id")), id) == 0)
			return (json_string_value(json_object_get(t, field)));
	}
	cr_assert_fail("no transaction %s in %s", id, r->body);
	return (NULL);
}

/* A 400 whose message names 'field'. */
static void
expect_refused(const struct e2e_resp *r, const char *field)
{
	const char	*message = e2e_get(r, "error.message");

	cr_expect_eq(r->status, 400, "%d %s", r->status, r->body);
	cr_expect(message != NULL && strstr(message, field) != NULL,
	    "'%s' does not name %s", r->body, field);
}

/* Issue 12 #1: 92 huge advances, a huge settle time, then a refund aborted paymock. */
Test(adv_time, clock_overflow_is_refused_not_fatal)
{
	struct e2e_resp	*r;
	int		 i;

	for (i = 0; i < 92; i++)
		expect_refused(clock_post("advance", "{\"ms\":99999999999999999}"), "ms");
	cr_expect_str_eq(clock_now(), E2E_EPOCH, "refused advances leave the clock");
	expect_refused(e2e("POST", "/__admin/scenarios", NULL, "{\"name\":\"far\","
	    "\"lifecycle\":{\"smartpay\":{\"settle_after_s\":99999999999999.999}}}"),
	    "lifecycle.smartpay.settle_after_s");
	expect_refused(e2e("POST", "/__admin/faults", NULL, "{\"match\":{},\"action\":"
	    "{\"type\":\"outcome\",\"settle_after_s\":3155760000.001}}"),
	    "action.settle_after_s");
	expect_refused(e2e("POST", "/__admin/faults", NULL, "{\"match\":{\"operation\":"
	    "\"webhook.deliver\"},\"action\":{\"type\":\"webhook_delay\","
	    "\"s\":99999999999999.999}}"), "action.s");
	r = refund(TXN, "after", "1.00");
	cr_expect_eq(r->status, 200, "%s", r->body);

	/* The longest settle time, planned from the clock's last day, still works. */
	cr_expect_eq(e2e("POST", "/__admin/scenarios", NULL, "{\"name\":\"far\","
	    "\"lifecycle\":{\"smartpay\":{\"settle_after_s\":3155760000}}}")->status, 201);
	cr_expect_eq(clock_post("set", "{\"now\":\"9999-12-31T23:59:59.999Z\"}")->status,
	    200);
	r = refund(TXN, "last-day", "1.00");
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "modification.status"), "REFUND_PENDING", "%s", r->body);
	cr_expect_eq(e2e("GET", "/__admin/health", NULL, NULL)->status, 200);
}

Test(adv_time, clock_range_and_durations)
{
	expect_refused(clock_post("advance", "{\"seconds\":3155760000.001}"), "seconds");
	expect_refused(clock_post("advance", "{\"ms\":3155760000001}"), "ms");
	cr_expect_eq(clock_post("advance", "{\"seconds\":3155760000}")->status, 200);
	cr_expect_str_eq(clock_now(), "2126-04-10T14:00:00.000Z",
	    "100 years of 365.25 days (2100 is no leap year)");
	expect_refused(clock_post("set", "{\"now\":\"1969-12-31T23:59:59.999Z\"}"), "now");
	expect_refused(clock_post("set", "{\"now\":\"0000-01-01T00:00:00.000Z\"}"), "now");
	cr_expect_eq(clock_post("set", "{\"now\":\"9999-12-31T00:00:00.000Z\"}")->status, 200);
	expect_refused(clock_post("advance", "{\"seconds\":86400}"), "seconds");
	cr_expect_eq(clock_post("advance", "{\"ms\":86399999}")->status, 200);
	cr_expect_str_eq(clock_now(), "9999-12-31T23:59:59.999Z");
	expect_refused(clock_post("advance", "{\"ms\":1}"), "ms");
	cr_expect_eq(clock_post("advance", "{\"ms\":0}")->status, 200);
	cr_expect_str_eq(clock_now(), "9999-12-31T23:59:59.999Z");
}

/*
 * Issue 12 #4: a declined full refund, a succeeded one 10 s later, then the
 * clock set back showed 50.00 refunded twice over.
 */
Test(adv_time, clock_set_back_is_409)
{
	struct e2e_resp	*r;

	cr_expect_eq(refund(DECLINED, "no", "50.00")->status, 200);
	e2e_advance("10");
	cr_expect_eq(e2e("POST", "/__admin/faults", NULL, "{\"match\":{\"operation\":"
	    "\"refund.create\"},\"action\":{\"type\":\"outcome\",\"outcome\":"
	    "\"succeeded\"}}")->status, 201);
	cr_expect_eq(refund(DECLINED, "yes", "50.00")->status, 200);
	r = clock_post("set", "{\"now\":\"" E2E_EPOCH "\"}");
	cr_expect_eq(r->status, 409, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "error.code"), "clock_backward");
	cr_expect_str_eq(clock_now(), "2026-04-09T14:00:10.000Z");
	cr_expect_str_eq(txn_field(DECLINED, "refunded"), "50.00");
	cr_expect_eq(refund(DECLINED, "more", "0.01")->status, 422);

	/* Setting the clock to now, or later, is fine; freezing never steps back. */
	cr_expect_eq(clock_post("set", "{\"now\":\"2026-04-09T14:00:10.000Z\"}")->status, 200);
	cr_expect_eq(clock_post("unfreeze", NULL)->status, 200);
	cr_expect_eq(clock_post("freeze", NULL)->status, 200);
	cr_expect_geq(strcmp(clock_now(), "2026-04-09T14:00:10.000Z"), 0, "%s", clock_now());

	/* A reset starts over, clock included. */
	cr_expect_eq(e2e("POST", "/__admin/reset", NULL, NULL)->status, 200);
	cr_expect_str_eq(clock_now(), E2E_EPOCH);
	cr_expect_str_eq(txn_field(DECLINED, "refunded"), "0.00");
}

/*
 * Issue 12 #4: 95 declined refunds of 999999999999999.99 and the clock set
 * back wrapped 'refunded' negative, and a 96th full refund got through.
 */
Test(adv_time, huge_declined_refunds_never_wrap)
{
	char	id[16];
	int	i;

	cr_assert_eq(e2e("POST", "/__admin/transactions", NULL, "{\"provider\":"
	    "\"smartpay\",\"id\":\"" BIG "\",\"amount\":\"" HUGE_AMOUNT "\",\"currency\":"
	    "\"EUR\",\"state\":\"captured\",\"refund_outcome\":\"declined\","
	    "\"merchant_key\":\"" MERCHANT "\"}")->status, 201);
	for (i = 0; i < 95; i++) {
		snprintf(id, sizeof id, "d%d", i);
		cr_assert_eq(refund(BIG, id, HUGE_AMOUNT)->status, 200, "refund %d", i);
		cr_expect_eq(refund(BIG, "more", "0.01")->status, 422,
		    "#%d: the pending refund holds the whole amount", i);
		e2e_advance("2");
	}
	cr_expect_eq(clock_post("set", "{\"now\":\"" E2E_EPOCH "\"}")->status, 409);
	cr_expect_str_eq(txn_field(BIG, "refunded"), "0.00", "every one given back");
	cr_expect_eq(refund(BIG, "d95", HUGE_AMOUNT)->status, 200);
	cr_expect_str_eq(txn_field(BIG, "refunded"), HUGE_AMOUNT);
	cr_expect_eq(refund(BIG, "d96", HUGE_AMOUNT)->status, 422);
	cr_expect_str_eq(txn_field(BIG, "amount"), HUGE_AMOUNT);
}

/* '[' * depth, then ']' * depth: deeper than jsonx writes itself, within jansson. */
static char *
nested(size_t depth)
{
	char	*s = malloc(2 * depth + 1);

	cr_assert_not_null(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[2 * depth] = '\0';
	return (s);
}

/*
 * jsonx_dumps hands what it does not write itself (deep values, wide
 * objects, reals) to json_dumps, and fatal()s if that fails: it must not
 * fail on anything a request can hold.
 */
Test(adv_time, odd_json_reaches_no_fatal)
{
	char		*deep = nested(2000), wide[1024];
	size_t		 i, n = 0;
	struct e2e_resp	*r;

	n += (size_t)snprintf(wide + n, sizeof wide - n, "{");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(wide + n, sizeof wide - n, "%s\"k%zu\":1.5e300",
		    i > 0 ? "," : "", i);
	snprintf(wide + n, sizeof wide - n, "}");
	r = e2ef("POST", "/smartretry/v1/payments/refund/ABC123", "x-api-key: "
	    "YOUR_API_KEY\r\nIdempotency-Key: deep-1\r\n" JSON_CT,
	    "{\"transaction_reference_id\":\"TX8A3F2C\",\"order_reference_id\":"
	    "\"OR7B9E1D\",\"amount\":1.00,\"deep\":%s,\"wide\":%s}", deep, wide);
	cr_expect(r->status > 0 && r->status < 500, "%d %s", r->status, r->body);
	r = e2ef("POST", "/__admin/faults", NULL, "{\"match\":{\"body\":{\"deep\":%s,"
	    "\"wide\":%s}},\"action\":{\"type\":\"decline\"}}", deep, wide);
	cr_expect(r->status > 0 && r->status < 500, "%d %s", r->status, r->body);
	r = refund(TXN, "odd", "1.00");
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_eq(e2e("GET", "/__admin/journal", NULL, NULL)->status, 200);
	cr_expect_eq(e2e("GET", "/__admin/scenarios", NULL, NULL)->status, 200);
	free(deep);
}
