/* The transport: evhttp, the body limit, the access log, writing replies. */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
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
#include "util.h"

/* evhttp answers bodies past this itself; up to it we answer in the provider's shape. */
#define HTTP_EVHTTP_BODY_MAX	(1024 * 1024)
#define HTTP_HEADERS_MAX	(16 * 1024)
#define HTTP_MAX_HEADERS	100

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
	char			  session[65];
	int			  started;	/* the plan is under way */
	char			 *wire;		/* slow: the whole reply, as bytes */
	size_t			  wire_len, sent;
	LIST_ENTRY(pending)	  entry;
};

struct http {
	struct event_base	*base;
	struct evhttp		*evhttp;
	struct app		*app;
	enum http_log		 log;
	const char		*provider;	/* a --provider-port, or NULL */
	LIST_HEAD(, pending)	 pending;
};

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
	{ 200, "OK" }, { 201, "Created" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 402, "Payment Required" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 413, "Payload Too Large" }, { 415, "Unsupported Media Type" },
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

static int64_t
http_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static void
http_log_line(struct http *h, const struct request *r, const struct reply *rep,
    const struct dispatch_info *info, int64_t us)
{
	char	at[CLOCK_TEXT_MAX];
	size_t	bytes;

	if (h->log == HTTP_LOG_NONE)
		return;
	bytes = rep->body != NULL ? strlen(rep->body) : 0;
	clock_format(clock_wall(), at);
	if (h->log == HTTP_LOG_TEXT) {
		fprintf(stderr, "%s %s %s %s %d %zuB %.3fms session=%s%s%s\n", at,
		    r->method, r->path, info->operation != NULL ? info->operation : "-",
		    rep->status, bytes, us / 1000.0, info->session,
		    rep->refund_id != NULL ? " refund=" : "",
		    rep->refund_id != NULL ? rep->refund_id : "");
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

/* Sends the reply; its body goes to libevent, which frees it once written. */
static void
http_send(struct evhttp_request *req, struct reply *rep)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	size_t			 i, n;

	if (rep->content_type != NULL)
		evhttp_add_header(out, "Content-Type", rep->content_type);
	for (i = 0; i < rep->nheaders; i++)
		evhttp_add_header(out, rep->headers[i].name, rep->headers[i].value);
	/*
	 * By reference, into the request's own buffer: no copy, and no 1 KiB
	 * buffer chain to allocate (a large malloc makes glibc consolidate).
	 */
	if (rep->body != NULL && (n = strlen(rep->body)) > 0 &&
	    evbuffer_add_reference(evhttp_request_get_output_buffer(req), rep->body,
	    n, http_body_free, NULL) == 0)
		rep->body = NULL;
	else if (rep->body != NULL)
		evbuffer_add(evhttp_request_get_output_buffer(req), rep->body,
		    strlen(rep->body));
	evhttp_send_reply(req, rep->status, http_reason(rep->status), NULL);
}

/* The reply as bytes on the wire, for the plans that write the socket themselves. */
static char *
http_wire(const struct reply *rep, size_t *len)
{
	struct buf	b = { 0 };
	size_t		i, n = rep->body != NULL ? strlen(rep->body) : 0;

	buf_addf(&b, "HTTP/1.1 %d %s\r\n", rep->status, http_reason(rep->status));
	if (rep->content_type != NULL)
		buf_addf(&b, "Content-Type: %s\r\n", rep->content_type);
	for (i = 0; i < rep->nheaders; i++)
		buf_addf(&b, "%s: %s\r\n", rep->headers[i].name, rep->headers[i].value);
	buf_addf(&b, "Content-Length: %zu\r\nConnection: close\r\n\r\n", n);
	if (n > 0)
		buf_add(&b, rep->body, n);
	*len = b.len;
	return (buf_steal(&b));
}

static void	http_pending_fire(evutil_socket_t, short, void *);

static void
http_pending_free(struct pending *p)
{
	if (p->conn != NULL)
		evhttp_connection_set_closecb(p->conn, NULL, NULL);
	if (p->plan.idem_key != NULL)
		dispatch_release(p->h->app, p->session, p->plan.session_id,
		    p->plan.idem_key);
	free(p->plan.idem_key);
	event_free(p->timer);
	free(p->wire);
	reply_release(&p->rep);
	LIST_REMOVE(p, entry);
	free(p);
}

/* The client left: its request is detached; finish from the loop, not from here. */
static void
http_pending_closed(struct evhttp_connection *conn, void *arg)
{
	struct pending		*p = arg;
	struct timeval		 now = { 0, 0 };

	(void)conn;
	p->conn = NULL;
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
	evhttp_connection_set_closecb(conn, NULL, NULL);
	p->conn = NULL;
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

/* Runs (or goes on with) a held request's plan; frees it when done. */
static void
http_pending_fire(evutil_socket_t fd, short what, void *arg)
{
	struct pending	*p = arg;
	struct timeval	 tv;
	size_t		 head, step;

	(void)fd;
	(void)what;
	if (p->conn == NULL) {
		/* Gone before its answer: the request is ours to free. */
		if (p->req != NULL)
			evhttp_request_free(p->req);
		p->req = NULL;
		http_pending_free(p);
		return;
	}
	switch (p->plan.kind) {
	case PLAN_REPLY:
		http_send(p->req, &p->rep);
		break;
	case PLAN_HANG:
		if (!p->started && p->plan.hang_ms > 0) {
			p->started = 1;
			tv.tv_sec = p->plan.hang_ms / 1000;
			tv.tv_usec = (p->plan.hang_ms % 1000) * 1000;
			evtimer_add(p->timer, &tv);
			return;
		}
		if (!p->started) {
			p->started = 1;
			return;	/* until the client leaves */
		}
		http_pending_close(p, 0);
		break;
	case PLAN_DROP:
	case PLAN_RESET:
		http_pending_close(p, p->plan.kind == PLAN_RESET);
		break;
	case PLAN_TRUNCATE:
		p->wire = http_wire(&p->rep, &p->wire_len);
		head = p->wire_len - (p->rep.body != NULL ? strlen(p->rep.body) : 0);
		http_pending_write(p, head + (size_t)p->plan.bytes);
		http_pending_close(p, 0);
		break;
	case PLAN_SLOW:
		if (p->wire == NULL)
			p->wire = http_wire(&p->rep, &p->wire_len);
		step = (size_t)((p->plan.bytes_per_s * HTTP_DRIP_MS + 999) / 1000);
		if (http_pending_write(p, step > 0 ? step : 1) == 0 &&
		    p->sent < p->wire_len) {
			tv.tv_sec = 0;
			tv.tv_usec = HTTP_DRIP_MS * 1000;
			evtimer_add(p->timer, &tv);
			return;
		}
		http_pending_close(p, 0);
		break;
	}
	p->req = NULL;
	http_pending_free(p);
}

/* Holds the request: the plan runs from a timer, after its delay. */
static void
http_hold(struct http *h, struct evhttp_request *req, struct reply *rep,
    struct plan *plan, const char *session)
{
	struct pending	*p = xcalloc(1, sizeof *p);
	struct timeval	 tv = { plan->delay_ms / 1000, (plan->delay_ms % 1000) * 1000 };

	p->h = h;
	p->req = req;
	p->conn = evhttp_request_get_connection(req);
	p->plan = *plan;
	p->rep = *rep;
	memset(rep, 0, sizeof *rep);
	memset(plan, 0, sizeof *plan);
	snprintf(p->session, sizeof p->session, "%s", session);
	p->timer = evtimer_new(h->base, http_pending_fire, p);
	LIST_INSERT_HEAD(&h->pending, p, entry);
	evhttp_connection_set_closecb(p->conn, http_pending_closed, p);
	evtimer_add(p->timer, &tv);
}

static void
http_handle(struct evhttp_request *req, void *arg)
{
	struct http		*h = arg;
	struct header		 headers[HTTP_MAX_HEADERS];
	struct request		 r = { 0 };
	struct reply		 rep = { 0 };
	struct dispatch_info	 info;
	struct plan		 plan;
	struct evkeyval		*kv;
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	const char		*uri = evhttp_request_get_uri(req), *q;
	char			*raw, *path;
	size_t			 n = 0, len;
	int64_t			 start = http_mono_us();

	q = strchr(uri, '?');
	len = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (memchr(uri, '%', len) == NULL)
		path = xstrndup(uri, len);	/* nothing to decode */
	else {
		raw = xstrndup(uri, len);
		path = evhttp_uridecode(raw, 0, &len);
		free(raw);
	}
	if (path == NULL || strlen(path) != len || *path != '/') {
		evhttp_send_error(req, 400, "Bad request path");
		free(path);
		return;
	}
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next) {
		if (n == nitems(headers))
			break;
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

	dispatch(h->app, &r, &rep, &info, &plan);
	http_log_line(h, &r, &rep, &info, http_mono_us() - start);
	if (plan.kind == PLAN_REPLY && plan.delay_ms == 0 && plan.idem_key == NULL)
		http_send(req, &rep);
	else
		http_hold(h, req, &rep, &plan, info.session);
	reply_release(&rep);
	free(plan.idem_key);
	free(path);
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
	LIST_INIT(&h->pending);
	evhttp_set_max_body_size(h->evhttp, HTTP_EVHTTP_BODY_MAX);
	evhttp_set_max_headers_size(h->evhttp, HTTP_HEADERS_MAX);
	evhttp_set_timeout(h->evhttp, timeout_s);
	evhttp_set_allowed_methods(h->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
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
	if (h == NULL)
		return;
	/* Held requests on live connections go with evhttp; detached ones are ours. */
	while (!LIST_EMPTY(&h->pending)) {
		struct pending *p = LIST_FIRST(&h->pending);
		if (p->conn == NULL && p->req != NULL)
			evhttp_request_free(p->req);
		http_pending_free(p);
	}
	evhttp_free(h->evhttp);
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
 * accept() failed, mostly for want of a descriptor (EMFILE): the connection
 * stays queued, so the listener would fire again at once, spinning and
 * logging.  Pause it briefly; clients wait in the backlog meanwhile.
 */
static void
http_accept_error(struct evconnlistener *lev, void *arg)
{
	static int64_t	 logged_ms;
	struct timeval	 tv = { 0, HTTP_ACCEPT_PAUSE_MS * 1000 };
	int		 err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	if (clock_wall() - logged_ms >= 10000) {
		logged_ms = clock_wall();
		fprintf(stderr, "paymock: cannot accept a connection: %s (pausing, "
		    "said at most every 10 s)\n", evutil_socket_error_to_string(err));
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
