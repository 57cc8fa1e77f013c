/* One session's webhooks at rest: endpoints, the queue of events, the delivery log. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ids.h"
#include "jsonx.h"
#include "provider.h"
#include "util.h"
#include "webhook_store.h"

#define WEBHOOK_LOG_MAX		10000
#define WEBHOOK_LOG_FIRST_SLOTS	16

struct webhooks {
	struct session		 *owner;
	TAILQ_ENTRY(webhooks)	  busy_entry;	/* on webhooks_busy while it has events */
	int			  busy;
	struct webhook_endpoint	 *endpoints;
	size_t			  nendpoints;
	struct webhook_event	**events;
	size_t			  nevents;
	uint64_t		  next_seq;
	uint64_t		  next_delivery;
	struct webhook_delivery	 *log;		/* a ring, grown as it fills */
	size_t			  log_head, log_count, log_slots;
	size_t			  events_slots;	/* 'events' as allocated */
	size_t			  bytes;	/* the endpoints', events' and log's contents */
};

/*
 * The stores with events, so that a pump costs what is queued, not the
 * number of sessions: a farm keeps thousands, most of them quiet.
 */
static TAILQ_HEAD(, webhooks) webhooks_busy = TAILQ_HEAD_INITIALIZER(webhooks_busy);

void
webhook_delivery_release(struct webhook_delivery *d)
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
webhook_delivery_free(struct webhook_delivery *d)
{
	if (d == NULL)
		return;
	webhook_delivery_release(d);
	free(d);
}

/* The same bytes once more, to go out again: no id, URL or outcome yet (heap). */
static struct webhook_delivery *
webhook_delivery_copy(const struct webhook_delivery *d)
{
	struct webhook_delivery	*c = xcalloc(1, sizeof *c);

	c->event_id = xstrdup(d->event_id);
	c->type = d->type;
	c->provider = d->provider;
	c->refund_id = xstrdup(d->refund_id);
	c->attempt = d->attempt;
	c->at = d->at;
	c->headers = xstrdup(d->headers);
	c->payload = xstrdup(d->payload);
	c->rule = d->rule != NULL ? xstrdup(d->rule) : NULL;
	return (c);
}

static size_t
webhook_delivery_bytes(const struct webhook_delivery *d)
{
	return (str_bytes(d->event_id) + str_bytes(d->refund_id) + str_bytes(d->url) +
	    str_bytes(d->error) + str_bytes(d->headers) + str_bytes(d->payload) +
	    str_bytes(d->rule));
}

static void
webhook_event_free(struct webhook_event *ev)
{
	free(ev->refund_id);
	free(ev->body);
	free(ev->rule);
	webhook_delivery_free(ev->ready);
	free(ev);
}

static size_t
webhook_event_bytes(const struct webhook_event *ev)
{
	return (sizeof *ev + ALLOC_OVERHEAD + str_bytes(ev->refund_id) +
	    str_bytes(ev->body) + str_bytes(ev->rule) + (ev->ready != NULL ?
	    sizeof *ev->ready + ALLOC_OVERHEAD + webhook_delivery_bytes(ev->ready) : 0));
}

static size_t
webhook_endpoint_bytes(const struct webhook_endpoint *ep)
{
	return (str_bytes(ep->url) + str_bytes(ep->secret) + str_bytes(ep->addr) +
	    str_bytes(ep->authority) + str_bytes(ep->path));
}

void
webhook_endpoint_release(struct webhook_endpoint *ep)
{
	free(ep->url);
	free(ep->secret);
	free(ep->addr);
	free(ep->authority);
	free(ep->path);
}

void
webhooks_recount(struct webhooks *w, struct webhook_event *ev)
{
	w->bytes -= ev->bytes;
	ev->bytes = webhook_event_bytes(ev);
	w->bytes += ev->bytes;
}

static void
webhooks_event_free(struct webhooks *w, struct webhook_event *ev)
{
	w->bytes -= ev->bytes;
	webhook_event_free(ev);
}

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
webhooks_busy_first(void)
{
	return (TAILQ_FIRST(&webhooks_busy));
}

struct webhooks *
webhooks_busy_next(const struct webhooks *w)
{
	return (TAILQ_NEXT(w, busy_entry));
}

struct session *
webhooks_owner(const struct webhooks *w)
{
	return (w->owner);
}

/* The log's 'i'th delivery, the oldest first. */
static struct webhook_delivery *
webhooks_log_at(const struct webhooks *w, size_t i)
{
	return (&w->log[(w->log_head + i) % w->log_slots]);
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
		w->bytes -= webhook_delivery_bytes(webhooks_log_at(w, i));
		webhook_delivery_release(webhooks_log_at(w, i));
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
		webhook_endpoint_release(&w->endpoints[i]);
	free(w->endpoints);
	free(w);
}

const struct webhook_endpoint *
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

void
webhooks_endpoint_put(struct webhooks *w, struct webhook_endpoint *ep)
{
	struct webhook_endpoint	*old = NULL;
	size_t			 i;

	for (i = 0; i < w->nendpoints && old == NULL; i++) {
		if (w->endpoints[i].provider == ep->provider)
			old = &w->endpoints[i];
	}
	w->bytes += webhook_endpoint_bytes(ep);
	if (old != NULL) {
		w->bytes -= webhook_endpoint_bytes(old);
		webhook_endpoint_release(old);
		*old = *ep;
	} else {
		w->endpoints = xrealloc(w->endpoints,
		    (w->nendpoints + 1) * sizeof *w->endpoints);
		w->endpoints[w->nendpoints++] = *ep;
	}
	memset(ep, 0, sizeof *ep);
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
webhook_delivery_header_json(const char *name, const char *value, void *o)
{
	json_object_set_new(o, name, json_string(value));
}

static json_t *
webhook_delivery_json(const struct webhook_delivery *d)
{
	char	 at[CLOCK_TEXT_MAX], *cause = NULL;
	json_t	*payload = jsonx_loads(d->payload, strlen(d->payload), &cause);
	json_t	*headers = json_object();

	free(cause);
	headers_each(d->headers, webhook_delivery_header_json, headers);
	return (json_pack("{sI ss ss ss ss si ss ss so so so so so}",
	    "id", (json_int_t)d->id, "event_id", d->event_id, "event", d->type,
	    "provider", d->provider, "refund_id", d->refund_id,
	    "attempt", d->attempt, "at", clock_format(d->at, at), "url", d->url,
	    "status", d->status > 0 ? json_integer(d->status) : json_null(),
	    "error", d->error != NULL ? json_string(d->error) : json_null(),
	    "headers", headers,
	    "payload", payload != NULL ? payload : json_string(d->payload),
	    "rule", d->rule != NULL ? json_string(d->rule) : json_null()));
}

json_t *
webhooks_deliveries_json(const struct webhooks *w)
{
	json_t	*list = json_array();
	size_t	 i;

	for (i = 0; i < w->log_count; i++)
		json_array_append_new(list, webhook_delivery_json(webhooks_log_at(w, i)));
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

uint64_t
webhooks_log(struct webhooks *w, struct webhook_delivery *d)
{
	struct webhook_delivery	*slot;
	size_t			 slots;

	if (w->log_count == w->log_slots && w->log_slots < WEBHOOK_LOG_MAX) {
		slots = w->log_slots == 0 ? WEBHOOK_LOG_FIRST_SLOTS : w->log_slots * 2;
		if (slots > WEBHOOK_LOG_MAX)
			slots = WEBHOOK_LOG_MAX;
		w->log = ring_grow(w->log, sizeof *w->log, w->log_head, w->log_count,
		    w->log_slots, slots);
		w->log_slots = slots;
		w->log_head = 0;
	}
	if (w->log_count == WEBHOOK_LOG_MAX) {
		w->bytes -= webhook_delivery_bytes(&w->log[w->log_head]);
		webhook_delivery_release(&w->log[w->log_head]);
		w->log_head = (w->log_head + 1) % w->log_slots;
		w->log_count--;
	}
	slot = webhooks_log_at(w, w->log_count++);
	*slot = *d;
	slot->id = w->next_delivery++;
	w->bytes += webhook_delivery_bytes(slot);
	memset(d, 0, sizeof *d);
	return (slot->id);
}

const struct webhook_delivery *
webhooks_log_find(const struct webhooks *w, uint64_t id)
{
	size_t	i;

	for (i = 0; i < w->log_count; i++) {
		if (webhooks_log_at(w, i)->id == id)
			return (webhooks_log_at(w, i));
	}
	return (NULL);
}

static void
webhooks_add(struct webhooks *w, struct webhook_event *ev)
{
	/* Doubling: a receiver that is down lets events pile up, one per refund step. */
	if (w->nevents == w->events_slots) {
		w->events_slots = w->events_slots != 0 ? w->events_slots * 2 : 8;
		w->events = xrealloc(w->events, w->events_slots * sizeof *w->events);
	}
	w->events[w->nevents++] = ev;
	webhooks_recount(w, ev);
	webhooks_mark(w);
}

void
webhooks_queue_refund(struct webhooks *w, struct rng *rng, const struct provider *p,
    const struct refund *r)
{
	struct webhook_event	*ev;
	char			 hex[25];
	int			 i;

	if (p == NULL || p->webhooks == NULL || webhooks_endpoint(w, p) == NULL)
		return;
	for (i = 0; i < r->nsteps; i++) {
		if (p->webhooks->events[r->steps[i].state] == NULL)
			continue;
		ev = xcalloc(1, sizeof *ev);
		ev->seq = ++w->next_seq;
		snprintf(ev->id, sizeof ev->id, "evt_%s", ids_hex(rng, 24, hex));
		ev->provider = p;
		ev->refund_id = xstrdup(r->id);
		ev->state = r->steps[i].state;
		ev->at = ev->due = r->steps[i].at_ms;
		webhooks_add(w, ev);
	}
}

void
webhooks_enqueue(struct webhooks *w, const struct provider *p,
    struct webhook_delivery *ready, int64_t now)
{
	struct webhook_event	*ev = xcalloc(1, sizeof *ev);

	ev->seq = ++w->next_seq;
	snprintf(ev->id, sizeof ev->id, "%s", ready->event_id);
	ev->provider = p;
	ev->refund_id = xstrdup(ready->refund_id);
	ev->at = ev->due = now;
	ev->ready = ready;
	webhooks_add(w, ev);
}

size_t
webhooks_replays_queued(const struct webhooks *w)
{
	size_t	i, n = 0;

	for (i = 0; i < w->nevents; i++) {
		if (w->events[i]->ready != NULL && w->events[i]->ready->attempt == 0)
			n++;	/* attempt 0: a replay */
	}
	return (n);
}

struct webhook_event *
webhooks_event_at(const struct webhooks *w, size_t i)
{
	return (w->events[i]);
}

struct webhook_event *
webhooks_event(const struct webhooks *w, uint64_t seq)
{
	size_t	i;

	for (i = 0; i < w->nevents; i++) {
		if (w->events[i]->seq == seq)
			return (w->events[i]);
	}
	return (NULL);
}

/*
 * An event waits while an earlier one of its refund is on the wire, and a
 * reordered one until the event it was put behind has gone out.
 */
static int
webhooks_blocked(const struct webhooks *w, size_t i)
{
	const struct webhook_event	*ev = w->events[i], *other;
	size_t				 j;

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

int
webhooks_due(const struct webhooks *w, size_t i, int64_t now)
{
	const struct webhook_event	*ev = w->events[i];

	return (ev->st == WEVENT_WAITING && (ev->ready != NULL || ev->due <= now) &&
	    !webhooks_blocked(w, i));
}

int
webhooks_reorder(struct webhooks *w, size_t i)
{
	struct webhook_event	*ev = w->events[i], *next;
	size_t			 j;

	for (j = i + 1; j < w->nevents; j++) {
		next = w->events[j];
		if (strcmp(next->refund_id, ev->refund_id) != 0 ||
		    next->provider != ev->provider || next->st != WEVENT_WAITING)
			continue;
		memmove(&w->events[i], &w->events[i + 1], (j - i) * sizeof *w->events);
		w->events[j] = ev;
		ev->after_seq = next->seq;
		return (1);
	}
	return (0);
}

void
webhooks_answered(struct webhooks *w, struct webhook_event *ev,
    const struct webhook_delivery *d, int64_t now)
{
	const struct webhook_spec	*spec = ev->provider->webhooks;

	/* The provider sent it twice: the same bytes, once more. */
	if (ev->duplicate)
		webhooks_enqueue(w, ev->provider, webhook_delivery_copy(d), now);
	ev->duplicate = 0;
	ev->bad_signature = 0;
	if (d->status >= 200 && d->status < 300)
		ev->st = WEVENT_DONE;
	else if ((size_t)ev->attempts <= spec->nretries) {
		ev->due += spec->retry_s[ev->attempts - 1] * 1000;
		ev->st = WEVENT_WAITING;
	} else
		ev->st = WEVENT_DONE;
}

void
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
