/*
 * Webhooks: each refund's state changes as signed events, delivered with
 * libevent's HTTP client on the session's virtual clock, retried on the
 * provider's schedule, and logged per session.  Adapters supply the event
 * shape (struct webhook_spec); each session keeps its endpoints, queue and
 * log in its store (webhook_store.h); webhook_payload.h makes the bytes;
 * this engine, one per server, sends them.
 */
#ifndef PAYMOCK_WEBHOOK_H
#define PAYMOCK_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "webhook_payload.h"
#include "webhook_store.h"

/* An attempt's whole life on the wire (connect, send, reply), in seconds. */
#define WEBHOOK_DEADLINE_S	10
#define WEBHOOK_DEADLINE_MAX_S	3600
/* A receiver's reply body is read up to this; past it the attempt fails. */
#define WEBHOOK_REPLY_MAX	65536

struct webhook_engine;		/* the client and the pump, one per server */
struct session;
struct sessions;
struct event_base;

/*
 * Sets the endpoint of 'provider' (a provider with a spec).  Returns 0, or
 * -1 with '*cause' (heap) for a bad URL or a host not allowed.  Allowed:
 * http:// to a loopback literal (127.0.0.0/8, [::1]), localhost (taken as
 * 127.0.0.1, never looked up), or a host given to webhook_engine_allow.
 */
int		 webhooks_set_endpoint(struct webhooks *, const struct webhook_engine *,
		     const char *provider, const char *url, const char *secret,
		     char **cause);
/* Queues the events of a refund just made, one per planned step that has one. */
void		 webhooks_schedule(struct session *, const char *provider,
		     const struct refund *);

/* 'sessions' is borrowed and must outlive the engine. */
struct webhook_engine *webhook_engine_new(struct event_base *, struct sessions *);
void		 webhook_engine_free(struct webhook_engine *);
/*
 * A host other than loopback that endpoints may name (matched exactly, case
 * aside).  A name is resolved with evdns, off the loop's critical path; -1
 * with '*cause' (heap) if no resolver can be set up.
 */
int		 webhook_engine_allow(struct webhook_engine *, const char *host,
		     char **cause);
/* Every attempt's deadline (default WEBHOOK_DEADLINE_S). */
void		 webhook_engine_set_deadline(struct webhook_engine *, int seconds);
/* Looks for due events soon (after the clock moved or refunds were made). */
void		 webhook_engine_kick(struct webhook_engine *);
enum webhook_replay {
	WEBHOOK_REPLAY_QUEUED,
	WEBHOOK_REPLAY_UNKNOWN,		/* no such delivery, or no endpoint for it */
	WEBHOOK_REPLAY_FULL,		/* WEBHOOK_REPLAY_QUEUE_MAX already wait */
};

/* Queues one logged delivery to be sent again (and logged anew). */
enum webhook_replay webhook_replay(struct webhook_engine *, struct session *,
		     uint64_t id);

#endif
