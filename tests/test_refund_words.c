/*
 * The shared refund-check ladder (call_refund_check) in each provider's own
 * words: the refusals whose exact text no contract test pins, and the 404
 * that lists the providers from the table.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "e2e.h"

#define SMARTPAY_MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"
#define SMARTPAY_TXN		"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define PAYENGINE_HEADERS	JSON_CT "Authorization: Basic sk_test_secret\r\n"
#define PAYENGINE_MAGIC(nn)	"9e000000-0000-4000-8000-0000000000" nn

TestSuite(refund_words, .init = e2e_setup, .fini = e2e_teardown, .timeout = 20);

static struct e2e_resp *
payengine_refund(const char *txn, const char *amount)
{
	return (e2ef("POST", "/payengine/api/payment/refund", PAYENGINE_HEADERS,
	    "{\"id\":\"%s\",\"amount\":%s,\"reason\":\"r\"}", txn, amount));
}

static struct e2e_resp *
smartpay_refund(const char *modid)
{
	return (e2ef("POST", "/smartpay/payment/refund", JSON_CT,
	    "{\"merchantKey\":\"" SMARTPAY_MERCHANT "\",\"transactionId\":\""
	    SMARTPAY_TXN "\",\"modificationId\":\"%s\"}", modid));
}

Test(refund_words, payengine_states_and_balance_have_their_exact_messages)
{
	static const struct {
		const char	*txn;
		const char	*message;
	} cases[] = {
		{ PAYENGINE_MAGIC("04"), "Transaction not settled; use void" },
		{ PAYENGINE_MAGIC("09"), "Transaction has been voided; nothing to refund" },
		{ PAYENGINE_MAGIC("05"), "Transaction has already been fully refunded" },
	};
	struct e2e_resp	*r;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		r = payengine_refund(cases[i].txn, "\"1\"");
		cr_expect_eq(r->status, 422, "%s", r->body);
		cr_expect_str_eq(e2e_get(r, "message"), cases[i].message);
	}
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(refund_words, smartpay_fully_refunded_names_the_payment)
{
	struct e2e_resp	*r;

	cr_assert_eq(smartpay_refund("all-of-it")->status, 200);
	r = smartpay_refund("one-more");
	cr_expect_eq(r->status, 422, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "errorCode"), "ALREADY_REFUNDED");
	cr_expect_str_eq(e2e_get(r, "errorMessage"),
	    "The payment " SMARTPAY_TXN " is already fully refunded.");
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(refund_words, unknown_prefix_lists_the_provider_table)
{
	struct e2e_resp	*r = e2e("GET", "/nobody/here", NULL, NULL);

	cr_expect_eq(r->status, 404, "%s", r->body);
	cr_expect(strstr(r->body, "no provider at /nobody/here; paymock serves "
	    "/smartretry, /smartpay, /utgl, /accelebit, /payengine and /__admin") !=
	    NULL, "%s", r->body);
}
