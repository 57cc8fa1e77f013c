/* The admin API end to end: health, sessions, clock, ledger views, journal. */
#include <criterion/criterion.h>
#include <string.h>

#include "e2e.h"

#define SP_TXN		"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define SP_REFUND	"{\"merchantKey\":\"31928de9-1344-469f-b0eb-8e5d0fef3d21\"," \
			"\"transactionId\":\"" SP_TXN "\",\"modificationId\":\"%s\"," \
			"\"modifiedAmount\":{\"amount\":%s,\"currencyCode\":\"EUR\"}}"
#define SESSION(n)	"X-Paymock-Session: " n "\r\n"

TestSuite(admin, .init = e2e_setup, .fini = e2e_teardown, .timeout = 20);

static struct e2e_resp *
sp_refund(const char *headers, const char *modid, const char *amount)
{
	struct buf_headers { char s[256]; } h;

	snprintf(h.s, sizeof h.s, JSON_CT "%s", headers != NULL ? headers : "");
	return (e2ef("POST", "/smartpay/payment/refund", h.s, SP_REFUND, modid, amount));
}

static struct e2e_resp *
admin(const char *method, const char *path, const char *headers, const char *body)
{
	struct e2e_resp	*r = e2e(method, path, headers, body);

	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	return (r);
}

Test(admin, health)
{
	struct e2e_resp	*r = admin("GET", "/__admin/health", NULL, NULL);

	cr_assert_eq(r->status, 200);
	cr_expect_str_eq(e2e_get(r, "status"), "ok");
	cr_expect_str_eq(e2e_get(r, "version"), "0.1.0");
	cr_expect_not_null(e2e_get(r, "uptime_s"));
	cr_expect_not_null(e2e_get(r, "sessions"));
}

Test(admin, clock_get_advance_set_freeze)
{
	struct e2e_resp	*r = admin("GET", "/__admin/clock", NULL, NULL);

	cr_expect_str_eq(e2e_get(r, "now"), E2E_EPOCH);
	cr_expect_str_eq(e2e_get(r, "frozen"), "true");
	r = admin("POST", "/__admin/clock/advance", NULL, "{\"seconds\":5}");
	cr_expect_str_eq(e2e_get(r, "now"), "2026-04-09T14:00:05.000Z");
	r = admin("POST", "/__admin/clock/advance", NULL, "{\"ms\":250}");
	cr_expect_str_eq(e2e_get(r, "now"), "2026-04-09T14:00:05.250Z");
	r = admin("POST", "/__admin/clock/advance", NULL, "{\"seconds\":1.5}");
	cr_expect_str_eq(e2e_get(r, "now"), "2026-04-09T14:00:06.750Z");
	r = admin("POST", "/__admin/clock/set", NULL, "{\"now\":\"2027-01-01T00:00:00.000Z\"}");
	cr_expect_str_eq(e2e_get(r, "now"), "2027-01-01T00:00:00.000Z");
	r = admin("POST", "/__admin/clock/unfreeze", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "frozen"), "false");
	r = admin("POST", "/__admin/clock/freeze", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "frozen"), "true");
	/* Live time between unfreeze and freeze is well under a minute. */
	cr_expect(strncmp(e2e_get(r, "now"), "2027-01-01T00:00:", 17) == 0, "%s", r->body);
}

Test(admin, clock_rejects_bad_input)
{
	static const char *const bodies[] = { "{\"seconds\":-1}", "{\"seconds\":\"5\"}",
	    "{}", "{\"seconds\":1,\"ms\":1}", "{\"minutes\":1}", "{\"ms\":1.5}",
	    "{\"seconds\":1e400}", "[]", "nope" };
	size_t	i;

	for (i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		struct e2e_resp *r = admin("POST", "/__admin/clock/advance", NULL, bodies[i]);
		cr_expect_eq(r->status, 400, "%s -> %d", bodies[i], r->status);
		cr_expect_not_null(e2e_get(r, "error.code"));
		cr_expect_not_null(e2e_get(r, "error.message"));
	}
	cr_expect_eq(admin("POST", "/__admin/clock/set", NULL,
	    "{\"now\":\"2026-13-01T00:00:00Z\"}")->status, 400);
	cr_expect_str_eq(e2e_get(admin("GET", "/__admin/clock", NULL, NULL), "now"), E2E_EPOCH);
}

Test(admin, sessions_are_isolated)
{
	struct e2e_resp	*a, *b;

	a = sp_refund(SESSION("job-a"), "same", "35.99");
	b = sp_refund(SESSION("job-b"), "same", "35.99");
	cr_expect_eq(a->status, 200, "%s", a->body);
	cr_expect_eq(b->status, 200, "%s", b->body);
	cr_expect_eq(sp_refund(SESSION("job-a"), "more", "1")->status, 422);
	admin("POST", "/__admin/clock/advance", SESSION("job-a"), "{\"seconds\":60}");
	cr_expect_str_eq(e2e_get(admin("GET", "/__admin/clock", SESSION("job-b"), NULL),
	    "now"), E2E_EPOCH);
	cr_expect_eq(e2e_len(admin("GET", "/__admin/refunds", SESSION("job-a"), NULL),
	    "refunds"), 1);
	cr_expect_eq(e2e_len(admin("GET", "/__admin/refunds?session=job-b", NULL, NULL),
	    "refunds"), 1);
	cr_expect_eq(e2e_len(admin("GET", "/__admin/refunds", NULL, NULL), "refunds"), 0);
	cr_expect_eq(e2e_len(admin("GET", "/__admin/journal", SESSION("job-b"), NULL),
	    "entries"), 1);
	/* The same requests in a fresh session give the same ids: seeded by name. */
	cr_expect_str_neq(e2e_get(a, "modification.modificationData.reconciliationReferenceId"),
	    e2e_get(b, "modification.modificationData.reconciliationReferenceId"));
}

Test(admin, sessions_list_and_drop)
{
	struct e2e_resp	*r;

	sp_refund(SESSION("zeta"), "x", "1");
	sp_refund(SESSION("alpha"), "x", "1");
	r = admin("GET", "/__admin/sessions", NULL, NULL);
	cr_assert_eq(e2e_len(r, "sessions"), 3);
	cr_expect_str_eq(e2e_get(r, "sessions[0].name"), "alpha");
	cr_expect_str_eq(e2e_get(r, "sessions[0].refunds"), "1");
	cr_expect_str_eq(e2e_get(r, "sessions[2].name"), "zeta");
	cr_expect_eq(admin("DELETE", "/__admin/sessions/zeta", NULL, NULL)->status, 200);
	cr_expect_eq(admin("DELETE", "/__admin/sessions/zeta", NULL, NULL)->status, 404);
	cr_expect_eq(e2e_len(admin("GET", "/__admin/sessions", NULL, NULL), "sessions"), 2);
	r = admin("GET", "/__admin/health", SESSION("bad name!"), NULL);
	cr_expect_eq(r->status, 400);
	cr_expect_str_eq(e2e_get(r, "error.code"), "invalid_session");
}

Test(admin, reset_restores_fixtures)
{
	cr_assert_eq(sp_refund(NULL, "r1", "35.99")->status, 200);
	admin("POST", "/__admin/clock/advance", NULL, "{\"seconds\":9}");
	cr_assert_eq(admin("POST", "/__admin/reset", NULL, NULL)->status, 200);
	cr_expect_eq(e2e_len(admin("GET", "/__admin/refunds", NULL, NULL), "refunds"), 0);
	cr_expect_eq(e2e_len(admin("GET", "/__admin/journal", NULL, NULL), "entries"), 0);
	cr_expect_str_eq(e2e_get(admin("GET", "/__admin/clock", NULL, NULL), "now"), E2E_EPOCH);
	cr_expect_eq(sp_refund(NULL, "r1", "35.99")->status, 200);
}

Test(admin, refunds_show_history_over_time)
{
	struct e2e_resp	*r;

	sp_refund(NULL, "h1", "5");
	r = admin("GET", "/__admin/refunds?provider=smartpay", NULL, NULL);
	cr_assert_eq(e2e_len(r, "refunds"), 1);
	cr_expect_str_eq(e2e_get(r, "refunds[0].state"), "pending");
	cr_expect_str_eq(e2e_get(r, "refunds[0].amount"), "5.00");
	cr_expect_str_eq(e2e_get(r, "refunds[0].currency"), "EUR");
	cr_expect_str_eq(e2e_get(r, "refunds[0].transaction_id"), SP_TXN);
	cr_expect_eq(e2e_len(r, "refunds[0].history"), 1);
	admin("POST", "/__admin/clock/advance", NULL, "{\"seconds\":2}");
	r = admin("GET", "/__admin/refunds", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "refunds[0].state"), "succeeded");
	cr_expect_str_eq(e2e_get(r, "refunds[0].history[1].at"), "2026-04-09T14:00:02.000Z");
	cr_expect_eq(admin("GET", "/__admin/refunds?provider=nope", NULL, NULL)->status, 400);
}

Test(admin, transactions_list_and_add)
{
	struct e2e_resp	*r = admin("GET", "/__admin/transactions?provider=smartpay", NULL, NULL);
	const char	*added = "{\"provider\":\"smartpay\",\"id\":"
	    "\"11111111-2222-4333-8444-555555555555\",\"amount\":\"10.00\",\"currency\":"
	    "\"EUR\",\"merchant_key\":\"31928de9-1344-469f-b0eb-8e5d0fef3d21\"}";

	cr_assert_eq(e2e_len(r, "transactions"), 10);
	cr_expect_str_eq(e2e_get(r, "transactions[0].id"), SP_TXN);
	cr_expect_str_eq(e2e_get(r, "transactions[0].amount"), "35.99");
	cr_expect_str_eq(e2e_get(r, "transactions[0].refunded"), "0.00");
	r = admin("POST", "/__admin/transactions", NULL, added);
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_expect_eq(admin("POST", "/__admin/transactions", NULL, added)->status, 409);
	r = e2e("POST", "/smartpay/payment/refund", JSON_CT, "{\"merchantKey\":"
	    "\"31928de9-1344-469f-b0eb-8e5d0fef3d21\",\"transactionId\":"
	    "\"11111111-2222-4333-8444-555555555555\",\"modificationId\":\"n\"}");
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "modification.modificationAmount.amount"), "10.00");
	r = admin("GET", "/__admin/transactions?provider=smartpay", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "transactions[10].refunded"), "10.00");
	/* A bad one is refused whole, with the field named. */
	r = admin("POST", "/__admin/transactions", NULL, "{\"transactions\":[{\"provider\":"
	    "\"smartpay\",\"id\":\"a\",\"amount\":\"1.001\",\"currency\":\"EUR\"}]}");
	cr_expect_eq(r->status, 400);
	cr_expect(strstr(e2e_get(r, "error.message"), "transactions[0].amount") != NULL,
	    "%s", r->body);
}

Test(admin, journal_records_and_counts)
{
	struct e2e_resp	*r;

	sp_refund(NULL, "j1", "1");
	sp_refund(NULL, "j2", "1000");
	e2e("GET", "/smartpay/payment/status/" SP_TXN, NULL, NULL);
	r = admin("GET", "/__admin/journal", NULL, NULL);
	cr_assert_eq(e2e_len(r, "entries"), 3);
	cr_expect_str_eq(e2e_get(r, "entries[0].seq"), "1");
	cr_expect_str_eq(e2e_get(r, "entries[0].provider"), "smartpay");
	cr_expect_str_eq(e2e_get(r, "entries[0].operation"), "refund.create");
	cr_expect_str_eq(e2e_get(r, "entries[0].method"), "POST");
	cr_expect_str_eq(e2e_get(r, "entries[0].path"), "/smartpay/payment/refund");
	cr_expect_str_eq(e2e_get(r, "entries[0].at"), E2E_EPOCH);
	cr_expect_str_eq(e2e_get(r, "entries[0].request.body.modificationId"), "j1");
	cr_expect_str_eq(e2e_get(r, "entries[0].request.body.modifiedAmount.amount"), "1");
	cr_expect_str_eq(e2e_get(r, "entries[0].response.status"), "200");
	cr_expect_not_null(e2e_get(r, "entries[0].refund_id"));
	cr_expect_str_eq(e2e_get(r, "entries[1].response.status"), "422");
	cr_expect_str_eq(e2e_get(r, "entries[2].operation"), "refund.status");
	cr_expect_eq(e2e_len(admin("GET", "/__admin/journal?operation=refund.create&limit=1",
	    NULL, NULL), "entries"), 1);
	r = admin("POST", "/__admin/journal/count", NULL,
	    "{\"match\":{\"provider\":\"smartpay\",\"operation\":\"refund.create\"}}");
	cr_expect_str_eq(e2e_get(r, "count"), "2");
	r = admin("POST", "/__admin/journal/count", NULL,
	    "{\"match\":{\"status\":422,\"body\":{\"modificationId\":\"j2\"}}}");
	cr_expect_str_eq(e2e_get(r, "count"), "1");
	r = admin("POST", "/__admin/journal/count", NULL,
	    "{\"match\":{\"path\":\"/smartpay/payment/status/*\",\"method\":\"GET\"}}");
	cr_expect_str_eq(e2e_get(r, "count"), "1");
	cr_expect_eq(admin("POST", "/__admin/journal/count", NULL,
	    "{\"match\":{\"colour\":\"red\"}}")->status, 400);
	cr_expect_eq(admin("DELETE", "/__admin/journal", NULL, NULL)->status, 200);
	cr_expect_eq(e2e_len(admin("GET", "/__admin/journal", NULL, NULL), "entries"), 0);
}

Test(admin, unknown_calls)
{
	struct e2e_resp	*r = admin("GET", "/__admin/nope", NULL, NULL);

	cr_expect_eq(r->status, 404);
	cr_expect_str_eq(e2e_get(r, "error.code"), "not_found");
	r = admin("GET", "/__admin/reset", NULL, NULL);
	cr_expect_eq(r->status, 405);
	cr_expect_str_eq(e2e_header(r, "Allow"), "POST");
	r = admin("GET", "/nowhere/at/all", NULL, NULL);
	cr_expect_eq(r->status, 404);
}
