/* Webhooks: signed events on the virtual clock, delivered, retried and logged. */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ids.h"
#include "jsonx.h"
#include "provider.h"
#include "scenario.h"
#include "session.h"
#include "util.h"
#include "version.h"
#include "webhook.h"

#define WEBHOOK_LOG_MAX		10000
#define WEBHOOK_PUMP_MS		50
#define WEBHOOK_TIMEOUT_S	5
/* Attempts on the wire at once; the rest wait their turn (memory stays flat). */
#define WEBHOOK_MAX_INFLIGHT	64

struct endpoint {
	const struct provider	*provider;
	char			*url;
	char			*secret;
	char			*host;
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
	struct endpoint	 *endpoints;
	size_t		  nendpoints;
	struct wevent	**events;
	size_t		  nevents;
	uint64_t	  next_seq;
	uint64_t	  next_delivery;
	uint64_t	  generation;	/* a reset orphans attempts under way */
	struct delivery	 *log;		/* a ring, grown as it fills (head 0 till then) */
	size_t		  log_head, log_count, log_slots;
};

/* An attempt under way on the wire. */
struct attempt {
	struct webhook_engine	 *e;
	char			  session[SESSION_NAME_MAX + 1];
	uint64_t		  generation;
	uint64_t		  event_seq;	/* 0: a replay or a duplicate */
	struct delivery		  d;
	struct evhttp_connection *conn;
	const char		 *error;
	int			  finished;	/* waiting to be reaped */
	LIST_ENTRY(attempt)	  entry;
};

struct webhook_engine {
	struct event_base	*base;
	struct sessions		*sessions;
	struct event		*pump;
	char			**allow;
	size_t			 nallow;
	size_t			 inflight;
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

static void
wevent_free(struct wevent *ev)
{
	free(ev->refund_id);
	free(ev->body);
	free(ev->rule);
	free(ev);
}

static void
endpoint_release(struct endpoint *ep)
{
	free(ep->url);
	free(ep->secret);
	free(ep->host);
	free(ep->path);
}

struct webhooks *
webhooks_new(void)
{
	struct webhooks	*w = xcalloc(1, sizeof *w);

	w->next_delivery = 1;
	return (w);
}

void
webhooks_reset(struct webhooks *w)
{
	size_t	i;

	for (i = 0; i < w->nevents; i++)
		wevent_free(w->events[i]);
	free(w->events);
	w->events = NULL;
	w->nevents = 0;
	for (i = 0; i < w->log_count; i++)
		delivery_release(&w->log[(w->log_head + i) % WEBHOOK_LOG_MAX]);
	w->log_head = w->log_count = 0;
	w->next_delivery = 1;
	w->generation++;
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
	free(w->log);
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

static int
webhook_host_allowed(const struct webhook_engine *e, const char *host)
{
	size_t	i;

	if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	    strncmp(host, "127.", 4) == 0)
		return (1);
	for (i = 0; e != NULL && i < e->nallow; i++) {
		if (strcmp(e->allow[i], host) == 0)
			return (1);
	}
	return (0);
}

int
webhooks_set_endpoint(struct webhooks *w, const struct webhook_engine *e,
    const char *provider, const char *url, const char *secret, char **cause)
{
	const struct provider	*p = provider_find(provider);
	struct evhttp_uri	*u;
	struct endpoint		 ep = { 0 }, *old;
	const char		*host, *path, *query;

	if (p == NULL || p->webhooks == NULL) {
		*cause = xasprintf("provider: '%s' documents no webhooks (smartretry "
		    "and accelebit do)", provider);
		return (-1);
	}
	if ((u = evhttp_uri_parse(url)) == NULL ||
	    evhttp_uri_get_scheme(u) == NULL ||
	    strcmp(evhttp_uri_get_scheme(u), "http") != 0 ||
	    (host = evhttp_uri_get_host(u)) == NULL || *host == '\0') {
		*cause = xasprintf("url: '%s' is not an http://host[:port]/path URL", url);
		goto out_fail;
	}
	if (!webhook_host_allowed(e, host)) {
		*cause = xasprintf("url: host '%s' is not loopback; allow it with "
		    "--webhook-allow %s", host, host);
		goto out_fail;
	}
	path = evhttp_uri_get_path(u);
	query = evhttp_uri_get_query(u);
	ep.provider = p;
	ep.url = xstrdup(url);
	ep.secret = xstrdup(secret != NULL ? secret : WEBHOOK_DEFAULT_SECRET);
	ep.host = xstrdup(host);
	ep.port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 80;
	ep.path = xasprintf("%s%s%s", path != NULL && *path != '\0' ? path : "/",
	    query != NULL ? "?" : "", query != NULL ? query : "");
	evhttp_uri_free(u);
	if ((old = webhooks_endpoint(w, p)) != NULL) {
		endpoint_release(old);
		*old = ep;
	} else {
		w->endpoints = xrealloc(w->endpoints,
		    (w->nendpoints + 1) * sizeof *w->endpoints);
		w->endpoints[w->nendpoints++] = ep;
	}
	return (0);
out_fail:
	if (u != NULL)
		evhttp_uri_free(u);
	return (-1);
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

static json_t *
delivery_headers_json(const char *text)
{
	json_t		*o = json_object();
	const char	*line, *colon, *end;
	char		*name;

	for (line = text; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		colon = strstr(line, ": ");
		name = xstrndup(line, (size_t)(colon - line));
		json_object_set_new(o, name, json_stringn(colon + 2,
		    (size_t)(end - colon - 2)));
		free(name);
	}
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
		    delivery_json(&w->log[(w->log_head + i) % WEBHOOK_LOG_MAX]));
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

/* Takes the delivery's contents; gives it the next id. */
static uint64_t
webhooks_log(struct webhooks *w, struct delivery *d)
{
	struct delivery	*slot;

	if (w->log_count == w->log_slots && w->log_slots < WEBHOOK_LOG_MAX) {
		w->log_slots = w->log_slots == 0 ? 16 : w->log_slots * 2;
		if (w->log_slots > WEBHOOK_LOG_MAX)
			w->log_slots = WEBHOOK_LOG_MAX;
		w->log = xrealloc(w->log, w->log_slots * sizeof *w->log);
	}
	if (w->log_count == WEBHOOK_LOG_MAX) {
		delivery_release(&w->log[w->log_head]);
		w->log_head = (w->log_head + 1) % WEBHOOK_LOG_MAX;
		w->log_count--;
	}
	slot = &w->log[(w->log_head + w->log_count++) % WEBHOOK_LOG_MAX];
	*slot = *d;
	slot->id = w->next_delivery++;
	memset(d, 0, sizeof *d);
	return (slot->id);
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
		w->events = xrealloc(w->events, (w->nevents + 1) * sizeof *w->events);
		w->events[w->nevents++] = ev;
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
	delivery_release(&a->d);
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

static void
webhook_attempt_error(enum evhttp_request_error err, void *arg)
{
	static const char *const words[] = {
		[EVREQ_HTTP_TIMEOUT] = "timeout",
		[EVREQ_HTTP_EOF] = "connection closed or refused",
		[EVREQ_HTTP_INVALID_HEADER] = "invalid reply",
		[EVREQ_HTTP_BUFFER_ERROR] = "connection failed",
		[EVREQ_HTTP_REQUEST_CANCEL] = "cancelled",
		[EVREQ_HTTP_DATA_TOO_LONG] = "reply too long",
	};
	struct attempt	*a = arg;

	a->error = (size_t)err < nitems(words) && words[err] != NULL ?
	    words[err] : "failed";
}

/* Puts an attempt on the wire; it owns 'a' from here on. */
static void
webhook_send(struct webhook_engine *e, struct attempt *a, const struct endpoint *ep)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*out;
	const char		*line, *colon, *end;
	char			*name, *value;

	LIST_INSERT_HEAD(&e->attempts, a, entry);
	e->inflight++;
	a->conn = evhttp_connection_base_new(e->base, NULL, ep->host,
	    (unsigned short)ep->port);
	evhttp_connection_set_timeout(a->conn, WEBHOOK_TIMEOUT_S);
	evhttp_connection_set_retries(a->conn, 0);
	req = evhttp_request_new(webhook_attempt_done, a);
	evhttp_request_set_error_cb(req, webhook_attempt_error);
	out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Host", ep->host);
	evhttp_add_header(out, "Connection", "close");
	for (line = a->d.headers; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		colon = strstr(line, ": ");
		name = xstrndup(line, (size_t)(colon - line));
		value = xstrndup(colon + 2, (size_t)(end - colon - 2));
		evhttp_add_header(out, name, value);
		free(name);
		free(value);
	}
	evbuffer_add(evhttp_request_get_output_buffer(req), a->d.payload,
	    strlen(a->d.payload));
	if (evhttp_make_request(a->conn, req, EVHTTP_REQ_POST, ep->path) != 0) {
		a->error = "cannot send";
		webhook_attempt_done(NULL, a);
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
	a->generation = s->webhooks->generation;
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
	a->d.url = xstrdup(ep->url);
	a->d.at = at;
	a->d.provider = ep->provider->name;
	return (a);
}

static struct wevent *
webhooks_event(const struct webhooks *w, uint64_t seq, size_t *index)
{
	size_t	i;

	for (i = 0; i < w->nevents; i++) {
		if (w->events[i]->seq == seq) {
			if (index != NULL)
				*index = i;
			return (w->events[i]);
		}
	}
	return (NULL);
}

static void
webhook_attempt_done(struct evhttp_request *req, void *arg)
{
	struct attempt			*a = arg;
	struct webhook_engine		*e = a->e;
	struct session			*s = sessions_find(e->sessions, a->session);
	const struct webhook_spec	*spec;
	struct wevent			*ev;
	struct timeval			 now = { 0, 0 };
	int				 dup = 0;

	a->d.status = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (a->d.status == 0)
		a->d.error = xstrdup(a->error != NULL ? a->error : "no answer");
	if (s != NULL && s->webhooks->generation == a->generation) {
		ev = a->event_seq != 0 ? webhooks_event(s->webhooks, a->event_seq, NULL) : NULL;
		if (ev != NULL) {
			spec = ev->provider->webhooks;
			dup = ev->duplicate;
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
		if (dup) {
			/* The provider sent it twice: the same bytes, once more. */
			struct attempt *copy = xcalloc(1, sizeof *copy);
			*copy = *a;
			copy->event_seq = 0;
			copy->d.event_id = xstrdup(a->d.event_id);
			copy->d.refund_id = xstrdup(a->d.refund_id);
			copy->d.url = xstrdup(a->d.url);
			copy->d.headers = xstrdup(a->d.headers);
			copy->d.payload = xstrdup(a->d.payload);
			copy->d.rule = a->d.rule != NULL ? xstrdup(a->d.rule) : NULL;
			copy->d.status = 0;
			copy->d.error = NULL;
			copy->error = NULL;
			webhook_send(e, copy, webhooks_endpoint(s->webhooks,
			    provider_find(a->d.provider)));
		}
		webhooks_log(s->webhooks, &a->d);
	}
	delivery_release(&a->d);
	a->finished = 1;
	e->inflight--;
	event_base_once(e->base, -1, EV_TIMEOUT, webhook_reap, a, &now);
	webhook_engine_kick(e);
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

static void
webhook_start(struct webhook_engine *e, struct session *s, size_t i)
{
	struct webhooks		*w = s->webhooks;
	struct wevent		*ev = w->events[i];
	const struct endpoint	*ep = webhooks_endpoint(w, ev->provider);
	const struct refund	*r = ledger_refund(s->ledger, ev->provider->name,
	    ev->refund_id);
	const char		*type = ev->provider->webhooks->events[ev->state];
	struct attempt		*a;
	char			 at[CLOCK_TEXT_MAX];
	json_t			*o;

	if (ep == NULL || r == NULL) {
		ev->st = WEVENT_DONE;
		return;
	}
	if (ev->body == NULL) {
		o = json_pack("{ss ss ss so}", "id", ev->id, "type", type,
		    ev->provider->webhooks->created_key, clock_format(ev->at, at),
		    "data", ev->provider->webhooks->data(r, ev->at));
		ev->body = jsonx_dumps(o, 0);
		json_decref(o);
	}
	if (webhook_rules(s, i, ev, ep) != 0)
		return;
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

static void
webhook_pump_session(struct session *s, void *arg)
{
	struct webhook_engine	*e = arg;
	struct webhooks		*w = s->webhooks;
	int64_t		 now;
	size_t		 i, n;

	if (w->nevents == 0)
		return;
	now = clock_now(s->clock);
	for (i = 0; i < w->nevents && e->inflight < WEBHOOK_MAX_INFLIGHT; i++) {
		if (w->events[i]->st == WEVENT_WAITING && w->events[i]->due <= now &&
		    !webhook_blocked(w, i))
			webhook_start(e, s, i);
	}
	for (i = n = 0; i < w->nevents; i++) {
		if (w->events[i]->st == WEVENT_DONE)
			wevent_free(w->events[i]);
		else
			w->events[n++] = w->events[i];
	}
	w->nevents = n;
}

static void
webhook_pump(evutil_socket_t fd, short what, void *arg)
{
	struct webhook_engine	*e = arg;

	(void)fd;
	(void)what;
	sessions_each(e->sessions, webhook_pump_session, e);
}

struct webhook_engine *
webhook_engine_new(struct event_base *base, struct sessions *sessions)
{
	struct webhook_engine	*e = xcalloc(1, sizeof *e);
	struct timeval		 tv = { 0, WEBHOOK_PUMP_MS * 1000 };

	e->base = base;
	e->sessions = sessions;
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
	event_free(e->pump);
	for (i = 0; i < e->nallow; i++)
		free(e->allow[i]);
	free(e->allow);
	free(e);
}

void
webhook_engine_allow(struct webhook_engine *e, const char *host)
{
	e->allow = xrealloc(e->allow, (e->nallow + 1) * sizeof *e->allow);
	e->allow[e->nallow++] = xstrdup(host);
}

void
webhook_engine_kick(struct webhook_engine *e)
{
	if (e != NULL)
		event_active(e->pump, EV_TIMEOUT, 0);
}

int
webhook_replay(struct webhook_engine *e, struct session *s, uint64_t id)
{
	struct webhooks		*w = s->webhooks;
	const struct delivery	*d = NULL;
	const struct endpoint	*ep;
	struct attempt		*a;
	size_t			 i;

	for (i = 0; i < w->log_count && d == NULL; i++) {
		if (w->log[(w->log_head + i) % WEBHOOK_LOG_MAX].id == id)
			d = &w->log[(w->log_head + i) % WEBHOOK_LOG_MAX];
	}
	if (d == NULL || (ep = webhooks_endpoint(w, provider_find(d->provider))) == NULL)
		return (-1);
	a = webhook_attempt_new(e, s, ep, d->payload, clock_now(s->clock), 0);
	a->d.event_id = xstrdup(d->event_id);
	a->d.type = d->type;
	a->d.refund_id = xstrdup(d->refund_id);
	webhook_send(e, a, ep);
	return (0);
}
