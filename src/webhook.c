/* Webhooks: signed events on the virtual clock, delivered, retried and logged. */
#include <sys/queue.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "ids.h"
#include "jsonx.h"
#include "metrics.h"
#include "provider.h"
#include "scenario.h"
#include "session.h"
#include "util.h"
#include "version.h"
#include "webhook.h"

#define WEBHOOK_LOG_MAX		10000
#define WEBHOOK_PUMP_MS		50
/*
 * Attempts on the wire at once, and one session's share of them: the rest
 * wait their turn (memory and descriptors stay flat), and a session whose
 * receiver stalls holds at most its share, never the others' slots.
 */
#define WEBHOOK_MAX_INFLIGHT	64
#define WEBHOOK_SESSION_INFLIGHT 8
#define WEBHOOK_REPLY_HEAD_MAX	16384

struct endpoint {
	const struct provider	*provider;
	char			*url;
	char			*secret;
	char			*addr;		/* what to connect to */
	char			*authority;	/* the Host header: host[:port] as given */
	int			 port;
	char			*path;		/* with the query */
};

enum wevent_state {
	WEVENT_WAITING,
	WEVENT_SENDING,
	WEVENT_DONE,
};

/* One event and its attempts so far. */
struct wevent {
	uint64_t		 seq;
	char			 id[32];
	const struct provider	*provider;
	char			*refund_id;
	enum refund_state	 state;
	int64_t			 at;		/* when it happened */
	int64_t			 due;		/* the next attempt */
	int			 attempts;
	int			 ruled;		/* attempts+1 once rules were asked */
	int			 bad_signature;	/* this attempt */
	int			 duplicate;	/* send this attempt twice */
	uint64_t		 after_seq;	/* reordered: not before this event went */
	char			*rule;		/* the rule that shaped this attempt */
	enum wevent_state	 st;
	char			*body;
	struct attempt		*ready;		/* a replay or a copy: these bytes, once */
	size_t			 bytes;		/* what it holds, as last counted */
};

struct delivery {
	uint64_t	 id;
	char		*event_id;
	const char	*type;		/* static */
	const char	*provider;	/* static */
	char		*refund_id;
	int		 attempt;	/* 0: a replay */
	int64_t		 at;
	char		*url;
	int		 status;	/* 0: no answer */
	char		*error;
	char		*headers;	/* "Name: value\n" lines: the log is kept lean */
	char		*payload;
	char		*rule;
};

struct webhooks {
	struct session	 *owner;
	TAILQ_ENTRY(webhooks) busy_entry;	/* on webhooks_busy while it has events */
	int		  busy;
	struct endpoint	 *endpoints;
	size_t		  nendpoints;
	struct wevent	**events;
	size_t		  nevents;
	uint64_t	  next_seq;
	uint64_t	  next_delivery;
	struct delivery	 *log;		/* a ring, grown as it fills (head 0 till then) */
	size_t		  log_head, log_count, log_slots;
	size_t		  events_slots;	/* 'events' as allocated */
	size_t		  bytes;	/* the endpoints', events' and log's contents */
};

/* The log's 'i'th delivery, the oldest first. */
static struct delivery *
webhooks_log_at(const struct webhooks *w, size_t i)
{
	return (&w->log[(w->log_head + i) % w->log_slots]);
}

/*
 * An attempt under way on the wire.  It names its session by name and id,
 * not by pointer: the session may be dropped, reset or re-created before
 * the reply comes, and then the reply is dropped.
 */
struct attempt {
	struct webhook_engine	 *e;
	char			  session[SESSION_NAME_MAX + 1];
	uint64_t		  session_id;
	uint64_t		  session_born;	/* held (sessions_hold) on the wire */
	uint64_t		  event_seq;	/* 0: a replay or a duplicate */
	struct delivery		  d;
	struct evhttp_connection *conn;
	struct event		 *deadline;
	const char		 *error;
	int			  finished;	/* waiting to be reaped */
	LIST_ENTRY(attempt)	  entry;
};

struct webhook_engine {
	struct event_base	*base;
	struct evdns_base	*dns;		/* for allowed names; NULL till one is */
	struct sessions		*sessions;
	struct event		*pump;
	char			**allow;
	size_t			 nallow;
	struct timeval		 deadline;
	size_t			 inflight;
	size_t			 round;		/* which busy session goes first */
	LIST_HEAD(, attempt)	 attempts;
};

void
webhook_sign(const char *secret, long long t, const char *body, size_t len,
    char hex[65])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0, i;
	struct buf	 msg = { 0 };

	buf_addf(&msg, "%lld.", t);
	buf_add(&msg, body, len);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg.data,
	    msg.len, md, &n);
	buf_release(&msg);
	for (i = 0; i < n && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

static void
delivery_release(struct delivery *d)
{
	free(d->event_id);
	free(d->refund_id);
	free(d->url);
	free(d->error);
	free(d->headers);
	free(d->payload);
	free(d->rule);
	memset(d, 0, sizeof *d);
}

/* Frees an attempt that never went on the wire. */
static void
attempt_discard(struct attempt *a)
{
	if (a == NULL)
		return;
	delivery_release(&a->d);
	free(a);
}

static void
wevent_free(struct wevent *ev)
{
	free(ev->refund_id);
	free(ev->body);
	free(ev->rule);
	attempt_discard(ev->ready);
	free(ev);
}

static size_t
delivery_bytes(const struct delivery *d)
{
	return (str_bytes(d->event_id) + str_bytes(d->refund_id) + str_bytes(d->url) +
	    str_bytes(d->error) + str_bytes(d->headers) + str_bytes(d->payload) +
	    str_bytes(d->rule));
}

static size_t
wevent_bytes(const struct wevent *ev)
{
	return (sizeof *ev + ALLOC_OVERHEAD + str_bytes(ev->refund_id) +
	    str_bytes(ev->body) + str_bytes(ev->rule) + (ev->ready != NULL ?
	    sizeof *ev->ready + ALLOC_OVERHEAD + delivery_bytes(&ev->ready->d) : 0));
}

/* Counts 'ev' again after it changed (its body, rule or ready attempt). */
static void
webhooks_recount(struct webhooks *w, struct wevent *ev)
{
	w->bytes -= ev->bytes;
	ev->bytes = wevent_bytes(ev);
	w->bytes += ev->bytes;
}

static void
webhooks_event_free(struct webhooks *w, struct wevent *ev)
{
	w->bytes -= ev->bytes;
	wevent_free(ev);
}

static size_t
endpoint_bytes(const struct endpoint *ep)
{
	return (str_bytes(ep->url) + str_bytes(ep->secret) + str_bytes(ep->addr) +
	    str_bytes(ep->authority) + str_bytes(ep->path));
}

static void
endpoint_release(struct endpoint *ep)
{
	free(ep->url);
	free(ep->secret);
	free(ep->addr);
	free(ep->authority);
	free(ep->path);
}

/*
 * The stores with events, so that a pump costs what is queued, not the
 * number of sessions: a farm keeps thousands, most of them quiet.
 */
static TAILQ_HEAD(, webhooks) webhooks_busy = TAILQ_HEAD_INITIALIZER(webhooks_busy);

/* On the busy list exactly while the store has events. */
static void
webhooks_mark(struct webhooks *w)
{
	if (w->nevents > 0 && !w->busy)
		TAILQ_INSERT_TAIL(&webhooks_busy, w, busy_entry);
	else if (w->nevents == 0 && w->busy)
		TAILQ_REMOVE(&webhooks_busy, w, busy_entry);
	w->busy = w->nevents > 0;
}

struct webhooks *
webhooks_new(struct session *owner)
{
	struct webhooks	*w = xcalloc(1, sizeof *w);

	w->owner = owner;
	w->next_delivery = 1;
	return (w);
}

void
webhooks_reset(struct webhooks *w)
{
	size_t	i;

	for (i = 0; i < w->nevents; i++)
		webhooks_event_free(w, w->events[i]);
	free(w->events);
	w->events = NULL;
	w->nevents = w->events_slots = 0;
	webhooks_mark(w);
	for (i = 0; i < w->log_count; i++) {
		w->bytes -= delivery_bytes(webhooks_log_at(w, i));
		delivery_release(webhooks_log_at(w, i));
	}
	/* The ring too: a reset session holds what a new one does. */
	free(w->log);
	w->log = NULL;
	w->log_head = w->log_count = w->log_slots = 0;
	w->next_delivery = 1;
}

void
webhooks_free(struct webhooks *w)
{
	size_t	i;

	if (w == NULL)
		return;
	webhooks_reset(w);
	for (i = 0; i < w->nendpoints; i++)
		endpoint_release(&w->endpoints[i]);
	free(w->endpoints);
	free(w);
}

static struct endpoint *
webhooks_endpoint(const struct webhooks *w, const struct provider *p)
{
	size_t	i;

	for (i = 0; i < w->nendpoints; i++) {
		if (w->endpoints[i].provider == p)
			return (&w->endpoints[i]);
	}
	return (NULL);
}

int
webhooks_has_endpoint(const struct webhooks *w, const char *provider)
{
	const struct provider	*p = provider_find(provider);

	return (p != NULL && webhooks_endpoint(w, p) != NULL);
}

/* 'host' without the brackets of an IPv6 literal; heap. */
static char *
webhook_host_bare(const char *host)
{
	size_t	n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		return (xstrndup(host + 1, n - 2));
	return (xstrdup(host));
}

/*
 * What to connect to for 'host' as a URL spells it (heap), or NULL if
 * webhooks may not call it.  Parsed, never compared by prefix: only a
 * loopback literal, localhost, or a host allowed by exact name.  localhost
 * is taken to mean 127.0.0.1, so no lookup is ever needed for it.
 */
static char *
webhook_host_addr(const struct webhook_engine *e, const char *host)
{
	struct in_addr	 v4;
	struct in6_addr	 v6;
	char		*bare = webhook_host_bare(host);
	size_t		 i;

	for (i = 0; e != NULL && i < e->nallow; i++) {
		if (strcasecmp(e->allow[i], host) == 0 || strcasecmp(e->allow[i], bare) == 0)
			return (bare);
	}
	if (strcasecmp(host, "localhost") == 0) {
		free(bare);
		return (xstrdup("127.0.0.1"));
	}
	if ((inet_pton(AF_INET, host, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127) ||
	    (host[0] == '[' && inet_pton(AF_INET6, bare, &v6) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&v6)))
		return (bare);
	free(bare);
	return (NULL);
}

/* Checks a URL an endpoint may use and fills 'ep' from it; NULL or the reason (heap). */
static char *
webhook_url_check(const struct webhook_engine *e, const char *url, struct endpoint *ep)
{
	struct evhttp_uri	*u = evhttp_uri_parse(url);
	const char		*scheme, *host, *path, *query;
	char			*cause = NULL;
	int			 port;

	if (u == NULL)
		return (xasprintf("url: '%s' is not an http://host[:port]/path URL "
		    "(a port is 1-65535)", url));
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	port = evhttp_uri_get_port(u);
	if (scheme != NULL && strcasecmp(scheme, "https") == 0)
		cause = xasprintf("url: https is not supported: the webhook client "
		    "speaks plain http");
	else if (scheme == NULL || strcasecmp(scheme, "http") != 0)
		cause = xasprintf("url: '%s' is not an http://host[:port]/path URL", url);
	else if (evhttp_uri_get_userinfo(u) != NULL)
		cause = xasprintf("url: user info ('user@') is not allowed in '%s'", url);
	else if (host == NULL || *host == '\0')
		cause = xasprintf("url: '%s' has no host", url);
	else if (port == 0)
		cause = xasprintf("url: port 0 is not a port (1-65535)");
	else if ((ep->addr = webhook_host_addr(e, host)) == NULL)
		cause = xasprintf("url: host '%s' is not loopback (127.0.0.0/8, [::1], "
		    "localhost); allow it with --webhook-allow %s", host, host);
	if (cause == NULL) {
		path = evhttp_uri_get_path(u);
		query = evhttp_uri_get_query(u);
		ep->port = port > 0 ? port : 80;
		ep->authority = port > 0 ? xasprintf("%s:%d", host, port) : xstrdup(host);
		ep->path = xasprintf("%s%s%s", path != NULL && *path != '\0' ? path : "/",
		    query != NULL ? "?" : "", query != NULL ? query : "");
	}
	evhttp_uri_free(u);
	return (cause);
}

/* Why 'provider' takes no endpoint, naming those that do (heap). */
static char *
webhook_no_spec(const char *provider)
{
	struct buf	b = { 0 };
	size_t		i, n = 0, total = 0;

	for (i = 0; i < nproviders; i++)
		total += providers[i]->webhooks != NULL;
	buf_addf(&b, "provider: '%s' documents no webhooks (", provider);
	for (i = 0; i < nproviders; i++) {
		if (providers[i]->webhooks == NULL)
			continue;
		buf_addf(&b, "%s%s", n == 0 ? "" : n + 1 == total ? " and " : ", ",
		    providers[i]->name);
		n++;
	}
	buf_adds(&b, total == 1 ? " does)" : " do)");
	return (buf_steal(&b));
}

int
webhooks_set_endpoint(struct webhooks *w, const struct webhook_engine *e,
    const char *provider, const char *url, const char *secret, char **cause)
{
	const struct provider	*p = provider_find(provider);
	struct endpoint		 ep = { 0 }, *old;

	if (p == NULL || p->webhooks == NULL) {
		*cause = webhook_no_spec(provider);
		return (-1);
	}
	if ((*cause = webhook_url_check(e, url, &ep)) != NULL) {
		endpoint_release(&ep);
		return (-1);
	}
	ep.provider = p;
	ep.url = xstrdup(url);
	ep.secret = xstrdup(secret != NULL ? secret : WEBHOOK_DEFAULT_SECRET);
	w->bytes += endpoint_bytes(&ep);
	if ((old = webhooks_endpoint(w, p)) != NULL) {
		w->bytes -= endpoint_bytes(old);
		endpoint_release(old);
		*old = ep;
	} else {
		w->endpoints = xrealloc(w->endpoints,
		    (w->nendpoints + 1) * sizeof *w->endpoints);
		w->endpoints[w->nendpoints++] = ep;
	}
	return (0);
}

json_t *
webhooks_endpoints_json(const struct webhooks *w)
{
	json_t	*list = json_array();
	size_t	 i;

	for (i = 0; i < w->nendpoints; i++)
		json_array_append_new(list, json_pack("{ss ss ss}", "provider",
		    w->endpoints[i].provider->name, "url", w->endpoints[i].url,
		    "secret", w->endpoints[i].secret));
	return (json_pack("{so}", "webhooks", list));
}

static void
delivery_header_json(const char *name, const char *value, void *o)
{
	json_object_set_new(o, name, json_string(value));
}

static json_t *
delivery_headers_json(const char *text)
{
	json_t	*o = json_object();

	headers_each(text, delivery_header_json, o);
	return (o);
}

static json_t *
delivery_json(const struct delivery *d)
{
	char	 at[CLOCK_TEXT_MAX], *cause = NULL;
	json_t	*payload = jsonx_loads(d->payload, strlen(d->payload), &cause);

	free(cause);
	return (json_pack("{sI ss ss ss ss si ss ss so so so so so}",
	    "id", (json_int_t)d->id, "event_id", d->event_id, "event", d->type,
	    "provider", d->provider, "refund_id", d->refund_id,
	    "attempt", d->attempt, "at", clock_format(d->at, at), "url", d->url,
	    "status", d->status > 0 ? json_integer(d->status) : json_null(),
	    "error", d->error != NULL ? json_string(d->error) : json_null(),
	    "headers", delivery_headers_json(d->headers),
	    "payload", payload != NULL ? payload : json_string(d->payload),
	    "rule", d->rule != NULL ? json_string(d->rule) : json_null()));
}

json_t *
webhooks_deliveries_json(const struct webhooks *w)
{
	json_t	*list = json_array();
	size_t	 i;

	for (i = 0; i < w->log_count; i++)
		json_array_append_new(list,
		    delivery_json(webhooks_log_at(w, i)));
	return (json_pack("{so}", "deliveries", list));
}

size_t
webhooks_delivery_count(const struct webhooks *w)
{
	return (w->log_count);
}

size_t
webhooks_pending_count(const struct webhooks *w)
{
	return (w->nevents);
}

size_t
webhooks_bytes(const struct webhooks *w)
{
	/* The arrays: as allocated, each with malloc's share. */
	return (sizeof *w + ALLOC_OVERHEAD + w->bytes +
	    (w->nendpoints > 0 ? w->nendpoints * sizeof *w->endpoints +
	    ALLOC_OVERHEAD : 0) +
	    (w->events_slots > 0 ? w->events_slots * sizeof *w->events +
	    ALLOC_OVERHEAD : 0) +
	    (w->log_slots > 0 ? w->log_slots * sizeof *w->log + ALLOC_OVERHEAD : 0));
}

/* Takes the delivery's contents; gives it the next id. */
static uint64_t
webhooks_log(struct webhooks *w, struct delivery *d)
{
	struct delivery	*slot;

	size_t		 slots;

	if (w->log_count == w->log_slots && w->log_slots < WEBHOOK_LOG_MAX) {
		slots = w->log_slots == 0 ? 16 : w->log_slots * 2;
		if (slots > WEBHOOK_LOG_MAX)
			slots = WEBHOOK_LOG_MAX;
		w->log = ring_grow(w->log, sizeof *w->log, w->log_head, w->log_count,
		    w->log_slots, slots);
		w->log_slots = slots;
		w->log_head = 0;
	}
	if (w->log_count == WEBHOOK_LOG_MAX) {
		w->bytes -= delivery_bytes(&w->log[w->log_head]);
		delivery_release(&w->log[w->log_head]);
		w->log_head = (w->log_head + 1) % w->log_slots;
		w->log_count--;
	}
	slot = webhooks_log_at(w, w->log_count++);
	*slot = *d;
	slot->id = w->next_delivery++;
	w->bytes += delivery_bytes(slot);
	memset(d, 0, sizeof *d);
	return (slot->id);
}

static void
webhooks_add(struct webhooks *w, struct wevent *ev)
{
	w->events = xrealloc(w->events, (w->nevents + 1) * sizeof *w->events);
	w->events_slots = w->nevents + 1;
	w->events[w->nevents++] = ev;
	webhooks_recount(w, ev);
	webhooks_mark(w);
}

void
webhooks_schedule(struct session *s, const char *provider, const struct refund *r)
{
	const struct provider	*p = provider_find(provider);
	struct webhooks		*w = s->webhooks;
	struct wevent		*ev;
	char			 hex[25];
	int			 i;

	if (p == NULL || p->webhooks == NULL || webhooks_endpoint(w, p) == NULL)
		return;
	for (i = 0; i < r->nsteps; i++) {
		if (p->webhooks->events[r->steps[i].state] == NULL)
			continue;
		ev = xcalloc(1, sizeof *ev);
		ev->seq = ++w->next_seq;
		snprintf(ev->id, sizeof ev->id, "evt_%s", ids_hex(&s->rng, 24, hex));
		ev->provider = p;
		ev->refund_id = xstrdup(r->id);
		ev->state = r->steps[i].state;
		ev->at = ev->due = r->steps[i].at_ms;
		webhooks_add(w, ev);
	}
}

static const char *
webhook_header(const void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return (NULL);
}

static void
webhook_attempt_free(struct attempt *a)
{
	LIST_REMOVE(a, entry);
	if (a->conn != NULL)
		evhttp_connection_free(a->conn);
	if (a->deadline != NULL)
		event_free(a->deadline);
	attempt_discard(a);
}

/* Frees a finished attempt and its connection, outside the connection's callbacks. */
static void
webhook_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	webhook_attempt_free(arg);
}

static void	webhook_attempt_done(struct evhttp_request *, void *);
static void	webhook_attempt_finish(struct attempt *, int status);

#define WEBHOOK_STR(x)	#x
#define WEBHOOK_XSTR(x)	WEBHOOK_STR(x)

static void
webhook_attempt_error(enum evhttp_request_error err, void *arg)
{
	static const char *const words[] = {
		[EVREQ_HTTP_TIMEOUT] = "timeout",
		[EVREQ_HTTP_EOF] = "connection closed or refused",
		[EVREQ_HTTP_INVALID_HEADER] = "invalid reply",
		[EVREQ_HTTP_BUFFER_ERROR] = "connection failed",
		[EVREQ_HTTP_REQUEST_CANCEL] = "cancelled",
		[EVREQ_HTTP_DATA_TOO_LONG] = "reply longer than "
		    WEBHOOK_XSTR(WEBHOOK_REPLY_MAX) " bytes: cut off and closed",
	};
	struct attempt	*a = arg;

	a->error = (size_t)err < nitems(words) && words[err] != NULL ?
	    words[err] : "failed";
}

/* The attempt's whole time is up, whatever the receiver is doing (a drip resets no timer). */
static void
webhook_attempt_expire(evutil_socket_t fd, short what, void *arg)
{
	struct attempt	*a = arg;

	(void)fd;
	(void)what;
	/* Not inside the connection's callbacks: it goes now, its request with it. */
	evhttp_connection_free(a->conn);
	a->conn = NULL;
	a->error = "no complete reply before the deadline";
	webhook_attempt_finish(a, 0);
}

static void
webhook_send_header(const char *name, const char *value, void *out)
{
	evhttp_add_header(out, name, value);
}

/* Puts an attempt on the wire to 'ep'; it owns 'a' from here on. */
static void
webhook_send(struct webhook_engine *e, struct attempt *a, const struct endpoint *ep)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*out;

	LIST_INSERT_HEAD(&e->attempts, a, entry);
	e->inflight++;
	sessions_hold(e->sessions, a->session, a->session_born);
	free(a->d.url);
	a->d.url = xstrdup(ep->url);
	a->deadline = evtimer_new(e->base, webhook_attempt_expire, a);
	evtimer_add(a->deadline, &e->deadline);
	if ((a->conn = evhttp_connection_base_new(e->base, e->dns, ep->addr,
	    (unsigned short)ep->port)) == NULL) {
		a->error = "cannot connect";
		webhook_attempt_finish(a, 0);
		return;
	}
	evhttp_connection_set_timeout_tv(a->conn, &e->deadline);
	evhttp_connection_set_retries(a->conn, 0);
	evhttp_connection_set_max_headers_size(a->conn, WEBHOOK_REPLY_HEAD_MAX);
	evhttp_connection_set_max_body_size(a->conn, WEBHOOK_REPLY_MAX);
	req = evhttp_request_new(webhook_attempt_done, a);
	evhttp_request_set_error_cb(req, webhook_attempt_error);
	out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Host", ep->authority);
	evhttp_add_header(out, "Connection", "close");
	headers_each(a->d.headers, webhook_send_header, out);
	evbuffer_add(evhttp_request_get_output_buffer(req), a->d.payload,
	    strlen(a->d.payload));
	if (evhttp_make_request(a->conn, req, EVHTTP_REQ_POST, ep->path) != 0) {
		a->error = "cannot send";
		webhook_attempt_finish(a, 0);
	}
}

/* A new attempt of 'body', signed at virtual time 'at' ms. */
static struct attempt *
webhook_attempt_new(struct webhook_engine *e, const struct session *s,
    const struct endpoint *ep, const char *body, int64_t at, int bad_signature)
{
	const struct webhook_spec	*spec = ep->provider->webhooks;
	struct attempt			*a = xcalloc(1, sizeof *a);
	long long			 t = (long long)(at / 1000);
	char				 hex[65], value[128], ts[24];
	char				*secret;
	struct buf			 headers = { 0 };

	a->e = e;
	snprintf(a->session, sizeof a->session, "%s", s->name);
	a->session_id = s->id;
	a->session_born = s->born;
	/* A wrong secret, as a provider with a key mix-up would sign. */
	secret = xasprintf("%s%s", ep->secret, bad_signature ? "-not-the-secret" : "");
	webhook_sign(secret, t, body, strlen(body), hex);
	free(secret);
	snprintf(ts, sizeof ts, "%lld", t);
	if (spec->signature == WEBHOOK_SIG_T_V1)
		snprintf(value, sizeof value, "t=%s,v1=%s", ts, hex);
	else
		snprintf(value, sizeof value, "sha256=%s", hex);
	buf_adds(&headers, "Content-Type: application/json\n"
	    "User-Agent: paymock-webhooks/" PAYMOCK_VERSION "\n");
	buf_addf(&headers, "%s: %s\n", spec->signature_header, value);
	if (spec->timestamp_header != NULL)
		buf_addf(&headers, "%s: %s\n", spec->timestamp_header, ts);
	a->d.headers = buf_steal(&headers);
	a->d.payload = xstrdup(body);
	a->d.at = at;
	a->d.provider = ep->provider->name;
	return (a);
}

/* The same bytes as 'a' once more, for its session. */
static struct attempt *
webhook_attempt_copy(const struct attempt *a)
{
	struct attempt	*c = xcalloc(1, sizeof *c);

	c->e = a->e;
	memcpy(c->session, a->session, sizeof c->session);
	c->session_id = a->session_id;
	c->session_born = a->session_born;
	c->d.event_id = xstrdup(a->d.event_id);
	c->d.type = a->d.type;
	c->d.provider = a->d.provider;
	c->d.refund_id = xstrdup(a->d.refund_id);
	c->d.attempt = a->d.attempt;
	c->d.at = a->d.at;
	c->d.headers = xstrdup(a->d.headers);
	c->d.payload = xstrdup(a->d.payload);
	c->d.rule = a->d.rule != NULL ? xstrdup(a->d.rule) : NULL;
	return (c);
}

/* Queues 'a' (a replay or a copy) to go out once, in its turn with the session's events. */
static void
webhooks_enqueue(struct session *s, const struct provider *p, struct attempt *a)
{
	struct webhooks	*w = s->webhooks;
	struct wevent	*ev = xcalloc(1, sizeof *ev);

	ev->seq = ++w->next_seq;
	snprintf(ev->id, sizeof ev->id, "%s", a->d.event_id);
	ev->provider = p;
	ev->refund_id = xstrdup(a->d.refund_id);
	ev->at = ev->due = clock_now(s->clock);
	ev->ready = a;
	webhooks_add(w, ev);
}

static struct wevent *
webhooks_event(const struct webhooks *w, uint64_t seq)
{
	size_t	i;

	for (i = 0; i < w->nevents; i++) {
		if (w->events[i]->seq == seq)
			return (w->events[i]);
	}
	return (NULL);
}

/* An event's attempt ended with 'a': it is done, or due again on the provider's schedule. */
static void
webhook_event_answered(struct session *s, struct wevent *ev, const struct attempt *a)
{
	const struct webhook_spec	*spec = ev->provider->webhooks;

	/* The provider sent it twice: the same bytes, once more. */
	if (ev->duplicate)
		webhooks_enqueue(s, ev->provider, webhook_attempt_copy(a));
	ev->duplicate = 0;
	ev->bad_signature = 0;
	if (a->d.status >= 200 && a->d.status < 300)
		ev->st = WEVENT_DONE;
	else if ((size_t)ev->attempts <= spec->nretries) {
		ev->due += spec->retry_s[ev->attempts - 1] * 1000;
		ev->st = WEVENT_WAITING;
	} else
		ev->st = WEVENT_DONE;
}

/*
 * The attempt ended with 'status' (0: none).  It is logged only in the
 * session it was made for: if that was dropped or reset meanwhile (another
 * of the same name may be there now), the outcome has no owner and goes.
 */
static void
webhook_attempt_finish(struct attempt *a, int status)
{
	struct webhook_engine	*e = a->e;
	struct session		*s = sessions_find_id(e->sessions, a->session,
	    a->session_id);
	struct wevent		*ev;
	struct timeval		 now = { 0, 0 };

	a->d.status = status;
	metrics_webhook_attempt(status);
	if (status == 0)
		a->d.error = xstrdup(a->error != NULL ? a->error : "no answer");
	if (s != NULL) {
		if (a->event_seq != 0 &&
		    (ev = webhooks_event(s->webhooks, a->event_seq)) != NULL)
			webhook_event_answered(s, ev, a);
		webhooks_log(s->webhooks, &a->d);
		sessions_account(e->sessions, s);
	}
	sessions_release(e->sessions, a->session, a->session_born);
	delivery_release(&a->d);
	evtimer_del(a->deadline);
	a->finished = 1;
	e->inflight--;
	event_base_once(e->base, -1, EV_TIMEOUT, webhook_reap, a, &now);
	webhook_engine_kick(e);
}

static void
webhook_attempt_done(struct evhttp_request *req, void *arg)
{
	webhook_attempt_finish(arg, req != NULL ? evhttp_request_get_response_code(req) : 0);
}

/* Asks the scenario rules about an attempt; 0 to send it now, -1 to hold or drop. */
static int
webhook_rules(struct session *s, size_t i, struct wevent *ev, const struct endpoint *ep)
{
	struct webhooks		*w = s->webhooks;
	struct match_subject	 subj = {
		.provider = ev->provider->name, .operation = "webhook.deliver",
		.method = "POST", .path = ep->path, .header = webhook_header,
	};
	const struct rule	*r;
	json_t			*body;
	char			*cause = NULL;
	size_t			 j;

	if (ev->ruled == ev->attempts + 1 || rules_empty(s->rules))
		return (0);
	ev->ruled = ev->attempts + 1;
	if ((body = jsonx_loads(ev->body, strlen(ev->body), &cause)) == NULL)
		free(cause);
	subj.body = body;
	r = rules_match(s->rules, &subj, &s->rng);
	json_decref(body);
	if (r == NULL)
		return (0);
	free(ev->rule);
	ev->rule = xstrdup(r->name);
	switch (r->action.type) {
	case ACTION_WEBHOOK_DROP: {
		struct delivery d = { 0 };
		d.event_id = xstrdup(ev->id);
		d.type = ev->provider->webhooks->events[ev->state];
		d.provider = ev->provider->name;
		d.refund_id = xstrdup(ev->refund_id);
		d.attempt = ev->attempts + 1;
		d.at = ev->due;
		d.url = xstrdup(ep->url);
		d.error = xasprintf("dropped by scenario rule %s", r->name);
		d.headers = xstrdup("");
		d.payload = xstrdup(ev->body);
		d.rule = xstrdup(r->name);
		webhooks_log(w, &d);
		ev->st = WEVENT_DONE;
		return (-1);
	}
	case ACTION_WEBHOOK_DELAY:
		ev->due += r->action.webhook_delay_ms;
		return (-1);
	case ACTION_WEBHOOK_DUPLICATE:
		ev->duplicate = 1;
		return (0);
	case ACTION_WEBHOOK_BAD_SIGNATURE:
		ev->bad_signature = 1;
		return (0);
	case ACTION_WEBHOOK_REORDER:
		/* Goes after the refund's next event. */
		for (j = i + 1; j < w->nevents; j++) {
			struct wevent *next = w->events[j];
			if (strcmp(next->refund_id, ev->refund_id) != 0 ||
			    next->provider != ev->provider || next->st != WEVENT_WAITING)
				continue;
			memmove(&w->events[i], &w->events[i + 1], (j - i) * sizeof *w->events);
			w->events[j] = ev;
			ev->after_seq = next->seq;
			return (-1);
		}
		return (0);
	default:
		return (0);
	}
}

/* Starts the event at 'i'; 1 if an attempt went on the wire. */
static int
webhook_start(struct webhook_engine *e, struct session *s, size_t i)
{
	struct webhooks		*w = s->webhooks;
	struct wevent		*ev = w->events[i];
	const struct endpoint	*ep = webhooks_endpoint(w, ev->provider);
	const struct refund	*r = NULL;
	const char		*type = ev->provider->webhooks->events[ev->state];
	struct attempt		*a;
	char			 at[CLOCK_TEXT_MAX];
	json_t			*o;

	if (ep == NULL || (ev->ready == NULL &&
	    (r = ledger_refund(s->ledger, ev->provider->name, ev->refund_id)) == NULL)) {
		ev->st = WEVENT_DONE;
		return (0);
	}
	if (ev->ready != NULL) {
		a = ev->ready;
		ev->ready = NULL;
		ev->st = WEVENT_DONE;
		webhook_send(e, a, ep);
		return (1);
	}
	if (ev->body == NULL) {
		o = json_pack("{ss ss ss so}", "id", ev->id, "type", type,
		    ev->provider->webhooks->created_key, clock_format(ev->at, at),
		    "data", ev->provider->webhooks->data(r, ev->at));
		ev->body = jsonx_dumps(o, 0);
		json_decref(o);
	}
	if (webhook_rules(s, i, ev, ep) != 0)
		return (0);
	a = webhook_attempt_new(e, s, ep, ev->body, ev->due, ev->bad_signature);
	a->event_seq = ev->seq;
	a->d.event_id = xstrdup(ev->id);
	a->d.type = type;
	a->d.refund_id = xstrdup(ev->refund_id);
	a->d.attempt = ++ev->attempts;
	a->d.rule = ev->rule != NULL ? xstrdup(ev->rule) : NULL;
	free(ev->rule);
	ev->rule = NULL;
	ev->st = WEVENT_SENDING;
	webhook_send(e, a, ep);
	return (1);
}

/*
 * An event waits while an earlier one of its refund is on the wire, and a
 * reordered one until the event it was put behind has gone out.
 */
static int
webhook_blocked(const struct webhooks *w, size_t i)
{
	const struct wevent	*ev = w->events[i], *other;
	size_t			 j;

	for (j = 0; j < i; j++) {
		other = w->events[j];
		if (strcmp(other->refund_id, ev->refund_id) != 0)
			continue;
		if (other->st == WEVENT_SENDING ||
		    (other->seq == ev->after_seq && other->attempts == 0))
			return (1);
	}
	return (0);
}

/* Attempts of the session named 'name' on the wire (by name: a re-created one shares them). */
static size_t
webhook_session_inflight(const struct webhook_engine *e, const char *name)
{
	const struct attempt	*a;
	size_t			 n = 0;

	LIST_FOREACH(a, &e->attempts, entry) {
		if (!a->finished && strcmp(a->session, name) == 0)
			n++;
	}
	return (n);
}

/* Starts the session's first due event, within its share; 1 if one went on the wire. */
static int
webhook_pump_one(struct webhook_engine *e, struct session *s)
{
	struct webhooks	*w = s->webhooks;
	struct wevent	*ev;
	int64_t		 now = clock_now(s->clock);
	size_t		 i;
	int		 started;

	/* Evicted during this pump (an attempt's accounting made room): nothing more goes. */
	if (sessions_find_id(e->sessions, s->name, s->id) != s ||
	    webhook_session_inflight(e, s->name) >= WEBHOOK_SESSION_INFLIGHT)
		return (0);
	for (i = 0; i < w->nevents; i++) {
		ev = w->events[i];
		if (ev->st != WEVENT_WAITING || (ev->ready == NULL && ev->due > now) ||
		    webhook_blocked(w, i))
			continue;
		/* Starting gives it a body, a rule, or takes its ready attempt. */
		started = webhook_start(e, s, i);
		webhooks_recount(w, ev);
		if (started)
			return (1);
	}
	return (0);
}

static void
webhooks_compact(struct webhooks *w)
{
	size_t	i, n;

	for (i = n = 0; i < w->nevents; i++) {
		if (w->events[i]->st == WEVENT_DONE)
			webhooks_event_free(w, w->events[i]);
		else
			w->events[n++] = w->events[i];
	}
	w->nevents = n;
	webhooks_mark(w);
}

/* The sessions with events to send, gathered for one pump. */
struct webhook_busy {
	struct session	**s;
	size_t		  n;
};

/* The engine's own sessions with events (a test process may hold other registries). */
static void
webhook_busy_gather(const struct webhook_engine *e, struct webhook_busy *b)
{
	struct webhooks	*w;
	struct session	*s;

	TAILQ_FOREACH(w, &webhooks_busy, busy_entry) {
		s = w->owner;
		if (sessions_find_id(e->sessions, s->name, s->id) != s)
			continue;
		b->s = xrealloc(b->s, (b->n + 1) * sizeof *b->s);
		b->s[b->n++] = s;
	}
}

/*
 * Hands out free slots round robin, one event per session per round, and
 * from a different session first each time: a busy session cannot make
 * the others wait for its backlog.
 */
static void
webhook_pump(evutil_socket_t fd, short what, void *arg)
{
	struct webhook_engine	*e = arg;
	struct webhook_busy	 b = { NULL, 0 };
	size_t			 first, k;
	int			 started;

	(void)fd;
	(void)what;
	webhook_busy_gather(e, &b);
	if (b.n == 0)
		return;
	first = e->round++ % b.n;
	do {
		started = 0;
		for (k = 0; k < b.n && e->inflight < WEBHOOK_MAX_INFLIGHT; k++)
			started |= webhook_pump_one(e, b.s[(first + k) % b.n]);
	} while (started && e->inflight < WEBHOOK_MAX_INFLIGHT);
	for (k = 0; k < b.n; k++)
		webhooks_compact(b.s[k]->webhooks);
	free(b.s);
}

struct webhook_engine *
webhook_engine_new(struct event_base *base, struct sessions *sessions)
{
	struct webhook_engine	*e = xcalloc(1, sizeof *e);
	struct timeval		 tv = { 0, WEBHOOK_PUMP_MS * 1000 };

	e->base = base;
	e->sessions = sessions;
	e->deadline.tv_sec = WEBHOOK_DEADLINE_S;
	LIST_INIT(&e->attempts);
	/* Live clocks move by themselves: look for due events now and then. */
	e->pump = event_new(base, -1, EV_PERSIST, webhook_pump, e);
	event_add(e->pump, &tv);
	return (e);
}

void
webhook_engine_free(struct webhook_engine *e)
{
	size_t	i;

	if (e == NULL)
		return;
	while (!LIST_EMPTY(&e->attempts))
		webhook_attempt_free(LIST_FIRST(&e->attempts));
	if (e->dns != NULL)
		evdns_base_free(e->dns, 0);
	event_free(e->pump);
	for (i = 0; i < e->nallow; i++)
		free(e->allow[i]);
	free(e->allow);
	free(e);
}

int
webhook_engine_allow(struct webhook_engine *e, const char *host, char **cause)
{
	struct in6_addr	 a;
	char		*bare = webhook_host_bare(host);
	int		 literal = inet_pton(AF_INET, bare, &a) == 1 ||
	    inet_pton(AF_INET6, bare, &a) == 1;

	free(bare);
	/* Only a name needs a resolver; evdns asks without blocking the loop. */
	if (!literal && e->dns == NULL) {
		e->dns = evdns_base_new(e->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
		    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
		/* With no resolv.conf to read, names in /etc/hosts still resolve. */
		if (e->dns == NULL && (e->dns = evdns_base_new(e->base,
		    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) != NULL)
			evdns_base_load_hosts(e->dns, NULL);
		if (e->dns == NULL) {
			*cause = xasprintf("--webhook-allow %s: no DNS resolver could "
			    "be set up; name the host by its IP address", host);
			return (-1);
		}
	}
	e->allow = xrealloc(e->allow, (e->nallow + 1) * sizeof *e->allow);
	e->allow[e->nallow++] = xstrdup(host);
	return (0);
}

void
webhook_engine_set_deadline(struct webhook_engine *e, int seconds)
{
	e->deadline.tv_sec = seconds;
}

void
webhook_engine_kick(struct webhook_engine *e)
{
	if (e != NULL)
		event_active(e->pump, EV_TIMEOUT, 0);
}

enum webhook_replay
webhook_replay(struct webhook_engine *e, struct session *s, uint64_t id)
{
	struct webhooks		*w = s->webhooks;
	const struct delivery	*d = NULL;
	const struct endpoint	*ep;
	struct attempt		*a;
	size_t			 i, queued = 0;

	for (i = 0; i < w->log_count && d == NULL; i++) {
		if (webhooks_log_at(w, i)->id == id)
			d = webhooks_log_at(w, i);
	}
	if (d == NULL || (ep = webhooks_endpoint(w, provider_find(d->provider))) == NULL)
		return (WEBHOOK_REPLAY_UNKNOWN);
	/* Queued, not sent here: replays take their turn like every event. */
	for (i = 0; i < w->nevents; i++) {
		if (w->events[i]->ready != NULL && w->events[i]->ready->d.attempt == 0)
			queued++;	/* attempt 0: a replay */
	}
	if (queued >= WEBHOOK_REPLAY_QUEUE_MAX)
		return (WEBHOOK_REPLAY_FULL);
	a = webhook_attempt_new(e, s, ep, d->payload, clock_now(s->clock), 0);
	a->d.event_id = xstrdup(d->event_id);
	a->d.type = d->type;
	a->d.refund_id = xstrdup(d->refund_id);
	webhooks_enqueue(s, ep->provider, a);
	webhook_engine_kick(e);
	return (WEBHOOK_REPLAY_QUEUED);
}
