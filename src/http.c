/* The transport: evhttp, the body limit, the access log, writing replies. */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dispatch.h"
#include "http.h"
#include "map.h"
#include "metrics.h"
#include "session.h"
#include "stream.h"
#include "util.h"

/* evhttp answers bodies past this itself; up to it we answer in the provider's shape. */
#define HTTP_EVHTTP_BODY_MAX	(1024 * 1024)
#define HTTP_HEADERS_MAX	(16 * 1024)
/*
 * The longest request target (path and query); provider paths stay under
 * 1.2 KiB.  Scenario globs are matched against the path and their worst case
 * grows with it: 256 rules against 8 KiB took 13 ms, against 4 KiB 7 ms.
 */
#define HTTP_URI_MAX		(4 * 1024)
/* Headers carried on the stack; more (up to HTTP_HEADERS_MAX bytes of them) go on the heap. */
#define HTTP_HEADERS_STACK	64

/* Descriptors kept for listeners, webhooks, files and new clients when held ones are capped. */
#define HTTP_FD_RESERVE		64

/* How long accepting pauses when accept() fails (out of descriptors). */
#define HTTP_ACCEPT_PAUSE_MS	100

/* How often a slow reply drips. */
#define HTTP_DRIP_MS		100

/* A request whose reply is held back, cut or withheld by a scenario. */
struct pending {
	struct http		 *h;
	struct evhttp_request	 *req;
	struct evhttp_connection *conn;		/* NULL once the client left */
	struct event		 *timer;
	struct plan		  plan;
	struct reply		  rep;
	char			  session[SESSION_NAME_MAX + 1];
	int			  started;	/* the plan is under way */
	char			 *wire;		/* slow: the whole reply, as bytes */
	size_t			  wire_len, sent;
	struct http_conn	 *hc;		/* NULL once the client left */
	int64_t			  deadline_us;	/* the hold cap: closed by then */
	int			  capped;	/* the timer runs to the cap */
	int			  fault;	/* held by a fault, not by work in slices */
	TAILQ_ENTRY(pending)	  entry;
};

/*
 * A connection that has sent bytes.  Its request (head and body) must be
 * read within the idle timeout of its first byte, or of the reply before it
 * on a kept-alive connection: evhttp's own timeout restarts at every read,
 * which a client sending a byte a second never reaches.
 */
struct http_conn {
	struct http			*h;
	struct evhttp_connection	*evcon;
	struct event			*deadline;	/* pending while a request is read */
	struct pending			*held;		/* its request, held by a fault */
	struct stream			*stream;	/* its reply, a journal stream */
	char				 key[32];	/* in h->conns */
	int				 waiting;	/* in http_waiting */
	TAILQ_ENTRY(http_conn)		 wentry;
};

struct http {
	struct event_base	*base;
	struct evhttp		*evhttp;
	struct app		*app;
	enum http_log		 log;
	const char		*provider;	/* a --provider-port, or NULL */
	int			 timeout_s;
	struct map		*conns;		/* http_conn by connection address */
	LIST_ENTRY(http)	 entry;
};

/* The servers, to find a new connection's (more than one with --provider-port). */
static LIST_HEAD(, http) http_servers = LIST_HEAD_INITIALIZER(http_servers);

/*
 * Requests held by faults, oldest first, across servers.  Those still on a
 * connection hold a descriptor each; past the cap the oldest is closed.
 */
static TAILQ_HEAD(, pending) http_held = TAILQ_HEAD_INITIALIZER(http_held);
static size_t	http_nheld;
static size_t	http_max_held;

/* Connections reading a request (or idle between two), longest waiting first. */
static TAILQ_HEAD(, http_conn) http_waiting = TAILQ_HEAD_INITIALIZER(http_waiting);

static const struct {
	enum evhttp_cmd_type	 cmd;
	const char		*name;
} http_methods[] = {
	{ EVHTTP_REQ_GET, "GET" }, { EVHTTP_REQ_POST, "POST" },
	{ EVHTTP_REQ_HEAD, "HEAD" }, { EVHTTP_REQ_PUT, "PUT" },
	{ EVHTTP_REQ_DELETE, "DELETE" }, { EVHTTP_REQ_OPTIONS, "OPTIONS" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
};

static const struct {
	int		 status;
	const char	*reason;
} http_reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 204, "No Content" }, { 302, "Found" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 402, "Payment Required" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 413, "Payload Too Large" }, { 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" },
	{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
	{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
};

static const char *
http_method_name(struct evhttp_request *req)
{
	enum evhttp_cmd_type	cmd = evhttp_request_get_command(req);
	size_t			i;

	for (i = 0; i < nitems(http_methods); i++) {
		if (http_methods[i].cmd == cmd)
			return (http_methods[i].name);
	}
	return ("UNKNOWN");
}

static const char *
http_reason(int status)
{
	size_t	i;

	for (i = 0; i < nitems(http_reasons); i++) {
		if (http_reasons[i].status == status)
			return (http_reasons[i].reason);
	}
	return (status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error");
}

/* Printable ASCII but for what delimits a text log field. */
static int
http_log_plain(char c)
{
	return (c > ' ' && c < 0x7f && c != '\\' && c != '"');
}

/*
 * Appends a field of the text log: anything else as \xHH, so that a field
 * from the wire (a decoded path) is one token on one line and never a
 * forged line, whatever its bytes.
 */
static void
http_log_field(struct buf *b, const char *s)
{
	size_t	n;

	while (*s != '\0') {
		for (n = 0; http_log_plain(s[n]); n++)
			;
		buf_add(b, s, n);
		s += n;
		if (*s != '\0')
			buf_addf(b, "\\x%02x", (unsigned char)*s++);
	}
}

/* Plans that close the connection without a status line. */
static const int http_plan_silent[] = {
	[PLAN_HANG] = 1, [PLAN_DROP] = 1, [PLAN_RESET] = 1,
};

/* The status the client gets, 0 if it gets no status line. */
static int
http_status_sent(const struct reply *rep, const struct plan *plan)
{
	int	silent = (size_t)plan->kind < nitems(http_plan_silent) &&
		    http_plan_silent[plan->kind];

	return (silent ? 0 : rep->status);
}

static void
http_log_line(struct http *h, const struct request *r, const struct reply *rep,
    const struct dispatch_info *info, int64_t us)
{
	char		at[CLOCK_TEXT_MAX];
	size_t		bytes;
	struct buf	b = { 0 };

	if (h->log == HTTP_LOG_NONE)
		return;
	bytes = rep->body != NULL ? strlen(rep->body) : 0;
	clock_format(clock_wall(), at);
	if (h->log == HTTP_LOG_TEXT) {
		buf_addf(&b, "%s ", at);
		http_log_field(&b, r->method);
		buf_adds(&b, " ");
		http_log_field(&b, r->path);
		buf_adds(&b, " ");
		http_log_field(&b, info->operation != NULL ? info->operation : "-");
		buf_addf(&b, " %d %zuB %.3fms session=", rep->status, bytes, us / 1000.0);
		http_log_field(&b, info->session);
		if (rep->refund_id != NULL) {
			buf_adds(&b, " refund=");
			http_log_field(&b, rep->refund_id);
		}
		buf_adds(&b, "\n");
		/* One write: stderr is unbuffered, and lines must not interleave. */
		fwrite(b.data, 1, b.len, stderr);
		buf_release(&b);
	} else if (h->log == HTTP_LOG_JSON) {
		/* A path need not be UTF-8; json_pack would refuse the line. */
		char	*path = utf8_scrub(xstrdup(r->path));
		json_t	*o = json_pack("{ss ss ss ss so so si sI sI}", "time", at,
		    "session", info->session, "method", r->method, "path", path,
		    "provider", info->provider != NULL ?
		    json_string(info->provider) : json_null(),
		    "operation", info->operation != NULL ?
		    json_string(info->operation) : json_null(),
		    "status", rep->status, "bytes", (json_int_t)bytes,
		    "us", (json_int_t)us);
		/* json_dumps escapes control characters: a line stays a line. */
		char	*s = json_dumps(o, JSON_COMPACT);
		fprintf(stderr, "%s\n", s);
		free(s);
		json_decref(o);
		free(path);
	}
}

static void
http_body_free(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)(uintptr_t)data);
}

static int
http_is_head(struct evhttp_request *req)
{
	return (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD);
}

/* The reply's headers on 'req'; returns them. */
static struct evkeyvalq *
http_head(struct evhttp_request *req, const struct reply *rep)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	size_t			 i;

	if (rep->content_type != NULL)
		evhttp_add_header(out, "Content-Type", rep->content_type);
	for (i = 0; i < rep->nheaders; i++)
		evhttp_add_header(out, rep->headers[i].name, rep->headers[i].value);
	return (out);
}

/*
 * Sends the reply; its body goes to libevent, which frees it once written.
 * A HEAD gets the headers its GET would, Content-Length included, and no
 * body: evhttp would write the body after headers without a length.
 */
static void
http_send(struct evhttp_request *req, struct reply *rep)
{
	struct evkeyvalq	*out = http_head(req, rep);
	char			 len[24];
	size_t			 n = rep->body != NULL ? strlen(rep->body) : 0;

	if (http_is_head(req)) {
		snprintf(len, sizeof len, "%zu", n);
		evhttp_add_header(out, "Content-Length", len);
	} else if (n > 0 && evbuffer_add_reference(evhttp_request_get_output_buffer(req),
	    rep->body, n, http_body_free, NULL) == 0) {
		/*
		 * By reference, into the request's own buffer: no copy, and no
		 * 1 KiB buffer chain to allocate (a large malloc makes glibc
		 * consolidate).
		 */
		rep->body = NULL;
	} else if (n > 0)
		evbuffer_add(evhttp_request_get_output_buffer(req), rep->body, n);
	evhttp_send_reply(req, rep->status, http_reason(rep->status), NULL);
}

/*
 * The reply as bytes on the wire, for the plans that write the socket
 * themselves; '*head' is the length before the body (all of it for a HEAD).
 */
static char *
http_wire(const struct reply *rep, int head_only, size_t *len, size_t *head)
{
	struct buf	b = { 0 };
	size_t		i, n = rep->body != NULL ? strlen(rep->body) : 0;

	buf_addf(&b, "HTTP/1.1 %d %s\r\n", rep->status, http_reason(rep->status));
	if (rep->content_type != NULL)
		buf_addf(&b, "Content-Type: %s\r\n", rep->content_type);
	for (i = 0; i < rep->nheaders; i++)
		buf_addf(&b, "%s: %s\r\n", rep->headers[i].name, rep->headers[i].value);
	buf_addf(&b, "Content-Length: %zu\r\nConnection: close\r\n\r\n", n);
	*head = b.len;
	if (n > 0 && !head_only)
		buf_add(&b, rep->body, n);
	*len = b.len;
	return (buf_steal(&b));
}

/* The client left, or we closed: the request no longer holds a descriptor. */
static void
http_pending_detach(struct pending *p)
{
	if (p->conn != NULL && p->fault)
		http_nheld--;
	p->conn = NULL;
	if (p->hc != NULL)
		p->hc->held = NULL;
	p->hc = NULL;
}

static void
http_pending_free(struct pending *p)
{
	http_pending_detach(p);
	sessions_release(p->h->app->sessions, p->session, p->plan.session_born);
	if (p->plan.idem_key != NULL)
		dispatch_release(p->h->app, p->session, p->plan.session_id,
		    p->plan.idem_key);
	free(p->plan.idem_key);
	work_release(&p->plan.work);
	event_free(p->timer);
	free(p->wire);
	reply_release(&p->rep);
	TAILQ_REMOVE(&http_held, p, entry);
	free(p);
}

/* The client left: its request is detached; finish from the loop, not from here. */
static void
http_pending_closed(struct pending *p)
{
	struct timeval		 now = { 0, 0 };

	http_pending_detach(p);
	evtimer_add(p->timer, &now);
}

/* Closes the connection; with 'reset' the peer gets an RST, not a FIN. */
static void
http_pending_close(struct pending *p, int reset)
{
	struct evhttp_connection	*conn = p->conn;
	struct linger			 lg = { 1, 0 };

	if (conn == NULL)
		return;
	http_pending_detach(p);
	/*
	 * evhttp_connection_free shuts the socket down (a FIN) before closing
	 * it, so a reset must close first; libevent then ignores the dead fd.
	 */
	if (reset) {
		int fd = bufferevent_getfd(evhttp_connection_get_bufferevent(conn));
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(fd);
	}
	/* Frees the request with it. */
	evhttp_connection_free(conn);
}

/* Closes a held request's connection and frees it, whatever its plan had left. */
static void
http_pending_end(struct pending *p)
{
	http_pending_close(p, 0);
	p->req = NULL;
	http_pending_free(p);
}

/*
 * Runs the plan's next step in 'ms' (-1: when the cap comes), but never past
 * the hold cap: a fault (hang, slow, delay) holds a connection at most the
 * idle timeout, then it is closed with whatever was left unsent.
 */
static void
http_pending_arm(struct pending *p, int64_t ms)
{
	int64_t		left = (p->deadline_us - clock_mono_us() + 999) / 1000;
	struct timeval	tv;

	if (left < 0)
		left = 0;
	if (ms < 0 || ms >= left) {
		ms = left;
		p->capped = 1;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
}

static int
http_pending_write(struct pending *p, size_t n)
{
	int	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(p->conn));
	ssize_t	w;

	if (n > p->wire_len - p->sent)
		n = p->wire_len - p->sent;
	while (n > 0) {
		if ((w = send(fd, p->wire + p->sent, n, MSG_NOSIGNAL)) <= 0)
			return (-1);
		p->sent += (size_t)w;
		n -= (size_t)w;
	}
	return (0);
}

/* The held reply will not reach the client whole: its journal entry says so. */
static void
http_pending_lost(struct pending *p)
{
	if (p->plan.journal_seq != 0)
		dispatch_lost(p->h->app, p->session, p->plan.session_id,
		    p->plan.journal_seq);
}

/*
 * The client closed its side while its reply was held: evhttp reads
 * nothing then, so only a look at the socket tells (EOF, or an error).
 */
static int
http_pending_peer_gone(const struct pending *p)
{
	int	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(p->conn));
	char	c;
	ssize_t	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK));
}

/* Runs (or goes on with) a held request's plan; frees it when done. */
static void
http_pending_fire(evutil_socket_t fd, short what, void *arg)
{
	struct pending	*p = arg;
	size_t		 head, step;

	(void)fd;
	(void)what;
	if (p->conn == NULL) {
		/* Gone before its answer: the request is ours to free. */
		http_pending_lost(p);
		if (p->req != NULL)
			evhttp_request_free(p->req);
		p->req = NULL;
		http_pending_free(p);
		return;
	}
	if (p->capped) {
		http_pending_lost(p);
		http_pending_end(p);
		return;
	}
	switch (p->plan.kind) {
	case PLAN_REPLY:
		if (p->plan.work.step != NULL &&
		    p->plan.work.step(p->h->app, p->plan.work.state, &p->rep) == 0) {
			/* Other clients' events run before the next slice. */
			http_pending_arm(p, 0);
			return;
		}
		if (http_pending_peer_gone(p))
			http_pending_lost(p);
		http_send(p->req, &p->rep);
		break;
	case PLAN_HANG:
		if (!p->started) {
			p->started = 1;
			/* hang_ms 0: until the client leaves, or the cap */
			http_pending_arm(p, p->plan.hang_ms > 0 ? p->plan.hang_ms : -1);
			return;
		}
		http_pending_close(p, 0);
		break;
	case PLAN_DROP:
	case PLAN_RESET:
		http_pending_close(p, p->plan.kind == PLAN_RESET);
		break;
	case PLAN_TRUNCATE:
		p->wire = http_wire(&p->rep, http_is_head(p->req), &p->wire_len, &head);
		http_pending_write(p, head + (size_t)p->plan.bytes);
		http_pending_close(p, 0);
		break;
	case PLAN_STREAM:	/* never held: http_handle starts it */
		break;
	case PLAN_SLOW:
		if (p->wire == NULL)
			p->wire = http_wire(&p->rep, http_is_head(p->req), &p->wire_len, &head);
		step = (size_t)((p->plan.bytes_per_s * HTTP_DRIP_MS + 999) / 1000);
		if (http_pending_write(p, step > 0 ? step : 1) != 0)
			http_pending_lost(p);
		else if (p->sent < p->wire_len) {
			http_pending_arm(p, HTTP_DRIP_MS);
			return;
		}
		http_pending_close(p, 0);
		break;
	}
	p->req = NULL;
	http_pending_free(p);
}

/* The oldest held request still on a connection, or NULL. */
static struct pending *
http_pending_oldest(void)
{
	struct pending	*p;

	TAILQ_FOREACH(p, &http_held, entry) {
		if (p->conn != NULL && p->fault)
			return (p);
	}
	return (NULL);
}

/*
 * Holds the request: the plan runs from a timer, after its delay.  At the
 * cap on held connections the oldest is closed first: it is the likeliest
 * to be abandoned, and the client holding it expected no timely answer,
 * while refusing the new one would turn a test's fault into a surprise.
 */
static void
http_hold(struct http *h, struct http_conn *hc, struct evhttp_request *req,
    struct reply *rep, struct plan *plan, const char *session)
{
	struct pending	*p, *old;
	int		 fault = plan->work.step == NULL;

	while (fault && http_nheld >= http_max_held &&
	    (old = http_pending_oldest()) != NULL)
		http_pending_end(old);
	p = xcalloc(1, sizeof *p);
	p->fault = fault;
	p->h = h;
	p->req = req;
	p->conn = evhttp_request_get_connection(req);
	p->hc = hc;
	hc->held = p;
	http_nheld += fault;
	p->plan = *plan;
	p->rep = *rep;
	memset(rep, 0, sizeof *rep);
	memset(plan, 0, sizeof *plan);
	snprintf(p->session, sizeof p->session, "%s", session);
	/* The session is busy, not evicted, until the request is done with. */
	sessions_hold(h->app->sessions, p->session, p->plan.session_born);
	p->timer = evtimer_new(h->base, http_pending_fire, p);
	p->deadline_us = clock_mono_us() + (int64_t)h->timeout_s * 1000000;
	TAILQ_INSERT_TAIL(&http_held, p, entry);
	http_pending_arm(p, p->plan.delay_ms);
}

static void
http_conn_stop(struct http_conn *hc)
{
	evtimer_del(hc->deadline);
	if (hc->waiting)
		TAILQ_REMOVE(&http_waiting, hc, wentry);
	hc->waiting = 0;
}

/* Reading a request: it must be whole within the idle timeout from now. */
static void
http_conn_arm(struct http_conn *hc)
{
	struct timeval	tv = { hc->h->timeout_s, 0 };

	http_conn_stop(hc);
	TAILQ_INSERT_TAIL(&http_waiting, hc, wentry);
	hc->waiting = 1;
	evtimer_add(hc->deadline, &tv);
}

static void
http_conn_expired(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn	*hc = arg;

	(void)fd;
	(void)what;
	/* Frees 'hc' through http_conn_closed. */
	evhttp_connection_free(hc->evcon);
}

static void
http_conn_drop(void *arg)
{
	struct http_conn	*hc = arg;

	http_conn_stop(hc);
	event_free(hc->deadline);
	free(hc);
}

/* The connection goes (the client left, a deadline, a fault): so does its state. */
static void
http_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn	*hc = arg;

	(void)evcon;
	if (hc->held != NULL)
		http_pending_closed(hc->held);
	if (hc->stream != NULL)
		stream_closed(hc->stream);
	map_del(hc->h->conns, hc->key);
	http_conn_drop(hc);
}

/* The reply is written; on a kept-alive connection the next request's time starts. */
static void
http_conn_replied(struct evhttp_request *req, void *arg)
{
	(void)req;
	http_conn_arm(arg);
}

/* The connection's state, made at its first byte (or now). */
static struct http_conn *
http_conn_get(struct http *h, struct evhttp_connection *evcon)
{
	struct http_conn	*hc;
	char			 key[32];

	snprintf(key, sizeof key, "%p", (void *)evcon);
	if ((hc = map_get(h->conns, key)) != NULL)
		return (hc);
	hc = xcalloc(1, sizeof *hc);
	hc->h = h;
	hc->evcon = evcon;
	memcpy(hc->key, key, sizeof hc->key);
	hc->deadline = evtimer_new(h->base, http_conn_expired, hc);
	map_put(h->conns, key, hc);
	evhttp_connection_set_closecb(evcon, http_conn_closed, hc);
	http_conn_arm(hc);
	return (hc);
}

/*
 * A new connection's first bytes.  Nothing is kept for a connection before
 * them: evhttp's idle timeout closes a silent one, and libevent has no hook
 * for a connection that leaves before saying anything.
 */
static void
http_conn_first_bytes(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent	*bev = arg;
	struct http		*h;
	void			*evcon = NULL;

	if (info->n_added == 0)
		return;
	evbuffer_remove_cb(in, http_conn_first_bytes, arg);
	/* evhttp hands its connection to the callbacks of its bufferevent. */
	bufferevent_getcb(bev, NULL, NULL, NULL, &evcon);
	LIST_FOREACH(h, &http_servers, entry) {
		if (evcon != NULL && evhttp_connection_get_server(evcon) == h->evhttp) {
			http_conn_get(h, evcon);
			return;
		}
	}
}

/* evhttp's bufferevent for a new connection (as its own), watched for its first bytes. */
static struct bufferevent *
http_conn_bufferevent(struct event_base *base, void *arg)
{
	struct bufferevent	*bev = bufferevent_socket_new(base, -1, 0);

	(void)arg;
	if (bev != NULL)
		evbuffer_add_cb(bufferevent_get_input(bev), http_conn_first_bytes, bev);
	return (bev);
}

/*
 * Why the request's framing is ambiguous, or NULL.  evhttp frames a body by
 * the first Content-Length, read with strtoll ("+14" passes), or by a lone
 * "chunked"; a proxy in front may frame it otherwise, and what it reads as
 * the next request would be ours to misread.  RFC 9112 6.3: refuse, close.
 */
static const char *
http_framing_error(struct evkeyvalq *headers)
{
	struct evkeyval	*kv;
	const char	*length = NULL, *te = NULL;

	TAILQ_FOREACH(kv, headers, next) {
		if (str_casecmp(kv->key, "Transfer-Encoding") == 0) {
			if (te != NULL)
				return ("more than one Transfer-Encoding header");
			te = kv->value;
		} else if (str_casecmp(kv->key, "Content-Length") == 0) {
			if (kv->value[0] == '\0' ||
			    kv->value[strspn(kv->value, "0123456789")] != '\0')
				return ("Content-Length must be a decimal number");
			if (length != NULL && strcmp(length, kv->value) != 0)
				return ("conflicting Content-Length headers");
			length = kv->value;
		}
	}
	if (te != NULL && length != NULL)
		return ("Content-Length and Transfer-Encoding together");
	if (te != NULL && str_casecmp(te, "chunked") != 0)
		return ("Transfer-Encoding must be chunked");
	return (NULL);
}

/* The reply's head, then the journal's events for as long as the client reads. */
static void
http_stream(struct http *h, struct http_conn *hc, struct evhttp_request *req,
    struct reply *rep, const struct plan *plan, const char *name)
{
	struct session	*s = sessions_find(h->app->sessions, name);

	http_head(req, rep);
	if (s == NULL || stream_start(h->base, req, s, plan->stream_from, h->timeout_s,
	    &hc->stream) == NULL)
		evhttp_send_reply(req, 503, http_reason(503), NULL);
}

static void
http_handle(struct evhttp_request *req, void *arg)
{
	struct http		*h = arg;
	struct http_conn	*hc = http_conn_get(h, evhttp_request_get_connection(req));
	struct header		 stack[HTTP_HEADERS_STACK], *headers = stack;
	struct request		 r = { 0 };
	struct reply		 rep = { 0 };
	struct dispatch_info	 info;
	struct plan		 plan;
	struct evkeyval		*kv;
	struct evkeyvalq	*in_headers = evhttp_request_get_input_headers(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	const char		*uri = evhttp_request_get_uri(req), *q, *refusal;
	int			 refusal_status = 400;
	char			*raw, *path;
	size_t			 n = 0, len;
	int64_t			 start = clock_mono_us();

	http_conn_stop(hc);
	evhttp_request_set_on_complete_cb(req, http_conn_replied, hc);
	q = strchr(uri, '?');
	len = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (memchr(uri, '%', len) == NULL)
		path = xstrndup(uri, len);	/* nothing to decode */
	else {
		raw = xstrndup(uri, len);
		path = evhttp_uridecode(raw, 0, &len);
		free(raw);
	}
	refusal = http_framing_error(in_headers);
	if (path == NULL || strlen(path) != len || *path != '/') {
		free(path);
		path = xstrdup("/");	/* no provider: the refusal is paymock's */
		refusal = "the request path is not valid";
	}
	if (strlen(uri) > HTTP_URI_MAX) {
		refusal = "the request target is longer than 4096 bytes";
		refusal_status = 414;
	}
	/* Every header: one past a fixed count could be the one that matters. */
	TAILQ_FOREACH(kv, in_headers, next)
		n++;
	if (n > nitems(stack))
		headers = xcalloc(n, sizeof *headers);
	n = 0;
	TAILQ_FOREACH(kv, in_headers, next) {
		headers[n].name = kv->key;
		headers[n++].value = kv->value;
	}
	r.method = http_method_name(req);
	r.path = path;
	r.query = q != NULL ? q + 1 : NULL;
	r.headers = headers;
	r.nheaders = n;
	r.body_len = evbuffer_get_length(in);
	r.body = r.body_len > 0 ? (const char *)evbuffer_pullup(in, -1) : "";
	r.provider = h->provider;

	if (refusal != NULL) {
		memset(&plan, 0, sizeof plan);
		dispatch_refuse(h->app, &r, refusal_status, refusal, &rep, &info);
		/* What follows on the connection may not be framed: it goes. */
		reply_header(&rep, "Connection", "close");
	} else
		dispatch(h->app, &r, &rep, &info, &plan);
	dispatch_cors(h->app, &r, &rep);
	http_log_line(h, &r, &rep, &info, clock_mono_us() - start);
	metrics_request(info.provider, info.operation,
	    http_status_sent(&rep, &plan));
	if (plan.kind == PLAN_STREAM && !http_is_head(req))
		http_stream(h, hc, req, &rep, &plan, info.session);
	else if (plan.kind == PLAN_STREAM || (plan.kind == PLAN_REPLY &&
	    plan.delay_ms == 0 && plan.idem_key == NULL && plan.work.step == NULL))
		http_send(req, &rep);
	else
		http_hold(h, hc, req, &rep, &plan, info.session);
	reply_release(&rep);
	free(plan.idem_key);
	free(path);
	if (headers != stack)
		free(headers);
}

/* Half the descriptors: held requests can never starve new clients of them. */
static size_t
http_default_max_held(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 1024 * 1024)
		return (512 * 1024);
	if (rl.rlim_cur <= 2 * HTTP_FD_RESERVE)
		return (rl.rlim_cur / 4 > 0 ? rl.rlim_cur / 4 : 1);
	return ((rl.rlim_cur - HTTP_FD_RESERVE) / 2);
}

void
http_set_max_held(size_t n)
{
	http_max_held = n;
}

struct http *
http_new(struct event_base *base, struct app *app, enum http_log log,
    int timeout_s)
{
	struct http	*h = xcalloc(1, sizeof *h);

	if ((h->evhttp = evhttp_new(base)) == NULL)
		fatal("evhttp_new failed");
	h->base = base;
	h->app = app;
	h->log = log;
	h->timeout_s = timeout_s;
	h->conns = map_new(http_conn_drop);
	if (http_max_held == 0)
		http_max_held = http_default_max_held();
	LIST_INSERT_HEAD(&http_servers, h, entry);
	evhttp_set_max_body_size(h->evhttp, HTTP_EVHTTP_BODY_MAX);
	evhttp_set_max_headers_size(h->evhttp, HTTP_HEADERS_MAX);
	evhttp_set_timeout(h->evhttp, timeout_s);
	evhttp_set_allowed_methods(h->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(h->evhttp, http_conn_bufferevent, h);
	evhttp_set_gencb(h->evhttp, http_handle, h);
	return (h);
}

void
http_set_provider(struct http *h, const char *provider)
{
	h->provider = provider;
}

void
http_free(struct http *h)
{
	struct pending	*p, *next;

	if (h == NULL)
		return;
	/* Held requests on live connections go with evhttp; detached ones are ours. */
	for (p = TAILQ_FIRST(&http_held); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (p->h != h)
			continue;
		if (p->conn == NULL && p->req != NULL)
			evhttp_request_free(p->req);
		http_pending_free(p);
	}
	/* Closes every connection, and http_conn_closed frees each one's state. */
	evhttp_free(h->evhttp);
	map_free(h->conns);
	LIST_REMOVE(h, entry);
	free(h);
}

static void
http_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evconnlistener_enable(arg);
}

/*
 * accept() failed, mostly for want of a descriptor (EMFILE).  The connection
 * that has waited longest for its request to arrive (a slow client, or an
 * idle kept-alive one) gives its descriptor to the new client: the listener
 * fires again and accepts.  With none, the connection stays queued and the
 * listener would fire again at once, spinning and logging: pause it
 * briefly; clients wait in the backlog meanwhile.
 */
static void
http_accept_error(struct evconnlistener *lev, void *arg)
{
	static int64_t		 logged_ms;
	struct timeval		 tv = { 0, HTTP_ACCEPT_PAUSE_MS * 1000 };
	struct http_conn	*oldest = TAILQ_FIRST(&http_waiting);
	int			 err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	if (clock_wall() - logged_ms >= 10000) {
		logged_ms = clock_wall();
		fprintf(stderr, "paymock: cannot accept a connection: %s (closing the "
		    "longest-waiting one, or pausing; said at most every 10 s)\n",
		    evutil_socket_error_to_string(err));
	}
	if ((err == EMFILE || err == ENFILE) && oldest != NULL) {
		evhttp_connection_free(oldest->evcon);
		return;
	}
	evconnlistener_disable(lev);
	event_base_once(evconnlistener_get_base(lev), -1, EV_TIMEOUT, http_accept_resume,
	    lev, &tv);
}

int
http_listen(struct http *h, const char *addr, int port, char **cause)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_storage		 ss;
	socklen_t			 sl = sizeof ss;

	bs = evhttp_bind_socket_with_handle(h->evhttp, addr, (ev_uint16_t)port);
	if (bs == NULL) {
		*cause = xasprintf("cannot listen on %s:%d", addr, port);
		return (-1);
	}
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(bs), http_accept_error);
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	    &sl) != 0) {
		*cause = xasprintf("cannot read the bound address");
		return (-1);
	}
	if (ss.ss_family == AF_INET6)
		return (ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	return (ntohs(((struct sockaddr_in *)&ss)->sin_port));
}
