/* Sessions: one per X-Paymock-Session, each with its own state, and their registry. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "idem.h"
#include "journal.h"
#include "map.h"
#include "rate.h"
#include "scenario.h"
#include "session.h"
#include "util.h"
#include "webhook.h"

struct sessions {
	struct map		*byname;
	const struct fixtures	*base;
	uint64_t		 seed;
	int			 clock_frozen;
	int64_t			 clock_start_ms;
	size_t			 journal_cap;
};

/* Session ids: one counter for the process, so no registry ever repeats one. */
static uint64_t	session_last_id;

/* Each session keeps its registry's seed to reseed itself on reset. */
struct session_full {
	struct session	 s;
	uint64_t	 seed;
};

static void
session_free(void *p)
{
	struct session	*s = p;

	ledger_free(s->ledger);
	idem_free(s->idem);
	clock_free(s->clock);
	journal_free(s->journal);
	rates_free(s->counters);
	rules_free(s->rules);
	webhooks_free(s->webhooks);
	free(s);
}

struct sessions *
sessions_new(const struct fixtures *base, uint64_t seed, int clock_frozen,
    int64_t clock_start_ms, size_t journal_cap)
{
	struct sessions	*r = xcalloc(1, sizeof *r);

	r->byname = map_new(session_free);
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
	map_free(r->byname);
	free(r);
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

struct session *
sessions_get(struct sessions *r, const char *name)
{
	struct session_full	*f;

	if ((f = map_get(r->byname, name)) != NULL)
		return (&f->s);
	f = xcalloc(1, sizeof *f);
	memcpy(f->s.name, name, strlen(name) + 1);
	f->s.id = ++session_last_id;
	f->seed = r->seed;
	f->s.ledger = ledger_new(r->base);
	f->s.idem = idem_new();
	f->s.clock = clock_new(r->clock_frozen, r->clock_start_ms);
	f->s.journal = journal_new(r->journal_cap);
	f->s.counters = rates_new();
	f->s.rules = rules_new();
	f->s.webhooks = webhooks_new(&f->s);
	rng_seed(&f->s.rng, f->seed, name);
	map_put(r->byname, name, f);
	return (&f->s);
}

int
sessions_drop(struct sessions *r, const char *name)
{
	struct session	*s = map_del(r->byname, name);

	if (s == NULL)
		return (-1);
	session_free(s);
	return (0);
}

size_t
sessions_count(const struct sessions *r)
{
	return (map_count(r->byname));
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

	ledger_reset(s->ledger);
	idem_reset(s->idem);
	clock_reset(s->clock);
	journal_clear(s->journal);
	rates_free(s->counters);
	s->counters = rates_new();
	rules_clear(s->rules);
	webhooks_reset(s->webhooks);
	rng_seed(&s->rng, f->seed, s->name);
	memset(s->lifecycle, 0, sizeof s->lifecycle);
	s->id = ++session_last_id;
}
