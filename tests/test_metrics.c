/*
 * GET /__admin/metrics end to end: what happened on the server (refunds,
 * a fault, webhook attempts) read back through a real Prometheus parser,
 * Debian's python3-prometheus-client, which `make test` installs.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "metrics.h"
#include "util.h"

/* Debian's interpreter: the one its python3-prometheus-client installs into. */
#define PYTHON		"/usr/bin/python3"
#define TOKEN		"metrics-Token_1"
#define SESSION(n)	"X-Paymock-Session: " n "\r\n"
#define AB_HEADERS	JSON_CT "X-API-Key: smtgw_sk_test_x\r\nIdempotency-Key: %s\r\n%s"
#define AB_PAYMENT	"f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define SP_REFUND	"{\"merchantKey\":\"31928de9-1344-469f-b0eb-8e5d0fef3d21\"," \
	"\"transactionId\":\"933a0fab-80a0-42c5-b010-c71174f4ab32\"," \
	"\"modificationId\":\"m1\",\"modifiedAmount\":{\"amount\":5.00,\"currencyCode\":\"EUR\"}}"
#define SR_REFUND	"{\"transaction_reference_id\":\"TX8A3F2C\"," \
	"\"order_reference_id\":\"OR7B9E1D\",\"amount\":10.00}"

/*
 * Parses stdin with prometheus_client's parser, checks what that lax parser
 * lets through (every family typed and documented, once; every sample line
 * read), and prints each sample as name{label="value",...} (labels sorted,
 * values JSON-quoted), a tab and its value.
 */
static const char prom_script[] =
    "import json, sys\n"
    "try:\n"
    "    from prometheus_client.parser import text_string_to_metric_families\n"
    "except ImportError as e:\n"
    "    sys.exit('prometheus_client is missing (make test installs "
    "python3-prometheus-client): %s' % e)\n"
    "text = sys.stdin.read()\n"
    "if not text.endswith('\\n'):\n"
    "    sys.exit('the exposition does not end with a newline')\n"
    "lines = [l for l in text.split('\\n') if l and not l.startswith('#')]\n"
    "types = [l.split() for l in text.split('\\n') if l.startswith('# TYPE ')]\n"
    "for t in types:\n"
    "    if t[3] == 'counter' and not t[2].endswith('_total'):\n"
    "        sys.exit('counter %s does not end in _total' % t[2])\n"
    "    if [u[2] for u in types].count(t[2]) > 1:\n"
    "        sys.exit('family %s comes twice' % t[2])\n"
    "seen, out = set(), []\n"
    "for f in text_string_to_metric_families(text):\n"
    "    if f.name in seen:\n"
    "        sys.exit('family %s comes twice' % f.name)\n"
    "    seen.add(f.name)\n"
    "    if f.type == 'untyped' or not f.documentation:\n"
    "        sys.exit('family %s has no TYPE or HELP, or a sample outside it' % f.name)\n"
    "    for s in f.samples:\n"
    "        labels = ','.join('%s=%s' % (k, json.dumps(v)) for k, v in sorted(s.labels.items()))\n"
    "        out.append('%s%s\\t%r' % (s.name, '{%s}' % labels if labels else '', s.value))\n"
    "if len(out) != len(lines):\n"
    "    sys.exit('%d sample lines, %d samples parsed' % (len(lines), len(out)))\n"
    "print('\\n'.join(out))\n";

/* Runs prom_script on 'text': its exit status, and in '*out' (heap) what it printed. */
static int
prom_run(const char *text, char **out)
{
	char		 path[] = "/tmp/paymock-metrics-XXXXXX", chunk[4096];
	struct buf	 b = { 0 };
	ssize_t		 n;
	pid_t		 pid;
	int		 in, pipefd[2], status;

	cr_assert((in = mkstemp(path)) >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	cr_assert_eq(write(in, text, strlen(text)), (ssize_t)strlen(text));
	lseek(in, 0, SEEK_SET);
	cr_assert_eq(pipe(pipefd), 0);
	if ((pid = fork()) == 0) {
		dup2(in, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execl(PYTHON, "python3", "-c", prom_script, (char *)NULL);
		dprintf(2, "cannot run " PYTHON " (make test installs "
		    "python3-prometheus-client): %s", strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	close(in);
	buf_adds(&b, "");
	while ((n = read(pipefd[0], chunk, sizeof chunk)) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(pipefd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	buf_add(&b, "\n", 1);
	*out = buf_steal(&b);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

/* The parser's reading of 'text' (heap); fails the test if it refuses it. */
static char *
prom_parse(const char *text)
{
	char	*out;

	cr_assert_eq(prom_run(text, &out), 0, "the Prometheus parser refused "
	    "the metrics: %s---\n%s", out, text);
	return (out);
}

/* The value of the sample named 'key' in prom_parse's output; fails if absent. */
static double
prom_value(const char *parsed, const char *key)
{
	size_t		 n = strlen(key);
	const char	*p;

	for (p = parsed; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, key, n) == 0 && p[n] == '\t')
			return (strtod(p + n + 1, NULL));
	}
	cr_assert_fail("no sample %s in:\n%s", key, parsed);
	return (-1);
}

/* The metrics as the parser read them (heap), the reply checked on the way. */
static char *
scrape(const char *headers)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/metrics", headers, NULL);

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_header(r, "Content-Type"), METRICS_CONTENT_TYPE);
	return (prom_parse(r->body));
}

static void
expect_value(const char *parsed, const char *key, double want)
{
	cr_expect_eq(prom_value(parsed, key), want, "%s: %g, want %g", key,
	    prom_value(parsed, key), want);
}

static void
post(const char *path, const char *headers, const char *body, int status)
{
	struct e2e_resp	*r = e2e("POST", path, headers, body);

	cr_assert_eq(r->status, status, "POST %s: %d %s", path, r->status, r->body);
}

static void
accelebit_refund(const char *key, const char *headers)
{
	char	h[512];

	snprintf(h, sizeof h, AB_HEADERS, key, headers != NULL ? headers : "");
	post("/accelebit/v1/refunds", h, "{\"transactionId\":\"" AB_PAYMENT
	    "\",\"amount\":\"10.00\",\"currency\":\"EUR\"}", 201);
}

/*
 * Answers one delivery with 'status' once its head is in, then reads until
 * paymock closes (it asked for Connection: close).  0 if none came in 'ms'.
 */
static int
receiver_answer(int fd, int ms, int status)
{
	struct pollfd	 p = { .fd = fd, .events = POLLIN };
	char		 head[8192], reply[128];
	size_t		 got = 0;
	ssize_t		 n;
	int		 c;

	if (poll(&p, 1, ms) != 1)
		return (0);
	cr_assert((c = accept(fd, NULL, NULL)) >= 0);
	do {
		n = recv(c, head + got, sizeof head - 1 - got, 0);
		cr_assert(n > 0, "the delivery ended before its head");
		head[got += (size_t)n] = '\0';
	} while (strstr(head, "\r\n\r\n") == NULL);
	snprintf(reply, sizeof reply, "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n", status);
	send(c, reply, strlen(reply), MSG_NOSIGNAL);
	while (recv(c, head, sizeof head, 0) > 0)
		;
	close(c);
	return (1);
}

/*
 * Polls the delivery log (the attempt's end logs it and counts it at once)
 * until it holds 'n' entries, for up to 5 s.
 */
static void
wait_attempts(size_t n)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (e2e_len(e2e("GET", "/__admin/webhooks/deliveries", NULL, NULL),
	    "deliveries") < n && e2e_ms_since(&t0) < 5000)
		;
}

TestSuite(metrics, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

Test(metrics, what_happened_reads_back_through_a_real_parser)
{
	struct e2e_wire	 w;
	char		*m, body[256];
	int		 fd, port;

	fd = e2e_listen(0, &port);
	snprintf(body, sizeof body, "{\"provider\":\"accelebit\",\"url\":"
	    "\"http://127.0.0.1:%d/hooks\"}", port);
	post("/__admin/webhooks", NULL, body, 201);
	accelebit_refund("m1", NULL);
	accelebit_refund("m2", NULL);
	post("/smartretry/v1/payments/refund/ABC123", JSON_CT "x-api-key: k\r\n",
	    SR_REFUND, 200);
	/* The refund is made, then the connection dropped: no status was sent. */
	post("/__admin/faults", NULL, "{\"match\":{\"provider\":\"smartpay\"},"
	    "\"action\":{\"type\":\"commit_then_drop\"}}", 201);
	e2e_exchange("POST", "/smartpay/payment/refund", JSON_CT, SP_REFUND, 3000, &w);
	cr_expect_eq(w.len, 0, "a reply came: %s", w.data);
	/* The two refund.created events: one taken, one refused. */
	cr_assert(receiver_answer(fd, 3000, 200), "no first delivery");
	cr_assert(receiver_answer(fd, 3000, 500), "no second delivery");
	close(fd);
	wait_attempts(2);
	m = scrape(NULL);

	expect_value(m, "paymock_refunds_created_total{outcome=\"succeeded\","
	    "provider=\"accelebit\",state=\"created\"}", 2);
	expect_value(m, "paymock_refunds_created_total{outcome=\"succeeded\","
	    "provider=\"smartretry\",state=\"pending\"}", 1);
	expect_value(m, "paymock_refunds_created_total{outcome=\"succeeded\","
	    "provider=\"smartpay\",state=\"pending\"}", 1);
	expect_value(m, "paymock_requests_total{operation=\"refund.create\","
	    "provider=\"accelebit\",status=\"201\"}", 2);
	expect_value(m, "paymock_requests_total{operation=\"refund.create\","
	    "provider=\"smartpay\",status=\"0\"}", 1);
	expect_value(m, "paymock_requests_total{operation=\"admin.faults\","
	    "provider=\"admin\",status=\"201\"}", 1);
	expect_value(m, "paymock_rules_fired_total{action=\"commit_then_drop\"}", 1);
	expect_value(m, "paymock_rules_fired_total{action=\"drop\"}", 0);
	expect_value(m, "paymock_webhook_attempts_total{outcome=\"delivered\"}", 1);
	expect_value(m, "paymock_webhook_attempts_total{outcome=\"failed_status\"}", 1);
	expect_value(m, "paymock_webhook_attempts_total{outcome=\"error\"}", 0);
	expect_value(m, "paymock_refunds_held", 4);
	expect_value(m, "paymock_journal_entries", 4);
	expect_value(m, "paymock_sessions", 1);
	expect_value(m, "paymock_memory_budget_bytes", 1 << 30);
	cr_expect_gt(prom_value(m, "paymock_idempotency_records"), 0);
	cr_expect_gt(prom_value(m, "paymock_journal_bytes"), 0);
	cr_expect_geq(prom_value(m, "paymock_memory_tracked_bytes"),
	    prom_value(m, "paymock_journal_bytes"));
	cr_expect_gt(prom_value(m, "process_resident_memory_bytes"), 1 << 20);
	cr_expect_gt(prom_value(m, "process_open_fds"), 2);
	cr_expect_geq(prom_value(m, "process_max_fds"), prom_value(m, "process_open_fds"));
	cr_expect_gt(prom_value(m, "process_start_time_seconds"), 1.7e9);
	free(m);
}

Test(metrics, counters_are_the_process_s_and_gauges_what_is_held_now)
{
	struct e2e_resp	*r;
	char		*m;

	accelebit_refund("a", SESSION("one"));
	accelebit_refund("b", SESSION("two"));
	accelebit_refund("c", SESSION("two"));
	r = e2e("DELETE", "/__admin/sessions/two", NULL, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	m = scrape(NULL);
	expect_value(m, "paymock_refunds_created_total{outcome=\"succeeded\","
	    "provider=\"accelebit\",state=\"created\"}", 3);
	expect_value(m, "paymock_refunds_held", 1);
	expect_value(m, "paymock_idempotency_records", 1);
	/* "one" and the default session the scrape itself lives in. */
	expect_value(m, "paymock_sessions", 2);
	free(m);
	/* A request the server answered before any provider took it. */
	r = e2e("GET", "/nowhere", NULL, NULL);
	cr_assert_eq(r->status, 404);
	m = scrape(NULL);
	expect_value(m, "paymock_requests_total{operation=\"unknown\","
	    "provider=\"none\",status=\"404\"}", 1);
	expect_value(m, "paymock_requests_total{operation=\"admin.metrics\","
	    "provider=\"admin\",status=\"200\"}", 1);
	free(m);
}

Test(metrics, get_only)
{
	struct e2e_resp	*r = e2e("POST", "/__admin/metrics", NULL, NULL);

	cr_expect_eq(r->status, 405, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "error.code"), "method_not_allowed");
	cr_expect_not_null(e2e_header(r, "Allow"));
	if (e2e_header(r, "Allow") != NULL)
		cr_expect(strncmp(e2e_header(r, "Allow"), "GET", 3) == 0, "%s",
		    e2e_header(r, "Allow"));
}

static void
metrics_token_setup(void)
{
	const char *const	args[] = { "--admin-token", TOKEN, NULL };

	e2e_start(args);
}

TestSuite(metrics_token, .init = metrics_token_setup, .fini = e2e_teardown,
    .timeout = 30);

/* Metrics say what the farm does: behind the token like the rest of /__admin. */
Test(metrics_token, the_admin_token_guards_them)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/metrics", NULL, NULL);

	cr_expect_eq(r->status, 401, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "error.code"), "unauthorized");
	cr_expect_eq(e2e("GET", "/__admin/health", NULL, NULL)->status, 200);
	free(scrape("Authorization: Bearer " TOKEN "\r\n"));
}

Test(metrics_unit, label_values_are_escaped_as_the_format_says)
{
	static const char	 value[] = "a\"b\\c\nd}e,f=g";
	struct buf		 b = { 0 };
	char			*text, *parsed;

	metrics_label_escape(&b, value);
	cr_expect_str_eq(b.data, "a\\\"b\\\\c\\nd}e,f=g");
	text = xasprintf("# HELP t_x A test.\n# TYPE t_x gauge\nt_x{l=\"%s\"} 1\n", b.data);
	parsed = prom_parse(text);
	/* The parser gives back the value as it was (here JSON-quoted). */
	expect_value(parsed, "t_x{l=\"a\\\"b\\\\c\\nd}e,f=g\"}", 1);
	free(parsed);
	free(text);
	buf_release(&b);
	buf_adds(&b, "");
	metrics_label_escape(&b, "");
	cr_expect_str_eq(b.data, "");
	buf_release(&b);
}

/* The check itself: what the lax parser would wave through is refused. */
Test(metrics_unit, the_parser_check_refuses_what_the_format_does_not_allow)
{
	static const char *const bad[] = {
		"# HELP t_x A test.\n# TYPE t_x gauge\nt_x 1\nt_y 2\n",
		"# HELP t_x A test.\n# TYPE t_x gauge\nt_x{l=\"a\"} 1\n"
		    "# HELP t_x A test.\n# TYPE t_x gauge\nt_x{l=\"b\"} 1\n",
		"# HELP t_x A test.\n# TYPE t_x counter\nt_x 1\n",
		"# HELP t_x A test.\n# TYPE t_x gauge\nt_x 1",
	};
	char	*out;
	size_t	 i;

	for (i = 0; i < nitems(bad); i++) {
		cr_expect_neq(prom_run(bad[i], &out), 0, "accepted: %s", bad[i]);
		free(out);
	}
}
