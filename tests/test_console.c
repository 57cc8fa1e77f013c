/*
 * Issue 16, the QA console's server side: the files compiled in and served
 * at /__admin/ui, a browser's GET / sent there, the journal as Server-Sent
 * Events, the cross-origin guard on the admin API, and the admin calls the
 * console needs (shipped scenarios, removing one fault or scenario).
 */
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "e2e.h"
#include "session.h"
#include "util.h"

#define SESSION(n)	"X-Paymock-Session: " n "\r\n"
#define TOKEN		"console-secret"
#define CSP		"default-src 'self'; style-src 'self'; script-src 'self'; " \
	"connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
#define SP_REFUND	"/smartpay/payment/refund"
#define SP_BODY(id)	"{\"merchantKey\":\"31928de9-1344-469f-b0eb-8e5d0fef3d21\"," \
	"\"transactionId\":\"933a0fab-80a0-42c5-b010-c71174f4ab32\",\"modificationId\":\"" \
	id "\",\"modifiedAmount\":{\"amount\":1.00,\"currencyCode\":\"EUR\"}}"
/* How long a wait on the server's real I/O may take (valgrind: 8 times that). */
#define DEADLINE_MS	5000

static long
slow(long ms)
{
	return (getenv("PAYMOCK_REAL_BIN") != NULL ? 8 * ms : ms);
}

/* A stream read as it comes: everything so far, NUL-terminated. */
struct sse {
	int	 fd;
	char	*data;
	size_t	 len;
	int	 eof;
};

/* Opens GET 'target' with 'headers' on a new connection. */
static void
sse_open(struct sse *s, const char *target, const char *headers)
{
	char	*req = xasprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", target,
		    headers != NULL ? headers : "");

	memset(s, 0, sizeof *s);
	s->fd = e2e_send_raw(req, strlen(req));
	s->data = xcalloc(1, 1);
	free(req);
}

/* Reads until 'needle' has come 'n' times, the server closes, or 'ms' pass; 1 if it came. */
static int
sse_wait_n(struct sse *s, const char *needle, size_t n, long ms)
{
	struct timespec	t0;
	struct pollfd	pfd = { .fd = s->fd, .events = POLLIN };
	char		chunk[65536];
	ssize_t		got;
	size_t		seen;
	const char	*p;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (seen = 0, p = s->data; (p = strstr(p, needle)) != NULL; p++)
			seen++;
		if (seen >= n)
			return (1);
		if (s->eof || e2e_ms_since(&t0) >= slow(ms))
			return (0);
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((got = recv(s->fd, chunk, sizeof chunk, MSG_DONTWAIT)) <= 0) {
			s->eof = got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
			continue;
		}
		s->data = xrealloc(s->data, s->len + (size_t)got + 1);
		memcpy(s->data + s->len, chunk, (size_t)got);
		s->len += (size_t)got;
		s->data[s->len] = '\0';
	}
}

static int
sse_wait(struct sse *s, const char *needle, long ms)
{
	return (sse_wait_n(s, needle, 1, ms));
}

static void
sse_close(struct sse *s)
{
	close(s->fd);
	free(s->data);
}

/* The data line of the event with id 'seq', as sent (heap), or NULL. */
static char *
sse_data(const struct sse *s, unsigned seq)
{
	char		 id[48];
	const char	*p, *end;

	snprintf(id, sizeof id, "id: %u\nevent: entry\ndata: ", seq);
	if ((p = strstr(s->data, id)) == NULL || (end = strstr(p, "\n\n")) == NULL)
		return (NULL);
	p += strlen(id);
	return (xstrndup(p, (size_t)(end - p)));
}

static int
smartpay_refund(const char *headers, const char *id)
{
	char	*body = xasprintf(SP_BODY("%s"), id);
	int	 status = e2e("POST", SP_REFUND, headers, body)->status;

	free(body);
	return (status);
}

static int
has_cors(const struct e2e_resp *r)
{
	return (strstr(r->head, "Access-Control-") != NULL);
}

TestSuite(console, .init = e2e_setup, .fini = e2e_teardown, .timeout = 60);

/* The console's files: served with their type, no caching, the strict CSP. */
Test(console, ui_files_are_served_with_their_headers)
{
	struct e2e_resp	*r;
	size_t		 i;
	char		 path[256];

	cr_assert_gt(console_nassets, 0, "src/ui is compiled in");
	for (i = 0; i < console_nassets; i++) {
		snprintf(path, sizeof path, CONSOLE_PATH "/%s", console_assets[i].name);
		r = e2e("GET", path, NULL, NULL);
		cr_expect_eq(r->status, 200, "%s", path);
		cr_expect_str_eq(e2e_header(r, "Content-Type"), console_assets[i].content_type);
		cr_expect_eq(r->body_len, console_assets[i].len, "%s", path);
		cr_expect_str_eq(e2e_header(r, "Cache-Control"), "no-cache");
		cr_expect_str_eq(e2e_header(r, "Content-Security-Policy"), CSP);
		cr_expect_str_eq(e2e_header(r, "X-Content-Type-Options"), "nosniff");
	}
	r = e2e("GET", CONSOLE_PATH, "Origin: http://elsewhere.example\r\n", NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(e2e_header(r, "Content-Type"), "text/html; charset=utf-8");
	cr_assert_not_null(strstr(r->body, "<html"), "%s", r->body);
	cr_assert_not(has_cors(r), "%s", r->head);
	r = e2e("GET", CONSOLE_PATH "/", NULL, NULL);
	cr_assert_eq(r->status, 200);
	r = e2e("GET", CONSOLE_PATH "/no-such-file.js", NULL, NULL);
	cr_assert_eq(r->status, 404);
	cr_assert_str_eq(e2e_get(r, "error.code"), "not_found");
	r = e2e("GET", CONSOLE_PATH "x", NULL, NULL);
	cr_assert_eq(r->status, 404, "only the console's own path");
}

/* A file read makes no session and no journal entry. */
Test(console, ui_touches_no_session)
{
	struct e2e_resp	*r;

	r = e2e("GET", CONSOLE_PATH "?session=ui-reader", SESSION("ui-reader"), NULL);
	cr_assert_eq(r->status, 200);
	r = e2e("GET", "/__admin/sessions", NULL, NULL);
	cr_assert_null(strstr(r->body, "ui-reader"), "%s", r->body);
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_assert_null(strstr(r->body, CONSOLE_PATH), "%s", r->body);
}

/* A browser opening the server's root lands on the console; an API client does not. */
Test(console, root_redirects_browsers_only)
{
	struct e2e_resp	*r;

	r = e2e("GET", "/", "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n", NULL);
	cr_assert_eq(r->status, 302);
	cr_assert_str_eq(e2e_header(r, "Location"), CONSOLE_PATH);
	r = e2e("GET", "/", NULL, NULL);
	cr_assert_eq(r->status, 404, "%s", r->head);
	cr_assert_str_eq(e2e_get(r, "error.code"), "not_found");
	r = e2e("GET", "/", "Accept: application/json\r\n", NULL);
	cr_assert_eq(r->status, 404);
	r = e2e("POST", "/", "Accept: text/html\r\n", "");
	cr_assert_neq(r->status, 302);
}

/* The entries there first, then each new one as it is journaled, as the journal lists it. */
/* The entry detail shows the reply's headers as the adapter wrote them. */
Test(console, journal_keeps_the_reply_headers)
{
	struct e2e_resp	*r = e2e("POST", SP_REFUND, SESSION("heads") JSON_CT, SP_BODY("h-1"));
	struct e2e_resp	*j;

	cr_assert_eq(r->status, 200, "%s", r->body);
	j = e2e("GET", "/__admin/journal", SESSION("heads"), NULL);
	cr_expect_str_eq(e2e_get(j, "entries[0].response.headers.Content-Type"),
	    "application/json");
	cr_expect_str_eq(e2e_get(j, "entries[0].response.headers.X-Trace-Id"),
	    e2e_header(r, "X-Trace-Id"));
	cr_expect_str_eq(e2e_get(j, "entries[0].response.headers.Accept-Language"),
	    "en-US");
}

Test(console, stream_backfills_then_follows_live)
{
	struct sse	 s;
	struct e2e_resp	*journal;
	char		*one, *two;

	cr_assert_eq(smartpay_refund(JSON_CT SESSION("live"), "live-1"), 200);
	sse_open(&s, "/__admin/journal/stream", SESSION("live"));
	cr_assert(sse_wait(&s, "\r\n\r\n", DEADLINE_MS), "%s", s.data);
	cr_assert_not_null(strstr(s.data, "HTTP/1.1 200"), "%s", s.data);
	cr_assert_not_null(strstr(s.data, "Content-Type: text/event-stream\r\n"), "%s", s.data);
	cr_assert_not_null(strstr(s.data, "Cache-Control: no-cache\r\n"), "%s", s.data);
	cr_assert_null(strstr(s.data, "Access-Control-"), "%s", s.data);
	cr_assert(sse_wait(&s, "id: 1\nevent: entry\ndata: {", DEADLINE_MS), "%s", s.data);
	cr_assert_eq(smartpay_refund(JSON_CT SESSION("live"), "live-2"), 200);
	cr_assert(sse_wait(&s, "id: 2\nevent: entry\n", DEADLINE_MS), "%s", s.data);
	cr_assert(sse_wait(&s, "\n\n", DEADLINE_MS));
	/* Byte for byte what GET /__admin/journal lists. */
	journal = e2e("GET", "/__admin/journal", SESSION("live"), NULL);
	cr_assert_not_null(one = sse_data(&s, 1), "%s", s.data);
	cr_assert_not_null(two = sse_data(&s, 2), "%s", s.data);
	cr_assert_not_null(strstr(journal->body, one), "%s\n%s", one, journal->body);
	cr_assert_not_null(strstr(journal->body, two), "%s\n%s", two, journal->body);
	cr_assert_not_null(strstr(two, "\"modificationId\":\"live-2\""), "%s", two);
	free(one);
	free(two);
	sse_close(&s);
}

/* ?since=N and Last-Event-ID: only what came after N (a reconnecting EventSource). */
Test(console, stream_resumes_after_an_entry)
{
	struct sse	s, t;

	cr_assert_eq(smartpay_refund(JSON_CT SESSION("resume"), "r-1"), 200);
	cr_assert_eq(smartpay_refund(JSON_CT SESSION("resume"), "r-2"), 200);
	sse_open(&s, "/__admin/journal/stream?since=1", SESSION("resume"));
	sse_open(&t, "/__admin/journal/stream", SESSION("resume") "Last-Event-ID: 1\r\n");
	cr_assert(sse_wait(&s, "id: 2\n", DEADLINE_MS), "%s", s.data);
	cr_assert(sse_wait(&t, "id: 2\n", DEADLINE_MS), "%s", t.data);
	cr_assert_null(strstr(s.data, "id: 1\n"), "%s", s.data);
	cr_assert_null(strstr(t.data, "id: 1\n"), "%s", t.data);
	sse_close(&s);
	sse_close(&t);
	cr_assert_eq(e2e("GET", "/__admin/journal/stream?since=x", NULL, NULL)->status, 400);
}

/* The session in the query, as an EventSource names it. */
Test(console, stream_session_by_query)
{
	struct sse	s;

	cr_assert_eq(smartpay_refund(JSON_CT SESSION("byquery"), "q-1"), 200);
	sse_open(&s, "/__admin/journal/stream?session=byquery", NULL);
	cr_assert(sse_wait(&s, "\"modificationId\":\"q-1\"", DEADLINE_MS), "%s", s.data);
	sse_close(&s);
}

/* A reset says so and the stream goes on with the new journal; a drop ends it. */
Test(console, stream_reset_then_drop)
{
	struct sse	s;

	cr_assert_eq(smartpay_refund(JSON_CT SESSION("resetme"), "x-1"), 200);
	sse_open(&s, "/__admin/journal/stream", SESSION("resetme"));
	cr_assert(sse_wait(&s, "id: 1\n", DEADLINE_MS), "%s", s.data);
	cr_assert_eq(e2e("POST", "/__admin/reset", SESSION("resetme"), "")->status, 200);
	cr_assert(sse_wait(&s, "event: reset\ndata: {}\n\n", DEADLINE_MS), "%s", s.data);
	cr_assert_eq(smartpay_refund(JSON_CT SESSION("resetme"), "x-2"), 200);
	cr_assert(sse_wait(&s, "\"modificationId\":\"x-2\"", DEADLINE_MS), "%s", s.data);
	cr_assert_eq(e2e("DELETE", "/__admin/sessions/resetme", NULL, NULL)->status, 200);
	cr_assert(sse_wait_n(&s, "event: reset\n", 2, DEADLINE_MS), "%s", s.data);
	/* The chunked reply's end. */
	cr_assert(sse_wait(&s, "\r\n0\r\n\r\n", DEADLINE_MS), "%s", s.data);
	sse_close(&s);
	cr_assert_null(strstr(e2e("GET", "/__admin/sessions", NULL, NULL)->body,
	    "resetme"), "a drop with a stream open stays dropped");
}

/* An HTTP/1.0 client: no chunks, the close ends the stream. */
Test(console, stream_http10_drop)
{
	struct sse	s = { 0 };
	const char	req[] = "GET /__admin/journal/stream HTTP/1.0\r\n"
			    "X-Paymock-Session: old-client\r\n\r\n";

	s.fd = e2e_send_raw(req, strlen(req));
	s.data = xcalloc(1, 1);
	cr_assert(sse_wait(&s, "\r\n\r\n", DEADLINE_MS), "%s", s.data);
	cr_assert_null(strstr(s.data, "chunked"), "%s", s.data);
	cr_assert_eq(smartpay_refund(JSON_CT SESSION("old-client"), "o-1"), 200);
	cr_assert(sse_wait(&s, "id: 1\n", DEADLINE_MS), "%s", s.data);
	cr_assert_eq(e2e("DELETE", "/__admin/sessions/old-client", NULL, NULL)->status, 200);
	cr_assert(sse_wait(&s, "event: reset\n", DEADLINE_MS), "%s", s.data);
	sse_wait(&s, "never comes", DEADLINE_MS);
	cr_assert(s.eof, "%s", s.data);
	sse_close(&s);
	cr_assert_eq(e2e("GET", "/__admin/health", NULL, NULL)->status, 200);
}

/* At most SESSION_WATCHERS_MAX streams per session: the next one is a 503 in admin shape. */
Test(console, stream_cap_per_session)
{
	struct sse	s[SESSION_WATCHERS_MAX];
	struct e2e_resp	*r;
	size_t		 i;

	for (i = 0; i < SESSION_WATCHERS_MAX; i++) {
		sse_open(&s[i], "/__admin/journal/stream", SESSION("capped"));
		cr_assert(sse_wait(&s[i], "\r\n\r\n", DEADLINE_MS), "stream %zu", i);
		cr_assert_not_null(strstr(s[i].data, " 200 "), "%s", s[i].data);
	}
	r = e2e("GET", "/__admin/journal/stream", SESSION("capped"), NULL);
	cr_assert_eq(r->status, 503);
	cr_assert_str_eq(e2e_get(r, "error.code"), "too_many_streams");
	sse_close(&s[0]);
	/* The server sees the close: a stream is free again. */
	sse_open(&s[0], "/__admin/journal/stream", SESSION("capped"));
	cr_assert(sse_wait(&s[0], "\r\n\r\n", DEADLINE_MS));
	for (i = 0; i < 50 && strstr(s[0].data, " 200 ") == NULL; i++) {
		sse_close(&s[0]);
		e2e_sleep_ms(20);	/* the server reads the close on its next turn */
		sse_open(&s[0], "/__admin/journal/stream", SESSION("capped"));
		cr_assert(sse_wait(&s[0], "\r\n\r\n", DEADLINE_MS));
	}
	cr_assert_not_null(strstr(s[0].data, " 200 "), "%s", s[0].data);
	for (i = 0; i < SESSION_WATCHERS_MAX; i++)
		sse_close(&s[i]);
}

/* SESSIONS_WATCHERS_MAX across sessions. */
Test(console, stream_cap_global)
{
	static struct sse	s[SESSIONS_WATCHERS_MAX];
	struct e2e_resp		*r;
	char			 headers[64];
	size_t			 i;

	for (i = 0; i < SESSIONS_WATCHERS_MAX; i++) {
		snprintf(headers, sizeof headers, "X-Paymock-Session: many-%zu\r\n",
		    i / SESSION_WATCHERS_MAX);
		sse_open(&s[i], "/__admin/journal/stream", headers);
		cr_assert(sse_wait(&s[i], "\r\n\r\n", DEADLINE_MS), "stream %zu", i);
		cr_assert_not_null(strstr(s[i].data, " 200 "), "%zu: %s", i, s[i].data);
	}
	r = e2e("GET", "/__admin/journal/stream", SESSION("one-more"), NULL);
	cr_assert_eq(r->status, 503);
	cr_assert_str_eq(e2e_get(r, "error.code"), "too_many_streams");
	for (i = 0; i < SESSIONS_WATCHERS_MAX; i++)
		sse_close(&s[i]);
}

/*
 * A reader that stops reading is closed once a megabyte waits for it,
 * while a reader that keeps up gets every entry.
 */
Test(console, stream_drops_a_slow_reader)
{
	struct sse	 stalled, reader;
	int		 i, n = 400;
	char		*pad = xmalloc(6001), *body;
	const char	*p;
	size_t		 got = 0;

	memset(pad, 'a', 6000);
	pad[6000] = '\0';
	body = xasprintf("{\"pad\":\"%s\"}", pad);
	/* Its kernel buffers (some 200 KB, both ends) fill, then the server's own. */
	sse_open(&stalled, "/__admin/journal/stream", SESSION("flood"));
	cr_assert(sse_wait(&stalled, "\r\n\r\n", DEADLINE_MS));
	sse_open(&reader, "/__admin/journal/stream", SESSION("flood"));
	cr_assert(sse_wait(&reader, "\r\n\r\n", DEADLINE_MS));
	/* Each entry carries some 7 KB: 400 of them are well past the megabyte. */
	for (i = 0; i < n; i++) {
		e2e("POST", SP_REFUND, JSON_CT SESSION("flood"), body);
		if (i % 50 == 49) {
			cr_assert(sse_wait_n(&reader, "event: entry", 50, DEADLINE_MS),
			    "the reader that reads keeps up (%d)", i);
			/* Counted afresh for the next 50. */
			reader.data[0] = '\0';
			reader.len = 0;
		}
	}
	/* What the kernel held for the stalled one, then the close: not the reply's end. */
	cr_assert_not(sse_wait(&stalled, "\r\n0\r\n\r\n", DEADLINE_MS));
	cr_assert(stalled.eof, "the stalled reader was closed (%zu bytes read)", stalled.len);
	for (p = stalled.data; (p = strstr(p, "event: entry")) != NULL; p++)
		got++;
	cr_assert_lt(got, (size_t)n, "it missed entries: %zu of %d", got, n);
	sse_close(&stalled);
	sse_close(&reader);
	free(pad);
	free(body);
}

/* A journal of megabytes goes out paced by the reader, not dropped as a slow one. */
Test(console, stream_backfills_a_large_journal)
{
	struct sse	 s;
	char		*pad = xmalloc(6001), *body;
	int		 i;

	memset(pad, 'b', 6000);
	pad[6000] = '\0';
	body = xasprintf("{\"pad\":\"%s\"}", pad);
	/* Some 2.8 MB of entries, well past STREAM_BUFFER_MAX at once. */
	for (i = 0; i < 400; i++)
		e2e("POST", SP_REFUND, JSON_CT SESSION("backlog"), body);
	sse_open(&s, "/__admin/journal/stream", SESSION("backlog"));
	cr_assert(sse_wait(&s, "id: 400\n", 4 * DEADLINE_MS), "%zu bytes, eof %d", s.len,
	    s.eof);
	cr_assert(sse_wait_n(&s, "event: entry", 400, DEADLINE_MS));
	cr_assert_not(s.eof);
	sse_close(&s);
	free(pad);
	free(body);
}

/* A comment keeps an idle stream open through proxies: half the idle timeout here. */
static void
console_short_idle_setup(void)
{
	const char *const	args[] = { "--idle-timeout", "2", "--session-ttl", "1s", NULL };

	e2e_start(args);
}

TestSuite(console_idle, .init = console_short_idle_setup, .fini = e2e_teardown, .timeout = 60);

Test(console_idle, stream_keep_alive)
{
	struct sse	s;

	sse_open(&s, "/__admin/journal/stream", SESSION("quiet"));
	cr_assert(sse_wait(&s, ": keep-alive\n\n", DEADLINE_MS), "%s", s.data);
	/* Longer than the idle timeout: the stream is still open. */
	cr_assert(sse_wait_n(&s, ": keep-alive\n\n", 3, DEADLINE_MS), "%s", s.data);
	cr_assert_not(s.eof);
	sse_close(&s);
}

/* A watched session does not expire with its TTL; an unwatched one does. */
Test(console_idle, watched_session_outlives_its_ttl)
{
	struct sse	 s;
	struct e2e_resp	*r = NULL;
	struct timespec	 t0;

	cr_assert_eq(smartpay_refund(JSON_CT SESSION("watched"), "w-1"), 200);
	cr_assert_eq(smartpay_refund(JSON_CT SESSION("unwatched"), "u-1"), 200);
	sse_open(&s, "/__admin/journal/stream", SESSION("watched"));
	cr_assert(sse_wait(&s, "id: 1\n", DEADLINE_MS), "%s", s.data);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (e2e_ms_since(&t0) < slow(DEADLINE_MS)) {
		r = e2e("GET", "/__admin/sessions", NULL, NULL);
		if (strstr(r->body, "\"unwatched\"") == NULL)
			break;
		e2e_sleep_ms(50);
	}
	cr_assert_null(strstr(r->body, "\"unwatched\""), "the TTL applies: %s", r->body);
	cr_assert_not_null(strstr(r->body, "\"watched\""), "%s", r->body);
	/* Still streaming: the entries of the same session come. */
	cr_assert_eq(smartpay_refund(JSON_CT SESSION("watched"), "w-2"), 200);
	cr_assert(sse_wait(&s, "\"modificationId\":\"w-2\"", DEADLINE_MS), "%s", s.data);
	sse_close(&s);
}

/* Stopping the server with a stream open: a clean exit (the teardown checks it). */
Test(console_idle, shutdown_with_a_stream_open)
{
	static struct sse	s;

	sse_open(&s, "/__admin/journal/stream", SESSION("open-at-exit"));
	cr_assert(sse_wait(&s, "\r\n\r\n", DEADLINE_MS));
	/* Left open on purpose: e2e_teardown sends SIGTERM and checks exit 0. */
}

/* With --admin-token: the files are open, the data behind it, ?token= on the stream only. */
static void
console_token_setup(void)
{
	const char *const	args[] = { "--admin-token", TOKEN, NULL };

	e2e_start(args);
}

TestSuite(console_token, .init = console_token_setup, .fini = e2e_teardown, .timeout = 30);

Test(console_token, ui_open_data_closed)
{
	struct sse	 s;

	cr_assert_eq(e2e("GET", CONSOLE_PATH, NULL, NULL)->status, 200);
	cr_assert_eq(e2e("GET", "/", "Accept: text/html\r\n", NULL)->status, 302);
	cr_assert_eq(e2e("GET", "/__admin/journal/stream", NULL, NULL)->status, 401);
	cr_assert_eq(e2e("GET", "/__admin/journal/stream?token=wrong", NULL, NULL)->status,
	    401);
	cr_assert_eq(e2e("GET", "/__admin/journal?token=" TOKEN, NULL, NULL)->status, 401,
	    "?token= is the stream's alone");
	cr_assert_eq(e2e("POST", "/__admin/reset?token=" TOKEN, NULL, "")->status, 401);
	sse_open(&s, "/__admin/journal/stream?token=" TOKEN, NULL);
	cr_assert(sse_wait(&s, "\r\n\r\n", DEADLINE_MS));
	cr_assert_not_null(strstr(s.data, " 200 "), "%s", s.data);
	sse_close(&s);
	sse_open(&s, "/__admin/journal/stream", "Authorization: Bearer " TOKEN "\r\n");
	cr_assert(sse_wait(&s, "\r\n\r\n", DEADLINE_MS));
	cr_assert_not_null(strstr(s.data, " 200 "), "%s", s.data);
	sse_close(&s);
}

/* The cross-origin guard: a page elsewhere cannot change state through a tester's browser. */
Test(console, cross_site_post_is_refused_and_changes_nothing)
{
	struct e2e_resp	*r;

	cr_assert_eq(smartpay_refund(JSON_CT SESSION("csrf"), "c-1"), 200);
	r = e2e("POST", "/__admin/reset", SESSION("csrf") "Origin: http://evil.example\r\n",
	    "");
	cr_assert_eq(r->status, 403);
	cr_assert_str_eq(e2e_get(r, "error.code"), "cross_origin");
	cr_assert_not(has_cors(r), "%s", r->head);
	r = e2e("GET", "/__admin/journal", SESSION("csrf"), NULL);
	cr_assert_eq(e2e_len(r, "entries"), 1, "nothing was reset: %s", r->body);
	/* Another port of the same host is another origin. */
	r = e2e("POST", "/__admin/reset", SESSION("csrf") "Origin: http://127.0.0.1:1\r\n", "");
	cr_assert_eq(r->status, 403);
	r = e2e("POST", "/__admin/reset", SESSION("csrf") "Origin: null\r\n", "");
	cr_assert_eq(r->status, 403);
	r = e2e("POST", "/__admin/faults", JSON_CT SESSION("csrf")
	    "Origin: https://127.0.0.1\r\n", "{\"action\":{\"type\":\"drop\"}}");
	cr_assert_eq(r->status, 403);
	r = e2e("DELETE", "/__admin/sessions/csrf", "Origin: http://evil.example\r\n", NULL);
	cr_assert_eq(r->status, 403);
	cr_assert_not_null(strstr(e2e("GET", "/__admin/sessions", NULL, NULL)->body,
	    "\"csrf\""));
}

Test(console, sec_fetch_site_other_site_is_refused)
{
	struct e2e_resp	*r;

	r = e2e("POST", "/__admin/reset", SESSION("sfs") "Sec-Fetch-Site: cross-site\r\n", "");
	cr_assert_eq(r->status, 403);
	cr_assert_str_eq(e2e_get(r, "error.code"), "cross_origin");
	r = e2e("POST", "/__admin/reset", SESSION("sfs") "Sec-Fetch-Site: same-site\r\n", "");
	cr_assert_eq(r->status, 403);
	r = e2e("POST", "/__admin/reset", SESSION("sfs") "Sec-Fetch-Site: same-origin\r\n"
	    "Origin: http://127.0.0.1\r\n", "");
	cr_assert_eq(r->status, 200);
	r = e2e("POST", "/__admin/reset", SESSION("sfs") "Sec-Fetch-Site: none\r\n", "");
	cr_assert_eq(r->status, 200, "typed in the address bar");
}

Test(console, same_origin_and_curl_are_allowed)
{
	struct e2e_resp	*r;

	r = e2e("POST", "/__admin/reset", SESSION("ok") "Origin: http://127.0.0.1\r\n", "");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_not(has_cors(r));
	r = e2e("POST", "/__admin/reset", SESSION("ok"), "");
	cr_assert_eq(r->status, 200, "curl sends no Origin");
}

/* A POST to /__admin/reset from a page at 'host' (Origin = http://host). */
static char *
reset_from_page(const char *host, const char *extra)
{
	char	req[512];
	int	len;

	len = snprintf(req, sizeof req, "POST /__admin/reset HTTP/1.1\r\nHost: %s\r\n"
	    "Origin: http://%s\r\n%sX-Paymock-Session: rebind\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", host, host, extra);
	return (e2e_raw(req, (size_t)len, DEADLINE_MS));
}

/* DNS rebinding: a page whose name now points at 127.0.0.1 is same-origin with itself. */
Test(console, a_rebound_name_is_not_this_server)
{
	char	*out = reset_from_page("evil.example:8080", "");

	cr_expect_not_null(strstr(out, "HTTP/1.1 403 "), "%s", out);
	cr_expect_not_null(strstr(out, "cross_origin"), "%s", out);
	free(out);
	out = reset_from_page("localhost:8080", "");
	cr_expect_not_null(strstr(out, "HTTP/1.1 200 "), "%s", out);
	free(out);
	out = reset_from_page("[::1]:8080", "");
	cr_expect_not_null(strstr(out, "HTTP/1.1 200 "), "%s", out);
	free(out);
}

/* With the token set, a name in Host is fine: a rebound page cannot know the token. */
Test(console_token, a_name_in_host_passes_with_the_token)
{
	char	*out = reset_from_page("paymock.internal:8080",
	    "Authorization: Bearer " TOKEN "\r\n");

	cr_expect_not_null(strstr(out, "HTTP/1.1 200 "), "%s", out);
	free(out);
}

/* Reads are not guarded, and no admin reply carries CORS headers a page could use. */
Test(console, foreign_get_is_answered_without_cors)
{
	static const char *const	paths[] = { "/__admin/journal", "/__admin/sessions",
		"/__admin/scenarios", "/__admin/scenarios/available", "/__admin/health",
		"/__admin/no-such-call" };
	struct e2e_resp			*r;
	size_t				 i;

	for (i = 0; i < sizeof paths / sizeof *paths; i++) {
		r = e2e("GET", paths[i], "Origin: http://evil.example\r\n", NULL);
		cr_expect_neq(r->status, 403, "%s", paths[i]);
		cr_expect_not(has_cors(r), "%s: %s", paths[i], r->head);
	}
	r = e2e("OPTIONS", "/__admin/reset", "Origin: http://evil.example\r\n"
	    "Access-Control-Request-Method: POST\r\n", NULL);
	cr_assert_not(has_cors(r), "no preflight is granted: %s", r->head);
}

/* The shipped scenarios, with what the console shows of each. */
Test(console, scenarios_available)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/scenarios/available", SESSION("avail"),
			    NULL);
	char		 path[64];
	size_t		 i, n;

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_gt(n = e2e_len(r, "scenarios"), 3, "%s", r->body);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "scenarios[%zu].description", i);
		cr_expect_not_null(e2e_get(r, path), "%s", r->body);
		snprintf(path, sizeof path, "scenarios[%zu].rules", i);
		cr_expect_not_null(e2e_get(r, path), "%s", r->body);
	}
	cr_assert_str_eq(e2e_get(r, "scenarios[0].name"), "connection-reset");
	/* Listing loads nothing into the session. */
	r = e2e("GET", "/__admin/scenarios", SESSION("avail"), NULL);
	cr_assert_eq(e2e_len(r, "scenarios"), 0, "%s", r->body);
}

/* One armed fault removed by name; the others stay. */
Test(console, delete_one_fault)
{
	struct e2e_resp	*r;

	r = e2e("POST", "/__admin/faults", JSON_CT SESSION("df"),
	    "{\"name\":\"first\",\"match\":{\"provider\":\"smartpay\"},"
	    "\"action\":{\"type\":\"respond\",\"status\":503,\"error\":\"provider_unavailable\"}}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	r = e2e("POST", "/__admin/faults", JSON_CT SESSION("df"),
	    "{\"name\":\"second\",\"match\":{\"provider\":\"utgl\"},"
	    "\"action\":{\"type\":\"drop\"}}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_assert_eq(smartpay_refund(JSON_CT SESSION("df"), "df-1"), 503);
	r = e2e("DELETE", "/__admin/faults/first", SESSION("df"), NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_eq(smartpay_refund(JSON_CT SESSION("df"), "df-2"), 200);
	r = e2e("GET", "/__admin/scenarios", SESSION("df"), NULL);
	cr_assert_eq(e2e_len(r, "faults"), 1, "%s", r->body);
	cr_assert_str_eq(e2e_get(r, "faults[0].name"), "second");
	r = e2e("DELETE", "/__admin/faults/first", SESSION("df"), NULL);
	cr_assert_eq(r->status, 404);
	cr_assert_str_eq(e2e_get(r, "error.code"), "not_found");
}

/* One loaded scenario removed by name, its lifecycle settings with it. */
Test(console, delete_one_scenario)
{
	struct e2e_resp	*r;

	cr_assert_eq(e2e("POST", "/__admin/scenarios/declines", SESSION("ds"), "")->status,
	    201);
	cr_assert_eq(e2e("POST", "/__admin/scenarios/connection-reset", SESSION("ds"),
	    "")->status, 201);
	r = e2e("DELETE", "/__admin/scenarios/connection-reset", SESSION("ds"), NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	r = e2e("GET", "/__admin/scenarios", SESSION("ds"), NULL);
	cr_assert_eq(e2e_len(r, "scenarios"), 1, "%s", r->body);
	cr_assert_str_eq(e2e_get(r, "scenarios[0].name"), "declines");
	/* The connection-reset scenario's first rule would reset this one. */
	cr_assert_eq(smartpay_refund(JSON_CT SESSION("ds"), "ds-1"), 200);
	r = e2e("DELETE", "/__admin/scenarios/connection-reset", SESSION("ds"), NULL);
	cr_assert_eq(r->status, 404);
}

/* The generator: types by extension, bytes exact (escapes), a NUL refused. */
Test(console_gen, assets2c)
{
	char	out[8192], *cmd;
	char	dir[] = "/tmp/paymock-assets-XXXXXX";

	cr_assert_not_null(mkdtemp(dir));
	cmd = xasprintf("mkdir -p %s/ui/vendor && printf 'a\"b\\\\c??\\303\\251\\n' >%s/ui/app.js && "
	    "printf 'MIT' >%s/ui/vendor/LICENSE && "
	    "/usr/bin/python3 tools/assets2c.py %s/out.c %s/ui %s/ui/app.js %s/ui/vendor/LICENSE && "
	    "cat %s/out.c", dir, dir, dir, dir, dir, dir, dir, dir);
	cr_assert_eq(e2e_run(cmd, out, sizeof out), 0, "%s", out);
	free(cmd);
	cr_assert_not_null(strstr(out, "{ \"app.js\", \"text/javascript; charset=utf-8\", 10,"),
	    "%s", out);
	cr_assert_not_null(strstr(out, "\"a\\\"b\\\\c\\?\\?\\303\\251\\012\""), "%s", out);
	cr_assert_not_null(strstr(out, "{ \"vendor/LICENSE\", \"text/plain; charset=utf-8\", 3,"),
	    "%s", out);
	cr_assert_not_null(strstr(out, "console_nassets = 2;"), "%s", out);
	cmd = xasprintf("printf 'a\\000b' >%s/ui/bin.js && /usr/bin/python3 tools/assets2c.py "
	    "%s/out.c %s/ui %s/ui/bin.js 2>&1; echo status $?; rm -rf %s", dir, dir, dir, dir,
	    dir);
	e2e_run(cmd, out, sizeof out);
	free(cmd);
	cr_assert_not_null(strstr(out, "NUL byte"), "%s", out);
	cr_assert_not_null(strstr(out, "status 1"), "%s", out);
}
