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

struct webhooks	*webhooks_new(void);
void		 webhooks_free(struct webhooks *);
/* Forgets queued events and the log; endpoints stay (they are configuration). */
void		 webhooks_reset(struct webhooks *);
/*
 * Sets the endpoint of 'provider' (a provider with a spec).  Returns 0, or
 * -1 with '*cause' (heap) for a bad URL or a host not allowed.
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
/* Queues the events of a refund just made, one per planned step that has one. */
void		 webhooks_schedule(struct session *, const char *provider,
		     const struct refund *);

/* 'sessions' is borrowed and must outlive the engine. */
struct webhook_engine *webhook_engine_new(struct event_base *, struct sessions *);
void		 webhook_engine_free(struct webhook_engine *);
/* Hosts other than loopback that endpoints may name. */
void		 webhook_engine_allow(struct webhook_engine *, const char *host);
/* Looks for due events soon (after the clock moved or refunds were made). */
void		 webhook_engine_kick(struct webhook_engine *);
/* Sends one logged delivery again (logged anew); -1 if there is no such delivery. */
int		 webhook_replay(struct webhook_engine *, struct session *, uint64_t id);

/* Hex HMAC-SHA256 of "<t>.<body>" with 'secret'; 'hex' holds 65 bytes. */
void		 webhook_sign(const char *secret, long long t, const char *body,
		     size_t len, char hex[65]);

#endif
