/*
 * The webhook delivery engine: takes due events from the sessions' stores
 * (webhook_store.c), signs them, sends them with libevent's HTTP client
 * within the slots and deadlines, and logs what came back.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "jsonx.h"
#include "metrics.h"
#include "provider.h"
#include "scenario.h"
#include "session.h"
#include "util.h"
#include "webhook.h"
#include "webhook_payload.h"

#define WEBHOOK_PUMP_MS		50
/*
 * Attempts on the wire at once, and one session's share of them: the rest
 * wait their turn (memory and descriptors stay flat), and a session whose
 * receiver stalls holds at most its share, never the others' slots.
 */
#define WEBHOOK_MAX_INFLIGHT	64
#define WEBHOOK_SESSION_INFLIGHT 8
#define WEBHOOK_REPLY_HEAD_MAX	16384

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
	struct webhook_delivery	  d;
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
webhook_url_check(const struct webhook_engine *e, const char *url,
    struct webhook_endpoint *ep)
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
	struct webhook_endpoint	 ep = { 0 };

	if (p == NULL || p->webhooks == NULL) {
		*cause = webhook_no_spec(provider);
		return (-1);
	}
	if ((*cause = webhook_url_check(e, url, &ep)) != NULL) {
		webhook_endpoint_release(&ep);
		return (-1);
	}
	ep.provider = p;
	ep.url = xstrdup(url);
	ep.secret = xstrdup(secret != NULL ? secret : WEBHOOK_DEFAULT_SECRET);
	webhooks_endpoint_put(w, &ep);
	return (0);
}

void
webhooks_schedule(struct session *s, const char *provider, const struct refund *r)
{
	webhooks_queue_refund(s->webhooks, &s->rng, provider_find(provider), r);
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
	webhook_delivery_release(&a->d);
	free(a);
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
webhook_send(struct webhook_engine *e, struct attempt *a,
    const struct webhook_endpoint *ep)
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

/* An attempt for session 's', taking the contents of 'd'. */
static struct attempt *
webhook_attempt_new(struct webhook_engine *e, const struct session *s,
    struct webhook_delivery *d)
{
	struct attempt	*a = xcalloc(1, sizeof *a);

	a->e = e;
	snprintf(a->session, sizeof a->session, "%s", s->name);
	a->session_id = s->id;
	a->session_born = s->born;
	a->d = *d;
	memset(d, 0, sizeof *d);
	return (a);
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
	struct webhook_event	*ev;
	struct timeval		 now = { 0, 0 };

	a->d.status = status;
	metrics_webhook_attempt(status);
	if (status == 0)
		a->d.error = xstrdup(a->error != NULL ? a->error : "no answer");
	if (s != NULL) {
		if (a->event_seq != 0 &&
		    (ev = webhooks_event(s->webhooks, a->event_seq)) != NULL)
			webhooks_answered(s->webhooks, ev, &a->d, clock_now(s->clock));
		webhooks_log(s->webhooks, &a->d);
		sessions_account(e->sessions, s);
	}
	sessions_release(e->sessions, a->session, a->session_born);
	webhook_delivery_release(&a->d);
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

/* A rule dropped the attempt: logged as never sent, and the event is done. */
static void
webhook_drop(struct webhooks *w, struct webhook_event *ev,
    const struct webhook_endpoint *ep, const char *rule)
{
	struct webhook_delivery	d = { 0 };

	d.event_id = xstrdup(ev->id);
	d.type = ev->provider->webhooks->events[ev->state];
	d.provider = ev->provider->name;
	d.refund_id = xstrdup(ev->refund_id);
	d.attempt = ev->attempts + 1;
	d.at = ev->due;
	d.url = xstrdup(ep->url);
	d.error = xasprintf("dropped by scenario rule %s", rule);
	d.headers = xstrdup("");
	d.payload = xstrdup(ev->body);
	d.rule = xstrdup(rule);
	webhooks_log(w, &d);
	ev->st = WEVENT_DONE;
}

/* Asks the scenario rules about an attempt; 0 to send it now, -1 to hold or drop. */
static int
webhook_rules(struct session *s, size_t i, struct webhook_event *ev,
    const struct webhook_endpoint *ep)
{
	struct webhooks		*w = s->webhooks;
	struct match_subject	 subj = {
		.provider = ev->provider->name, .operation = "webhook.deliver",
		.method = "POST", .path = ep->path, .header = webhook_header,
	};
	const struct rule	*r;
	json_t			*body;
	char			*cause = NULL;

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
	case ACTION_WEBHOOK_DROP:
		webhook_drop(w, ev, ep, r->name);
		return (-1);
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
		return (webhooks_reorder(w, i) ? -1 : 0);
	default:
		return (0);
	}
}

/* Starts the event at 'i'; 1 if an attempt went on the wire. */
static int
webhook_start(struct webhook_engine *e, struct session *s, size_t i)
{
	struct webhooks			*w = s->webhooks;
	struct webhook_event		*ev = webhooks_event_at(w, i);
	const struct webhook_endpoint	*ep = webhooks_endpoint(w, ev->provider);
	const struct refund		*r = NULL;
	struct webhook_delivery		 d = { 0 };
	struct attempt			*a;

	if (ep == NULL || (ev->ready == NULL &&
	    (r = ledger_refund(s->ledger, ev->provider->name, ev->refund_id)) == NULL)) {
		ev->st = WEVENT_DONE;
		return (0);
	}
	if (ev->ready != NULL) {
		a = webhook_attempt_new(e, s, ev->ready);
		free(ev->ready);
		ev->ready = NULL;
		ev->st = WEVENT_DONE;
		webhook_send(e, a, ep);
		return (1);
	}
	if (ev->body == NULL)
		ev->body = webhook_payload_body(ev, r);
	if (webhook_rules(s, i, ev, ep) != 0)
		return (0);
	webhook_payload_sign(&d, ep, ev->body, ev->due, ev->bad_signature);
	d.event_id = xstrdup(ev->id);
	d.type = ev->provider->webhooks->events[ev->state];
	d.refund_id = xstrdup(ev->refund_id);
	d.attempt = ++ev->attempts;
	d.rule = ev->rule;
	ev->rule = NULL;
	ev->st = WEVENT_SENDING;
	a = webhook_attempt_new(e, s, &d);
	a->event_seq = ev->seq;
	webhook_send(e, a, ep);
	return (1);
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
	struct webhooks		*w = s->webhooks;
	struct webhook_event	*ev;
	int64_t			 now = clock_now(s->clock);
	size_t		 i;
	int		 started;

	/* Evicted during this pump (an attempt's accounting made room): nothing more goes. */
	if (sessions_find_id(e->sessions, s->name, s->id) != s ||
	    webhook_session_inflight(e, s->name) >= WEBHOOK_SESSION_INFLIGHT)
		return (0);
	for (i = 0; i < webhooks_pending_count(w); i++) {
		if (!webhooks_due(w, i, now))
			continue;
		ev = webhooks_event_at(w, i);
		/* Starting gives it a body, a rule, or takes its ready delivery. */
		started = webhook_start(e, s, i);
		webhooks_recount(w, ev);
		if (started)
			return (1);
	}
	return (0);
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

	for (w = webhooks_busy_first(); w != NULL; w = webhooks_busy_next(w)) {
		s = webhooks_owner(w);
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
	struct webhooks			*w = s->webhooks;
	const struct webhook_delivery	*d = webhooks_log_find(w, id);
	const struct webhook_endpoint	*ep;
	struct webhook_delivery		*ready;
	int64_t				 now = clock_now(s->clock);

	if (d == NULL || (ep = webhooks_endpoint(w, provider_find(d->provider))) == NULL)
		return (WEBHOOK_REPLAY_UNKNOWN);
	/* Queued, not sent here: replays take their turn like every event. */
	if (webhooks_replays_queued(w) >= WEBHOOK_REPLAY_QUEUE_MAX)
		return (WEBHOOK_REPLAY_FULL);
	ready = xcalloc(1, sizeof *ready);
	webhook_payload_sign(ready, ep, d->payload, now, 0);
	ready->event_id = xstrdup(d->event_id);
	ready->type = d->type;
	ready->refund_id = xstrdup(d->refund_id);
	webhooks_enqueue(w, ep->provider, ready, now);
	webhook_engine_kick(e);
	return (WEBHOOK_REPLAY_QUEUED);
}
