/* PayEngine contract: every worked example and error row of docs/providers/payengine.md. */
#include <criterion/criterion.h>
#include <string.h>

#include "e2e.h"
#include "jsonx.h"

#define TXN		"9a0df7ef-b77f-4525-97e1-f41a98ad7f75"
#define MERCHANT	"b1e4c7a2-93d5-4f08-a6e1-5c2d8f9b0a34"
#define REFUND		"/payengine/api/payment/refund"
#define MAGIC(nn)	"9e000000-0000-4000-8000-0000000000" nn
#define AUTH		"Authorization: Basic sk_test_secret\r\n"
#define HEADERS		JSON_CT AUTH
#define UNKNOWN		"00000000-0000-4000-8000-000000000000"

TestSuite(payengine, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

/* PayEngine's documented example request, with the email the obfuscated page hid. */
static const char seed_request[] =
    "{\n\"id\": \"" TXN "\",\n\"amount\": 10,\n\"reason\": \"Discount issued\",\n"
    "\"internalTransactionID\": \"121212\",\n\"metadata\": {\n"
    "\"customerId\": \"123\",\n\"email\" : \"jane@example.com\"\n}\n}";

/* A refund of 'amount' (JSON text) on 'txn' with only the required fields. */
static struct e2e_resp *
refund(const char *txn, const char *amount)
{
	return (e2ef("POST", REFUND, HEADERS, "{\"id\":\"%s\",\"amount\":%s,"
	    "\"reason\":\"Discount issued\"}", txn, amount));
}

static struct e2e_resp *
show(const char *id)
{
	char	path[256];

	snprintf(path, sizeof path, REFUND "/%s", id);
	return (e2e("GET", path, AUTH, NULL));
}

/* What the ledger says is refunded of 'txn' (a decimal string). */
static const char *
refunded(const char *txn)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/transactions?provider=payengine",
	    NULL, NULL);
	char		 path[64];
	size_t		 i;

	for (i = 0; i < e2e_len(r, "transactions"); i++) {
		snprintf(path, sizeof path, "transactions[%zu].id", i);
		if (strcmp(e2e_get(r, path), txn) == 0) {
			snprintf(path, sizeof path, "transactions[%zu].refunded", i);
			return (e2e_get(r, path));
		}
	}
	cr_assert_fail("no transaction %s", txn);
	return (NULL);
}

/* PayEngine's error shape, with 'word' somewhere in the message. */
static void
expect_error(const struct e2e_resp *r, int status, const char *word)
{
	const char	*message = e2e_get(r, "message");

	cr_expect_eq(r->status, status, "status %d, body %s", r->status, r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	cr_expect(json_is_true(e2e_node(r, "error")), "body %s", r->body);
	cr_expect_eq(e2e_len(r, ""), 2, "body %s", r->body);
	cr_assert_not_null(message, "body %s", r->body);
	cr_expect(word == NULL || strstr(message, word) != NULL,
	    "'%s' not in '%s'", word, message);
}

/* The value at 'path' is a JSON string equal to 'want' (not a number). */
static void
expect_string(const struct e2e_resp *r, const char *path, const char *want)
{
	json_t	*v = e2e_node(r, path);

	cr_expect(v != NULL && jsonx_string(v) != NULL, "%s is not a string in %s",
	    path, r->body);
	cr_expect_str_eq(e2e_get(r, path), want, "%s in %s", path, r->body);
}

static void
expect_uuid(const struct e2e_resp *r, const char *path)
{
	const char	*v = e2e_get(r, path);

	cr_assert_not_null(v, "%s missing in %s", path, r->body);
	cr_expect_eq(strlen(v), 36, "%s: %s", path, v);
	cr_expect_eq(v[14], '4', "%s is not version 4: %s", path, v);
	cr_expect_eq(strspn(v, "0123456789abcdef-"), 36, "%s: %s", path, v);
}

static void
expect_pass(const struct e2e_resp *r, const char *amount)
{
	cr_assert_eq(r->status, 200, "%s", r->body);
	expect_string(r, "data.ReturnResponse.status", "PASS");
	expect_string(r, "data.ReturnResponse.responseCode", "A0000");
	expect_string(r, "data.ReturnResponse.transactionAmount", amount);
	expect_string(r, "data.ReturnResponse.processedAmount", amount);
}

static void
expect_decline(const struct e2e_resp *r, const char *amount, const char *zero)
{
	cr_assert_eq(r->status, 200, "%s", r->body);
	expect_string(r, "data.ReturnResponse.status", "FAIL");
	expect_string(r, "data.ReturnResponse.responseCode", "D0005");
	expect_string(r, "data.ReturnResponse.responseMessage",
	    "Refund declined by processor");
	expect_string(r, "data.ReturnResponse.transactionAmount", amount);
	expect_string(r, "data.ReturnResponse.processedAmount", zero);
}

Test(payengine, ex01_seed_request_passes)
{
	struct e2e_resp	*r = e2e("POST", REFUND, HEADERS, seed_request);
	const char	*auth;

	expect_pass(r, "10.00");
	cr_expect_str_eq(e2e_header(r, "Content-Type"), "application/json");
	cr_expect_eq(e2e_len(r, ""), 1, "only the envelope: %s", r->body);
	expect_uuid(r, "data.ID");
	expect_uuid(r, "data.TransactionID");
	cr_expect_str_neq(e2e_get(r, "data.ID"), e2e_get(r, "data.TransactionID"));
	expect_string(r, "data.MerchantID", MERCHANT);
	expect_string(r, "data.reason", "Discount issued");
	expect_string(r, "data.token", "card_sandbox_4f7b9e2c1d");
	expect_string(r, "data.internalTransactionID", "121212");
	expect_string(r, "data.order_number", "ORD-10021");
	cr_expect_str_eq(e2e_get(r, "data.Metadata"),
	    "{\"customerId\":\"123\",\"email\":\"jane@example.com\"}");
	cr_expect_null(e2e_node(r, "data.device"), "not a device sale: %s", r->body);
	expect_string(r, "data.ReturnResponse.responseMessage", "Success");
	auth = e2e_get(r, "data.ReturnResponse.authCode");
	cr_assert_not_null(auth);
	cr_expect_eq(strlen(auth), 6, "authCode %s", auth);
	cr_expect_eq(strspn(auth, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), 6, "%s", auth);
	cr_expect_str_eq(e2e_get(r, "data.ReturnResponse.transactionID"),
	    e2e_get(r, "data.TransactionID"));
	expect_string(r, "data.ReturnResponse.currency", "USD");
	expect_string(r, "data.ReturnResponse.transactionTimestamp", E2E_EPOCH);
	expect_string(r, "data.ReturnResponse.originalTransactionID", TXN);
	cr_expect_str_eq(refunded(TXN), "10.00");
}

Test(payengine, ex02_same_request_again_is_a_new_refund)
{
	struct e2e_resp	*a = e2e("POST", REFUND, HEADERS, seed_request);
	struct e2e_resp	*b = e2e("POST", REFUND, HEADERS, seed_request);

	expect_pass(a, "10.00");
	expect_pass(b, "10.00");
	cr_expect_str_neq(e2e_get(a, "data.ID"), e2e_get(b, "data.ID"));
	cr_expect_str_neq(e2e_get(a, "data.TransactionID"), e2e_get(b, "data.TransactionID"));
	cr_expect_str_eq(refunded(TXN), "20.00");
	cr_expect_eq(e2e_refund_count(), 2);
}

Test(payengine, ex03_available_amount_bounds_each_refund)
{
	expect_pass(e2e("POST", REFUND, HEADERS, seed_request), "10.00");
	expect_pass(e2e("POST", REFUND, HEADERS, seed_request), "10.00");
	expect_error(refund(TXN, "\"90.01\""), 422,
	    "Refund amount exceeds available transaction amount");
	expect_pass(refund(TXN, "\"80.00\""), "80.00");
	expect_error(refund(TXN, "\"0.01\""), 422, "fully refunded");
	cr_expect_str_eq(refunded(TXN), "100.00");
	cr_expect_eq(e2e_refund_count(), 3);
}

Test(payengine, ex04_internal_id_falls_back_to_the_sale)
{
	struct e2e_resp	*r = refund(TXN, "\"10\"");

	expect_pass(r, "10.00");
	expect_string(r, "data.internalTransactionID", "INT-55501");
	cr_expect_null(e2e_node(r, "data.Metadata"), "no metadata sent: %s", r->body);
}

Test(payengine, ex05_missing_reason_is_400_naming_it)
{
	expect_error(e2e("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\",\"amount\":\"10\"}"),
	    400, "reason");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(payengine, ex06_no_or_other_authorization_is_401)
{
	static const char *const headers[] = {
		JSON_CT,
		JSON_CT "Authorization: Bearer x\r\n",
		JSON_CT "Authorization: Basic invalid\r\n",
		JSON_CT "Authorization: Basic \r\n",
		JSON_CT "Authorization: sk_test_secret\r\n",
	};
	size_t	i;

	for (i = 0; i < sizeof headers / sizeof *headers; i++) {
		struct e2e_resp *r = e2e("POST", REFUND, headers[i], seed_request);
		expect_error(r, 401, NULL);
		cr_expect_str_eq(e2e_get(r, "message"), "Unauthorized");
		cr_expect_str_eq(e2e_header(r, "WWW-Authenticate"), "Basic realm=\"PayEngine\"");
	}
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(payengine, ex07_bad_amounts_are_400)
{
	static const char *const amounts[] = { "\"abc\"", "-5", "\"1.001\"", "0", "\"0.00\"",
	    "\"-5\"", "\"1e2\"", "1e-3", "\" 10\"", "\"\"", "null", "true", "{}", "[10]",
	    "99999999999999999999" };
	size_t	i;

	for (i = 0; i < sizeof amounts / sizeof *amounts; i++)
		expect_error(refund(TXN, amounts[i]), 400, "amount");
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_str_eq(refunded(TXN), "0.00");
}

Test(payengine, ex08_magic_01_declines_in_the_reply)
{
	struct e2e_resp	*r = refund(MAGIC("01"), "\"10.00\"");
	char		 id[40];

	expect_decline(r, "10.00", "0.00");
	expect_string(r, "data.ReturnResponse.authCode", "");
	snprintf(id, sizeof id, "%s", e2e_get(r, "data.ID"));
	cr_expect_str_eq(refunded(MAGIC("01")), "0.00");
	/* The whole amount is still available: a full refund is declined, not refused. */
	expect_decline(refund(MAGIC("01"), "50"), "50.00", "0.00");
	r = show(id);
	expect_decline(r, "10.00", "0.00");
	cr_expect_str_eq(e2e_get(r, "data.ID"), id);
	r = e2e("GET", "/__admin/refunds", NULL, NULL);
	cr_expect_eq(e2e_len(r, "refunds"), 2);
	cr_expect_str_eq(e2e_get(r, "refunds[0].state"), "declined");
	cr_expect_str_eq(e2e_get(r, "refunds[0].id"), id);
}

Test(payengine, ex09_metadata_must_be_an_object)
{
	static const char *const values[] = { "[1,2]", "\"x\"", "7", "true" };
	size_t	i;

	for (i = 0; i < sizeof values / sizeof *values; i++)
		expect_error(e2ef("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\","
		    "\"amount\":\"1\",\"reason\":\"r\",\"metadata\":%s}", values[i]),
		    400, "metadata");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(payengine, ex10_unknown_transaction_is_404)
{
	expect_error(refund(UNKNOWN, "\"10\""), 404, UNKNOWN);
	expect_error(refund("not-a-uuid", "\"10\""), 404, "not-a-uuid");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(payengine, get_returns_the_stored_response)
{
	struct e2e_resp	*a = e2e("POST", REFUND, HEADERS, seed_request);
	struct e2e_resp	*b;
	char		 path[96];

	expect_pass(a, "10.00");
	snprintf(path, sizeof path, REFUND "/%s", e2e_get(a, "data.ID"));
	b = e2e("GET", path, AUTH, NULL);
	cr_assert_eq(b->status, 200, "%s", b->body);
	cr_expect_str_eq(a->body, b->body);
	expect_error(e2e("GET", path, NULL, NULL), 401, "Unauthorized");
	expect_error(e2e("GET", path, "Authorization: Basic invalid\r\n", NULL), 401, NULL);
	expect_error(show(UNKNOWN), 404, UNKNOWN);
	/* Any valid key reads any refund of the session. */
	cr_expect_eq(e2e("GET", path, "Authorization: Basic another_key\r\n", NULL)->status,
	    200);
}

Test(payengine, journal_names_the_refund)
{
	struct e2e_resp	*a = refund(TXN, "1");
	struct e2e_resp	*j;

	expect_pass(a, "1.00");
	cr_assert_eq(show(e2e_get(a, "data.ID"))->status, 200);
	j = e2e("GET", "/__admin/journal?provider=payengine", NULL, NULL);
	cr_assert_eq(e2e_len(j, "entries"), 2, "%s", j->body);
	cr_expect_str_eq(e2e_get(j, "entries[0].operation"), "refund.create");
	cr_expect_str_eq(e2e_get(j, "entries[0].refund_id"), e2e_get(a, "data.ID"));
	cr_expect_str_eq(e2e_get(j, "entries[1].operation"), "refund.status");
	cr_expect_str_eq(e2e_get(j, "entries[1].refund_id"), e2e_get(a, "data.ID"));
}

Test(payengine, lifecycle_is_synchronous_over_virtual_time)
{
	struct e2e_resp	*a = refund(TXN, "\"5.00\"");
	struct e2e_resp	*r;
	char		 id[40];

	expect_pass(a, "5.00");
	snprintf(id, sizeof id, "%s", e2e_get(a, "data.ID"));
	r = e2e("GET", "/__admin/refunds", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "refunds[0].state"), "succeeded");
	cr_expect_eq(e2e_len(r, "refunds[0].history"), 1);
	cr_expect_str_eq(e2e_get(r, "refunds[0].history[0].at"), E2E_EPOCH);
	e2e_advance("3600");
	cr_expect_str_eq(show(id)->body, a->body);
	r = refund(TXN, "\"5.00\"");
	expect_pass(r, "5.00");
	expect_string(r, "data.ReturnResponse.transactionTimestamp",
	    "2026-04-09T15:00:00.000Z");
	cr_expect_str_eq(refunded(TXN), "10.00");
	e2e_advance("2592000");
	cr_expect_str_eq(refunded(TXN), "10.00");
	cr_expect_str_eq(show(id)->body, a->body);
}

Test(payengine, amount_as_string_or_number)
{
	expect_pass(refund(TXN, "10"), "10.00");
	expect_pass(refund(TXN, "10.5"), "10.50");
	expect_pass(refund(TXN, "\"10.25\""), "10.25");
	expect_pass(refund(TXN, "\"0.250\""), "0.25");
	cr_expect_str_eq(refunded(TXN), "31.00");
}

Test(payengine, error_missing_empty_and_wrong_types_are_400)
{
	static const struct {
		char	body[160];
		char	field[32];
	} cases[] = {
		{ "{\"amount\":\"1\",\"reason\":\"r\"}", "id" },
		{ "{\"id\":\"\",\"amount\":\"1\",\"reason\":\"r\"}", "id" },
		{ "{\"id\":12,\"amount\":\"1\",\"reason\":\"r\"}", "id" },
		{ "{\"id\":null,\"amount\":\"1\",\"reason\":\"r\"}", "id" },
		{ "{\"id\":\"" TXN "\",\"reason\":\"r\"}", "amount" },
		{ "{\"id\":\"" TXN "\",\"amount\":\"1\",\"reason\":\"\"}", "reason" },
		{ "{\"id\":\"" TXN "\",\"amount\":\"1\",\"reason\":5}", "reason" },
		{ "{\"id\":\"" TXN "\",\"amount\":\"1\",\"reason\":[\"r\"]}", "reason" },
		{ "{\"id\":\"" TXN "\",\"amount\":\"1\",\"reason\":\"r\","
		    "\"internalTransactionID\":121212}", "internalTransactionID" },
		{ "{\"id\":\"" TXN "\",\"amount\":\"1\",\"reason\":\"r\","
		    "\"internalTransactionID\":\"\"}", "internalTransactionID" },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++)
		expect_error(e2e("POST", REFUND, HEADERS, cases[i].body), 400,
		    cases[i].field);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(payengine, error_length_limits)
{
	char	reason[300], internal[80], wide[512];
	size_t	i;

	memset(reason, 'r', 256);
	reason[256] = '\0';
	expect_error(e2ef("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\",\"amount\":\"1\","
	    "\"reason\":\"%s\"}", reason), 400, "reason");
	memset(internal, 'i', 65);
	internal[65] = '\0';
	expect_error(e2ef("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\",\"amount\":\"1\","
	    "\"reason\":\"r\",\"internalTransactionID\":\"%s\"}", internal), 400,
	    "internalTransactionID");
	cr_expect_eq(e2e_refund_count(), 0);
	reason[255] = '\0';
	internal[64] = '\0';
	expect_pass(e2ef("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\",\"amount\":\"1\","
	    "\"reason\":\"%s\",\"internalTransactionID\":\"%s\"}", reason, internal), "1.00");
	/* Characters, not bytes: 255 two-byte characters fit. */
	for (i = 0; i < 255; i++)
		memcpy(wide + 2 * i, "\xc3\xa9", 2);
	wide[510] = '\0';
	expect_pass(e2ef("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\",\"amount\":\"1\","
	    "\"reason\":\"%s\"}", wide), "1.00");
}

/* A refund whose metadata has 'n' keys. */
static struct e2e_resp *
refund_with_metadata(int n)
{
	char	meta[1024] = "{";
	size_t	len = 1;
	int	i;

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(meta + len, sizeof meta - len, "%s\"k%d\":%d",
		    i > 0 ? "," : "", i, i);
	snprintf(meta + len, sizeof meta - len, "}");
	return (e2ef("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\",\"amount\":\"1\","
	    "\"reason\":\"r\",\"metadata\":%s}", meta));
}

Test(payengine, metadata_limits_and_exact_echo)
{
	struct e2e_resp	*r;

	expect_error(refund_with_metadata(51), 400, "metadata");
	cr_expect_eq(e2e_refund_count(), 0);
	r = refund_with_metadata(50);
	expect_pass(r, "1.00");
	cr_expect_eq(e2e_len(r, "data.Metadata"), 50);
	r = e2e("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\",\"amount\":\"1\","
	    "\"reason\":\"r\",\"metadata\":{\"price\":1.10,\"nested\":{\"a\":[1,null]},"
	    "\"big\":12345678901234567890}}");
	expect_pass(r, "1.00");
	cr_expect(strstr(r->body, "\"Metadata\":{\"price\":1.10,\"nested\":{\"a\":[1,null]},"
	    "\"big\":12345678901234567890}") != NULL, "%s", r->body);
	r = e2e("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\",\"amount\":\"1\","
	    "\"reason\":\"r\",\"metadata\":null}");
	expect_pass(r, "1.00");
	cr_expect_null(e2e_node(r, "data.Metadata"), "%s", r->body);
	r = e2e("POST", REFUND, HEADERS, "{\"id\":\"" TXN "\",\"amount\":\"1\","
	    "\"reason\":\"r\",\"metadata\":{}}");
	cr_expect_str_eq(e2e_get(r, "data.Metadata"), "{}");
}

Test(payengine, error_bad_json_is_400)
{
	static const char *const bodies[] = {
		"{\"id\":\"" TXN "\",\"amount\":10,",
		"",
		"[1,2]",
		"\"id\"",
		"{\"id\":\"" TXN "\",\"id\":\"" TXN "\",\"amount\":1,\"reason\":\"r\"}",
		"{\"id\":\"" TXN "\",\"amount\":1,\"reason\":\"\xff\xfe\"}",
		"{\"id\":\"" TXN "\",\"amount\":1,\"reason\":\"a\\u0000b\"}",
	};
	size_t	i;

	for (i = 0; i < sizeof bodies / sizeof *bodies; i++)
		expect_error(e2e("POST", REFUND, HEADERS, bodies[i]), 400, "JSON");
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(payengine, error_not_json_is_415)
{
	expect_error(e2e("POST", REFUND, "Content-Type: text/plain\r\n" AUTH, seed_request),
	    415, "application/json");
	expect_error(e2e("POST", REFUND, AUTH, seed_request), 415, "application/json");
	expect_error(e2e("POST", REFUND, "Content-Type: application/x-www-form-urlencoded\r\n"
	    AUTH, "id=" TXN "&amount=10&reason=r"), 415, "application/json");
	cr_expect_eq(e2e_refund_count(), 0);
	expect_pass(e2e("POST", REFUND, "Content-Type: application/json; charset=utf-8\r\n"
	    AUTH, seed_request), "10.00");
}

Test(payengine, error_oversize_body_is_413)
{
	expect_error(e2e_post_oversize(REFUND, HEADERS), 413, NULL);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(payengine, error_unknown_path_and_wrong_method)
{
	struct e2e_resp	*r = e2e("GET", REFUND, AUTH, NULL);

	expect_error(r, 405, "POST");
	cr_expect_str_eq(e2e_header(r, "Allow"), "POST");
	r = e2e("POST", REFUND "/" UNKNOWN, HEADERS, "{}");
	expect_error(r, 405, "GET");
	cr_expect_str_eq(e2e_header(r, "Allow"), "GET");
	r = e2e("DELETE", REFUND "/" UNKNOWN, AUTH, NULL);
	cr_expect_str_eq(e2e_header(r, "Allow"), "GET");
	expect_error(e2e("POST", "/payengine/api/payment/refunds", HEADERS, seed_request),
	    404, NULL);
	expect_error(e2e("GET", "/payengine", NULL, NULL), 404, NULL);
	expect_error(e2e("GET", "/payengine/api/payment/refund/a/b", AUTH, NULL), 404, NULL);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(payengine, error_business_rules_are_422)
{
	static const struct {
		char	txn[40];
		char	amount[16];
		char	message[64];
	} cases[] = {
		{ MAGIC("04"), "\"1\"", "Transaction not settled; use void" },
		{ MAGIC("05"), "\"1\"", "fully refunded" },
		{ MAGIC("09"), "\"1\"", "voided" },
		{ TXN, "\"100.01\"", "Refund amount exceeds available transaction amount" },
		{ MAGIC("08"), "\"60.01\"", "Refund amount exceeds available transaction amount" },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++)
		expect_error(refund(cases[i].txn, cases[i].amount), 422, cases[i].message);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(payengine, rejected_requests_change_nothing)
{
	struct e2e_resp	*r;

	expect_error(e2e("POST", REFUND, JSON_CT, seed_request), 401, NULL);
	expect_error(e2e("POST", REFUND, AUTH, seed_request), 415, NULL);
	expect_error(e2e("POST", REFUND, HEADERS, "{"), 400, NULL);
	expect_error(refund(TXN, "\"abc\""), 400, NULL);
	expect_error(refund(UNKNOWN, "1"), 404, NULL);
	expect_error(refund(TXN, "\"100.01\""), 422, NULL);
	expect_error(refund(MAGIC("04"), "1"), 422, NULL);
	expect_error(refund(MAGIC("09"), "1"), 422, NULL);
	r = e2e("GET", "/__admin/refunds", NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_expect_eq(e2e_len(r, "refunds"), 0, "%s", r->body);
	cr_expect_str_eq(refunded(TXN), "0.00");
	expect_pass(refund(TXN, "\"100.00\""), "100.00");
}

/* Magic 06 and 07: amounts at the currency's own exponent, both ways. */
Test(payengine, magic_06_07_amounts_in_their_currencies)
{
	static const struct {
		char	txn[40];
		char	currency[4];
		char	too_precise[16];
		char	over[16];
		char	all[16];
		char	shown[16];
	} cases[] = {
		{ MAGIC("06"), "JPY", "\"1.5\"", "5001", "5000", "5000" },
		{ MAGIC("07"), "KWD", "\"12.3451\"", "\"12.346\"", "\"12.345\"", "12.345" },
		{ TXN, "USD", "\"1.001\"", "\"100.01\"", "100.0", "100.00" },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct e2e_resp *r;
		expect_error(refund(cases[i].txn, cases[i].too_precise), 400, "amount");
		expect_error(refund(cases[i].txn, cases[i].over), 422, "exceeds");
		r = refund(cases[i].txn, cases[i].all);
		expect_pass(r, cases[i].shown);
		expect_string(r, "data.ReturnResponse.currency", cases[i].currency);
	}
}

Test(payengine, magic_08_device_sale_with_60_left)
{
	struct e2e_resp	*r = refund(MAGIC("08"), "\"60.00\"");

	expect_pass(r, "60.00");
	expect_string(r, "data.device.id", "d3c1a9e0-5b7f-4e2a-9c64-0f8e2b1d7a53");
	cr_expect_eq(e2e_len(r, "data.device"), 10, "%s", r->body);
	expect_string(r, "data.device.serial_number", "1850052713");
	expect_string(r, "data.device.os_version", "10");
	cr_expect_str_eq(refunded(MAGIC("08")), "100.00");
	expect_error(refund(MAGIC("08"), "\"0.01\""), 422, "fully refunded");
}

Test(payengine, runtime_transaction_without_optional_extras)
{
	struct e2e_resp	*r = e2e("POST", "/__admin/transactions", NULL,
	    "{\"provider\":\"payengine\",\"id\":\"added-1\",\"amount\":\"20.00\","
	    "\"currency\":\"EUR\",\"merchant_id\":\"" MERCHANT "\",\"token\":\"tok_1\"}");

	cr_assert_eq(r->status, 201, "%s", r->body);
	r = refund("added-1", "\"20\"");
	expect_pass(r, "20.00");
	cr_expect_null(e2e_node(r, "data.internalTransactionID"), "%s", r->body);
	cr_expect_null(e2e_node(r, "data.order_number"), "%s", r->body);
	expect_string(r, "data.token", "tok_1");
	expect_string(r, "data.ReturnResponse.currency", "EUR");
}

Test(payengine, fixture_extras_are_checked)
{
	static const struct {
		char	txn[200];
		char	field[32];
	} cases[] = {
		{ "\"token\":\"t\"", "merchant_id" },
		{ "\"merchant_id\":\"m\"", "token" },
		{ "\"merchant_id\":\"m\",\"token\":1", "token" },
		{ "\"merchant_id\":\"m\",\"token\":\"t\",\"order_number\":7", "order_number" },
		{ "\"merchant_id\":\"m\",\"token\":\"t\",\"device\":[]", "device" },
		{ "\"merchant_id\":\"m\",\"token\":\"t\",\"device\":{\"id\":3}", "device.id" },
		{ "\"merchant_id\":\"m\",\"token\":\"t\",\"state\":\"locked\"", "state" },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct e2e_resp *r = e2ef("POST", "/__admin/transactions", NULL,
		    "{\"provider\":\"payengine\",\"id\":\"bad\",\"amount\":\"1.00\","
		    "\"currency\":\"USD\",%s}", cases[i].txn);
		cr_expect_eq(r->status, 400, "%zu: %s", i, r->body);
		cr_expect(strstr(r->body, cases[i].field) != NULL, "%zu: %s", i, r->body);
	}
}

Test(payengine, ids_repeat_with_the_seed)
{
	struct e2e_resp	*a = e2e("POST", REFUND, HEADERS, seed_request);
	struct e2e_resp	*b;

	expect_pass(a, "10.00");
	cr_assert_eq(e2e("POST", "/__admin/reset", NULL, NULL)->status, 200);
	b = e2e("POST", REFUND, HEADERS, seed_request);
	cr_expect_str_eq(a->body, b->body);
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(payengine, sessions_do_not_share_refunds)
{
	struct e2e_resp	*a = e2e("POST", REFUND, HEADERS "X-Paymock-Session: ci-a\r\n",
	    "{\"id\":\"" TXN "\",\"amount\":\"100\",\"reason\":\"r\"}");
	char		 path[96];

	expect_pass(a, "100.00");
	snprintf(path, sizeof path, REFUND "/%s", e2e_get(a, "data.ID"));
	expect_error(e2e("GET", path, AUTH, NULL), 404, NULL);
	expect_pass(refund(TXN, "\"100\""), "100.00");
}
