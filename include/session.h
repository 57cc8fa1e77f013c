/*
 * Sessions: what one X-Paymock-Session holds (ledger, idempotency store,
 * clock, journal, generator, lifecycle settings), and the registry of them.
 */
#ifndef PAYMOCK_SESSION_H
#define PAYMOCK_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "scenario.h"

#define SESSION_NAME_MAX	64
#define SESSION_PROVIDERS_MAX	8

struct session {
	char			 name[SESSION_NAME_MAX + 1];
	/*
	 * Unique for the process lifetime and never reused, unlike the name:
	 * work that outlives a request (a webhook reply, a held reply) keeps
	 * the id and finds its owner gone once the session was dropped or
	 * reset (a reset gives a new id: the state the work was for is gone).
	 */
	uint64_t		 id;
	/*
	 * The id it was made with, kept across resets: what holds (work in
	 * flight, see sessions_hold) name it by, as a reset keeps the work's
	 * connection or attempt going.
	 */
	uint64_t		 born;
	int64_t			 last_seen_ms;	/* wall time of the last request naming it */
	struct ledger		*ledger;
	struct idem		*idem;
	struct clock		*clock;
	struct journal		*journal;
	struct rng		 rng;
	struct rates		*counters;	/* per-key counts (rate headers) */
	struct rules		*rules;		/* scenarios and armed faults */
	struct webhooks		*webhooks;	/* endpoints, queued events, deliveries */
	struct scenario_lifecycle lifecycle[SESSION_PROVIDERS_MAX];
	int			 strict;	/* warnings refuse (call_warn); reset: quota.strict */
	uint32_t		 report_ignored; /* report rules silenced: 1 << index */
};

struct sessions;
struct txn_set;
struct journal_entry;

/* The session no request makes: it never expires and is never evicted. */
#define SESSION_DEFAULT		"default"

/* Why sessions_enter made no session. */
enum sessions_refusal {
	SESSIONS_FULL,		/* at --max-sessions, and none idle to evict */
	SESSIONS_OVER_MEMORY,	/* past --max-memory, and none idle to evict */
};

/* What the registry has done, for the metrics. */
struct sessions_stats {
	size_t		live;		/* the default one included */
	uint64_t	created, expired, evicted;
	size_t		tracked_bytes;	/* the live sessions' session_bytes */
	size_t		max_bytes;	/* --max-memory */
};

/*
 * 'base' is borrowed and must outlive the registry.  Limits come from
 * quota.session_ttl_ms, quota.sessions and quota.memory.
 */
struct sessions	*sessions_new(const struct txn_set *base, uint64_t seed,
		    int clock_frozen, int64_t clock_start_ms, size_t journal_cap);
/* Frees every session, dropped ones still waiting for sessions_reap too. */
void		 sessions_free(struct sessions *);
/*
 * Finds or creates the session, whatever the limits (start-up, tests);
 * 'name' must pass session_name_ok.  Its last_seen moves to now.
 */
struct session	*sessions_get(struct sessions *, const char *name);
/*
 * The same for a request: at the session cap the least recently seen idle
 * session is evicted to make room; when 'adds' (the request would add
 * state) and the tracked bytes are past --max-memory, idle sessions are
 * evicted to get under it.  NULL with '*why' if that cannot be done:
 * nothing was made or changed then.  The default session is made even at
 * the cap (it is one, and every admin call without a session names it).
 */
struct session	*sessions_enter(struct sessions *, const char *name, int adds,
		    enum sessions_refusal *why);
struct session	*sessions_find(const struct sessions *, const char *name);
/* The session named 'name' if it is still the one with 'id', else NULL. */
struct session	*sessions_find_id(const struct sessions *, const char *name,
		    uint64_t id);
/*
 * 0, or -1 if there is no such session.  It leaves the registry at once
 * (its name free, its id dead); its state is freed by sessions_reap.
 */
int		 sessions_drop(struct sessions *, const char *name);
size_t		 sessions_count(const struct sessions *);

/*
 * Drops the sessions unseen for quota.session_ttl_ms at 'now_us'
 * (clock_mono_us), at most 'max' of them; returns how many went.
 */
size_t		 sessions_expire(struct sessions *, int64_t now_us, size_t max);
/*
 * Frees dropped sessions' state for about 'budget_us', a module at a time;
 * returns 1 if some is left for a later call.
 */
int		 sessions_reap(struct sessions *, int64_t budget_us);
/*
 * 'fn' is called when a session is dropped, to have sessions_reap run
 * soon on the loop.  Without one (no loop: tests), the next
 * sessions_get or sessions_enter frees what was dropped before it.
 */
void		 sessions_on_drop(struct sessions *, void (*fn)(void *), void *arg);

/*
 * Work in flight for the session named 'name' made with 'born' (a held
 * reply, a webhook attempt, a listing in slices): a held session is not
 * idle, and never evicted.  Each hold has its release; both do nothing
 * once the session was dropped.
 */
void		 sessions_hold(struct sessions *, const char *name, uint64_t born);
void		 sessions_release(struct sessions *, const char *name, uint64_t born);
/*
 * Re-reads the bytes of 's' after a request, admin call or webhook event
 * touched it and brings the total up to date; past the high-water mark
 * (90% of --max-memory) evicts idle sessions, never 's', down to the
 * low-water mark (80%).  Nothing for a session dropped meanwhile.
 */
void		 sessions_account(struct sessions *, struct session *s);
/* The bytes 's' holds, as tracked against --max-memory. */
size_t		 session_bytes(const struct session *);
void		 sessions_stats(const struct sessions *, struct sessions_stats *);
void		 sessions_each(const struct sessions *,
		     void (*fn)(struct session *, void *), void *arg);

/*
 * Back to the fixtures: ledger, idempotency, clock, journal, generator,
 * settings (strict mode: the server's); and a new id, so that nothing in
 * flight lands in the new state.  The old ledger and idempotency store are
 * freed by sessions_reap.
 */
void		 session_reset(struct session *);
/*
 * Appends 'e' to the session's journal as journal_add does, then tells the
 * session's watchers of the entry kept (none if it was not).
 */
struct journal_entry *session_journal(struct session *, const struct journal_entry *e);
/* 1–64 characters of [A-Za-z0-9._-]. */
int		 session_name_ok(const char *);
/* Takes 'sc' in: its seed, lifecycle settings and rules (which own it). */
void		 session_install(struct session *, struct scenario *sc);
/*
 * Removes the newest loaded scenario named 'name' and the lifecycle settings
 * it brought (those of the scenarios left apply again); -1 if none.
 */
int		 session_uninstall(struct session *, const char *name);

/*
 * Watchers: who follows a session's journal as it grows (the event stream,
 * stream.h), kept free of any transport.  A watched session is neither
 * evicted nor expired: it counts as seen while someone watches it.
 */
#define SESSION_WATCHERS_MAX	16	/* per session */
#define SESSIONS_WATCHERS_MAX	128	/* across the registry */

enum session_event {
	SESSION_JOURNALED,	/* 'entry' was just journaled */
	SESSION_RESET,		/* session_reset: the journal starts over */
	SESSION_DROPPED,	/* dropped, evicted or expired: the watcher is unlinked */
};

struct session_watcher {
	/* 'entry' is the journaled one, else NULL; runs on the caller's stack. */
	void			(*fn)(void *arg, enum session_event,
				    const struct journal_entry *entry);
	void			*arg;
	struct session		*session;	/* the watched one; NULL once unlinked */
	struct session_watcher	*next;
};

/* Why session_watch refused a watcher. */
enum session_watch_refusal {
	SESSION_WATCH_OK,
	SESSION_WATCH_SESSION_FULL,	/* SESSION_WATCHERS_MAX on this session */
	SESSION_WATCH_FULL,		/* SESSIONS_WATCHERS_MAX in all */
};

/* Whether one more watcher of 's' would be taken. */
enum session_watch_refusal session_watch_room(const struct session *);
/* Links 'w' (the caller's, fn and arg set) to 's'; a refusal links nothing. */
enum session_watch_refusal session_watch(struct session *, struct session_watcher *w);
/* Unlinks 'w'; nothing if it is not linked (its session went). */
void		 session_unwatch(struct session_watcher *w);

#endif
