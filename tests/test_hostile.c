/*
 * Hostile clients and faults on paymock itself, end to end: slowloris, a
 * client that never reads, thousands of abandoned connections, pipelining,
 * oversize and malformed input, descriptor exhaustion, SIGTERM under load.
 * The server must keep answering others, stay within bounded memory, change
 * no state for a rejected request, and still exit 0 (checked in the test
 * body: criterion ignores assertions in .fini).
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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
#define HEALTH		"GET /__admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

/*
 * How much the server's RSS may grow.  ASan's quarantine keeps up to 256 MB
 * of freed memory resident, so under it RSS says nothing; valgrind's own
 * allocator is looser too.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SLACK_KB	LONG_MAX
#else
#define RSS_SLACK_KB	(48 * 1024)
#endif

TestSuite(hostile, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

static int
hostile_under_valgrind(void)
{
	return (getenv("PAYMOCK_REAL_BIN") != NULL);
}

static long
hostile_rss_slack_kb(void)
{
	return (hostile_under_valgrind() && RSS_SLACK_KB != LONG_MAX ? 256 * 1024 :
	    RSS_SLACK_KB);
}

/* The longest a normal request may wait while the server is under attack. */
static long
hostile_patience_ms(void)
{
	return (hostile_under_valgrind() ? 5000 : 1000);
}

/* VmRSS of the server, in KiB. */
static long
hostile_rss_kb(void)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*fp;

	snprintf(path, sizeof path, "/proc/%d/status", e2e_server_pid());
	cr_assert_not_null(fp = fopen(path, "r"), "%s", path);
	while (fgets(line, sizeof line, fp) != NULL) {
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	}
	fclose(fp);
	return (kb);
}

/* Open descriptors of process 'pid'. */
static int
hostile_nfds_of(int pid)
{
	char		 path[64];
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return (n);
}

/* CPU time the process has used, in ms (utime + stime). */
static long
hostile_cpu_ms(int pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut = 0, st = 0;
	FILE		*fp;
	size_t		 n;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* After the command's closing parenthesis: state is field 3, utime 14. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return (-1);
	return ((long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK)));
}

/* Closes with a TCP reset rather than a FIN. */
static void
hostile_reset(int fd)
{
	struct linger	lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
}

static void
hostile_send_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* Reads until close or timeout; the caller frees. */
static char *
hostile_read_all(int fd, size_t *len)
{
	struct buf	b = { 0 };
	char		chunk[16384];
	ssize_t		n;

	while ((n = recv(fd, chunk, sizeof chunk, 0)) > 0)
		buf_add(&b, chunk, (size_t)n);
	if (len != NULL)
		*len = b.len;
	return (buf_steal(&b));
}

/* A health check; returns how long it took in ms. */
static long
hostile_health(void)
{
	struct timespec	 t0;
	struct e2e_resp	*r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = e2e("GET", "/__admin/health", NULL, NULL);
	cr_assert_eq(r->status, 200);
	return (e2e_ms_since(&t0));
}

/* Nothing a rejected request could have changed has changed. */
static void
hostile_no_state_change(void)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/refunds", NULL, NULL);

	cr_expect_eq(r->status, 200);
	cr_expect_eq(e2e_len(r, "refunds"), 0, "refunds appeared: %s", r->body);
	r = e2e("GET", "/__admin/scenarios", NULL, NULL);
	cr_expect_eq(e2e_len(r, "scenarios"), 0, "%s", r->body);
	cr_expect_eq(e2e_len(r, "faults"), 0, "%s", r->body);
	cr_expect_str_eq(e2e_get(e2e("GET", "/__admin/clock", NULL, NULL), "now"), E2E_EPOCH);
}

/* Stops the server here, where criterion counts the exit-0 check. */
static void
hostile_stop(void)
{
	e2e_teardown();
}

Test(hostile, slowloris_does_not_hold_up_others)
{
	enum { SLOW = 20 };
	const char	 req[] = HEALTH;
	int		 fds[SLOW], i;
	size_t		 off;
	long		 worst = 0, ms;
	int		 served = 0;

	for (i = 0; i < SLOW; i++)
		fds[i] = e2e_connect(5000);
	/* One byte per connection every 10 ms; a normal client every fourth byte. */
	for (off = 0; off < sizeof req - 1; off++) {
		for (i = 0; i < SLOW; i++)
			hostile_send_all(fds[i], req + off, 1);
		if (off % 4 == 0) {
			if ((ms = hostile_health()) > worst)
				worst = ms;
			served++;
		}
		e2e_sleep_ms(10);
	}
	cr_log_info("slowloris: %d normal requests during the dribble, slowest %ld ms",
	    served, worst);
	cr_expect_lt(worst, hostile_patience_ms(), "a normal request waited %ld ms", worst);
	/* The dribblers are answered too, once their request is whole. */
	for (i = 0; i < SLOW; i++) {
		char *out = hostile_read_all(fds[i], NULL);
		cr_expect(strncmp(out, "HTTP/1.1 200", 12) == 0, "%d: %.40s", i, out);
		free(out);
		close(fds[i]);
	}
	hostile_no_state_change();
	hostile_stop();
}

/*
 * Makes GET /__admin/journal about 1 MB: 16 rejected refunds with 60 KB
 * bodies (4 under valgrind, where 1 MB takes longer than a request may).
 */
static size_t
hostile_big_journal(void)
{
	struct buf	 body = { 0 };
	struct e2e_resp	*r;
	int		 i, n = hostile_under_valgrind() ? 32 : 112;

	/* Bodies the journal keeps whole: it cuts them past 8 KiB. */
	buf_adds(&body, "{\"merchantKey\":\"" SP_MERCHANT "\",\"filler\":\"");
	while (body.len < 8000)
		buf_adds(&body, "0123456789abcdef");
	buf_adds(&body, "\"}");
	for (i = 0; i < n; i++) {
		r = e2e("POST", SP_REFUND, JSON_CT, body.data);
		cr_assert_eq(r->status, 400, "%d %s", r->status, r->body);
	}
	buf_release(&body);
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_assert_eq(r->status, 200);
	return (r->body_len);
}

Test(hostile, clients_that_never_read_do_not_hold_up_others)
{
	enum { LAZY = 20, PIPELINED = 5 };
	const char	 req[] = "GET /__admin/journal HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t		 size = hostile_big_journal();
	long		 rss0 = hostile_rss_kb(), rss1, worst = 0, ms;
	int		 fds[LAZY], i, j, small = 4096;

	cr_assert_gt(size, hostile_under_valgrind() ? 200000 : 900000, "journal of %zu bytes",
	    size);
	for (i = 0; i < LAZY; i++) {
		fds[i] = e2e_connect(5000);
		setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
		for (j = 0; j < PIPELINED; j++)
			hostile_send_all(fds[i], req, sizeof req - 1);
	}
	/* Others are served while those replies sit unread. */
	for (i = 0; i < 10; i++) {
		if ((ms = hostile_health()) > worst)
			worst = ms;
		e2e_sleep_ms(20);
	}
	rss1 = hostile_rss_kb();
	cr_log_info("never-reading: %d clients x %d pipelined %zu-byte replies: RSS %ld -> "
	    "%ld KiB, slowest other request %ld ms", LAZY, PIPELINED, size, rss0, rss1, worst);
	cr_expect_lt(worst, hostile_patience_ms());
	cr_expect_lt(rss1 - rss0, hostile_rss_slack_kb(), "RSS %ld -> %ld KiB", rss0, rss1);
	for (i = 0; i < LAZY; i++)
		hostile_reset(fds[i]);
	hostile_health();
	hostile_stop();
}

Test(hostile, five_thousand_abandoned_connections)
{
	enum { TOTAL = 5000, BATCH = 100 };
	const char	 partial[] = "POST /smartpay/payment/refund HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"merchantKey\"";
	int		 fds[BATCH], done, i, pid = e2e_server_pid();
	int		 nfds0, nfds1 = -1;
	long		 rss0, rss1, waited, ms, worst = 0;
	struct timespec	 t0;

	hostile_health();
	rss0 = hostile_rss_kb();
	nfds0 = hostile_nfds_of(pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (done = 0; done < TOTAL; done += BATCH) {
		for (i = 0; i < BATCH; i++) {
			fds[i] = e2e_connect(5000);
			/* A third say nothing, a third half a request, a third a header line. */
			if (i % 3 == 1)
				hostile_send_all(fds[i], partial, sizeof partial - 1);
			else if (i % 3 == 2)
				hostile_send_all(fds[i], "GET /__admin/he", 15);
		}
		for (i = 0; i < BATCH; i++) {
			if (i % 2)
				hostile_reset(fds[i]);
			else
				close(fds[i]);
		}
		/*
		 * Answered only once the server has accepted the whole batch (the
		 * accept queue is FIFO), so the next batch cannot overflow its
		 * 128-deep queue into one-second SYN retries.
		 */
		if ((ms = hostile_health()) > worst)
			worst = ms;
	}
	/* The server lets go of every one of them. */
	for (waited = 0; waited < 5000; waited += 20) {
		if ((nfds1 = hostile_nfds_of(pid)) <= nfds0)
			break;
		e2e_sleep_ms(20);
	}
	rss1 = hostile_rss_kb();
	cr_log_info("abandoned: %d connections in %ld ms (health between batches: slowest "
	    "%ld ms); server fds %d -> %d (after %ld ms), RSS %ld -> %ld KiB", TOTAL,
	    e2e_ms_since(&t0), worst, nfds0, nfds1, waited, rss0, rss1);
	cr_expect_lt(worst, hostile_patience_ms());
	cr_expect_leq(nfds1, nfds0, "descriptors left open: %d -> %d", nfds0, nfds1);
	cr_expect_lt(rss1 - rss0, hostile_rss_slack_kb() / 4, "RSS %ld -> %ld KiB", rss0,
	    rss1);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/journal", NULL, NULL), "entries"), 0);
	hostile_no_state_change();
	hostile_stop();
}

Test(hostile, a_hundred_pipelined_requests_are_answered_in_order)
{
	struct buf	 req = { 0 };
	char		*out, *p;
	size_t		 len;
	int		 i, fd, n = 0;

	for (i = 0; i < 99; i++) {
		if (i % 3 == 0)
			buf_adds(&req, "POST /__admin/clock/advance HTTP/1.1\r\nHost: x\r\n"
			    "Content-Length: 13\r\n\r\n{\"seconds\":1}");
		else if (i % 3 == 1)
			buf_adds(&req, "GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n");
		else {
			char *body = xasprintf("{\"merchantKey\":\"" SP_MERCHANT "\","
			    "\"transactionId\":\"" SP_TXN "\",\"modificationId\":\"p%02d\","
			    "\"modifiedAmount\":{\"amount\":0.10,\"currencyCode\":\"EUR\"}}", i);
			buf_addf(&req, "POST " SP_REFUND " HTTP/1.1\r\nHost: x\r\n"
			    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			    strlen(body), body);
			free(body);
		}
	}
	buf_adds(&req, "GET /__admin/clock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	fd = e2e_connect(10000);
	hostile_send_all(fd, req.data, req.len);
	out = hostile_read_all(fd, &len);
	close(fd);
	for (p = out; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++) {
		int status = atoi(p + 9);
		cr_expect(status == 200, "reply %d: %d", n, status);
		n++;
	}
	cr_expect_eq(n, 100, "%d replies to 100 requests", n);
	/* In order: the last reply is the clock after 33 one-second steps. */
	cr_expect(strstr(out, "\"now\":\"2026-04-09T14:00:33.000Z\"") != NULL);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/refunds", NULL, NULL), "refunds"), 33);
	free(out);
	buf_release(&req);
	hostile_stop();
}

/* What the server says to 'req' (NUL-terminated copy of 'len' bytes); the status, or 0. */
static int
hostile_status_of(const char *req, size_t len)
{
	char	*out = e2e_raw(req, len, 5000);
	int	 status = 0;

	if (strncmp(out, "HTTP/1.", 7) == 0)
		status = atoi(out + 9);
	free(out);
	return (status);
}

Test(hostile, oversize_headers_and_bodies_are_refused)
{
	struct buf	 req = { 0 };
	int		 status, i;

	/* One 20 KiB header: past the 16 KiB limit. */
	buf_adds(&req, "GET /__admin/health HTTP/1.1\r\nHost: x\r\nX-Big: ");
	for (i = 0; i < 20 * 1024; i++)
		buf_add(&req, "a", 1);
	buf_adds(&req, "\r\nConnection: close\r\n\r\n");
	status = hostile_status_of(req.data, req.len);
	cr_expect(status == 0 || status == 400 || status == 413 || status == 431,
	    "20 KiB header: %d", status);
	buf_release(&req);
	/* A 100 KiB request line. */
	buf_adds(&req, "GET /__admin/health?");
	for (i = 0; i < 100 * 1024; i++)
		buf_add(&req, "q", 1);
	buf_adds(&req, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	status = hostile_status_of(req.data, req.len);
	cr_expect(status == 0 || status == 400 || status == 414, "100 KiB URI: %d", status);
	buf_release(&req);
	/* 500 small headers: more than paymock looks at, under the size limit. */
	buf_adds(&req, "GET /__admin/health HTTP/1.1\r\nHost: x\r\n");
	for (i = 0; i < 500; i++)
		buf_addf(&req, "X-%d: %d\r\n", i, i);
	buf_adds(&req, "Connection: close\r\n\r\n");
	status = hostile_status_of(req.data, req.len);
	cr_expect(status == 200 || status == 400, "500 headers: %d", status);
	buf_release(&req);
	/* A body declared far past the transport's limit, never sent: refused at once. */
	{
		static const char huge[] = "POST " SP_REFUND " HTTP/1.1\r\nHost: x\r\n"
		    "Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{";
		status = hostile_status_of(huge, sizeof huge - 1);
		cr_expect_eq(status, 413, "huge Content-Length: %d", status);
	}
	/* Chunked, 2 MiB in 64 KiB chunks. */
	buf_adds(&req, "POST " SP_REFUND " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 32; i++) {
		buf_addf(&req, "%x\r\n", 65536);
		while (req.len % 65536 != 0)
			buf_add(&req, " ", 1);
		buf_add(&req, "\r\n", 2);
	}
	buf_adds(&req, "0\r\n\r\n");
	status = hostile_status_of(req.data, req.len);
	cr_expect(status == 413 || status == 0, "2 MiB chunked: %d", status);
	buf_release(&req);
	/* Between paymock's 64 KiB and the transport's 1 MiB: the provider's own 413. */
	buf_adds(&req, "{\"merchantKey\":\"" SP_MERCHANT "\",\"x\":\"");
	while (req.len < 70 * 1024)
		buf_adds(&req, "xxxxxxxxxxxxxxxx");
	buf_adds(&req, "\"}");
	{
		struct e2e_resp *r = e2e("POST", SP_REFUND, JSON_CT, req.data);
		cr_expect_eq(r->status, 413);
		cr_expect_not_null(e2e_get(r, "errorCode"), "%s", r->body);
	}
	buf_release(&req);
	hostile_health();
	hostile_no_state_change();
	hostile_stop();
}

/*
 * A refund create for each provider: its headers, and its body with '%s'
 * where a text value goes and where the amount goes.
 */
static const struct {
	const char	*path;
	const char	*headers;
	const char	*text;
	const char	*amount;
} hostile_creates[] = {
	{ "/smartretry/v1/payments/refund/ABC123", "x-api-key: k\r\n" JSON_CT,
	  "{\"transaction_reference_id\":\"TX8A3F2C\",\"order_reference_id\":\"OR7B9E1D\","
	  "\"merchant_transaction_id\":%s,\"amount\":1.00}",
	  "{\"transaction_reference_id\":\"TX8A3F2C\",\"order_reference_id\":\"OR7B9E1D\","
	  "\"merchant_transaction_id\":\"m\",\"amount\":%s}" },
	{ SP_REFUND, JSON_CT,
	  "{\"merchantKey\":\"" SP_MERCHANT "\",\"transactionId\":\"" SP_TXN "\","
	  "\"modificationId\":%s}",
	  "{\"merchantKey\":\"" SP_MERCHANT "\",\"transactionId\":\"" SP_TXN "\","
	  "\"modificationId\":\"m\",\"modifiedAmount\":{\"amount\":%s,\"currencyCode\":\"EUR\"}}" },
	{ "/utgl/v1/partner-connect/transactions/refund",
	  JSON_CT "Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n",
	  "{\"transactionId\":\"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93\",\"amount\":1.00,"
	  "\"currency\":\"USD\",\"reason\":%s}",
	  "{\"transactionId\":\"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93\",\"amount\":%s,"
	  "\"currency\":\"USD\"}" },
	{ "/accelebit/v1/refunds", JSON_CT "X-API-Key: k\r\nIdempotency-Key: h1\r\n",
	  "{\"transactionId\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\",\"amount\":\"1.00\","
	  "\"currency\":\"EUR\",\"reason\":%s}",
	  "{\"transactionId\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\",\"amount\":%s,"
	  "\"currency\":\"EUR\"}" },
	{ "/payengine/api/payment/refund", JSON_CT "Authorization: Basic sk_test_secret\r\n",
	  "{\"id\":\"9a0df7ef-b77f-4525-97e1-f41a98ad7f75\",\"amount\":1,\"reason\":%s}",
	  "{\"id\":\"9a0df7ef-b77f-4525-97e1-f41a98ad7f75\",\"amount\":%s}" },
};

/*
 * Sends each value in each provider's refund create (in a text field, or as
 * the amount); each must get a 4xx.  An empty value stands for a string
 * holding a raw NUL byte.
 */
static void
hostile_bad_bodies(const char *const *values, size_t nvalues, int as_amount,
    const char *what)
{
	size_t	i, j;

	for (i = 0; i < nitems(hostile_creates); i++) {
		for (j = 0; j < nvalues; j++) {
			struct buf	 req = { 0 }, body = { 0 };
			const char	*fmt = as_amount ? hostile_creates[i].amount :
			    hostile_creates[i].text;
			const char	*at = strstr(fmt, "%s");
			int		 status;

			buf_add(&body, fmt, (size_t)(at - fmt));
			if (values[j][0] == '\0')
				buf_add(&body, "\"a\0b\"", 5);
			else
				buf_adds(&body, values[j]);
			buf_adds(&body, at + 2);
			buf_addf(&req, "POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: %zu\r\n"
			    "Connection: close\r\n\r\n", hostile_creates[i].path,
			    hostile_creates[i].headers, body.len);
			buf_add(&req, body.data, body.len);
			status = hostile_status_of(req.data, req.len);
			cr_expect(status >= 400 && status < 500, "%s %zu on %s: %d", what, j,
			    hostile_creates[i].path, status);
			buf_release(&req);
			buf_release(&body);
		}
	}
}

Test(hostile, invalid_utf8_and_nul_bytes_in_json_are_refused)
{
	static const char *const values[] = {
		"\"\xff\xfe\"",			/* not UTF-8 at all */
		"\"\xc0\xaf\"",			/* overlong '/' */
		"\"\xed\xa0\x80\"",		/* an encoded surrogate */
		"\"a\\u0000b\"",		/* an escaped NUL */
		"\"\\ud800\"",			/* a lone surrogate escape */
		"",				/* a raw NUL byte (sent as one) */
	};
	int	status;

	hostile_bad_bodies(values, nitems(values), 0, "bad text");
	/* The admin API too. */
	status = e2e("POST", "/__admin/scenarios", JSON_CT,
	    "{\"name\":\"x\xff\",\"rules\":[]}")->status;
	cr_expect_eq(status, 400);
	status = e2e("POST", "/__admin/faults", JSON_CT, "{\"match\":{\"path\":\"/\xc3\"},"
	    "\"action\":{\"type\":\"drop\"}}")->status;
	cr_expect_eq(status, 400);
	hostile_health();
	hostile_no_state_change();
	hostile_stop();
}

/* '[' * depth, then the same ']', as a value. */
static char *
hostile_nested(size_t depth, char open, char close)
{
	char	*s = xmalloc(2 * depth + 1);

	memset(s, open, depth);
	memset(s + depth, close, depth);
	s[2 * depth] = '\0';
	return (s);
}

Test(hostile, deeply_nested_json_is_refused)
{
	char		*deep = hostile_nested(20000, '[', ']');
	const char	*values[] = { deep };
	struct buf	 obj = { 0 };
	size_t		 i;
	int		 status;

	hostile_bad_bodies(values, nitems(values), 0, "nested arrays");
	hostile_bad_bodies(values, nitems(values), 1, "nested amount");
	/* Objects: {"a":{"a":...}} 5,000 deep inside the admin API's bodies. */
	for (i = 0; i < 5000; i++)
		buf_adds(&obj, "{\"a\":");
	buf_adds(&obj, "1");
	for (i = 0; i < 5000; i++)
		buf_adds(&obj, "}");
	status = e2ef("POST", "/__admin/faults", JSON_CT, "{\"match\":{\"body\":%s},"
	    "\"action\":{\"type\":\"drop\"}}", obj.data)->status;
	cr_expect_eq(status, 400);
	status = e2e("POST", "/__admin/scenarios", JSON_CT, obj.data)->status;
	cr_expect_eq(status, 400);
	status = e2e("POST", "/__admin/transactions", JSON_CT, obj.data)->status;
	cr_expect_eq(status, 400);
	buf_release(&obj);
	free(deep);
	hostile_health();
	hostile_no_state_change();
	hostile_stop();
}

Test(hostile, absurd_numbers_are_refused)
{
	static const char *const amounts[] = {
		"1e400", "-1e400", "1e-400", "0e0", "-0", "123456789012345678901234567890",
		"25.0000000000000000000001", "9223372036854775808", "0.1e-2",
	};
	static const char *const admin[][2] = {
		{ "/__admin/clock/advance", "{\"seconds\":1e400}" },
		{ "/__admin/clock/advance", "{\"ms\":99999999999999999999}" },
		{ "/__admin/clock/advance", "{\"seconds\":-1}" },
		{ "/__admin/clock/advance", "{\"seconds\":1e-400}" },
		{ "/__admin/clock/set", "{\"now\":1e400}" },
		{ "/__admin/faults", "{\"match\":{\"probability\":1e400},\"action\":{\"type\":\"drop\"}}" },
		{ "/__admin/faults", "{\"match\":{\"nth\":[1e400]},\"action\":{\"type\":\"drop\"}}" },
		{ "/__admin/faults", "{\"match\":{\"times\":18446744073709551617},"
		  "\"action\":{\"type\":\"drop\"}}" },
		{ "/__admin/faults", "{\"action\":{\"type\":\"respond\",\"status\":1e400}}" },
		{ "/__admin/faults", "{\"action\":{\"type\":\"delay\",\"ms\":1e400}}" },
		{ "/__admin/faults", "{\"action\":{\"type\":\"slow\",\"bytes_per_s\":-1e400}}" },
	};
	size_t	i;
	int	status;

	hostile_bad_bodies(amounts, nitems(amounts), 1, "amount");
	for (i = 0; i < nitems(admin); i++) {
		status = e2e("POST", admin[i][0], JSON_CT, admin[i][1])->status;
		cr_expect_eq(status, 400, "%s %s: %d", admin[i][0], admin[i][1], status);
	}
	hostile_health();
	hostile_no_state_change();
	hostile_stop();
}

/*
 * Starts the server again with at most 'nofile' descriptors (the child
 * inherits the lowered soft limit, the test gets its own back) and its
 * stderr in 'errpath'.
 */
static void
hostile_restart_limited(rlim_t nofile, const char *errpath)
{
	struct rlimit	 old, low;
	int		 saved, fd;

	e2e_teardown();
	cr_assert(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	low.rlim_cur = nofile;
	cr_assert((fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	cr_assert(setrlimit(RLIMIT_NOFILE, &low) == 0);
	e2e_start(NULL);
	setrlimit(RLIMIT_NOFILE, &old);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
}

static int
hostile_count_lines(const char *path)
{
	FILE	*fp = fopen(path, "r");
	int	 c, n = 0;

	if (fp == NULL)
		return (-1);
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return (n);
}

/* What a client sees when the server has no descriptor left for it. */
static const char *
hostile_outcome(int fd, int *status)
{
	char	buf[256];
	ssize_t	n;

	*status = 0;
	hostile_send_all(fd, HEALTH, sizeof HEALTH - 1);
	n = recv(fd, buf, sizeof buf - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		*status = strncmp(buf, "HTTP/1.", 7) == 0 ? atoi(buf + 9) : -1;
		return ("a reply");
	}
	if (n == 0)
		return ("closed");
	return (errno == EAGAIN || errno == EWOULDBLOCK ? "waiting" : "reset");
}

Test(hostile, descriptor_exhaustion_refuses_cleanly_and_recovers)
{
	enum { NOFILE = 64, HOLD = 100 };
	char		 errpath[] = "/tmp/paymock-emfile-XXXXXX";
	const char	*outcome;
	int		 fds[HOLD], i, pid, nfds, lines, status, probe, tmp;
	long		 cpu0, cpu, recover;
	struct timespec	 t0;

	cr_assert((tmp = mkstemp(errpath)) >= 0);
	close(tmp);
	hostile_restart_limited(NOFILE, errpath);
	pid = e2e_server_pid();
	hostile_health();
	/* More idle connections than the server has descriptors. */
	for (i = 0; i < HOLD; i++)
		fds[i] = e2e_connect(1000);
	e2e_sleep_ms(100);
	cpu0 = hostile_cpu_ms(pid);
	e2e_sleep_ms(500);
	cpu = hostile_cpu_ms(pid) - cpu0;
	nfds = hostile_nfds_of(pid);
	probe = e2e_connect(1000);
	outcome = hostile_outcome(probe, &status);
	lines = hostile_count_lines(errpath);
	/* The held connections go; the server serves again. */
	for (i = 0; i < HOLD; i++)
		close(fds[i]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	hostile_health();
	recover = e2e_ms_since(&t0);
	/* A client that waited in the backlog is served now. */
	if (strcmp(outcome, "waiting") == 0) {
		char *late = hostile_read_all(probe, NULL);
		cr_expect(strncmp(late, "HTTP/1.1 200", 12) == 0, "late reply: %.40s", late);
		free(late);
	}
	close(probe);
	cr_log_info("EMFILE: limit %d, %d connections held: server fds %d, CPU %ld ms in "
	    "500 ms, %d stderr lines, a new client: %s (%d); health %ld ms after they closed",
	    NOFILE, HOLD, nfds, cpu, lines, outcome, status, recover);
	/* Valgrind keeps descriptors of its own above the limit. */
	if (!hostile_under_valgrind())
		cr_expect_leq(nfds, NOFILE);
	cr_expect_lt(cpu, 100, "the accept loop spins: %ld ms of CPU in 500 ms", cpu);
	cr_expect_lt(lines, 10, "%d lines of noise on stderr", lines);
	cr_expect(strcmp(outcome, "a reply") != 0 || status == 503 || status == 200,
	    "a new client got %d", status);
	cr_expect_lt(recover, 2 * hostile_patience_ms());
	hostile_no_state_change();
	hostile_stop();
	unlink(errpath);
}

/* 'tmpl' with its "%s" replaced by 'value'; the caller frees. */
static char *
hostile_fill(const char *tmpl, const char *value)
{
	struct buf	 b = { 0 };
	const char	*at = strstr(tmpl, "%s");

	buf_add(&b, tmpl, (size_t)(at - tmpl));
	buf_adds(&b, value);
	buf_adds(&b, at + 2);
	return (buf_steal(&b));
}

/* Sends a whole request on a new connection and leaves it there. */
static int
hostile_leave(const char *path, const char *headers, const char *body)
{
	int	 fd = e2e_connect(5000);
	char	*req = xasprintf("POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: %zu\r\n\r\n%s",
	    path, headers, strlen(body), body);

	hostile_send_all(fd, req, strlen(req));
	free(req);
	return (fd);
}

Test(hostile, sigterm_under_load_exits_zero)
{
	enum { DELAYED = 20, HUNG = 10, SLOW = 10, PARTIAL = 50, IDLE = 50 };
	static const char *const faults[] = {
		"{\"match\":{\"provider\":\"smartpay\"},\"action\":{\"type\":\"delay\",\"ms\":10000}}",
		"{\"match\":{\"provider\":\"utgl\"},\"action\":{\"type\":\"hang\"}}",
		"{\"match\":{\"provider\":\"payengine\"},\"action\":{\"type\":\"slow\","
		"\"bytes_per_s\":10}}",
	};
	int		 fds[DELAYED + HUNG + SLOW + PARTIAL + IDLE], n = 0, i, expect;
	long		 stop_ms;
	struct timespec	 t0;

	for (i = 0; i < (int)nitems(faults); i++)
		cr_assert_eq(e2e("POST", "/__admin/faults", JSON_CT, faults[i])->status, 201);
	for (i = 0; i < DELAYED; i++) {
		char *key = xasprintf("{\"merchantKey\":\"" SP_MERCHANT "\",\"transactionId\":\""
		    SP_TXN "\",\"modificationId\":\"held-%d\"}", i);
		fds[n++] = hostile_leave(SP_REFUND, JSON_CT, key);
		free(key);
	}
	for (i = 0; i < HUNG; i++) {
		char *body = hostile_fill(hostile_creates[2].text, "\"hung\"");
		fds[n++] = hostile_leave(hostile_creates[2].path, hostile_creates[2].headers, body);
		free(body);
	}
	for (i = 0; i < SLOW; i++) {
		char *body = hostile_fill(hostile_creates[4].text, "\"slow\"");
		fds[n++] = hostile_leave(hostile_creates[4].path, hostile_creates[4].headers, body);
		free(body);
	}
	for (i = 0; i < PARTIAL; i++) {
		fds[n] = e2e_connect(5000);
		hostile_send_all(fds[n++], "POST /smartpay/payment/refund HTTP/1.1\r\n"
		    "Content-Length: 50\r\n\r\n{", 55);
	}
	for (i = 0; i < IDLE; i++)
		fds[n++] = e2e_connect(5000);
	/* Wait until every whole request has been dispatched (journaled). */
	expect = DELAYED + HUNG + SLOW;
	cr_expect_eq(e2e_len(e2e_await_journal(NULL, (size_t)expect, 5000),
	    "entries"), (size_t)expect);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	hostile_stop();
	stop_ms = e2e_ms_since(&t0);
	cr_log_info("SIGTERM with %d held replies (%d delayed, %d hung, %d dripping) and %d "
	    "open connections: exit after %ld ms", expect, DELAYED, HUNG, SLOW, PARTIAL + IDLE,
	    stop_ms);
	cr_expect_lt(stop_ms, hostile_under_valgrind() ? 15000 : 3000);
	for (i = 0; i < n; i++)
		close(fds[i]);
}
