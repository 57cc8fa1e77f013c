/*
 * Issue 13, a server that runs for a month: sessions expire after
 * --session-ttl without requests, --max-sessions evicts the least recently
 * seen idle session (or refuses with 503 when all are busy), --max-memory
 * evicts idle sessions and then refuses what would add state, and dropping
 * a large session leaves the loop to others.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "e2e.h"
#include "journal.h"
#include "jsonx.h"
#include "quota.h"
#include "session.h"
#include "util.h"

#define SESSION(n)	"X-Paymock-Session: " n "\r\n"
#define MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"
#define SP_REFUND	"/smartpay/payment/refund"
#define AB_PAYMENT	"f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define AB_HEADERS	JSON_CT "X-API-Key: smtgw_sk_test_x\r\n"
#define UTGL_AUTH	"Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n"
#define UTGL_REFUND	"/utgl/v1/partner-connect/transactions/refund"
/* How long a poll for something the server does by wall time may take. */
#define DEADLINE_MS	5000

/* Valgrind (PAYMOCK_REAL_BIN) runs everything several times slower. */
static long
slow(long ms)
{
	return (getenv("PAYMOCK_REAL_BIN") != NULL ? 8 * ms : ms);
}

/* Starts the server with a short --session-ttl (200 ms, longer under valgrind). */
static void
start_short_ttl(void)
{
	static char		 ttl[32];
	const char *const	 args[] = { "--session-ttl", ttl, NULL };

	snprintf(ttl, sizeof ttl, "%ldms", slow(200));
	e2e_start(args);
}

TestSuite(sessions_life, .fini = e2e_teardown, .timeout = 60);

/* The listed session named 'name', or NULL; lives until teardown. */
static json_t *
listed(const char *name)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/sessions", NULL, NULL);
	json_t		*list = json_object_get(r->json, "sessions"), *s;
	size_t		 i;

	cr_assert_eq(r->status, 200, "%s", r->body);
	json_array_foreach(list, i, s) {
		if (strcmp(json_string_value(json_object_get(s, "name")), name) == 0)
			return (s);
	}
	return (NULL);
}

/* A number in the listing of 'name' (-1 if the session is not listed). */
static long long
field(const char *name, const char *key)
{
	json_t		*s = listed(name);
	const char	*text;

	if (s == NULL)
		return (-1);
	cr_assert_not_null(text = jsonx_number_text(json_object_get(s, key)), "%s", key);
	return (atoll(text));
}

static const char *
last_seen(const char *name)
{
	json_t	*s = listed(name);

	cr_assert_not_null(s, "no session %s", name);
	return (json_string_value(json_object_get(s, "last_seen")));
}

/* Polls the listing until 'name' is gone; 1 if it went within the deadline. */
static int
wait_gone(const char *name)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (e2e_ms_since(&t0) < slow(DEADLINE_MS)) {
		if (listed(name) == NULL)
			return (1);
	}
	return (0);
}

/* A SmartPay refund request in 'headers'' session, refused 400: a journal entry. */
static int
touch(const char *headers)
{
	return (e2e("POST", SP_REFUND, headers, "{}")->status);
}

Test(sessions_life, an_unseen_session_expires_but_the_default_stays)
{
	struct timespec		 t0;
	char			 first[64];

	start_short_ttl();
	cr_assert_eq(touch(SESSION("a") JSON_CT), 400);
	snprintf(first, sizeof first, "%s", last_seen("a"));
	cr_expect(strlen(first) == 24 && first[23] == 'Z', "ISO 8601 UTC: %s", first);
	/* Each request moves it (milliseconds: a few requests apart). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (strcmp(last_seen("a"), first) == 0 && e2e_ms_since(&t0) < slow(100))
		cr_assert_eq(touch(SESSION("a") JSON_CT), 400);
	cr_expect_str_neq(last_seen("a"), first, "last_seen did not move");
	cr_expect(wait_gone("a"), "session a did not expire");
	cr_expect_not_null(listed("default"), "the default session expired");
	/* The name is free: a new session, empty. */
	cr_assert_eq(touch(SESSION("a") JSON_CT), 400);
	cr_expect_eq(field("a", "journal"), 1);
}

/* Waits up to 'ms' for a delivery and answers 200; its body, or NULL if none came. */
static char *
receive(int receiver, int ms)
{
	char	body[16384];

	return (e2e_answer(receiver, ms, 200, NULL, 0, body, sizeof body) ?
	    xstrdup(body) : NULL);
}

Test(sessions_life, a_queued_webhook_of_an_expired_session_is_never_sent)
{
	struct e2e_resp		*r;
	char			*body;
	int			 receiver, port;

	start_short_ttl();
	receiver = e2e_listen(0, &port);
	/* A live clock: the refund settles 1 s of wall time from now, after expiry. */
	cr_assert_eq(e2e("POST", "/__admin/clock/unfreeze", SESSION("wh"), NULL)->status, 200);
	cr_assert_eq(e2ef("POST", "/__admin/webhooks", SESSION("wh"), "{\"provider\":"
	    "\"accelebit\",\"url\":\"http://127.0.0.1:%d/hooks\"}", port)->status, 201);
	cr_assert_eq(e2ef("POST", "/__admin/faults", SESSION("wh"), "{\"match\":"
	    "{\"provider\":\"accelebit\"},\"action\":{\"type\":\"outcome\","
	    "\"settle_after_s\":%ld}}", slow(1000) / 1000)->status, 201);
	r = e2e("POST", "/accelebit/v1/refunds", SESSION("wh") AB_HEADERS
	    "Idempotency-Key: k1\r\n", "{\"transactionId\":\"" AB_PAYMENT "\","
	    "\"amount\":\"10.00\",\"currency\":\"EUR\"}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_assert_gt(field("wh", "webhook_events_pending"), 0);
	/* What is due now goes out; the settlement waits for its time, past expiry. */
	while ((body = receive(receiver, slow(300))) != NULL) {
		cr_expect_null(strstr(body, "refund.succeeded"), "sent before expiry");
		free(body);
	}
	cr_assert(wait_gone("wh"), "session wh did not expire");
	while ((body = receive(receiver, slow(1500))) != NULL) {
		cr_expect_null(strstr(body, "refund.succeeded"),
		    "an expired session's event went out: %s", body);
		free(body);
	}
	close(receiver);
}

Test(sessions_life, a_new_session_at_the_cap_evicts_the_least_recently_seen)
{
	const char *const	 args[] = { "--max-sessions", "3", NULL };

	e2e_start(args);
	cr_assert_not_null(listed("default"));
	cr_assert_eq(touch(SESSION("a") JSON_CT), 400);
	cr_assert_eq(touch(SESSION("b") JSON_CT), 400);
	cr_assert_eq(touch(SESSION("a") JSON_CT), 400);	/* b is now the oldest */
	cr_assert_eq(touch(SESSION("c") JSON_CT), 400);
	cr_expect_null(listed("b"), "b was the least recently seen");
	cr_expect_not_null(listed("a"));
	cr_expect_not_null(listed("c"));
	cr_expect_not_null(listed("default"), "the default session is never evicted");
	cr_expect_eq(field("a", "journal"), 2);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/sessions", NULL, NULL), "sessions"), 3);
	/* An admin call naming a new session makes room the same way. */
	cr_assert_eq(e2e("GET", "/__admin/journal", SESSION("d"), NULL)->status, 200);
	cr_expect_null(listed("a"));
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/sessions", NULL, NULL), "sessions"), 3);
}

/* A SmartPay refund in 'session' held 2 s (or more under valgrind) by a delay fault; returns the open connection. */
static int
held(const char *session)
{
	char		*req = xasprintf("POST " SP_REFUND " HTTP/1.1\r\nHost: x\r\n"
			    "X-Paymock-Session: %s\r\n" JSON_CT "Content-Length: 2\r\n\r\n{}",
			    session);
	char		 headers[128];
	struct timespec	 t0;
	int		 fd;

	snprintf(headers, sizeof headers, "X-Paymock-Session: %s\r\n", session);
	cr_assert_eq(e2ef("POST", "/__admin/faults", headers, "{\"match\":{\"provider\":"
	    "\"smartpay\"},\"action\":{\"type\":\"delay\",\"ms\":%ld}}", slow(2000))->status,
	    201);
	fd = e2e_send_raw(req, strlen(req));
	free(req);
	/* Held once its journal entry is there. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (e2e_ms_since(&t0) < slow(DEADLINE_MS) && strcmp(e2e("POST",
	    "/__admin/journal/count", headers, "{\"match\":{}}")->body, "{\"count\":1}") != 0)
		;
	return (fd);
}

Test(sessions_life, at_the_cap_with_every_session_busy_a_new_one_gets_503)
{
	const char *const	 args[] = { "--max-sessions", "3", NULL };
	struct e2e_resp		*r;
	struct timespec		 t0;
	int			 a, b;

	e2e_start(args);
	cr_assert_not_null(listed("default"));
	a = held("a");
	b = held("b");
	r = e2e("POST", SP_REFUND, SESSION("c") JSON_CT, "{}");
	cr_expect_eq(r->status, 503, "%d %s", r->status, r->body);
	cr_expect_str_eq(e2e_header(r, "Retry-After"), "1");
	cr_expect_str_eq(e2e_get(r, "errorCode"), "SERVICE_UNAVAILABLE", "%s", r->body);
	r = e2e("GET", "/__admin/journal", SESSION("c"), NULL);
	cr_expect_eq(r->status, 503, "%d %s", r->status, r->body);
	cr_expect_str_eq(e2e_header(r, "Retry-After"), "1");
	cr_expect_str_eq(e2e_get(r, "error.code"), "too_many_sessions", "%s", r->body);
	cr_expect_null(listed("c"), "a refused request made a session");
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/sessions", NULL, NULL), "sessions"), 3);
	/* The sessions themselves are still served. */
	cr_expect_eq(e2e("GET", "/__admin/journal", SESSION("b"), NULL)->status, 200);
	/* Their replies go: a is idle and goes for c (b was seen later). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((r = e2e("POST", SP_REFUND, SESSION("c") JSON_CT, "{}"))->status == 503 &&
	    e2e_ms_since(&t0) < slow(DEADLINE_MS))
		;
	cr_expect_eq(r->status, 400, "%d %s", r->status, r->body);
	cr_expect_null(listed("a"));
	cr_expect_not_null(listed("b"));
	close(a);
	close(b);
}

/* A SmartPay refund refused 400 whose body (and so its journal entry) holds about 8 KiB. */
static struct e2e_resp *
big(const char *headers)
{
	static char	*body;
	struct buf	 b = { 0 };

	if (body == NULL) {
		buf_adds(&b, "{\"merchantKey\":\"" MERCHANT "\",\"filler\":\"");
		while (b.len < 8000)
			buf_adds(&b, "0123456789abcdef");
		buf_adds(&b, "\"}");
		body = buf_steal(&b);
	}
	return (e2e("POST", SP_REFUND, headers, body));
}

Test(sessions_life, past_the_memory_budget_idle_sessions_go_then_new_work_gets_503)
{
	const char *const	 args[] = { "--max-memory", "4M", NULL };
	struct e2e_resp		*r;
	int			 i, idle_gone = 0;

	e2e_start(args);
	for (i = 0; i < 100; i++) {
		cr_assert_eq(big(SESSION("idle1") JSON_CT)->status, 400);
		cr_assert_eq(big(SESSION("idle2") JSON_CT)->status, 400);
	}
	cr_assert_gt(field("idle1", "bytes"), 800 * 1024, "%lld", field("idle1", "bytes"));
	/* One session grows past the budget: the idle ones go first, oldest first. */
	for (i = 0; i < 2000 && (r = big(SESSION("hot") JSON_CT))->status == 400; i++) {
		if (idle_gone || i % 10 != 0)
			continue;
		if (listed("idle1") != NULL)
			cr_assert_not_null(listed("idle2"), "idle2 went before idle1");
		idle_gone = listed("idle2") == NULL;
	}
	cr_assert_eq(r->status, 503, "never refused after %d requests", i);
	cr_expect_str_eq(e2e_header(r, "Retry-After"), "1");
	cr_expect_str_eq(e2e_get(r, "errorCode"), "SERVICE_UNAVAILABLE", "%s", r->body);
	cr_expect(idle_gone, "the idle sessions were not evicted first");
	/* Past it, what adds state is refused, in each one's shape... */
	r = e2e("POST", "/__admin/faults", SESSION("hot"), "{\"match\":{},\"action\":"
	    "{\"type\":\"drop\"}}");
	cr_expect_eq(r->status, 503, "%d %s", r->status, r->body);
	cr_expect_str_eq(e2e_header(r, "Retry-After"), "1");
	cr_expect_str_eq(e2e_get(r, "error.code"), "over_memory_budget", "%s", r->body);
	/* ...reads still work, and so does freeing, after which work goes on. */
	cr_expect_eq(e2e("GET", "/__admin/refunds", SESSION("hot"), NULL)->status, 200);
	r = e2e("POST", "/__admin/journal/count", SESSION("hot"), "{\"match\":{}}");
	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_gt(atoi(e2e_get(r, "count")), 400);
	cr_assert_eq(e2e("DELETE", "/__admin/sessions/hot", NULL, NULL)->status, 200);
	cr_expect_eq(big(SESSION("hot") JSON_CT)->status, 400);
	cr_expect_eq(touch(SESSION("new") JSON_CT), 400);
	cr_expect_lt(field("hot", "bytes"), 64 * 1024);
}

/* Adds 'n' UTGL transactions of 99999999.00 to 'session'. */
static void
add_txns(const char *session, int n)
{
	char	headers[128];
	int	i;

	snprintf(headers, sizeof headers, "X-Paymock-Session: %s\r\n", session);
	for (i = 0; i < n; i++)
		cr_assert_eq(e2ef("POST", "/__admin/transactions", headers,
		    "{\"provider\":\"utgl\",\"id\":\"17000000-0000-4000-8000-%012x\","
		    "\"amount\":\"99999999.00\",\"currency\":\"USD\",\"card_id\":"
		    "\"17000000-0000-4000-8000-%012x\",\"ref_id\":\"UTGLB%05d\"}", i, i, i)->status, 201);
}

/*
 * 'per' UTGL refunds on each of 'n' transactions of 'session', pipelined on
 * one connection; returns how many were answered 200.
 */
static int
pipelined_refunds(const char *session, int n, int per)
{
	struct buf	 out = { 0 };
	char		*body, *all, *p;
	int		 i, k, fd, ok = 0;

	for (i = 0; i < n; i++) {
		body = xasprintf("{\"transactionId\":\"17000000-0000-4000-8000-%012x\","
		    "\"amount\":0.01,\"currency\":\"USD\",\"reason\":\"r\","
		    "\"description\":\"d\"}", i);
		for (k = 0; k < per; k++)
			buf_addf(&out, "POST " UTGL_REFUND " HTTP/1.1\r\nHost: x\r\n"
			    "X-Paymock-Session: %s\r\n" UTGL_AUTH JSON_CT "%s"
			    "Content-Length: %zu\r\n\r\n%s", session,
			    i == n - 1 && k == per - 1 ? "Connection: close\r\n" : "",
			    strlen(body), body);
		free(body);
	}
	fd = e2e_send_raw(out.data, out.len);
	all = e2e_read_raw(fd, 30000);
	for (p = all; (p = strstr(p, "HTTP/1.1 200")) != NULL; p++)
		ok++;
	free(all);
	buf_release(&out);
	return (ok);
}

Test(sessions_life, dropping_a_large_session_leaves_the_loop_to_others)
{
	struct e2e_resp	*r;
	struct timespec	 t0;
	long		 ms;
	int		 i;

	e2e_start(NULL);
	add_txns("huge", 50);
	cr_assert_eq(pipelined_refunds("huge", 50, 100), 5000);
	cr_assert_eq(field("huge", "refunds"), 5000);
	/* A reset hands its refunds over to be freed the same way. */
	cr_assert_eq(e2e("POST", "/__admin/reset", SESSION("huge"), NULL)->status, 200);
	cr_expect_eq(field("huge", "refunds"), 0);
	add_txns("huge", 50);
	cr_assert_eq(pipelined_refunds("huge", 50, 100), 5000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = e2e("DELETE", "/__admin/sessions/huge", NULL, NULL);
	ms = e2e_ms_since(&t0);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_lt(ms, slow(250), "the DELETE took %ld ms", ms);
	/* Gone at once, the name free; a bystander is answered meanwhile. */
	for (i = 0; i < 20; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cr_assert_eq(touch(SESSION("bystander") JSON_CT), 400);
		cr_expect_lt(e2e_ms_since(&t0), slow(250));
	}
	cr_expect_null(listed("huge"));
	cr_assert_eq(touch(SESSION("huge") JSON_CT), 400);
	cr_expect_eq(field("huge", "refunds"), 0);
}

Test(sessions_life, the_flags_refuse_what_they_cannot_read)
{
	static const char *const bad[][2] = {
		{ "--session-ttl", "10x" }, { "--session-ttl", "-1" },
		{ "--session-ttl", "" }, { "--max-sessions", "0" },
		{ "--max-memory", "12T" }, { "--max-memory", "1K" },
	};
	char	cmd[512];
	size_t	i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(cmd, sizeof cmd, "'%s' %s '%s' >/dev/null 2>&1",
		    getenv("PAYMOCK_BIN"), bad[i][0], bad[i][1]);
		cr_expect_eq(WEXITSTATUS(system(cmd)), 2, "%s %s", bad[i][0], bad[i][1]);
	}
}

/* The registry without a server: eviction, holds, expiry and the budget, by count. */
static struct sessions	*reg;

static void
reg_start(void)
{
	reg = sessions_new(NULL, 1, 1, 0, 100);
	sessions_get(reg, "default");
}

static void
reg_stop(void)
{
	sessions_free(reg);
}

TestSuite(sessions_registry, .init = reg_start, .fini = reg_stop);

static struct session *
enter(const char *name, int adds)
{
	enum sessions_refusal	why;

	return (sessions_enter(reg, name, adds, &why));
}

static int
refusal(const char *name, int adds)
{
	enum sessions_refusal	why = -1;

	cr_assert_null(sessions_enter(reg, name, adds, &why));
	return (why);
}

Test(sessions_registry, the_cap_evicts_the_least_recently_seen_idle_session)
{
	struct sessions_stats	st;
	struct session		*a;

	quota.sessions = 3;
	a = enter("a", 1);
	enter("b", 1);
	sessions_hold(reg, "a", a->born);
	/* A reset keeps the hold: the connection or attempt goes on. */
	session_reset(a);
	cr_assert_not_null(enter("c", 1));
	cr_expect_null(sessions_find(reg, "b"), "b was idle and the oldest");
	sessions_hold(reg, "c", sessions_find(reg, "c")->born);
	cr_expect_eq(refusal("d", 0), SESSIONS_FULL);
	cr_expect_null(sessions_find(reg, "d"));
	/* The default session is made even at the cap, and never evicted. */
	sessions_drop(reg, "default");
	sessions_hold(reg, "e", enter("e", 1)->born);
	cr_assert_not_null(enter("default", 1));
	cr_expect_eq(sessions_count(reg), 4);
	sessions_release(reg, "a", a->born);
	cr_assert_not_null(enter("d", 1));
	cr_expect_null(sessions_find(reg, "a"));
	cr_expect_not_null(sessions_find(reg, "default"));
	sessions_stats(reg, &st);
	cr_expect_eq(st.live, 4);
	cr_expect_eq(st.created, 7);
	cr_expect_eq(st.evicted, 2);
	/* A release after a drop finds nothing to release. */
	sessions_release(reg, "c", 12345);
}

Test(sessions_registry, expiry_takes_the_unseen_but_never_the_default)
{
	struct sessions_stats	st;
	int64_t			now = clock_mono_us();

	quota.session_ttl_ms = 1000;
	enter("a", 1);
	enter("b", 1);
	cr_expect_eq(sessions_expire(reg, now, 10), 0);
	cr_expect_eq(sessions_expire(reg, clock_mono_us() + 1000 * 1000, 1), 1);
	cr_expect_null(sessions_find(reg, "a"), "a was seen first");
	cr_expect_eq(sessions_expire(reg, clock_mono_us() + 1000 * 1000, 10), 1);
	cr_expect_not_null(sessions_find(reg, "default"));
	cr_expect_eq(sessions_reap(reg, 0), 1, "freed at once, not in slices");
	cr_expect_eq(sessions_reap(reg, -1), 0);
	quota.session_ttl_ms = 0;
	enter("c", 1);
	cr_expect_eq(sessions_expire(reg, INT64_MAX / 2, 10), 0, "0: never");
	sessions_stats(reg, &st);
	cr_expect_eq(st.expired, 2);
}

/* Adds a journal entry holding 'kib' KiB to 's' and accounts for it. */
static void
grow(struct session *s, size_t kib)
{
	struct journal_entry	e = { 0 };

	e.method = xstrdup("POST");
	e.path = xstrdup("/");
	e.req_body = xcalloc(1, kib * 1024 + 1);
	memset(e.req_body, 'x', kib * 1024);
	journal_add(s->journal, &e);
	sessions_account(reg, s);
}

Test(sessions_registry, the_budget_evicts_idle_sessions_then_refuses)
{
	struct sessions_stats	st;
	struct session		*a, *b, *hot;

	quota.memory = 1024 * 1024;
	a = enter("a", 1);
	grow(a, 300);
	b = enter("b", 1);
	grow(b, 300);
	hot = enter("hot", 1);
	grow(hot, 300);
	cr_expect_not_null(sessions_find(reg, "a"), "under 90%%, nothing goes");
	grow(hot, 100);		/* past 90%: down to 80%, oldest first */
	cr_expect_null(sessions_find(reg, "a"));
	cr_expect_not_null(sessions_find(reg, "b"));
	sessions_stats(reg, &st);
	cr_expect_leq(st.tracked_bytes, quota.memory / 10 * 8);
	cr_expect_eq(st.max_bytes, quota.memory);
	sessions_hold(reg, "b", b->born);
	grow(hot, 400);
	cr_expect_not_null(sessions_find(reg, "b"), "a busy session is not evicted");
	cr_expect_not_null(sessions_find(reg, "hot"), "nor the one served");
	/* Past 100%: what would add to it is refused, reads go on. */
	cr_expect_eq(refusal("hot", 1), SESSIONS_OVER_MEMORY);
	cr_expect_eq(enter("hot", 0), hot);
	/* Another session's request finds hot idle, and the oldest that is. */
	cr_expect_not_null(enter("new", 1));
	cr_expect_null(sessions_find(reg, "hot"));
	cr_expect_not_null(sessions_find(reg, "b"));
	sessions_stats(reg, &st);
	cr_expect_lt(st.tracked_bytes, quota.memory / 10 * 8);
	cr_expect_eq(st.evicted, 2);
	sessions_release(reg, "b", b->born);
}
