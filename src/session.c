/* Sessions: one per X-Paymock-Session, each with its own state, and their registry. */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "idem.h"
#include "journal.h"
#include "map.h"
#include "quota.h"
#include "rate.h"
#include "scenario.h"
#include "session.h"
#include "util.h"
#include "webhook_store.h"

/*
 * Each session keeps its registry's seed to reseed itself on reset, and its
 * place in the registry's bookkeeping.
 */
struct session_full {
	struct session			 s;
	struct sessions			*r;
	uint64_t			 seed;
	int64_t				 seen_us;	/* clock_mono_us of last_seen */
	size_t				 bytes;		/* as last accounted */
	size_t				 holds;		/* work in flight for it */
	struct session_watcher		*watchers;	/* newest first */
	size_t				 nwatchers;
	int				 in_lru;	/* all but the default */
	int				 dead;		/* dropped: on 'dying' */
	size_t				 freed;		/* parts freed so far, once dead */
	TAILQ_ENTRY(session_full)	 entry;		/* on 'lru' or 'dying' */
};

TAILQ_HEAD(session_list, session_full);

struct sessions {
	struct map		*byname;
	/* Live sessions but the default, least recently seen first. */
	struct session_list	 lru;
	/* Dropped sessions whose state is still to be freed, in slices. */
	struct session_list	 dying;
	const struct txn_set	*base;
	uint64_t		 seed;
	int			 clock_frozen;
	int64_t			 clock_start_ms;
	size_t			 journal_cap;
	size_t			 tracked;	/* the live sessions' bytes */
	uint64_t		 created, expired, evicted;
	void			(*on_drop)(void *);
	void			*on_drop_arg;
};

/*
 * Past the high-water mark idle sessions are evicted down to the low-water
 * mark, in tenths of --max-memory: the gap makes one eviction run free
 * room for many requests instead of one eviction per request.
 */
#define SESSIONS_HIGH_WATER	9
#define SESSIONS_LOW_WATER	8

/* Session ids: one counter for the process, so no registry ever repeats one. */
static uint64_t	session_last_id;
/* Watchers linked in all registries: each holds a connection. */
static size_t	session_nwatchers;

size_t
session_bytes(const struct session *s)
{
	/* The one sum of what a session holds; each module counts its own. */
	return (sizeof(struct session_full) + journal_bytes(s->journal) +
	    ledger_bytes(s->ledger) + idem_bytes(s->idem) +
	    rates_bytes(s->counters) + rules_bytes(s->rules) +
	    webhooks_bytes(s->webhooks));
}

/*
 * The parts of a session, freed in steps when it is dropped, a step freeing
 * at most SESSION_DRAIN_STEP records (some 50 us of free()), so a session of
 * any size leaves the loop to others in between.  Webhooks go first, so
 * nothing of it is queued for the pump any longer.  Each returns nonzero
 * while some of its part is left.  A reset's husk holds only some parts:
 * the others are NULL.
 */
#define SESSION_DRAIN_STEP	256

static int
session_free_webhooks(struct session *s)
{
	webhooks_free(s->webhooks);
	return (0);
}

static int
session_free_rules(struct session *s)
{
	rules_free(s->rules);
	rates_free(s->counters);
	clock_free(s->clock);
	return (0);
}

static int
session_free_journal(struct session *s)
{
	if (s->journal != NULL && journal_drain(s->journal, SESSION_DRAIN_STEP) > 0)
		return (1);
	journal_free(s->journal);
	return (0);
}

static int
session_free_idem(struct session *s)
{
	if (s->idem != NULL && idem_drain(s->idem, SESSION_DRAIN_STEP) > 0)
		return (1);
	idem_free(s->idem);
	return (0);
}

static int
session_free_ledger(struct session *s)
{
	if (s->ledger != NULL && ledger_drain(s->ledger, SESSION_DRAIN_STEP) > 0)
		return (1);
	ledger_free(s->ledger);
	return (0);
}

static int (*const session_parts[])(struct session *) = {
	session_free_webhooks, session_free_rules, session_free_journal,
	session_free_idem, session_free_ledger,
};

/* One step of freeing 'f': 0 once every part is gone. */
static int
session_free_step(struct session_full *f)
{
	if (f->freed == nitems(session_parts))
		return (0);
	if (session_parts[f->freed](&f->s) == 0)
		f->freed++;
	return (1);
}

static void
session_free(void *p)
{
	struct session_full	*f = p;

	while (session_free_step(f))
		;
	free(f);
}

struct sessions *
sessions_new(const struct txn_set *base, uint64_t seed, int clock_frozen,
    int64_t clock_start_ms, size_t journal_cap)
{
	struct sessions	*r = xcalloc(1, sizeof *r);

	r->byname = map_new(session_free);
	TAILQ_INIT(&r->lru);
	TAILQ_INIT(&r->dying);
	r->base = base;
	r->seed = seed;
	r->clock_frozen = clock_frozen;
	r->clock_start_ms = clock_start_ms;
	r->journal_cap = journal_cap;
	return (r);
}

void
sessions_free(struct sessions *r)
{
	if (r == NULL)
		return;
	sessions_reap(r, -1);
	map_free(r->byname);
	free(r);
}

static void
session_apply_lifecycle(struct session *s, const struct scenario *sc)
{
	const struct scenario_lifecycle	*l;
	size_t				 i;

	for (i = 0; i < SESSION_PROVIDERS_MAX; i++) {
		if ((l = scenario_lifecycle(sc, i)) != NULL)
			s->lifecycle[i] = *l;
	}
}

void
session_install(struct session *s, struct scenario *sc)
{
	session_apply_lifecycle(s, sc);
	rules_add_scenario(s->rules, sc);
}

int
session_uninstall(struct session *s, const char *name)
{
	const struct scenario	*sc;
	size_t			 i;

	if (rules_remove_scenario(s->rules, name) != 0)
		return (-1);
	/* Later scenarios' settings override earlier ones', as they did when loaded. */
	memset(s->lifecycle, 0, sizeof s->lifecycle);
	for (i = 0; (sc = rules_scenario(s->rules, i)) != NULL; i++)
		session_apply_lifecycle(s, sc);
	return (0);
}

int
session_name_ok(const char *name)
{
	size_t	n = strlen(name);

	return (n >= 1 && n <= SESSION_NAME_MAX &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n);
}

struct session *
sessions_find(const struct sessions *r, const char *name)
{
	return (map_get(r->byname, name));
}

struct session *
sessions_find_id(const struct sessions *r, const char *name, uint64_t id)
{
	struct session	*s = sessions_find(r, name);

	return (s != NULL && s->id == id ? s : NULL);
}

/* Hands 'f' to sessions_reap, which frees the parts it holds in slices. */
static void
sessions_bury(struct sessions *r, struct session_full *f)
{
	f->dead = 1;
	/* The reaper runs till 'dying' is empty: it needs calling when it was. */
	if (TAILQ_EMPTY(&r->dying) && r->on_drop != NULL)
		r->on_drop(r->on_drop_arg);
	TAILQ_INSERT_TAIL(&r->dying, f, entry);
}

/* Tells 's''s watchers of 'ev'; a watcher's fn may unwatch itself, no other. */
static void
session_tell(struct session *s, enum session_event ev, const struct journal_entry *e)
{
	struct session_watcher	*w, *next;

	for (w = ((struct session_full *)s)->watchers; w != NULL; w = next) {
		next = w->next;
		w->fn(w->arg, ev, e);
	}
}

/* The session goes: its watchers are unlinked first, then told. */
static void
session_tell_dropped(struct session_full *f)
{
	struct session_watcher	*w = f->watchers, *next;

	f->watchers = NULL;
	session_nwatchers -= f->nwatchers;
	f->nwatchers = 0;
	for (; w != NULL; w = next) {
		next = w->next;
		w->session = NULL;
		w->next = NULL;
		w->fn(w->arg, SESSION_DROPPED, NULL);
	}
}

enum session_watch_refusal
session_watch_room(const struct session *s)
{
	if (((const struct session_full *)s)->nwatchers >= SESSION_WATCHERS_MAX)
		return (SESSION_WATCH_SESSION_FULL);
	return (session_nwatchers >= SESSIONS_WATCHERS_MAX ? SESSION_WATCH_FULL :
	    SESSION_WATCH_OK);
}

enum session_watch_refusal
session_watch(struct session *s, struct session_watcher *w)
{
	struct session_full		*f = (struct session_full *)s;
	enum session_watch_refusal	 why = session_watch_room(s);

	if (why != SESSION_WATCH_OK)
		return (why);
	w->session = s;
	w->next = f->watchers;
	f->watchers = w;
	f->nwatchers++;
	session_nwatchers++;
	return (SESSION_WATCH_OK);
}

void
session_unwatch(struct session_watcher *w)
{
	struct session_full	*f = (struct session_full *)w->session;
	struct session_watcher	**pp;

	if (f == NULL)
		return;
	for (pp = &f->watchers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			f->nwatchers--;
			session_nwatchers--;
			break;
		}
	}
	w->session = NULL;
	w->next = NULL;
}

struct journal_entry *
session_journal(struct session *s, const struct journal_entry *e)
{
	struct journal_entry	*kept = journal_add(s->journal, e);

	if (kept != NULL)
		session_tell(s, SESSION_JOURNALED, kept);
	return (kept);
}

/* Out of the registry now; its state is freed by sessions_reap. */
static void
sessions_detach(struct sessions *r, struct session_full *f)
{
	session_tell_dropped(f);
	map_del(r->byname, f->s.name);
	if (f->in_lru)
		TAILQ_REMOVE(&r->lru, f, entry);
	r->tracked -= f->bytes;
	sessions_bury(r, f);
}

/* The least recently seen session with nothing in flight, other than 'except'. */
static struct session_full *
sessions_idle(const struct sessions *r, const struct session *except)
{
	struct session_full	*f;

	TAILQ_FOREACH(f, &r->lru, entry) {
		if (f->holds == 0 && f->nwatchers == 0 && &f->s != except)
			return (f);
	}
	return (NULL);
}

/* Evicts idle sessions, never 'except', down to the low-water mark. */
static void
sessions_trim(struct sessions *r, const struct session *except)
{
	struct session_full	*f;

	while (r->tracked > quota.memory / 10 * SESSIONS_LOW_WATER &&
	    (f = sessions_idle(r, except)) != NULL) {
		sessions_detach(r, f);
		r->evicted++;
	}
}

static void
sessions_touch(struct sessions *r, struct session_full *f)
{
	f->seen_us = clock_mono_us();
	f->s.last_seen_ms = clock_wall();
	if (f->in_lru) {
		TAILQ_REMOVE(&r->lru, f, entry);
		TAILQ_INSERT_TAIL(&r->lru, f, entry);
	}
}

static struct session_full *
sessions_make(struct sessions *r, const char *name)
{
	struct session_full	*f = xcalloc(1, sizeof *f);

	memcpy(f->s.name, name, strlen(name) + 1);
	f->s.id = f->s.born = ++session_last_id;
	f->r = r;
	f->seed = r->seed;
	f->s.ledger = ledger_new(r->base);
	f->s.idem = idem_new();
	f->s.clock = clock_new(r->clock_frozen, r->clock_start_ms);
	f->s.journal = journal_new(r->journal_cap);
	f->s.counters = rates_new();
	f->s.rules = rules_new();
	f->s.webhooks = webhooks_new(&f->s);
	rng_seed(&f->s.rng, f->seed, name);
	f->s.strict = quota.strict;
	map_put(r->byname, name, f);
	if ((f->in_lru = strcmp(name, SESSION_DEFAULT) != 0))
		TAILQ_INSERT_TAIL(&r->lru, f, entry);
	f->bytes = session_bytes(&f->s);
	r->tracked += f->bytes;
	r->created++;
	return (f);
}

struct session *
sessions_get(struct sessions *r, const char *name)
{
	struct session_full	*f;

	if (r->on_drop == NULL)
		sessions_reap(r, -1);
	if ((f = map_get(r->byname, name)) == NULL)
		f = sessions_make(r, name);
	sessions_touch(r, f);
	return (&f->s);
}

struct session *
sessions_enter(struct sessions *r, const char *name, int adds,
    enum sessions_refusal *why)
{
	struct session_full	*f = map_get(r->byname, name), *idle;

	if (adds && r->tracked > quota.memory) {
		sessions_trim(r, f != NULL ? &f->s : NULL);
		if (r->tracked > quota.memory) {
			*why = SESSIONS_OVER_MEMORY;
			return (NULL);
		}
	}
	if (f == NULL && map_count(r->byname) >= quota.sessions &&
	    strcmp(name, SESSION_DEFAULT) != 0) {
		if ((idle = sessions_idle(r, NULL)) == NULL) {
			*why = SESSIONS_FULL;
			return (NULL);
		}
		sessions_detach(r, idle);
		r->evicted++;
	}
	return (sessions_get(r, name));
}

int
sessions_drop(struct sessions *r, const char *name)
{
	struct session_full	*f = map_get(r->byname, name);

	if (f == NULL)
		return (-1);
	sessions_detach(r, f);
	return (0);
}

size_t
sessions_count(const struct sessions *r)
{
	return (map_count(r->byname));
}

size_t
sessions_expire(struct sessions *r, int64_t now_us, size_t max)
{
	int64_t			 ttl_us = quota.session_ttl_ms * 1000;
	struct session_full	*f;
	size_t			 n = 0;

	while (ttl_us > 0 && n < max && (f = TAILQ_FIRST(&r->lru)) != NULL &&
	    now_us - f->seen_us >= ttl_us) {
		/* Someone watching it is using it: seen now, to the back of the line. */
		if (f->nwatchers > 0) {
			sessions_touch(r, f);
			continue;
		}
		sessions_detach(r, f);
		r->expired++;
		n++;
	}
	return (n);
}

int
sessions_reap(struct sessions *r, int64_t budget_us)
{
	int64_t			 end_us = budget_us < 0 ? 0 : clock_mono_us() + budget_us;
	struct session_full	*f;

	while ((f = TAILQ_FIRST(&r->dying)) != NULL) {
		if (budget_us >= 0 && clock_mono_us() >= end_us)
			return (1);
		if (session_free_step(f))
			continue;
		TAILQ_REMOVE(&r->dying, f, entry);
		free(f);
	}
	return (0);
}

void
sessions_on_drop(struct sessions *r, void (*fn)(void *), void *arg)
{
	r->on_drop = fn;
	r->on_drop_arg = arg;
}

/* The live session 'name' if it is still the one made as 'born'. */
static struct session_full *
sessions_born(const struct sessions *r, const char *name, uint64_t born)
{
	struct session_full	*f = map_get(r->byname, name);

	return (f != NULL && f->s.born == born ? f : NULL);
}

void
sessions_hold(struct sessions *r, const char *name, uint64_t born)
{
	struct session_full	*f = sessions_born(r, name, born);

	if (f != NULL)
		f->holds++;
}

void
sessions_release(struct sessions *r, const char *name, uint64_t born)
{
	struct session_full	*f = sessions_born(r, name, born);

	if (f != NULL && f->holds > 0)
		f->holds--;
}

void
sessions_account(struct sessions *r, struct session *s)
{
	struct session_full	*f = (struct session_full *)s;
	size_t			 bytes;

	if (f->dead)
		return;
	bytes = session_bytes(s);
	r->tracked = r->tracked - f->bytes + bytes;
	f->bytes = bytes;
	if (r->tracked > quota.memory / 10 * SESSIONS_HIGH_WATER)
		sessions_trim(r, s);
}

void
sessions_stats(const struct sessions *r, struct sessions_stats *st)
{
	st->live = map_count(r->byname);
	st->created = r->created;
	st->expired = r->expired;
	st->evicted = r->evicted;
	st->tracked_bytes = r->tracked;
	st->max_bytes = quota.memory;
}

struct sessions_each_arg {
	void	(*fn)(struct session *, void *);
	void	*arg;
};

static void
sessions_each_cb(const char *name, void *value, void *arg)
{
	struct sessions_each_arg	*a = arg;

	(void)name;
	a->fn(value, a->arg);
}

void
sessions_each(const struct sessions *r, void (*fn)(struct session *, void *),
    void *arg)
{
	struct sessions_each_arg	a = { fn, arg };

	map_each(r->byname, sessions_each_cb, &a);
}

void
session_reset(struct session *s)
{
	struct session_full	*f = (struct session_full *)s;
	struct session_full	*husk = xcalloc(1, sizeof *husk);

	/* The ledger and idempotency store, the large parts, are freed as a drop's. */
	husk->s.ledger = s->ledger;
	husk->s.idem = s->idem;
	husk->s.counters = s->counters;
	s->ledger = ledger_new(f->r->base);
	s->idem = idem_new();
	s->counters = rates_new();
	sessions_bury(f->r, husk);
	clock_reset(s->clock);
	journal_clear(s->journal);
	rules_clear(s->rules);
	webhooks_reset(s->webhooks);
	rng_seed(&s->rng, f->seed, s->name);
	memset(s->lifecycle, 0, sizeof s->lifecycle);
	s->strict = quota.strict;
	s->report_ignored = 0;
	s->id = ++session_last_id;
	session_tell(s, SESSION_RESET, NULL);
}
