/*
 * Sessions: what one X-Paymock-Session holds (ledger, idempotency store,
 * clock, journal, generator, lifecycle settings), and the registry of them.
 */
#ifndef PAYMOCK_SESSION_H
#define PAYMOCK_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "rng.h"

#define SESSION_NAME_MAX	64
#define SESSION_PROVIDERS_MAX	8

/* A scenario's 'lifecycle' for one provider; unset fields keep the default. */
struct session_lifecycle {
	int			has_settle;
	int64_t			settle_after_ms;
	int			has_outcome;
	enum refund_outcome	outcome;
};

struct session {
	char			 name[SESSION_NAME_MAX + 1];
	/*
	 * Unique for the process lifetime and never reused, unlike the name:
	 * work that outlives a request (a webhook reply, a held reply) keeps
	 * the id and finds its owner gone once the session was dropped or
	 * reset (a reset gives a new id: the state the work was for is gone).
	 */
	uint64_t		 id;
	struct ledger		*ledger;
	struct idem		*idem;
	struct clock		*clock;
	struct journal		*journal;
	struct rng		 rng;
	struct rates		*counters;	/* per-key counts (rate headers) */
	struct rules		*rules;		/* scenarios and armed faults */
	struct webhooks		*webhooks;	/* endpoints, queued events, deliveries */
	struct session_lifecycle lifecycle[SESSION_PROVIDERS_MAX];
};

struct sessions;
struct fixtures;

/* 'base' is borrowed and must outlive the registry. */
struct sessions	*sessions_new(const struct fixtures *base, uint64_t seed,
		    int clock_frozen, int64_t clock_start_ms, size_t journal_cap);
void		 sessions_free(struct sessions *);
/* Finds or creates the session; 'name' must pass session_name_ok. */
struct session	*sessions_get(struct sessions *, const char *name);
struct session	*sessions_find(const struct sessions *, const char *name);
/* The session named 'name' if it is still the one with 'id', else NULL. */
struct session	*sessions_find_id(const struct sessions *, const char *name,
		    uint64_t id);
/* 0, or -1 if there is no such session. */
int		 sessions_drop(struct sessions *, const char *name);
size_t		 sessions_count(const struct sessions *);
void		 sessions_each(const struct sessions *,
		     void (*fn)(struct session *, void *), void *arg);

/*
 * Back to the fixtures: ledger, idempotency, clock, journal, generator,
 * settings; and a new id, so that nothing in flight lands in the new state.
 */
void		 session_reset(struct session *);
/* 1–64 characters of [A-Za-z0-9._-]. */
int		 session_name_ok(const char *);

#endif
