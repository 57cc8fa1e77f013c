/*
 * One session's webhooks at rest: its endpoints, the events waiting to go
 * (replays and copies included) and the delivery log.  The session owns
 * its store; the delivery engine (webhook.h) takes events from it, puts
 * them on the wire and logs what came back.  No sockets, no timers, no
 * sessions registry here.
 */
#ifndef PAYMOCK_WEBHOOK_STORE_H
#define PAYMOCK_WEBHOOK_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"

#define WEBHOOK_DEFAULT_SECRET	"whsec_paymock_test"
#define WEBHOOK_MAX_RETRIES	8
/* Replays one session may have waiting for a slot. */
#define WEBHOOK_REPLAY_QUEUE_MAX 256

/* How a provider signs: "t=<unix s>,v1=<hex>" or "sha256=<hex>" plus a timestamp header. */
enum webhook_signature {
	WEBHOOK_SIG_T_V1,
	WEBHOOK_SIG_SHA256,
};

struct webhook_spec {
	const char		*events[5];	/* by refund_state; NULL: none */
	json_t			*(*data)(const struct refund *, int64_t at);
	const char		*created_key;	/* "created_at" or "createdAt" */
	enum webhook_signature	 signature;
	const char		*signature_header;
	const char		*timestamp_header; /* or NULL */
	int64_t			 retry_s[WEBHOOK_MAX_RETRIES]; /* gaps between attempts */
	size_t			 nretries;
};

struct webhooks;		/* one session's endpoints, queue and log */
struct provider;
struct rng;
struct session;

/* 'owner' is the session the store belongs to (it outlives the store). */
struct webhooks	*webhooks_new(struct session *owner);
void		 webhooks_free(struct webhooks *);
/* Forgets queued events and the log; endpoints stay (they are configuration). */
void		 webhooks_reset(struct webhooks *);
int		 webhooks_has_endpoint(const struct webhooks *, const char *provider);
json_t		*webhooks_endpoints_json(const struct webhooks *);
json_t		*webhooks_deliveries_json(const struct webhooks *);
/* Attempts in the log, and events still waiting or on the wire. */
size_t		 webhooks_delivery_count(const struct webhooks *);
size_t		 webhooks_pending_count(const struct webhooks *);
/*
 * What the store holds: endpoints, events waiting (replays included) and
 * the delivery log; attempts on the wire are the engine's.  Counted as it
 * changes.
 */
size_t		 webhooks_bytes(const struct webhooks *);

/* The engine's side: the records it reads and fills. */

struct webhook_endpoint {
	const struct provider	*provider;
	char			*url;
	char			*secret;
	char			*addr;		/* what to connect to */
	char			*authority;	/* the Host header: host[:port] as given */
	int			 port;
	char			*path;		/* with the query */
};

/* One attempt as logged; the engine fills it, the log takes its contents. */
struct webhook_delivery {
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

enum webhook_event_state {
	WEVENT_WAITING,
	WEVENT_SENDING,
	WEVENT_DONE,
};

/* One event and its attempts so far. */
struct webhook_event {
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
	enum webhook_event_state st;
	char			*body;
	struct webhook_delivery	*ready;		/* a replay or a copy: these bytes, once */
	size_t			 bytes;		/* what it holds, as last counted */
};

void		 webhook_delivery_release(struct webhook_delivery *);
void		 webhook_endpoint_release(struct webhook_endpoint *);

const struct webhook_endpoint *webhooks_endpoint(const struct webhooks *,
		     const struct provider *);
/* Sets the endpoint of 'ep->provider', taking the contents of 'ep'. */
void		 webhooks_endpoint_put(struct webhooks *, struct webhook_endpoint *);

/* Queues the events of refund 'r' of 'p', one per planned step that has one. */
void		 webhooks_queue_refund(struct webhooks *, struct rng *,
		     const struct provider *, const struct refund *r);
/* Queues 'ready' (heap, taken) to go out once at 'now', in its turn with the events. */
void		 webhooks_enqueue(struct webhooks *, const struct provider *,
		     struct webhook_delivery *ready, int64_t now);
/* Replays waiting (queued, not yet sent). */
size_t		 webhooks_replays_queued(const struct webhooks *);

/* Events in queue order: 'i' from 0 below webhooks_pending_count. */
struct webhook_event *webhooks_event_at(const struct webhooks *, size_t i);
struct webhook_event *webhooks_event(const struct webhooks *, uint64_t seq);
/* 1 if the event at 'i' may start at 'now' (due, and nothing ahead of it holds it). */
int		 webhooks_due(const struct webhooks *, size_t i, int64_t now);
/* Puts the event at 'i' behind its refund's next waiting event; 0 if none. */
int		 webhooks_reorder(struct webhooks *, size_t i);
/* An attempt of 'ev' ended as 'd' tells at 'now': done, a copy queued, or due again. */
void		 webhooks_answered(struct webhooks *, struct webhook_event *ev,
		     const struct webhook_delivery *d, int64_t now);
/* Counts 'ev' again after it changed (its body, rule or ready delivery). */
void		 webhooks_recount(struct webhooks *, struct webhook_event *ev);
/* Frees the events that are done. */
void		 webhooks_compact(struct webhooks *);

/* Takes the contents of 'd' into the log; returns the id it was given. */
uint64_t	 webhooks_log(struct webhooks *, struct webhook_delivery *d);
const struct webhook_delivery *webhooks_log_find(const struct webhooks *, uint64_t id);

/*
 * The stores with events, in the order they got them, so that a pump costs
 * what is queued, not the number of sessions.  A store's owner tells the
 * engine whose it is.
 */
struct webhooks	*webhooks_busy_first(void);
struct webhooks	*webhooks_busy_next(const struct webhooks *);
struct session	*webhooks_owner(const struct webhooks *);

#endif
