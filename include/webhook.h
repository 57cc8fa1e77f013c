/*
 * Webhooks: each refund's state changes as signed events, delivered with
 * libevent's HTTP client on the session's virtual clock, retried on the
 * provider's schedule, and logged per session.  Adapters supply the event
 * shape (struct webhook_spec); the engine does the rest.
 */
#ifndef PAYMOCK_WEBHOOK_H
#define PAYMOCK_WEBHOOK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"

#define WEBHOOK_DEFAULT_SECRET	"whsec_paymock_test"
#define WEBHOOK_MAX_RETRIES	8
/* An attempt's whole life on the wire (connect, send, reply), in seconds. */
#define WEBHOOK_DEADLINE_S	10
#define WEBHOOK_DEADLINE_MAX_S	3600
/* A receiver's reply body is read up to this; past it the attempt fails. */
#define WEBHOOK_REPLY_MAX	65536
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
struct webhook_engine;		/* the client and the pump, one per server */
struct session;
struct sessions;
struct event_base;

/* 'owner' is the session the store belongs to (it outlives the store). */
struct webhooks	*webhooks_new(struct session *owner);
void		 webhooks_free(struct webhooks *);
/* Forgets queued events and the log; endpoints stay (they are configuration). */
void		 webhooks_reset(struct webhooks *);
/*
 * Sets the endpoint of 'provider' (a provider with a spec).  Returns 0, or
 * -1 with '*cause' (heap) for a bad URL or a host not allowed.  Allowed:
 * http:// to a loopback literal (127.0.0.0/8, [::1]), localhost (taken as
 * 127.0.0.1, never looked up), or a host given to webhook_engine_allow.
 */
int		 webhooks_set_endpoint(struct webhooks *, const struct webhook_engine *,
		     const char *provider, const char *url, const char *secret,
		     char **cause);
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

/* Hex HMAC-SHA256 of "<t>.<body>" with 'secret'; 'hex' holds 65 bytes. */
void		 webhook_sign(const char *secret, long long t, const char *body,
		     size_t len, char hex[65]);

#endif
