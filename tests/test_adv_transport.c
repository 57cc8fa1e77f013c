/*
 * Adversarial clients of the transport, end to end (issue 12, items 7, 8, 9
 * and the access log of 11): connections held by faults and slow requests
 * meet their deadlines, headers past a hundred still count, framing that
 * two parsers could read two ways is refused, HEAD has no body, a scenario
 * cannot set framing headers, and a path cannot forge a log line.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "util.h"

#define SP_MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"
#define SP_TXN		"933a0fab-80a0-42c5-b010-c71174f4ab32"
#define SP_REFUND	"/smartpay/payment/refund"
#define SP_BODY		"{\"merchantKey\":\"" SP_MERCHANT "\",\"transactionId\":\"" \
			SP_TXN "\",\"modificationId\":\"m\"}"
#define SR_REFUND	"/smartretry/v1/payments/refund/ABC123"
#define SR_BODY		"{\"transaction_reference_id\":\"TX8A3F2C\",\"order_reference_id\":" \
			"\"OR7B9E1D\",\"merchant_transaction_id\":\"m\",\"amount\":1.00}"
#define HANG_RULE	"{\"match\":{\"provider\":\"smartpay\"},\"action\":{\"type\":\"hang\"}}"

static void
adv_stop(void)
{
	e2e_teardown();
}

TestSuite(adv_transport, .fini = adv_stop, .timeout = 30);

/* Valgrind (PAYMOCK_REAL_BIN) runs everything several times slower. */
static long
adv_slack_ms(void)
{
	return (getenv("PAYMOCK_REAL_BIN") != NULL ? 4000 : 700);
}

static void
adv_send(int fd, const char *s)
{
	cr_assert_eq(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s),
	    "send: %s", strerror(errno));
}

/*
 * Whether the server closed 'fd' within 'ms' (reading and dropping what it
 * sent): 1 closed (FIN or reset), 0 still open.
 */
static int
adv_closed_within(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	struct timespec	t0;
	char		buf[4096];
	ssize_t		n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = ms - e2e_ms_since(&t0);
		if (left < 0 || poll(&pfd, 1, (int)left) <= 0)
			return (0);
		if ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			return (1);
	}
}

/* The server's bytes on 'fd' until it closes or 'ms' pass; kept until teardown. */
static char *
adv_read(int fd, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct buf	 b = { 0 };
	char		 chunk[4096];
	ssize_t		 n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	while ((n = recv(fd, chunk, sizeof chunk, 0)) > 0)
		buf_add(&b, chunk, (size_t)n);
	buf_add(&b, "", 0);
	return (buf_steal(&b));
}

/*
 * Starts the server with 'args', its stderr (the access log, its warnings)
 * in 'errpath', and at most 'nofile' descriptors (0: as ours).
 */
static void
adv_start(const char *const *args, const char *errpath, rlim_t nofile)
{
	struct rlimit	old, low;
	int		saved, fd;

	cr_assert((fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	cr_assert(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	if (nofile > 0)
		low.rlim_cur = nofile;
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	cr_assert(setrlimit(RLIMIT_NOFILE, &low) == 0);
	e2e_start(args);
	setrlimit(RLIMIT_NOFILE, &old);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
}

/* A health check, asserted quick; returns its time in ms. */
static long
adv_health(void)
{
	struct timespec	 t0;
	struct e2e_resp	*r;
	long		 ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = e2e("GET", "/__admin/health", NULL, NULL);
	ms = e2e_ms_since(&t0);
	cr_assert_eq(r->status, 200);
	cr_expect_lt(ms, adv_slack_ms(), "health took %ld ms", ms);
	return (ms);
}

static void
adv_arm(const char *rule)
{
	struct e2e_resp	*r = e2e("POST", "/__admin/faults", NULL, rule);

	cr_assert_eq(r->status, 201, "arming: %s", r->body);
}

/* A whole SmartPay refund on a new connection, left there. */
static int
adv_leave_refund(void)
{
	int	fd = e2e_connect(0);
	char	req[512];

	snprintf(req, sizeof req, "POST " SP_REFUND " HTTP/1.1\r\nHost: x\r\n" JSON_CT
	    "Content-Length: %zu\r\n\r\n%s", strlen(SP_BODY), SP_BODY);
	adv_send(fd, req);
	return (fd);
}

static size_t
adv_journal_count(void)
{
	return (e2e_len(e2e("GET", "/__admin/journal", NULL, NULL), "entries"));
}

/* Polls until the journal holds 'n' entries: the held requests have arrived. */
static void
adv_wait_journal(size_t n)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (adv_journal_count() < n) {
		cr_assert_lt(e2e_ms_since(&t0), 5000, "the journal never reached %zu", n);
		e2e_sleep_ms(10);
	}
}

Test(adv_transport, hang_held_connections_close_at_the_idle_timeout)
{
	enum { HELD = 200 };
	const char *const	 args[] = { "--idle-timeout", "1", NULL };
	struct timespec		 t0, held;
	int			 fds[HELD], i, open_ones = 0;
	long			 worst = 0, ms, left;

	e2e_start(args);
	adv_arm(HANG_RULE);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < HELD; i++)
		fds[i] = adv_leave_refund();
	adv_wait_journal(HELD);
	/* Every hold began before now: each must end within a second of it. */
	clock_gettime(CLOCK_MONOTONIC, &held);
	for (i = 0; i < 5; i++)
		if ((ms = adv_health()) > worst)
			worst = ms;
	for (i = 0; i < HELD; i++) {
		left = 1000 + adv_slack_ms() - e2e_ms_since(&held);
		open_ones += !adv_closed_within(fds[i], left > 0 ? (int)left : 0);
		close(fds[i]);
	}
	cr_log_info("%d hang-held connections, --idle-timeout 1: held %ld ms after the "
	    "first was sent, all closed after %ld ms, %d open; health at worst %ld ms",
	    HELD, e2e_ms_since(&t0) - e2e_ms_since(&held), e2e_ms_since(&t0), open_ones,
	    worst);
	cr_expect_eq(open_ones, 0, "%d of %d still open", open_ones, HELD);
	cr_expect_eq(e2e_refund_count(), 0);
}

/*
 * A refund under 'action' on a server with --idle-timeout 1 is closed at
 * the cap, with at most 'most' bytes sent.
 */
static void
adv_cut_at_the_cap(const char *action, size_t most)
{
	const char *const	 args[] = { "--idle-timeout", "1", NULL };
	struct timespec		 t0;
	char			 rule[256], *got;
	int			 fd;
	long			 ms;

	e2e_start(args);
	snprintf(rule, sizeof rule, "{\"match\":{\"provider\":\"smartpay\"},"
	    "\"action\":%s}", action);
	adv_arm(rule);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = adv_leave_refund();
	got = adv_read(fd, 5000);
	ms = e2e_ms_since(&t0);
	close(fd);
	cr_expect(ms >= 900 && ms < 1000 + adv_slack_ms(), "%s: cut after %ld ms", action, ms);
	cr_expect_leq(strlen(got), most, "%s: %zu bytes: %s", action, strlen(got), got);
	free(got);
}

Test(adv_transport, a_slow_drip_is_cut_at_the_idle_timeout)
{
	adv_cut_at_the_cap("{\"type\":\"slow\",\"bytes_per_s\":1}", 19);
}

/* A delay longer than the cap: closed at the cap, no reply. */
Test(adv_transport, a_delay_past_the_idle_timeout_is_cut)
{
	adv_cut_at_the_cap("{\"type\":\"delay\",\"ms\":20000}", 0);
}

/*
 * More hang-held connections than the server has descriptors: the oldest
 * held ones are closed first, and health (a new client) is served all along.
 */
Test(adv_transport, held_connections_never_starve_new_clients)
{
	enum { NOFILE = 128, HELD = 300 };
	const char *const	 args[] = { "--idle-timeout", "30", NULL };
	int			 fds[HELD], i, closed = 0;
	long			 worst = 0, ms;

	if (getenv("PAYMOCK_REAL_BIN") != NULL)
		cr_skip_test("valgrind keeps descriptors of its own");
	adv_start(args, "/dev/null", NOFILE);
	adv_arm(HANG_RULE);
	for (i = 0; i < HELD; i++) {
		fds[i] = adv_leave_refund();
		if (i % 50 == 49 && (ms = adv_health()) > worst)
			worst = ms;
	}
	adv_wait_journal(HELD);
	adv_health();
	for (i = 0; i < HELD; i++) {
		closed += adv_closed_within(fds[i], i < HELD / 2 ? 1000 : 0);
		close(fds[i]);
	}
	cr_log_info("%d hang-held connections under RLIMIT_NOFILE %d: %d closed by the "
	    "server, health at worst %ld ms", HELD, NOFILE, closed, worst);
	/* All but the newest went to make room: a quarter of 128 descriptors, 32, may be held. */
	cr_expect_geq(closed, HELD - 40, "only %d closed", closed);
}

/*
 * More slow clients than the server has descriptors: the one waiting
 * longest for its request gives way, and a new client is served at once.
 */
Test(adv_transport, slow_clients_never_starve_new_clients)
{
	enum { NOFILE = 64, SLOW = 100 };
	const char *const	 args[] = { "--idle-timeout", "30", NULL };
	int			 fds[SLOW], i, closed = 0;
	long			 ms;

	if (getenv("PAYMOCK_REAL_BIN") != NULL)
		cr_skip_test("valgrind keeps descriptors of its own");
	adv_start(args, "/dev/null", NOFILE);
	for (i = 0; i < SLOW; i++) {
		fds[i] = e2e_connect(0);
		adv_send(fds[i], "G");
	}
	ms = adv_health();
	for (i = 0; i < SLOW; i++) {
		closed += adv_closed_within(fds[i], 0);
		close(fds[i]);
	}
	cr_log_info("%d slow clients under RLIMIT_NOFILE %d: health in %ld ms, %d of "
	    "them closed", SLOW, NOFILE, ms, closed);
	cr_expect_gt(closed, 0);
}

Test(adv_transport, the_oldest_held_connection_goes_first)
{
	enum { HELD = 12, MAX = 5 };
	const char *const	 args[] = { "--max-held", "5", NULL };
	int			 fds[HELD], i;

	e2e_start(args);
	adv_arm(HANG_RULE);
	for (i = 0; i < HELD; i++) {
		fds[i] = adv_leave_refund();
		/* One at a time, so that "oldest" is well defined. */
		adv_wait_journal((size_t)i + 1);
	}
	for (i = 0; i < HELD; i++) {
		int closed = adv_closed_within(fds[i], i < HELD - MAX ? 1000 : 100);
		cr_expect_eq(closed, i < HELD - MAX, "connection %d: closed %d", i, closed);
		close(fds[i]);
	}
}

/* One header line every 300 ms: evhttp's idle timer never fires, the deadline does. */
Test(adv_transport, a_dribbled_head_or_body_is_cut_at_the_deadline)
{
	const char *const	 args[] = { "--idle-timeout", "2", NULL };
	struct timespec		 t0;
	char			 line[64];
	int			 head, body, i, head_closed = 0, body_closed = 0;
	long			 head_ms = -1, body_ms = -1;

	e2e_start(args);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	head = e2e_connect(0);
	body = e2e_connect(0);
	adv_send(head, "GET /__admin/health HTTP/1.1\r\n");
	adv_send(body, "POST " SP_REFUND " HTTP/1.1\r\nHost: x\r\n" JSON_CT
	    "Content-Length: 100\r\n\r\n{");
	for (i = 0; i < 25 && !(head_closed && body_closed); i++) {
		e2e_sleep_ms(300);
		snprintf(line, sizeof line, "X-Dribble-%d: %d\r\n", i, i);
		if (!head_closed && (send(head, line, strlen(line), MSG_NOSIGNAL) < 0 ||
		    adv_closed_within(head, 0))) {
			head_closed = 1;
			head_ms = e2e_ms_since(&t0);
		}
		if (!body_closed && (send(body, " ", 1, MSG_NOSIGNAL) < 0 ||
		    adv_closed_within(body, 0))) {
			body_closed = 1;
			body_ms = e2e_ms_since(&t0);
		}
	}
	close(head);
	close(body);
	cr_log_info("--idle-timeout 2: a head dribbled a line per 300 ms cut after %ld ms, "
	    "a body dribbled a byte per 300 ms after %ld ms", head_ms, body_ms);
	cr_expect(head_closed && head_ms < 2000 + adv_slack_ms(), "head: %ld ms", head_ms);
	cr_expect(body_closed && body_ms < 2000 + adv_slack_ms(), "body: %ld ms", body_ms);
	cr_expect_eq(adv_journal_count(), 0);
	adv_health();
}

/* The deadline is per request: a kept-alive connection lives on between them. */
Test(adv_transport, kept_alive_connections_outlive_the_deadline)
{
	const char *const	 args[] = { "--idle-timeout", "1", NULL };
	const char		 req[] = "GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n";
	char			 buf[4096];
	int			 fd, i;
	ssize_t			 n;

	e2e_start(args);
	fd = e2e_connect(0);
	for (i = 0; i < 4; i++) {
		adv_send(fd, req);
		n = recv(fd, buf, sizeof buf - 1, 0);
		cr_assert_gt(n, 0, "request %d: connection gone", i);
		buf[n] = '\0';
		cr_expect(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
		e2e_sleep_ms(600);
	}
	close(fd);
}

/* A SmartRetry refund with 'filler' headers before its key and session. */
static struct e2e_resp *
adv_keyed_refund(int filler)
{
	struct buf	 h = { 0 };
	struct e2e_resp	*r;
	int		 i;

	for (i = 0; i < filler; i++)
		buf_addf(&h, "X-Filler-%d: %d\r\n", i, i);
	buf_adds(&h, "x-api-key: k\r\n" JSON_CT "Idempotency-Key: key-1\r\n"
	    "X-Paymock-Session: many-headers\r\n");
	r = e2e("POST", SR_REFUND, h.data, SR_BODY);
	buf_release(&h);
	return (r);
}

Test(adv_transport, a_key_after_a_hundred_headers_is_honoured)
{
	struct e2e_resp	*first, *second;
	const char	*id;

	e2e_start(NULL);
	first = adv_keyed_refund(100);
	cr_assert_eq(first->status / 100, 2, "%s", first->body);
	second = adv_keyed_refund(300);
	cr_expect_eq(second->status, first->status, "%s", second->body);
	cr_expect_str_eq(second->body, first->body);
	cr_expect_not_null(e2e_header(second, "Idempotency-Replayed"), "%s", second->head);
	/* One refund, in the named session, none in the default one. */
	id = e2e_get(e2e("GET", "/__admin/refunds", "X-Paymock-Session: many-headers\r\n",
	    NULL), "refunds[0].id");
	cr_expect_not_null(id);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/refunds",
	    "X-Paymock-Session: many-headers\r\n", NULL), "refunds"), 1);
	cr_expect_eq(e2e_refund_count(), 0);
}

/* Exchanges raw bytes on one connection; returns everything until close. */
static char *
adv_exchange(const char *bytes, int ms)
{
	int	fd = e2e_connect(0);

	adv_send(fd, bytes);
	return (adv_read(fd, ms));
}

static int
adv_count(const char *hay, const char *needle)
{
	int	n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return (n);
}

Test(adv_transport, head_has_no_body)
{
	char	*got, *second;

	e2e_start(NULL);
	/* HEAD on a POST-only path: 405 without a body; the next request parses. */
	got = adv_exchange("HEAD " SP_REFUND " HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /__admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
	cr_assert(strncmp(got, "HTTP/1.1 405", 12) == 0, "%s", got);
	cr_expect(strstr(got, "Allow: POST\r\n") != NULL, "%s", got);
	second = strstr(got, "\r\n\r\n");
	cr_assert_not_null(second);
	cr_expect(strncmp(second + 4, "HTTP/1.1 200", 12) == 0, "stray bytes: %s", second + 4);
	cr_expect_eq(adv_count(got, "HTTP/1.1 "), 2, "%s", got);
	free(got);
	/* HEAD on a GET route: GET's status and length, no body. */
	got = adv_exchange("HEAD /smartpay/payment/status/" SP_TXN "?merchantKey="
	    SP_MERCHANT " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
	cr_expect(strncmp(got, "HTTP/1.1 200", 12) == 0, "%s", got);
	cr_expect(strstr(got, "Content-Length: ") != NULL, "%s", got);
	second = strstr(got, "\r\n\r\n");
	cr_assert_not_null(second);
	cr_expect_str_eq(second + 4, "");
	free(got);
	cr_expect_eq(e2e("GET", "/__admin/health", NULL, NULL)->status, 200);
}

Test(adv_transport, ambiguous_framing_is_refused_and_closed)
{
	static const struct {
		const char	*headers;
		const char	*body;
		const char	*message;	/* NULL: libevent may refuse it first */
	} cases[] = {
		{ "Content-Length: 5\r\nContent-Length: 14\r\n", "{\"a\":1}xxxxxxx",
		  "conflicting Content-Length headers" },
		{ "Content-Length: 14\r\nContent-Length: 5\r\n", "{\"a\":1}xxxxxxx",
		  "conflicting Content-Length headers" },
		{ "Content-Length: +14\r\n", "{\"a\":1}xxxxxxx",
		  "Content-Length must be a decimal number" },
		{ "Content-Length: 14\r\nTransfer-Encoding: chunked\r\n",
		  "7\r\n{\"a\":1}\r\n0\r\n\r\n", NULL },
		{ "Transfer-Encoding: gzip\r\n", "{\"a\":1}",
		  "Transfer-Encoding must be chunked" },
	};
	size_t	i;
	char	req[1024], *got;

	e2e_start(NULL);
	for (i = 0; i < nitems(cases); i++) {
		/* A second request follows: it must not be answered. */
		snprintf(req, sizeof req, "POST " SP_REFUND " HTTP/1.1\r\nHost: x\r\n" JSON_CT
		    "%s\r\n%sGET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n",
		    cases[i].headers, cases[i].body);
		got = adv_exchange(req, 3000);
		cr_expect(strncmp(got, "HTTP/1.1 400", 12) == 0, "case %zu: %s", i, got);
		cr_expect(strstr(got, "Connection: close\r\n") != NULL, "case %zu: %s", i, got);
		/* In SmartPay's own error shape. */
		cr_expect(cases[i].message == NULL || (strstr(got, cases[i].message) != NULL &&
		    strstr(got, "\"errorCode\":\"BAD_REQUEST\"") != NULL), "case %zu: %s",
		    i, got);
		cr_expect_eq(adv_count(got, "HTTP/1.1 "), 1, "case %zu: %s", i, got);
		free(got);
	}
	/* An admin path gets the admin error; nothing was recorded anywhere. */
	got = adv_exchange("POST /__admin/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n{}", 3000);
	cr_expect(strstr(got, "{\"error\":{\"code\":\"bad_request\"") != NULL, "%s", got);
	free(got);
	cr_expect_eq(adv_journal_count(), 0);
	cr_expect_eq(e2e_refund_count(), 0);
}

Test(adv_transport, respond_faults_cannot_set_framing)
{
	static const struct {
		const char	*action;
		const char	*message;
	} cases[] = {
		{ "\"status\":200,\"body\":{},\"headers\":{\"Content-Length\":\"0\"}",
		  "rules[0].action.headers.Content-Length: is the transport's to set" },
		{ "\"status\":200,\"body\":{},\"headers\":{\"transfer-encoding\":\"chunked\"}",
		  "rules[0].action.headers.transfer-encoding: is the transport's to set" },
		{ "\"status\":200,\"body\":{},\"headers\":{\"CONNECTION\":\"close\"}",
		  "rules[0].action.headers.CONNECTION: is the transport's to set" },
		{ "\"status\":200,\"body\":{},\"headers\":{\"X-A\":\"1\\r\\nX-B: 2\"}",
		  "rules[0].action.headers.X-A: must not contain control characters" },
		{ "\"status\":200,\"body\":{},\"headers\":{\"X A\":\"1\"}",
		  "rules[0].action.headers: 'X A' is not a header name" },
		{ "\"status\":100,\"body\":{}", "rules[0].action.status: must be 200–599" },
		{ "\"status\":204,\"body\":{}", "rules[0].action.status: 204 has no body" },
		{ "\"status\":304,\"error\":\"internal_error\"",
		  "rules[0].action.status: 304 has no body" },
	};
	struct e2e_resp	*r;
	size_t		 i;

	e2e_start(NULL);
	for (i = 0; i < nitems(cases); i++) {
		r = e2ef("POST", "/__admin/scenarios", NULL, "{\"name\":\"x\",\"rules\":[{"
		    "\"match\":{},\"action\":{\"type\":\"respond\",%s}}]}", cases[i].action);
		cr_expect_eq(r->status, 400, "case %zu: %s", i, r->body);
		cr_expect(r->body != NULL && strstr(r->body, cases[i].message) != NULL,
		    "case %zu: %s", i, r->body);
	}
	r = e2e("GET", "/__admin/scenarios", NULL, NULL);
	cr_expect_eq(e2e_len(r, "scenarios"), 0, "%s", r->body);
	/* What stays allowed. */
	r = e2e("POST", "/__admin/scenarios", NULL, "{\"name\":\"x\",\"rules\":[{\"match\":{},"
	    "\"action\":{\"type\":\"respond\",\"status\":418,\"body\":{},\"headers\":"
	    "{\"X-Tea\":\"green\\tleaf\"}}}]}");
	cr_expect_eq(r->status, 201, "%s", r->body);
}

static char *
adv_slurp(const char *path)
{
	struct buf	 b = { 0 };
	char		 chunk[4096];
	size_t		 n;
	FILE		*fp = fopen(path, "r");

	cr_assert_not_null(fp, "%s", path);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	buf_add(&b, "", 0);
	return (buf_steal(&b));
}

Test(adv_transport, a_path_cannot_forge_an_access_log_line)
{
	static const char *const	formats[] = { "text", "json" };
	char				path[] = "/tmp/paymock-adv-log-XXXXXX", *log;
	size_t				i;
	int				fd;

	cr_assert((fd = mkstemp(path)) >= 0);
	close(fd);
	for (i = 0; i < nitems(formats); i++) {
		const char *const args[] = { "--log-format", formats[i], NULL };

		adv_start(args, path, 0);
		e2e("GET", "/smartpay/x%0A2026-04-09T14:00:00.000Z%20GET%20/forged%0D%1B%5B31m"
		    "%5C%22%FF", NULL, NULL);
		e2e_teardown();
		log = adv_slurp(path);
		cr_log_info("%s log: %s", formats[i], log);
		cr_expect_eq(adv_count(log, "\n"), 1, "%s: %s", formats[i], log);
		cr_expect_null(strchr(log, '\r'), "%s", formats[i]);
		cr_expect_null(strchr(log, '\033'), "%s", formats[i]);
		cr_expect_null(strchr(log, '\xff'), "%s", formats[i]);
		if (i == 0)
			cr_expect(strstr(log, " /smartpay/x\\x0a2026-04-09T14:00:00.000Z\\x20GET"
			    "\\x20/forged\\x0d\\x1b[31m\\x5c\\x22\\xff ") != NULL, "%s", log);
		free(log);
	}
	unlink(path);
}
