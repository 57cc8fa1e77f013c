/* The transport: evhttp, the body limit, the access log, writing replies. */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "dispatch.h"
#include "http.h"
#include "util.h"

/* evhttp answers bodies past this itself; up to it we answer in the provider's shape. */
#define HTTP_EVHTTP_BODY_MAX	(1024 * 1024)
#define HTTP_HEADERS_MAX	(16 * 1024)
#define HTTP_MAX_HEADERS	100

struct http {
	struct evhttp	*evhttp;
	struct app	*app;
	enum http_log	 log;
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
	size_t	bytes = rep->body != NULL ? strlen(rep->body) : 0;

	clock_format(clock_wall(), at);
	if (h->log == HTTP_LOG_TEXT) {
		fprintf(stderr, "%s %s %s %s %d %zuB %.3fms session=%s%s%s\n", at,
		    r->method, r->path, info->operation != NULL ? info->operation : "-",
		    rep->status, bytes, us / 1000.0, info->session,
		    rep->refund_id != NULL ? " refund=" : "",
		    rep->refund_id != NULL ? rep->refund_id : "");
	} else if (h->log == HTTP_LOG_JSON) {
		json_t	*o = json_pack("{ss ss ss ss so so si sI sI}", "time", at,
		    "session", info->session, "method", r->method, "path", r->path,
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
	}
}

static void
http_send(struct evhttp_request *req, const struct reply *rep)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct evbuffer		*buf = evbuffer_new();
	size_t			 i;

	if (rep->content_type != NULL)
		evhttp_add_header(out, "Content-Type", rep->content_type);
	for (i = 0; i < rep->nheaders; i++)
		evhttp_add_header(out, rep->headers[i].name, rep->headers[i].value);
	if (rep->body != NULL)
		evbuffer_add(buf, rep->body, strlen(rep->body));
	evhttp_send_reply(req, rep->status, http_reason(rep->status), buf);
	evbuffer_free(buf);
}

static void
http_handle(struct evhttp_request *req, void *arg)
{
	struct http		*h = arg;
	struct header		 headers[HTTP_MAX_HEADERS];
	struct request		 r = { 0 };
	struct reply		 rep = { 0 };
	struct dispatch_info	 info;
	struct evkeyval		*kv;
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	const char		*uri = evhttp_request_get_uri(req), *q;
	char			*raw, *path;
	size_t			 n = 0, len;
	int64_t			 start = http_mono_us();

	q = strchr(uri, '?');
	raw = q != NULL ? xstrndup(uri, (size_t)(q - uri)) : xstrdup(uri);
	path = evhttp_uridecode(raw, 0, &len);
	free(raw);
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

	dispatch(h->app, &r, &rep, &info);
	http_send(req, &rep);
	http_log_line(h, &r, &rep, &info, http_mono_us() - start);
	reply_release(&rep);
	free(path);
}

struct http *
http_new(struct event_base *base, struct app *app, enum http_log log,
    int timeout_s)
{
	struct http	*h = xcalloc(1, sizeof *h);

	if ((h->evhttp = evhttp_new(base)) == NULL)
		fatal("evhttp_new failed");
	h->app = app;
	h->log = log;
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
http_free(struct http *h)
{
	if (h == NULL)
		return;
	evhttp_free(h->evhttp);
	free(h);
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
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	    &sl) != 0) {
		*cause = xasprintf("cannot read the bound address");
		return (-1);
	}
	if (ss.ss_family == AF_INET6)
		return (ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	return (ntohs(((struct sockaddr_in *)&ss)->sin_port));
}
