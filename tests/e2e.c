/* End-to-end test harness: the real server on port 0, spoken to over raw sockets. */
#define _GNU_SOURCE	/* strcasestr */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "jsonx.h"
#include "util.h"

#define E2E_TIMEOUT_MS	5000
/* Between two looks at the server's state while waiting on real I/O. */
#define E2E_POLL_MS	5
/* Past the providers' 64 KiB body limit, within the transport's 1 MiB. */
#define E2E_OVERSIZE	70000

static pid_t		 e2e_pid = -1;
static int		 e2e_portno;
static FILE		*e2e_out;
static struct e2e_resp	**e2e_resps;
static size_t		 e2e_nresps;
static char		*e2e_text;	/* e2e_get's last answer */
static char		**e2e_kept;	/* e2e_exchange's data */
static size_t		 e2e_nkept;

static void
e2e_keep(char *p)
{
	e2e_kept = xrealloc(e2e_kept, (e2e_nkept + 1) * sizeof *e2e_kept);
	e2e_kept[e2e_nkept++] = p;
}

void
e2e_start(const char *const *args)
{
	const char	*bin = getenv("PAYMOCK_BIN"), *fixtures = getenv("PAYMOCK_FIXTURES");
	const char	*scenarios = e2e_scenario_dir();
	const char	*argv[32];
	char		 line[256];
	int		 fds[2];
	size_t		 n = 0;

	if (bin == NULL)
		bin = "build/paymock";
	if (fixtures == NULL)
		fixtures = "fixtures";
	argv[n++] = bin;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--quiet";
	argv[n++] = "--clock";
	argv[n++] = "frozen:" E2E_EPOCH;
	argv[n++] = "--fixtures";
	argv[n++] = fixtures;
	argv[n++] = "--scenario-dir";
	argv[n++] = scenarios;
	for (; args != NULL && *args != NULL && n < nitems(argv) - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cr_assert(pipe(fds) == 0);
	if ((e2e_pid = fork()) == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	e2e_out = fdopen(fds[0], "r");
	cr_assert(fgets(line, sizeof line, e2e_out) != NULL, "paymock did not start");
	cr_assert(sscanf(line, "paymock listening on http://127.0.0.1:%d", &e2e_portno) == 1,
	    "unexpected first line: %s", line);
}

void
e2e_start_stderr(const char *const *args, int fd)
{
	int	saved = dup(STDERR_FILENO);

	dup2(fd, STDERR_FILENO);
	e2e_start(args);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

const char *
e2e_scenario_dir(void)
{
	const char	*dir = getenv("PAYMOCK_SCENARIOS");

	return (dir != NULL ? dir : "scenarios");
}

void
e2e_setup(void)
{
	e2e_start(NULL);
}

int
e2e_port(void)
{
	return (e2e_portno);
}

int
e2e_server_pid(void)
{
	return ((int)e2e_pid);
}

void
e2e_use_port(int port)
{
	e2e_portno = port;
}

const char *
e2e_next_line(void)
{
	static char	line[256];

	return (fgets(line, sizeof line, e2e_out));
}

static void
e2e_resp_free(struct e2e_resp *r)
{
	free(r->head);
	free(r->body);
	json_decref(r->json);
	free(r);
}

void
e2e_teardown(void)
{
	const char	*log;
	FILE		*fp;
	int		 status = 0;
	size_t		 i;

	for (i = 0; i < e2e_nresps; i++)
		e2e_resp_free(e2e_resps[i]);
	free(e2e_resps);
	free(e2e_text);
	for (i = 0; i < e2e_nkept; i++)
		free(e2e_kept[i]);
	free(e2e_kept);
	e2e_kept = NULL;
	e2e_nkept = 0;
	e2e_resps = NULL;
	e2e_nresps = 0;
	e2e_text = NULL;
	if (e2e_pid <= 0)
		return;
	kill(e2e_pid, SIGTERM);
	waitpid(e2e_pid, &status, 0);
	fclose(e2e_out);
	e2e_pid = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	/*
	 * Criterion 2.4 prints but does not count assertions made in .fini, so
	 * an unclean exit (a leak under the sanitizers) is also written where
	 * `make test` looks after the run and fails.
	 */
	cr_expect(0, "paymock did not exit cleanly (status %d)", status);
	if ((log = getenv("PAYMOCK_EXIT_LOG")) != NULL && (fp = fopen(log, "a")) != NULL) {
		fprintf(fp, "%s::%s: paymock exit status %d\n",
		    criterion_current_suite->name, criterion_current_test->name, status);
		fclose(fp);
	}
}

int
e2e_connect(int timeout_ms)
{
	struct sockaddr_in	sin = { 0 };
	struct timeval		tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)e2e_portno);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	cr_assert(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0,
	    "connect: %s", strerror(errno));
	return (fd);
}

int
e2e_run(const char *cmd, char *out, size_t len)
{
	FILE	*p = popen(cmd, "r");
	size_t	 n;
	int	 st;

	cr_assert_not_null(p, "cannot run %s", cmd);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int
e2e_answer(int listener, int ms, int status, char *head, size_t head_len, char *body,
    size_t body_len)
{
	struct pollfd	 p = { listener, POLLIN, 0 };
	char		 buf[32768], reply[128], *sep = NULL;
	const char	*cl;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd;

	if (poll(&p, 1, ms) != 1)
		return (0);
	cr_assert((fd = accept(listener, NULL, NULL)) >= 0);
	for (;;) {
		n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
		cr_assert_gt(n, 0, "the request was cut short");
		buf[got += (size_t)n] = '\0';
		if ((sep = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(buf, "Content-Length:");
		if (got >= (size_t)(sep + 4 - buf) + (cl != NULL ?
		    strtoul(cl + 15, NULL, 10) : 0))
			break;
	}
	if (head != NULL)
		snprintf(head, head_len, "%.*s", (int)(sep - buf), buf);
	if (body != NULL)
		snprintf(body, body_len, "%s", sep + 4);
	snprintf(reply, sizeof reply, "HTTP/1.1 %d X\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", status);
	send(fd, reply, strlen(reply), MSG_NOSIGNAL);
	close(fd);
	return (1);
}

int
e2e_listen(int port, int *bound)
{
	struct sockaddr_in	sin = { 0 };
	socklen_t		sl = sizeof sin;
	int			one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	/* A receiver closed and opened again on its port, in one test. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0, "bind: %s",
	    strerror(errno));
	cr_assert_eq(listen(fd, 64), 0, "listen: %s", strerror(errno));
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*bound = ntohs(sin.sin_port);
	return (fd);
}

int
e2e_send_raw(const char *bytes, size_t len)
{
	ssize_t	n;
	size_t	off = 0;
	int	fd = e2e_connect(E2E_TIMEOUT_MS);

	while (off < len) {
		n = send(fd, bytes + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	return (fd);
}

char *
e2e_read_raw(int fd, int timeout_ms)
{
	struct buf	b = { 0 };
	struct timeval	tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	char		chunk[65536];
	ssize_t		n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	while ((n = recv(fd, chunk, sizeof chunk, 0)) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	return (buf_steal(&b));
}

char *
e2e_raw(const char *bytes, size_t len, int timeout_ms)
{
	return (e2e_read_raw(e2e_send_raw(bytes, len), timeout_ms));
}

long
e2e_ms_since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

void
e2e_sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static char *
e2e_request_text(const char *method, const char *path, const char *headers,
    const char *body, size_t *len)
{
	struct buf	req = { 0 };

	buf_addf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s",
	    method, path, headers != NULL ? headers : "");
	if (body != NULL)
		buf_addf(&req, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	else
		buf_adds(&req, "\r\n");
	*len = req.len;
	return (buf_steal(&req));
}

void
e2e_exchange(const char *method, const char *path, const char *headers,
    const char *body, int timeout_ms, struct e2e_wire *w)
{
	struct buf	 b = { 0 };
	struct timespec	 t0;
	char		 chunk[4096], *req;
	size_t		 len;
	ssize_t		 n;
	int		 fd = e2e_connect(timeout_ms);

	req = e2e_request_text(method, path, headers, body, &len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	free(req);
	while ((n = recv(fd, chunk, sizeof chunk, 0)) > 0)
		buf_add(&b, chunk, (size_t)n);
	w->err = n < 0 ? (errno == EWOULDBLOCK ? EAGAIN : errno) : 0;
	w->ms = e2e_ms_since(&t0);
	close(fd);
	w->len = b.len;
	w->data = buf_steal(&b);
	/* Freed at teardown with the responses. */
	e2e_keep(w->data);
}

static struct e2e_resp *
e2e_parse(char *raw)
{
	struct e2e_resp	*r = xcalloc(1, sizeof *r);
	char		*sep = strstr(raw, "\r\n\r\n"), *cause;

	cr_assert(sep != NULL, "no complete response: '%s'", raw);
	r->head = xstrndup(raw, (size_t)(sep - raw));
	r->body = xstrdup(sep + 4);
	r->body_len = strlen(r->body);
	cr_assert(sscanf(r->head, "HTTP/1.1 %d", &r->status) == 1, "bad status line");
	if ((r->json = jsonx_loads(r->body, r->body_len, &cause)) == NULL)
		free(cause);
	free(raw);
	e2e_resps = xrealloc(e2e_resps, (e2e_nresps + 1) * sizeof *e2e_resps);
	e2e_resps[e2e_nresps++] = r;
	return (r);
}

struct e2e_resp *
e2e(const char *method, const char *path, const char *headers, const char *body)
{
	size_t	 len;
	char	*req = e2e_request_text(method, path, headers, body, &len);
	char	*raw = e2e_raw(req, len, E2E_TIMEOUT_MS);

	free(req);
	return (e2e_parse(raw));
}

struct e2e_resp *
e2ef(const char *method, const char *path, const char *headers, const char *fmt, ...)
{
	struct e2e_resp	*r;
	char		*body;
	va_list		 ap;
	int		 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	body = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(body, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r = e2e(method, path, headers, body);
	free(body);
	return (r);
}

const char *
e2e_header(const struct e2e_resp *r, const char *name)
{
	const char	*line = strstr(r->head, "\r\n");
	size_t		 n = strlen(name);

	for (; line != NULL; line = strstr(line + 2, "\r\n")) {
		const char *p = line + 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *end = strstr(p, "\r\n");
			free(e2e_text);
			p += n + 1;
			while (*p == ' ')
				p++;
			e2e_text = end != NULL ? xstrndup(p, (size_t)(end - p)) : xstrdup(p);
			return (e2e_text);
		}
	}
	return (NULL);
}

json_t *
e2e_node(const struct e2e_resp *r, const char *path)
{
	json_t		*v = r->json;
	const char	*p = path;
	char		 key[128];

	while (v != NULL && *p != '\0') {
		if (*p == '[') {
			v = json_array_get(v, strtoul(p + 1, NULL, 10));
			p = strchr(p, ']') + 1;
		} else {
			size_t n = strcspn(p, ".[");
			snprintf(key, sizeof key, "%.*s", (int)n, p);
			v = json_object_get(v, key);
			p += n;
		}
		if (*p == '.')
			p++;
	}
	return (v);
}

const char *
e2e_get(const struct e2e_resp *r, const char *path)
{
	json_t		*v = e2e_node(r, path);
	const char	*s;

	if (v == NULL)
		return (NULL);
	if ((s = jsonx_number_text(v)) != NULL || (s = jsonx_string(v)) != NULL)
		return (s);
	free(e2e_text);
	e2e_text = jsonx_dumps(v, 0);
	return (e2e_text);
}

size_t
e2e_len(const struct e2e_resp *r, const char *path)
{
	json_t	*v = e2e_node(r, path);

	return (json_is_array(v) ? json_array_size(v) : json_is_object(v) ?
	    json_object_size(v) : 0);
}

void
e2e_advance_in(const char *headers, const char *seconds)
{
	struct e2e_resp	*r = e2ef("POST", "/__admin/clock/advance", headers,
	    "{\"seconds\":%s}", seconds);

	cr_assert_eq(r->status, 200, "advance %s: %s", seconds, r->body);
}

void
e2e_advance(const char *seconds)
{
	e2e_advance_in(NULL, seconds);
}

size_t
e2e_refund_count(void)
{
	return (e2e_len(e2e("GET", "/__admin/refunds", NULL, NULL), "refunds"));
}

/* GETs 'path' until its 'array' holds at least 'n' entries or 'ms' pass; the last reply. */
static struct e2e_resp *
e2e_await(const char *path, const char *headers, const char *array, size_t n, long ms)
{
	struct timespec	 t0;
	struct e2e_resp	*r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (e2e_len(r = e2e("GET", path, headers, NULL), array) < n &&
	    e2e_ms_since(&t0) < ms)
		e2e_sleep_ms(E2E_POLL_MS);
	return (r);
}

struct e2e_resp *
e2e_await_journal(const char *headers, size_t n, long ms)
{
	return (e2e_await("/__admin/journal", headers, "entries", n, ms));
}

struct e2e_resp *
e2e_await_deliveries(const char *headers, size_t n, long ms)
{
	return (e2e_await("/__admin/webhooks/deliveries", headers, "deliveries", n, ms));
}

struct e2e_resp *
e2e_post_oversize(const char *path, const char *headers)
{
	char		*body = xmalloc(E2E_OVERSIZE + 1);
	struct e2e_resp	*r;

	/* An empty object, valid JSON, padded with spaces. */
	memset(body, ' ', E2E_OVERSIZE);
	body[0] = '{';
	body[E2E_OVERSIZE - 1] = '}';
	body[E2E_OVERSIZE] = '\0';
	r = e2e("POST", path, headers, body);
	free(body);
	return (r);
}
