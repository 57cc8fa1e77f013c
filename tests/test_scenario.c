/* Scenarios and faults end to end: every action on a real socket, matching, validation. */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "jsonx.h"
#include "quota.h"
#include "quota_fixture.h"
#include "scenario.h"
#include "util.h"

#define MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"
#define TXN		"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define REFUND_PATH	"/smartpay/payment/refund"
#define REFUND_BODY(id, amount) "{\"merchantKey\":\"" MERCHANT "\",\"transactionId\":\"" \
	TXN "\",\"modificationId\":\"" id "\",\"modifiedAmount\":{\"amount\":" amount \
	",\"currencyCode\":\"EUR\"}}"
#define SESSION(n)	"X-Paymock-Session: " n "\r\n"

TestSuite(scenario, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

static struct e2e_resp *
refund(const char *body)
{
	return (e2e("POST", REFUND_PATH, JSON_CT, body));
}

static void
load(const char *name)
{
	char		 path[128];
	struct e2e_resp	*r;

	snprintf(path, sizeof path, "/__admin/scenarios/%s", name);
	r = e2e("POST", path, NULL, NULL);
	cr_assert_eq(r->status, 201, "loading %s: %s", name, r->body);
}

static void
arm(const char *rule)
{
	struct e2e_resp	*r = e2e("POST", "/__admin/faults", NULL, rule);

	cr_assert_eq(r->status, 201, "arming: %s", r->body);
}

/* The modification's status now, from the payment's status view (a retry is its first reply). */
static const char *
status_of(const char *modid)
{
	struct e2e_resp	*r = e2e("GET", "/smartpay/payment/status/" TXN
	    "?merchantKey=" MERCHANT, NULL, NULL);
	char		 path[96];
	size_t		 i, n = e2e_len(r, "modifications");

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "modifications[%zu].modificationData."
		    "modificationId", i);
		if (strcmp(e2e_get(r, path), modid) == 0) {
			snprintf(path, sizeof path, "modifications[%zu].status", i);
			return (e2e_get(r, path));
		}
	}
	return ("(none)");
}

Test(scenario, every_shipped_scenario_loads_and_has_a_description)
{
	DIR		*d = opendir(e2e_scenario_dir());
	struct dirent	*de;
	int		 n = 0;

	cr_assert_not_null(d, "no scenario dir %s", e2e_scenario_dir());
	while ((de = readdir(d)) != NULL) {
		char	name[128], path[160];
		size_t	len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(len - 5), de->d_name);
		snprintf(path, sizeof path, "/__admin/scenarios/%s", name);
		struct e2e_resp *r = e2e("POST", path, SESSION("catalogue"), NULL);
		cr_expect_eq(r->status, 201, "%s: %s", name, r->body);
		cr_expect_str_eq(e2e_get(r, "name"), name);
		n++;
	}
	closedir(d);
	cr_expect_geq(n, 8);
	cr_assert_eq(e2e("GET", "/__admin/scenarios", SESSION("catalogue"), NULL)->status, 200);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/scenarios", SESSION("catalogue"), NULL),
	    "scenarios"), (size_t)n);
}

Test(scenario, timeout_after_commit_then_the_retry_gets_the_refund)
{
	struct e2e_wire	w;
	struct e2e_resp	*r;

	load("smartpay-timeout-then-ok");
	e2e_exchange("POST", REFUND_PATH, JSON_CT, REFUND_BODY("lost-1", "10.00"), 3000, &w);
	cr_expect_eq(w.len, 0, "a reply came: %s", w.data);
	cr_expect_eq(w.err, 0);
	cr_expect_eq(e2e_refund_count(), 1, "the refund was recorded");
	r = refund(REFUND_BODY("lost-1", "10.00"));
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "modification.status"), "REFUND_PENDING");
	cr_expect_eq(e2e_refund_count(), 1, "the retry created nothing");
	e2e_advance("5");
	cr_expect_str_eq(status_of("lost-1"), "REFUNDED");
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "entries[0].rule"), "smartpay-timeout-then-ok#0");
	cr_expect_str_eq(e2e_get(r, "entries[0].action"), "commit_then_drop");
	cr_expect_str_eq(e2e_get(r, "entries[0].response.status"), "200");
}

Test(scenario, provider_503_burst_then_recovery)
{
	int	i;

	load("provider-503-burst");
	for (i = 0; i < 3; i++) {
		struct e2e_resp *r = refund(REFUND_BODY("b", "1"));
		cr_expect_eq(r->status, 503);
		cr_expect_str_eq(e2e_get(r, "errorCode"), "SERVICE_UNAVAILABLE");
		cr_expect_not_null(e2e_get(r, "traceId"));
	}
	cr_expect_eq(refund(REFUND_BODY("b", "1"))->status, 200);
	cr_expect_eq(e2e_refund_count(), 1);
	cr_expect_str_eq(e2e_get(e2e("POST", "/__admin/journal/count", NULL,
	    "{\"match\":{\"rule\":\"outage\"}}"), "count"), "3");
	cr_expect_str_eq(e2e_get(e2e("POST", "/__admin/journal/count", NULL,
	    "{\"match\":{\"status\":503}}"), "count"), "3");
}

Test(scenario, rate_limit_with_retry_after)
{
	struct e2e_resp	*r;

	load("rate-limited");
	r = refund(REFUND_BODY("rl", "1"));
	cr_expect_eq(r->status, 429);
	cr_expect_str_eq(e2e_header(r, "Retry-After"), "2");
	cr_expect_str_eq(e2e_get(r, "errorCode"), "TOO_MANY_REQUESTS");
	cr_expect_eq(refund(REFUND_BODY("rl", "1"))->status, 429);
	cr_expect_eq(refund(REFUND_BODY("rl", "1"))->status, 200);
}

Test(scenario, refund_stuck_pending)
{
	load("refund-stuck-pending");
	cr_assert_eq(refund(REFUND_BODY("s", "1"))->status, 200);
	e2e_advance("2592000");
	cr_expect_str_eq(status_of("s"), "REFUND_PENDING");
}

Test(scenario, pending_for_ten_minutes_then_failed)
{
	load("pending-then-failed");
	cr_assert_eq(refund(REFUND_BODY("f", "35.99"))->status, 200);
	e2e_advance("599.999");
	cr_expect_str_eq(status_of("f"), "REFUND_PENDING");
	e2e_advance("0.001");
	cr_expect_str_eq(status_of("f"), "REFUND_FAILED");
	/* The failed refund gave its amount back. */
	cr_expect_eq(refund(REFUND_BODY("g", "35.99"))->status, 200);
}

Test(scenario, slow_network_delays_and_drips)
{
	struct e2e_wire	w;

	load("slow-network");
	e2e_exchange("POST", REFUND_PATH, JSON_CT, REFUND_BODY("sl", "1"), 3000, &w);
	cr_expect(strncmp(w.data, "HTTP/1.1 200", 12) == 0);
	cr_expect(w.ms >= 100 && w.ms < 1000, "delay %ld ms", w.ms);
	e2e_exchange("GET", "/smartpay/payment/status/" TXN "?merchantKey=" MERCHANT, NULL,
	    NULL, 3000, &w);
	cr_expect(strncmp(w.data, "HTTP/1.1 200", 12) == 0);
	/* ~1 KB at 2 KB/s drips for about half a second. */
	cr_expect(w.ms >= (long)(w.len * 1000 / 2048) - 150, "%zu bytes in %ld ms",
	    w.len, w.ms);
	cr_expect(strstr(w.data, "\"modifications\"") != NULL);
}

/* Which of 20 calls fail: a string of 'x' and '.'. */
static void
flaky_pattern(char out[21])
{
	int	i;

	for (i = 0; i < 20; i++)
		out[i] = refund(REFUND_BODY("fl", "0.01"))->status == 500 ? 'x' : '.';
	out[20] = '\0';
}

Test(scenario, flaky_errors_repeat_with_the_seed)
{
	char	first[21], second[21];
	int	i, fails = 0;

	load("flaky-20-percent");
	flaky_pattern(first);
	cr_assert_eq(e2e("POST", "/__admin/reset", NULL, NULL)->status, 200);
	load("flaky-20-percent");
	flaky_pattern(second);
	cr_expect_str_eq(first, second);
	for (i = 0; i < 20; i++)
		fails += first[i] == 'x';
	cr_expect(fails >= 1 && fails <= 10, "pattern %s", first);
}

Test(scenario, malformed_then_truncated_then_normal)
{
	struct e2e_wire	w;
	struct e2e_resp	*r;
	const char	*body;

	load("malformed-replies");
	r = refund(REFUND_BODY("m", "1"));
	cr_expect_eq(r->status, 200);
	cr_expect_null(r->json, "malformed body parsed: %s", r->body);
	cr_expect_eq(e2e_refund_count(), 0);
	e2e_exchange("POST", REFUND_PATH, JSON_CT, REFUND_BODY("m", "1"), 3000, &w);
	body = strstr(w.data, "\r\n\r\n");
	cr_assert_not_null(body, "%s", w.data);
	cr_expect_eq(strlen(body + 4), 20, "body '%s'", body + 4);
	cr_expect(strstr(w.data, "Content-Length: 20\r\n") == NULL);
	cr_expect_eq(e2e_refund_count(), 1, "a truncated reply is still processed");
	cr_expect_eq(refund(REFUND_BODY("m", "1"))->status, 200);
}

Test(scenario, hang_holds_the_connection_and_others_go_on)
{
	struct e2e_wire	w;

	load("gateway-hang");
	e2e_exchange("POST", REFUND_PATH, JSON_CT, REFUND_BODY("h", "1"), 300, &w);
	cr_expect_eq(w.err, EAGAIN, "err %d", w.err);
	cr_expect_eq(w.len, 0);
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(refund(REFUND_BODY("h", "1"))->status, 200);
	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/journal", NULL, NULL),
	    "entries[0].response.status"), "0");
}

Test(scenario, reset_then_drop_then_normal)
{
	struct e2e_wire	w;

	load("connection-reset");
	e2e_exchange("POST", REFUND_PATH, JSON_CT, REFUND_BODY("r", "1"), 3000, &w);
	cr_expect_eq(w.err, ECONNRESET, "err %d, data '%s'", w.err, w.data);
	e2e_exchange("POST", REFUND_PATH, JSON_CT, REFUND_BODY("r", "1"), 3000, &w);
	cr_expect_eq(w.err, 0);
	cr_expect_eq(w.len, 0);
	cr_expect_eq(e2e_refund_count(), 0);
	cr_expect_eq(refund(REFUND_BODY("r", "1"))->status, 200);
	cr_expect_eq(e2e_refund_count(), 1);
}

Test(scenario, decline_ends_an_async_refund_declined)
{
	load("declines");
	cr_assert_eq(refund(REFUND_BODY("d", "1"))->status, 200);
	e2e_advance("2");
	cr_expect_str_eq(status_of("d"), "REFUND_DECLINED");
}

Test(scenario, outcome_action_sets_one_refunds_life)
{
	arm("{\"match\":{\"operation\":\"refund.create\",\"nth\":1},"
	    "\"action\":{\"type\":\"outcome\",\"settle_after_s\":60,\"outcome\":\"failed\"}}");
	cr_assert_eq(refund(REFUND_BODY("o1", "1"))->status, 200);
	cr_assert_eq(refund(REFUND_BODY("o2", "1"))->status, 200);
	e2e_advance("2");
	cr_expect_str_eq(status_of("o1"), "REFUND_PENDING");
	cr_expect_str_eq(status_of("o2"), "REFUNDED");
	e2e_advance("58");
	cr_expect_str_eq(status_of("o1"), "REFUND_FAILED");
}

Test(scenario, respond_with_a_raw_body_headers_and_delay)
{
	struct e2e_wire	w;
	struct e2e_resp	*r;

	arm("{\"match\":{\"path\":\"/smartpay/payment/*\",\"method\":\"POST\",\"times\":1},"
	    "\"action\":{\"type\":\"respond\",\"status\":418,\"body\":{\"tea\":1.50},"
	    "\"headers\":{\"X-Teapot\":\"yes\"}}}");
	r = refund(REFUND_BODY("t", "1"));
	cr_expect_eq(r->status, 418);
	cr_expect_str_eq(r->body, "{\"tea\":1.50}");
	cr_expect_str_eq(e2e_header(r, "X-Teapot"), "yes");
	arm("{\"match\":{\"times\":1},\"action\":{\"type\":\"respond\","
	    "\"error\":\"gateway_timeout\",\"delay_ms\":150}}");
	e2e_exchange("POST", REFUND_PATH, JSON_CT, REFUND_BODY("t", "1"), 3000, &w);
	cr_expect(strncmp(w.data, "HTTP/1.1 504", 12) == 0, "%s", w.data);
	cr_expect_geq(w.ms, 140);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(scenario, matching_by_headers_body_nth_and_times)
{
	arm("{\"match\":{\"headers\":{\"X-Test\":\"boom\"}},\"action\":{\"type\":\"respond\","
	    "\"error\":\"bad_gateway\"}}");
	arm("{\"match\":{\"body\":{\"modifiedAmount\":{\"amount\":7.77}}},"
	    "\"action\":{\"type\":\"respond\",\"error\":\"internal_error\"}}");
	arm("{\"match\":{\"operation\":\"refund.create\",\"nth\":[2,4]},"
	    "\"action\":{\"type\":\"respond\",\"error\":\"unauthorized\"}}");
	cr_expect_eq(e2e("POST", REFUND_PATH, JSON_CT "X-Test: boom\r\n",
	    REFUND_BODY("a", "1"))->status, 502);		/* create #1 */
	cr_expect_eq(refund(REFUND_BODY("b", "7.77"))->status, 401);	/* #2: nth wins, newest */
	cr_expect_eq(refund(REFUND_BODY("c", "7.77"))->status, 500);	/* #3 */
	cr_expect_eq(refund(REFUND_BODY("d", "1"))->status, 401);	/* #4 */
	cr_expect_eq(refund(REFUND_BODY("e", "1"))->status, 200);	/* #5 */
}

Test(scenario, faults_come_before_scenarios_newest_first)
{
	load("provider-503-burst");
	arm("{\"match\":{\"times\":1},\"action\":{\"type\":\"respond\",\"error\":\"bad_gateway\"}}");
	arm("{\"match\":{\"times\":1},\"action\":{\"type\":\"respond\",\"error\":\"gateway_timeout\"}}");
	cr_expect_eq(refund(REFUND_BODY("p", "1"))->status, 504);
	cr_expect_eq(refund(REFUND_BODY("p", "1"))->status, 502);
	/* The scenario counted both calls (nth 1, 2) although faults answered them. */
	cr_expect_eq(refund(REFUND_BODY("p", "1"))->status, 503);
	cr_expect_eq(refund(REFUND_BODY("p", "1"))->status, 200);
	cr_expect_eq(e2e("DELETE", "/__admin/scenarios", NULL, NULL)->status, 200);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/scenarios", NULL, NULL), "faults"), 0);
}

Test(scenario, probability_zero_and_one)
{
	arm("{\"match\":{\"probability\":0},\"action\":{\"type\":\"respond\",\"error\":\"internal_error\"}}");
	cr_expect_eq(refund(REFUND_BODY("z", "1"))->status, 200);
	arm("{\"match\":{\"probability\":1},\"action\":{\"type\":\"respond\",\"error\":\"internal_error\"}}");
	cr_expect_eq(refund(REFUND_BODY("z", "1"))->status, 500);
}

Test(scenario, rules_belong_to_their_session)
{
	cr_assert_eq(e2e("POST", "/__admin/faults", SESSION("a"), "{\"match\":{},"
	    "\"action\":{\"type\":\"respond\",\"error\":\"internal_error\"}}")->status, 201);
	cr_expect_eq(e2e("POST", REFUND_PATH, JSON_CT SESSION("a"), REFUND_BODY("i", "1"))->status, 500);
	cr_expect_eq(e2e("POST", REFUND_PATH, JSON_CT SESSION("b"), REFUND_BODY("i", "1"))->status, 200);
	cr_expect_eq(refund(REFUND_BODY("i", "1"))->status, 200);
}

Test(scenario, invalid_scenarios_are_rejected_whole_with_the_json_path)
{
	static const struct {
		const char	*body;
		const char	*message;
	} cases[] = {
		{ "{\"name\":\"x\",\"rules\":[{\"match\":{},\"action\":{\"type\":\"drop\"}},"
		  "{\"match\":{},\"action\":{\"type\":\"drop\"}},{\"match\":{},\"action\":"
		  "{\"type\":\"respond\",\"status\":700,\"body\":{}}}]}",
		  "rules[2].action.status: must be 200–599" },
		{ "{\"name\":\"x\",\"rules\":[{\"match\":{\"colour\":\"red\"},\"action\":{\"type\":\"drop\"}}]}",
		  "rules[0].match.colour: unknown key" },
		{ "{\"name\":\"x\",\"rules\":[{\"match\":{},\"action\":{\"type\":\"explode\"}}]}",
		  "rules[0].action.type: unknown action 'explode'" },
		{ "{\"name\":\"x\",\"rules\":[{\"match\":{\"nth\":0},\"action\":{\"type\":\"drop\"}}]}",
		  "rules[0].match.nth" },
		{ "{\"name\":\"x\",\"rules\":[{\"match\":{\"probability\":1.5},\"action\":{\"type\":\"drop\"}}]}",
		  "rules[0].match.probability: must be a number from 0 to 1" },
		{ "{\"name\":\"x\",\"rules\":[{\"match\":{},\"action\":{\"type\":\"respond\",\"error\":\"oops\"}}]}",
		  "rules[0].action.error" },
		{ "{\"name\":\"x\",\"rules\":[{\"match\":{\"provider\":\"stripe\"},\"action\":{\"type\":\"drop\"}}]}",
		  "rules[0].match.provider: unknown provider 'stripe'" },
		{ "{\"name\":\"x\",\"rules\":[{\"match\":{},\"action\":{\"type\":\"truncate\"}}]}",
		  "rules[0].action.bytes" },
		{ "{\"name\":\"x\",\"rules\":[{\"match\":{},\"action\":{\"type\":\"delay\",\"ms\":5,\"bytes\":1}}]}",
		  "rules[0].action.bytes: unknown key for delay" },
		{ "{\"name\":\"x\",\"lifecycle\":{\"smartpay\":{\"outcome\":\"maybe\"}}}",
		  "lifecycle.smartpay.outcome" },
		{ "{\"name\":\"x\",\"extra\":1,\"rules\":[]}", "extra: unknown key" },
		{ "{\"rules\":[]}", "name: is required" },
		{ "{\"name\":\"x\"}", "rules: a scenario needs rules or lifecycle" },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct e2e_resp *r = e2e("POST", "/__admin/scenarios", NULL, cases[i].body);
		cr_expect_eq(r->status, 400, "case %zu: %d", i, r->status);
		cr_expect(e2e_get(r, "error.message") != NULL &&
		    strstr(e2e_get(r, "error.message"), cases[i].message) != NULL,
		    "case %zu: '%s' lacks '%s'", i, r->body, cases[i].message);
	}
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/scenarios", NULL, NULL), "scenarios"), 0);
	cr_expect_eq(refund(REFUND_BODY("ok", "1"))->status, 200);
	cr_expect_eq(e2e("POST", "/__admin/scenarios/no-such-thing", NULL, NULL)->status, 404);
	cr_expect_eq(e2e("POST", "/__admin/scenarios/..%2Fetc", NULL, NULL)->status, 404);
	cr_expect_eq(e2e("POST", "/__admin/scenarios/..", NULL, NULL)->status, 400);
}

Test(scenario, scenario_flag_loads_into_the_default_session)
{
	char		 path[512];
	const char	*args[] = { "--scenario", path, NULL };

	snprintf(path, sizeof path, "%s/provider-503-burst.json", e2e_scenario_dir());
	e2e_teardown();
	e2e_start(args);
	cr_expect_eq(refund(REFUND_BODY("f", "1"))->status, 503);
	cr_expect_eq(e2e("POST", REFUND_PATH, JSON_CT SESSION("other"),
	    REFUND_BODY("f", "1"))->status, 200);
}

Test(scenario, a_bad_scenario_flag_exits_2)
{
	const char	*bin = getenv("PAYMOCK_BIN");
	char		*cmd, out[1024];
	FILE		*p;
	size_t		 n;
	int		 status;

	cmd = xasprintf("echo '{\"name\":\"b\",\"rules\":[{\"match\":{},\"action\":{}}]}' "
	    "> /tmp/paymock-bad-scenario.json; %s --port 0 --scenario "
	    "/tmp/paymock-bad-scenario.json 2>&1", bin != NULL ? bin : "build/paymock");
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	status = pclose(p);
	free(cmd);
	cr_expect_eq(WEXITSTATUS(status), 2);
	cr_expect(strstr(out, "rules[0].action.type: is required") != NULL, "%s", out);
}

Test(scenario, commit_then_drop_meets_each_providers_idempotency)
{
	static const char	ab_headers[] = JSON_CT "X-API-Key: smtgw_sk_test_x\r\n"
	    "Idempotency-Key: lost-reply\r\n";
	static const char	ab_body[] = "{\"transactionId\":"
	    "\"f47ac10b-58cc-4372-a567-0e02b2c3d479\",\"amount\":\"5.00\",\"currency\":\"EUR\"}";
	static const char	utgl_body[] = "{\"transactionId\":"
	    "\"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93\",\"amount\":1.00,\"currency\":\"USD\","
	    "\"reason\":\"r\",\"description\":\"d\"}";
	struct e2e_wire		w;
	struct e2e_resp		*r;

	arm("{\"match\":{\"operation\":\"refund.create\",\"nth\":1},"
	    "\"action\":{\"type\":\"commit_then_drop\"}}");
	/* Accelebit: the retry with the same key gets the stored reply, nothing new. */
	e2e_exchange("POST", "/accelebit/v1/refunds", ab_headers, ab_body, 3000, &w);
	cr_expect_eq(w.len, 0);
	r = e2e("POST", "/accelebit/v1/refunds", ab_headers, ab_body);
	cr_expect_eq(r->status, 201, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Idempotent-Replayed"), "true");
	cr_expect_eq(e2e_refund_count(), 1);
	/* UTGL has no idempotency: a blind retry refunds twice. */
	arm("{\"match\":{\"provider\":\"utgl\",\"nth\":1},\"action\":{\"type\":\"commit_then_drop\"}}");
	e2e_exchange("POST", "/utgl/v1/partner-connect/transactions/refund",
	    JSON_CT "Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n", utgl_body, 3000, &w);
	cr_expect_eq(w.len, 0);
	cr_expect_eq(e2e("POST", "/utgl/v1/partner-connect/transactions/refund",
	    JSON_CT "Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n", utgl_body)->status, 200);
	cr_expect_eq(e2e_refund_count(), 3);
}

Test(scenario, a_delayed_reply_keeps_its_key_in_flight)
{
	static const char	headers[] = JSON_CT "X-API-Key: smtgw_sk_test_x\r\n"
	    "Idempotency-Key: slow-one\r\n";
	static const char	body[] = "{\"transactionId\":"
	    "\"f47ac10b-58cc-4372-a567-0e02b2c3d479\",\"amount\":\"5.00\",\"currency\":\"EUR\"}";
	char			*req, *out;
	struct e2e_resp		*r;
	int			 fd;

	arm("{\"match\":{\"provider\":\"accelebit\",\"nth\":1},"
	    "\"action\":{\"type\":\"delay\",\"ms\":400}}");
	/* The first request is sent and not read yet; the second meets its key. */
	req = xasprintf("POST /accelebit/v1/refunds HTTP/1.1\r\nHost: x\r\n%s"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", headers, strlen(body), body);
	fd = e2e_send_raw(req, strlen(req));
	r = e2e("POST", "/accelebit/v1/refunds", headers, body);
	cr_expect_eq(r->status, 409, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "error.name"), "IdempotencyError");
	out = e2e_read_raw(fd, 3000);
	cr_expect(strncmp(out, "HTTP/1.1 201", 12) == 0, "%s", out);
	free(out);
	free(req);
	/* Delivered: the key now replays. */
	r = e2e("POST", "/accelebit/v1/refunds", headers, body);
	cr_expect_eq(r->status, 201);
	cr_expect_str_eq(e2e_header(r, "Idempotent-Replayed"), "true");
}

/* The bounds as units: the rule cap, the scenario size and what rules hold. */

TestSuite(scenario_bounds, .init = quota_save, .fini = quota_restore);

#define ONE_RULE	"{\"match\":{\"provider\":\"smartpay\"},\"action\":{\"type\":\"drop\"}}"

static json_t *
rules_doc(size_t n)
{
	json_t	*rules = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(rules, json_loads(ONE_RULE, 0, NULL));
	return (json_pack("{ss so}", "name", "bounds", "rules", rules));
}

Test(scenario_bounds, a_scenario_past_the_rule_cap_is_refused_naming_it)
{
	json_t		*o;
	struct scenario	*s;
	char		*cause = NULL;

	quota.rules = 2;
	o = rules_doc(2);
	cr_assert_not_null(s = scenario_parse(o, &cause));
	scenario_free(s);
	json_decref(o);
	o = rules_doc(3);
	cr_expect_null(scenario_parse(o, &cause));
	cr_expect_str_eq(cause, "rules: must be an array of at most 2 rules");
	free(cause);
	json_decref(o);
}

Test(scenario_bounds, a_file_past_the_size_is_refused_naming_it)
{
	char		 path[] = "/tmp/paymock-scenario-XXXXXX", *cause = NULL;
	json_t		*o = rules_doc(1);
	char		*text = jsonx_dumps(o, 0);
	struct scenario	*s;
	int		 fd = mkstemp(path);

	json_decref(o);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	quota.scenario_bytes = strlen(text);
	cr_assert_not_null(s = scenario_load(path, "bounds", &cause));
	scenario_free(s);
	quota.scenario_bytes = strlen(text) - 1;
	cr_expect_null(scenario_load(path, "bounds", &cause));
	cr_expect(strstr(cause, "bounds: larger than ") == cause, "%s", cause);
	cr_expect(strstr(cause, "--max-scenario-size") != NULL, "%s", cause);
	free(cause);
	free(text);
	unlink(path);
}

Test(scenario_bounds, rule_bytes_grow_with_rules_and_return_after_a_clear)
{
	struct rules	*rs = rules_new();
	size_t		 empty = rules_bytes(rs), one, two;
	json_t		*o = rules_doc(1), *big;
	char		*cause = NULL;
	struct rule	*r;

	rules_add_scenario(rs, scenario_parse(o, &cause));
	one = rules_bytes(rs);
	cr_expect_gt(one, empty + 2 * sizeof(struct rule));
	json_decref(o);
	o = rules_doc(2);
	rules_add_scenario(rs, scenario_parse(o, &cause));
	two = rules_bytes(rs);
	cr_expect_gt(two - one, one - empty, "two rules weigh more than one");
	/* A fault with a large respond body weighs that body. */
	big = json_pack("{s{ss} s{ss si s{ss}}}", "match", "provider", "smartpay",
	    "action", "type", "respond", "status", 200, "body", "pad",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	cr_assert_not_null(r = rule_parse(big, "fault", 1, &cause), "%s", cause);
	rules_add_fault(rs, r);
	cr_expect_gt(rules_bytes(rs), two + 148);
	rules_clear(rs);
	cr_expect_eq(rules_bytes(rs), empty);
	json_decref(big);
	json_decref(o);
	rules_free(rs);
}
