/*
 * Issue 13, the per-session bounds set by flags, end to end (each test
 * starts the server with its flags), and webhooks_bytes as a unit.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "fixtures.h"
#include "jsonx.h"
#include "ledger.h"
#include "provider.h"
#include "session.h"
#include "util.h"
#include "webhook.h"

#define AB_TXN		"f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define AB_REFUNDS	"/accelebit/v1/refunds"
#define AB_BODY		"{\"transactionId\":\"" AB_TXN "\",\"amount\":\"1.00\"," \
			"\"currency\":\"EUR\"}"
#define ONE_RULE	"{\"match\":{\"provider\":\"smartpay\"},\"action\":{\"type\":\"drop\"}}"

TestSuite(quota, .fini = e2e_teardown, .timeout = 30);

/* An accelebit refund of 1.00 under API key 'key' and a fresh idempotency key. */
static struct e2e_resp *
quota_refund(const char *key)
{
	static int	n;
	char		headers[256];

	snprintf(headers, sizeof headers, JSON_CT "X-API-Key: %s\r\n"
	    "Idempotency-Key: quota-%d\r\n", key, ++n);
	return (e2e("POST", AB_REFUNDS, headers, AB_BODY));
}

static void
quota_refunds(int n)
{
	while (n-- > 0)
		cr_assert_eq(quota_refund("sk_test_q")->status, 201);
}

/* The journal's entries, checked to run on without gaps to 'last'. */
static size_t
quota_journal(long *first, long last)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/journal", NULL, NULL);
	size_t		 n = e2e_len(r, "entries");
	char		 at[48];

	cr_assert_gt(n, 0, "%s", r->body);
	*first = atol(e2e_get(r, "entries[0].seq"));
	snprintf(at, sizeof at, "entries[%zu].seq", n - 1);
	cr_expect_eq(atol(e2e_get(r, at)), last, "the newest stays");
	cr_expect_eq(last - *first + 1, (long)n, "oldest first, no gaps");
	return (n);
}

Test(quota, journal_entries_keeps_the_last_n)
{
	const char *const	args[] = { "--journal-entries", "5", NULL };
	long			first;

	e2e_start(args);
	quota_refunds(8);
	cr_expect_eq(quota_journal(&first, 8), 5);
	cr_expect_eq(first, 4, "the three oldest went");
}

Test(quota, journal_entries_zero_keeps_none)
{
	const char *const	args[] = { "--journal-entries", "0", NULL };
	struct e2e_resp		*r;

	e2e_start(args);
	quota_refunds(2);
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_expect_eq(e2e_len(r, "entries"), 0, "%s", r->body);
}

Test(quota, journal_capture_keeps_a_prefix_and_says_so)
{
	const char *const	args[] = { "--journal-capture", "16", NULL };
	struct e2e_resp		*r;
	char			 len[16];

	e2e_start(args);
	quota_refunds(1);
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_expect_str_eq(e2e_get(r, "entries[0].request.body"), "{\"transactionId\"");
	cr_expect(json_is_true(e2e_node(r, "entries[0].request.truncated")), "%s", r->body);
	snprintf(len, sizeof len, "%zu", strlen(AB_BODY));
	cr_expect_str_eq(e2e_get(r, "entries[0].request.body_length"), len);
	cr_expect(json_is_true(e2e_node(r, "entries[0].response.truncated")), "%s", r->body);
	cr_expect_eq(strlen(e2e_get(r, "entries[0].response.body")), 16);
}

Test(quota, journal_bytes_evicts_the_oldest)
{
	const char *const	args[] = { "--journal-bytes", "4K", NULL };
	long			first;
	size_t			n;

	e2e_start(args);
	quota_refunds(20);
	n = quota_journal(&first, 20);
	/* An entry holds a request and a reply of a few hundred bytes, and headers. */
	cr_expect(n >= 2 && n < 10, "%zu entries in 4 KiB", n);
	cr_expect_gt(first, 10);
}

/* The first 'n' bytes of an admin call's message, for a 400's text. */
static void
quota_expect_refused(const struct e2e_resp *r, int status, const char *code,
    const char *text)
{
	cr_expect_eq(r->status, status, "%d %s", r->status, r->body);
	cr_expect_str_eq(e2e_get(r, "error.code"), code, "%s", r->body);
	cr_expect(strstr(e2e_get(r, "error.message"), text) != NULL, "%s", r->body);
}

Test(quota, max_rules_refuses_past_the_cap_naming_it)
{
	const char *const	args[] = { "--max-rules", "2", NULL };
	struct e2e_resp		*r;

	e2e_start(args);
	cr_assert_eq(e2e("POST", "/__admin/faults", JSON_CT, ONE_RULE)->status, 201);
	cr_assert_eq(e2e("POST", "/__admin/faults", JSON_CT, ONE_RULE)->status, 201);
	quota_expect_refused(e2e("POST", "/__admin/faults", JSON_CT, ONE_RULE), 400,
	    "invalid_fault", "may hold at most 2");
	r = e2e("GET", "/__admin/scenarios", NULL, NULL);
	cr_expect_eq(e2e_len(r, "faults"), 2, "the refused one left no trace: %s", r->body);
	e2e("DELETE", "/__admin/scenarios", NULL, NULL);
	quota_expect_refused(e2e("POST", "/__admin/scenarios", JSON_CT,
	    "{\"name\":\"three\",\"rules\":[" ONE_RULE "," ONE_RULE "," ONE_RULE "]}"), 400,
	    "invalid_scenario", "at most 2 rules");
}

/* A scenario directory with 'name'.json of about 'size' bytes (a long description). */
static char *
quota_scenario_dir(const char *name, size_t size)
{
	char	*dir = xstrdup("/tmp/paymock-quota-XXXXXX"), *path, *pad;
	FILE	*fp;

	cr_assert_not_null(mkdtemp(dir));
	path = xasprintf("%s/%s.json", dir, name);
	cr_assert_not_null(fp = fopen(path, "w"));
	pad = xmalloc(size + 1);
	memset(pad, 'x', size);
	pad[size] = '\0';
	fprintf(fp, "{\"name\":\"%s\",\"description\":\"%s\",\"rules\":[" ONE_RULE "]}",
	    name, pad);
	fclose(fp);
	free(pad);
	free(path);
	return (dir);
}

static void
quota_scenario_dir_remove(char *dir, const char *name)
{
	char	*path = xasprintf("%s/%s.json", dir, name);

	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

Test(quota, a_scenario_file_larger_than_a_request_body_loads_with_the_flag)
{
	char			*dir = quota_scenario_dir("big", 100 * 1024);
	const char *const	 args[] = { "--max-scenario-size", "128K",
	    "--scenario-dir", dir, NULL };
	struct e2e_resp		*r;

	e2e_start(args);
	r = e2e("POST", "/__admin/scenarios/big", NULL, NULL);
	cr_expect_eq(r->status, 201, "%s", r->body);
	quota_scenario_dir_remove(dir, "big");
}

Test(quota, a_scenario_past_the_size_is_refused_naming_it)
{
	char			*dir = quota_scenario_dir("big", 2048);
	const char *const	 args[] = { "--max-scenario-size", "1K",
	    "--scenario-dir", dir, NULL };
	char			 body[1200];

	e2e_start(args);
	quota_expect_refused(e2e("POST", "/__admin/scenarios/big", NULL, NULL), 400,
	    "invalid_scenario", "big: larger than 1024 bytes");
	/* Posted: the body is read, never parsed. */
	snprintf(body, sizeof body, "{\"name\":\"p\",\"description\":\"%01100d\","
	    "\"rules\":[" ONE_RULE "]}", 0);
	quota_expect_refused(e2e("POST", "/__admin/scenarios", JSON_CT, body), 413,
	    "too_large", "larger than 1024 bytes");
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/scenarios", NULL, NULL), "scenarios"), 0);
	quota_scenario_dir_remove(dir, "big");
}

/* The X-RateLimit-Remaining a request under API key 'key' gets. */
static int
quota_rate_remaining(const char *key)
{
	struct e2e_resp	*r = quota_refund(key);

	cr_assert_not_null(e2e_header(r, "X-RateLimit-Remaining"), "%s", r->head);
	return (atoi(e2e_header(r, "X-RateLimit-Remaining")));
}

Test(quota, rate_keys_forgets_the_earliest_past_the_cap)
{
	const char *const	args[] = { "--rate-keys", "3", NULL };
	int			first;

	e2e_start(args);
	first = quota_rate_remaining("sk_test_a");
	cr_expect_eq(quota_rate_remaining("sk_test_a"), first - 1);
	quota_rate_remaining("sk_test_b");
	quota_rate_remaining("sk_test_c");
	quota_rate_remaining("sk_test_d");
	cr_expect_eq(quota_rate_remaining("sk_test_a"), first, "a was forgotten at 3 keys");
	cr_expect_eq(quota_rate_remaining("sk_test_d"), first - 1, "the newest are kept");
}

static const struct {
	const char	*flag, *value, *message;
} quota_bad_flags[] = {
	{ "--journal-entries", "-1", "--journal-entries: '-1' is not 0-10000000" },
	{ "--journal-entries", "10000001", "is not 0-10000000" },
	{ "--journal-bytes", "1X", "--journal-bytes: '1X' is not a size of 0-16G" },
	{ "--journal-bytes", "17G", "is not a size of 0-16G" },
	{ "--journal-capture", "65K", "--journal-capture: '65K' is not a size of 0-64K" },
	{ "--max-rules", "many", "--max-rules: 'many' is not 0-10000" },
	{ "--max-scenario-size", "0", "--max-scenario-size: '0' is not a size of 1-16M" },
	{ "--max-rejections", "0", "--max-rejections: '0' is not 1-1000000" },
	{ "--rate-keys", "", "--rate-keys: '' is not 1-1000000" },
	{ "--rate-keys", "1.5", "is not 1-1000000" },
};

Test(quota, bad_values_exit_2_with_a_clear_message)
{
	const char	*bin = getenv("PAYMOCK_BIN");
	char		*cmd, out[4096];
	FILE		*p;
	size_t		 i, n;
	int		 status;

	for (i = 0; i < nitems(quota_bad_flags); i++) {
		cmd = xasprintf("%s --port 0 %s '%s' 2>&1", bin != NULL ? bin :
		    "build/paymock", quota_bad_flags[i].flag, quota_bad_flags[i].value);
		cr_assert_not_null(p = popen(cmd, "r"));
		n = fread(out, 1, sizeof out - 1, p);
		out[n] = '\0';
		status = pclose(p);
		cr_expect_eq(WEXITSTATUS(status), 2, "%s", cmd);
		cr_expect(strncmp(out, "paymock: ", 9) == 0 &&
		    strstr(out, quota_bad_flags[i].message) != NULL, "%s: %s", cmd, out);
		free(cmd);
	}
}

/* webhooks_bytes as a unit: a store, an engine and a receiver that is not there. */

#define T0	1775743200000LL		/* E2E_EPOCH */

/* A loopback port nothing listens on (bound, then closed). */
static int
quota_closed_port(void)
{
	struct sockaddr_in	sa = { .sin_family = AF_INET };
	socklen_t		len = sizeof sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return (port);
}

Test(quota_bytes, webhooks_bytes_grow_with_events_and_the_log_and_return_after_a_reset)
{
	const char		*dir = getenv("PAYMOCK_FIXTURES");
	struct txn_set		*fx;
	struct sessions		*ss;
	struct session		*s;
	struct event_base	*base = event_base_new();
	struct webhook_engine	*e;
	struct lifecycle	 lc = { .settle_after_ms = 2000, .outcome = OUTCOME_SUCCEEDED };
	const struct txn	*t;
	struct refund		*r;
	struct timespec		 t0;
	char			*cause = NULL, *url;
	size_t			 empty, configured, queued;

	cr_assert_not_null(fx = fixtures_load(dir != NULL ? dir : "fixtures",
	    provider_fixture_check, &cause),
	    "%s", cause);
	ss = sessions_new(fx, 1, 1, T0, 10);
	s = sessions_get(ss, "default");
	e = webhook_engine_new(base, ss);
	empty = webhooks_bytes(s->webhooks);
	url = xasprintf("http://127.0.0.1:%d/hook", quota_closed_port());
	cr_assert_eq(webhooks_set_endpoint(s->webhooks, e, "accelebit", url, NULL,
	    &cause), 0, "%s", cause);
	configured = webhooks_bytes(s->webhooks);
	cr_expect_gt(configured, empty + 2 * strlen(url), "the endpoint's strings");
	/* The same endpoint set again weighs the same. */
	cr_assert_eq(webhooks_set_endpoint(s->webhooks, e, "accelebit", url, NULL,
	    &cause), 0);
	cr_expect_eq(webhooks_bytes(s->webhooks), configured);

	cr_assert_not_null(t = ledger_txn(s->ledger, "accelebit", AB_TXN));
	cr_assert_not_null(r = ledger_refund_add(s->ledger, t, "rf_quota", 100, T0, &lc,
	    NULL));
	webhooks_schedule(s, "accelebit", r);
	cr_assert_gt(webhooks_pending_count(s->webhooks), 0);
	queued = webhooks_bytes(s->webhooks);
	cr_expect_gt(queued, configured + webhooks_pending_count(s->webhooks) *
	    strlen("rf_quota"), "queued events");

	/* The first event is due now: its attempt fails and is logged. */
	webhook_engine_kick(e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (webhooks_delivery_count(s->webhooks) == 0 && e2e_ms_since(&t0) < 5000)
		event_base_loop(base, EVLOOP_ONCE);
	cr_assert_gt(webhooks_delivery_count(s->webhooks), 0, "nothing was attempted");
	cr_expect_gt(webhooks_bytes(s->webhooks), queued, "a body, and the log's entry");

	webhooks_reset(s->webhooks);
	cr_expect_eq(webhooks_bytes(s->webhooks), configured, "endpoints stay, the rest goes");
	free(url);
	webhook_engine_free(e);
	sessions_free(ss);
	event_base_free(base);
	txn_set_free(fx);
}

Test(quota_bytes, jsonx_bytes_weighs_what_a_value_holds)
{
	json_t	*small = json_pack("{ss}", "a", "b");
	json_t	*more = json_pack("{ss ss}", "a", "b", "key", "0123456789");
	json_t	*nested = json_pack("{s{ss}}", "n", "a", "b");
	json_t	*list = json_pack("[ss]", "x", "y");

	cr_expect_eq(jsonx_bytes(NULL), 0);
	cr_expect_eq(jsonx_bytes(json_null()), 0, "jansson's singletons cost nothing");
	cr_expect_gt(jsonx_bytes(more), jsonx_bytes(small) + strlen("key") +
	    strlen("0123456789"));
	cr_expect_gt(jsonx_bytes(nested), jsonx_bytes(small), "children count");
	cr_expect_gt(jsonx_bytes(list), 8 * sizeof(json_t *), "an array's slots");
	json_decref(small);
	json_decref(more);
	json_decref(nested);
	json_decref(list);
}
