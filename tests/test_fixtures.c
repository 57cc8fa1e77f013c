/* Fixture files: the real set loads; each kind of bad file is named precisely. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "provider.h"
#include "util.h"

#define SMARTPAY_DEFAULT	"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define MERCHANT		"31928de9-1344-469f-b0eb-8e5d0fef3d21"
/* A valid smartpay transaction with 'id', 'amount' and more members spliced in. */
#define SP(id, amount, more) \
	"{\"provider\":\"smartpay\",\"id\":\"" id "\",\"amount\":\"" amount "\"," \
	"\"currency\":\"EUR\",\"merchant_key\":\"" MERCHANT "\"" more "}"

static const char *
fixtures_test_dir(void)
{
	const char	*dir = getenv("PAYMOCK_FIXTURES");

	return (dir != NULL ? dir : "fixtures");
}

static char	fixture_dir[64];
static char	fixture_path[128];

/* Writes 'body' as a.json in a new directory and tries to load it. */
static struct txn_set *
fixtures_test_load_text(const char *body, char **cause)
{
	FILE	*fp;

	strcpy(fixture_dir, "/tmp/paymock-fixtures-XXXXXX");
	cr_assert_not_null(mkdtemp(fixture_dir));
	snprintf(fixture_path, sizeof fixture_path, "%s/a.json", fixture_dir);
	cr_assert_not_null(fp = fopen(fixture_path, "w"));
	fputs(body, fp);
	fclose(fp);
	return (fixtures_load(fixture_dir, provider_fixture_check, cause));
}

static void
fixtures_test_cleanup(void)
{
	if (fixture_path[0] != '\0')
		unlink(fixture_path);
	if (fixture_dir[0] != '\0')
		rmdir(fixture_dir);
}

TestSuite(fixtures, .fini = fixtures_test_cleanup);

Test(fixtures, loads_real_set)
{
	char			*cause = NULL;
	struct txn_set		*f = fixtures_load(fixtures_test_dir(),
				    provider_fixture_check, &cause);
	const struct txn	*t;
	size_t			 i;

	cr_assert_not_null(f, "%s: %s", fixtures_test_dir(), cause);
	cr_expect_null(cause);
	cr_assert_gt(txn_set_count(f), 0);

	t = txn_set_find(f, "smartpay", SMARTPAY_DEFAULT);
	cr_assert_not_null(t, "no SmartPay default transaction");
	cr_expect_str_eq(t->provider, "smartpay");
	cr_expect_str_eq(t->id, SMARTPAY_DEFAULT);
	cr_expect_eq(t->amount, 3599);
	cr_expect_str_eq(t->currency, "EUR");
	cr_expect_eq(t->exponent, 2);
	cr_expect_eq(t->state, TXN_CAPTURED);
	cr_expect_eq(t->refunded, 0);
	cr_expect_eq(t->outcome, OUTCOME_SUCCEEDED);
	cr_expect_str_eq(json_string_value(json_object_get(t->fixture, "merchant_key")),
	    MERCHANT, "the fixture object is kept for extras");
	cr_expect_null(txn_set_find(f, "accelebit", SMARTPAY_DEFAULT));

	for (i = 0; i < txn_set_count(f); i++) {
		t = txn_set_at(f, i);
		cr_expect_eq(txn_set_find(f, t->provider, t->id), t, "%s %s",
		    t->provider, t->id);
		cr_expect_gt(t->amount, 0);
		cr_expect_leq(t->refunded, t->amount);
	}
	txn_set_free(f);
}

Test(fixtures, loads_one_file)
{
	char		 path[512], *cause = NULL;
	struct txn_set	*f;

	snprintf(path, sizeof path, "%s/smartpay.json", fixtures_test_dir());
	f = fixtures_load(path, provider_fixture_check, &cause);
	cr_assert_not_null(f, "%s", cause);
	cr_expect_not_null(txn_set_find(f, "smartpay", SMARTPAY_DEFAULT));
	txn_set_free(f);
}

Test(fixtures, loads_written_file)
{
	char			*cause = NULL;
	struct txn_set		*f = fixtures_test_load_text("{\"transactions\":["
	    SP("t1", "12.50", ",\"refunded\":\"2.5\",\"state\":\"authorized\","
	    "\"refund_outcome\":\"stuck\"") "," SP("t2", "1", "") "]}", &cause);
	const struct txn	*t;

	cr_assert_not_null(f, "%s", cause);
	cr_assert_eq(txn_set_count(f), 2);
	t = txn_set_at(f, 0);
	cr_expect_str_eq(t->id, "t1", "file order is kept");
	cr_expect_eq(t->amount, 1250);
	cr_expect_eq(t->refunded, 250);
	cr_expect_eq(t->state, TXN_AUTHORIZED);
	cr_expect_eq(t->outcome, OUTCOME_STUCK);
	cr_expect_eq(txn_set_at(f, 1)->amount, 100);
	txn_set_free(f);
}

Test(fixtures, missing_path)
{
	char	*cause = NULL;

	cr_expect_null(fixtures_load("/nonexistent/paymock", provider_fixture_check,
	    &cause));
	cr_assert_not_null(cause);
	cr_expect_not_null(strstr(cause, "/nonexistent/paymock"), "%s", cause);
	free(cause);
}

struct bad_case {
	char	body[512];	/* the whole file */
	char	where[40];	/* after the file name: the field */
	char	why[48];	/* part of the reason */
};

ParameterizedTestParameters(fixtures, bad_file)
{
	static struct bad_case cases[] = {
		{ "{\"transactions\":[{\"provider\":\"nopay\",\"id\":\"t1\","
		    "\"amount\":\"10.00\",\"currency\":\"EUR\"}]}",
		    ": transactions[0].provider", "unknown provider 'nopay'" },
		{ "{\"transactions\":[" SP("t1", "1.005", "") "]}",
		    ": transactions[0].amount", "more decimals" },
		{ "{\"transactions\":[" SP("t1", "0.00", "") "]}",
		    ": transactions[0].amount", "greater than zero" },
		{ "{\"transactions\":[" SP("t1", "ten", "") "]}",
		    ": transactions[0].amount", "plain decimal" },
		{ "{\"transactions\":[{\"provider\":\"smartpay\",\"id\":\"t1\","
		    "\"amount\":10.00,\"currency\":\"EUR\"}]}",
		    ": transactions[0].amount", "must be a string" },
		{ "{\"transactions\":[{\"provider\":\"smartpay\",\"id\":\"t1\","
		    "\"amount\":\"10.00\",\"currency\":\"XYZ\"}]}",
		    ": transactions[0].currency", "unknown currency 'XYZ'" },
		{ "{\"transactions\":[{\"provider\":\"smartpay\",\"id\":\"t1\","
		    "\"currency\":\"EUR\"}]}",
		    ": transactions[0].amount", "is required" },
		{ "{\"transactions\":[" SP("t1", "10.00", ",\"refunded\":\"10.01\"")
		    "]}", ": transactions[0].refunded", "more than the amount" },
		{ "{\"transactions\":[" SP("t1", "10.00", ",\"state\":\"settled\"")
		    "]}", ": transactions[0].state", "must be captured" },
		{ "{\"transactions\":[" SP("t1", "10.00",
		    ",\"refund_outcome\":\"maybe\"") "]}",
		    ": transactions[0].refund_outcome", "must be succeeded" },
		{ "{\"transactions\":[{\"provider\":\"smartpay\",\"id\":\"t1\","
		    "\"amount\":\"10.00\",\"currency\":\"EUR\"}]}",
		    ": transactions[0].merchant_key", "UUID" },
		{ "{\"transactions\":[" SP("t1", "10.00", "") "," SP("t2", "1.00", "")
		    "," SP("t1", "2.00", "") "]}",
		    ": transactions[2].id", "'t1' is already" },
		{ "{\"transactions\":[" SP("t1", "10.00", "") ",42]}",
		    ": transactions[1]", "must be an object" },
		{ "{\"transactions\": [", "", "not valid JSON" },
		{ "transactions", "", "not valid JSON" },
		{ "{\"txns\":[]}", ": transactions", "must be an array" },
		{ "{\"transactions\":{}}", ": transactions", "must be an array" },
		{ "[]", ": transactions", "must be an array" },
	};

	return (cr_make_param_array(struct bad_case, cases, nitems(cases)));
}

ParameterizedTest(struct bad_case *c, fixtures, bad_file)
{
	char		 want[200], *cause = NULL;
	struct txn_set	*f = fixtures_test_load_text(c->body, &cause);

	cr_expect_null(f, "%s: accepted", c->body);
	cr_assert_not_null(cause, "%s: no cause", c->body);
	snprintf(want, sizeof want, "%s%s", fixture_path, c->where);
	cr_expect_eq(strncmp(cause, want, strlen(want)), 0,
	    "cause '%s' does not start with '%s'", cause, want);
	cr_expect_not_null(strstr(cause, c->why), "cause '%s' lacks '%s'", cause,
	    c->why);
	txn_set_free(f);
	free(cause);
}

Test(fixtures, txn_json)
{
	char			*cause = NULL;
	struct txn_set		*f = fixtures_test_load_text("{\"transactions\":["
	    SP("t1", "12.5", ",\"payment_method\":\"IDEAL\"") "]}", &cause);
	json_t			*o;

	cr_assert_not_null(f, "%s", cause);
	o = fixtures_txn_json(txn_set_at(f, 0), 250);
	cr_expect_str_eq(json_string_value(json_object_get(o, "amount")), "12.50");
	cr_expect_str_eq(json_string_value(json_object_get(o, "refunded")), "2.50");
	cr_expect_str_eq(json_string_value(json_object_get(o, "state")), "captured");
	cr_expect_str_eq(json_string_value(json_object_get(o, "refund_outcome")),
	    "succeeded");
	cr_expect_str_eq(json_string_value(json_object_get(o, "payment_method")),
	    "IDEAL", "extras are kept");
	json_decref(o);
	txn_set_free(f);
}
