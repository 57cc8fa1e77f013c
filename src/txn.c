/* Transactions, their names, and the set that finds them by (provider, id). */
#include <stdlib.h>
#include <string.h>

#include "hset.h"
#include "jsonx.h"
#include "txn.h"
#include "util.h"

/* The table holds pointers keyed by the records' own provider and id. */
struct txn_set {
	struct hset	  byid;
	struct txn	**all;
	size_t		  n, cap;
	size_t		  bytes;	/* all but the table's slots */
};

/* A (provider, id) to look up. */
struct txn_key {
	const char	*provider;
	const char	*id;
};

static const char *txn_state_names[] = {
	[TXN_CAPTURED] = "captured",
	[TXN_AUTHORIZED] = "authorized",
	[TXN_VOIDED] = "voided",
	[TXN_LOCKED] = "locked",
};
static const char *txn_outcome_names[] = {
	[OUTCOME_SUCCEEDED] = "succeeded",
	[OUTCOME_DECLINED] = "declined",
	[OUTCOME_STUCK] = "stuck",
	[OUTCOME_FAILED] = "failed",
};

static int
txn_name_parse(const char *const *names, size_t n, const char *s, int *out)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (names[i] != NULL && strcmp(names[i], s) == 0) {
			*out = (int)i;
			return (0);
		}
	}
	return (-1);
}

const char *
txn_state_text(enum txn_state s)
{
	return (txn_state_names[s]);
}

int
txn_state_parse(const char *s, enum txn_state *out)
{
	int	v;

	if (txn_name_parse(txn_state_names, nitems(txn_state_names), s, &v) != 0)
		return (-1);
	*out = (enum txn_state)v;
	return (0);
}

const char *
txn_outcome_text(enum refund_outcome o)
{
	return (txn_outcome_names[o]);
}

int
txn_outcome_parse(const char *s, enum refund_outcome *out)
{
	int	v;

	if (txn_name_parse(txn_outcome_names, nitems(txn_outcome_names), s, &v) != 0)
		return (-1);
	*out = (enum refund_outcome)v;
	return (0);
}

struct txn *
txn_new(const char *provider, const char *id, json_t *fixture)
{
	struct txn	*t = xcalloc(1, sizeof *t);

	t->provider = xstrdup(provider);
	t->id = xstrdup(id);
	t->fixture = json_incref(fixture);
	return (t);
}

void
txn_free(struct txn *t)
{
	if (t == NULL)
		return;
	free(t->provider);
	free(t->id);
	json_decref(t->fixture);
	free(t);
}

static size_t
txn_bytes(const struct txn *t)
{
	return (alloc_bytes(sizeof *t) + str_bytes(t->provider) + str_bytes(t->id) +
	    jsonx_bytes(t->fixture));
}

static uint64_t
txn_set_hash(const void *p)
{
	const struct txn	*t = p;

	return (hset_hash2(t->provider, t->id));
}

static int
txn_set_match(const void *p, const void *key)
{
	const struct txn	*t = p;
	const struct txn_key	*k = key;

	return (strcmp(t->id, k->id) == 0 && strcmp(t->provider, k->provider) == 0);
}

struct txn_set *
txn_set_new(void)
{
	struct txn_set	*s = xcalloc(1, sizeof *s);

	hset_init(&s->byid, txn_set_hash);
	s->bytes = alloc_bytes(sizeof *s);
	return (s);
}

void
txn_set_free(struct txn_set *s)
{
	if (s == NULL)
		return;
	txn_set_drain(s, SIZE_MAX);
	free(s->all);
	hset_release(&s->byid);
	free(s);
}

int
txn_set_add(struct txn_set *s, struct txn *t)
{
	if (txn_set_find(s, t->provider, t->id) != NULL)
		return (-1);
	if (s->n == s->cap) {
		if (s->cap != 0)
			s->bytes -= alloc_bytes(s->cap * sizeof *s->all);
		s->cap = s->cap != 0 ? s->cap * 2 : 16;
		s->bytes += alloc_bytes(s->cap * sizeof *s->all);
		s->all = xrealloc(s->all, s->cap * sizeof *s->all);
	}
	s->all[s->n++] = t;
	hset_add(&s->byid, t);
	s->bytes += txn_bytes(t);
	return (0);
}

const struct txn *
txn_set_find(const struct txn_set *s, const char *provider, const char *id)
{
	struct txn_key	k = { provider, id };

	return (hset_find(&s->byid, hset_hash2(provider, id), txn_set_match, &k));
}

size_t
txn_set_count(const struct txn_set *s)
{
	return (s->n);
}

const struct txn *
txn_set_at(const struct txn_set *s, size_t i)
{
	return (s->all[i]);
}

size_t
txn_set_drain(struct txn_set *s, size_t max)
{
	for (; max > 0 && s->n > 0; max--) {
		struct txn *t = s->all[--s->n];
		hset_del(&s->byid, t);
		s->bytes -= txn_bytes(t);
		txn_free(t);
	}
	return (s->n);
}

size_t
txn_set_bytes(const struct txn_set *s)
{
	return (s->bytes + hset_bytes(&s->byid));
}
