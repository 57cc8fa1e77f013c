/* The ledger: transactions, refunds, their planned lives and refundable balances. */
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "ledger.h"
#include "map.h"
#include "util.h"

/*
 * One transaction's refunds in this session, made on its first refund.
 * 'counted' sums them all but those that left the 'giving' heap, given back
 * by 'pruned_ms'.  At an instant at or after both 'pruned_ms' and the latest
 * refund, the balance is 'counted' once the heap is pruned to it: O(log n)
 * per refund, however many are pending.
 */
struct account {
	const struct txn	*txn;
	int64_t			 counted;
	int64_t			 pruned_ms;
	struct refund		*first, *last;
	size_t			 nrefunds;
	struct refund		**giving;	/* min-heap on ledger_gives_back_at */
	size_t			 ngiving, cap;
};

struct ledger {
	const struct fixtures	*base;
	struct map		*added;		/* key -> struct txn, run-time additions */
	struct txn		**added_order;
	size_t			 nadded;
	struct map		*accounts;	/* key -> struct account */
	struct map		*refunds;	/* key -> struct refund */
	struct refund		**order;
	size_t			 nrefunds, cap;
};

static const char *txn_state_names[] = {
	[TXN_CAPTURED] = "captured",
	[TXN_AUTHORIZED] = "authorized",
	[TXN_VOIDED] = "voided",
	[TXN_LOCKED] = "locked",
};
static const char *outcome_names[] = {
	[OUTCOME_SUCCEEDED] = "succeeded",
	[OUTCOME_DECLINED] = "declined",
	[OUTCOME_STUCK] = "stuck",
	[OUTCOME_FAILED] = "failed",
};
static const char *refund_state_names[] = {
	[REFUND_CREATED] = "created",
	[REFUND_PENDING] = "pending",
	[REFUND_SUCCEEDED] = "succeeded",
	[REFUND_DECLINED] = "declined",
	[REFUND_FAILED] = "failed",
};

/* Which step may follow which; a plan's first step may be any of 'from_start'. */
static const unsigned char refund_transitions[5][5] = {
	[REFUND_CREATED] = { [REFUND_PENDING] = 1 },
	[REFUND_PENDING] = { [REFUND_SUCCEEDED] = 1, [REFUND_DECLINED] = 1,
	    [REFUND_FAILED] = 1 },
};

/*
 * The key fixtures_key makes ("provider\x1fid", cut to fit 'len' as
 * snprintf would), without going through printf: several per request.
 */
static char *
ledger_key(const char *provider, const char *id, char *buf, size_t len)
{
	size_t	n = strlen(provider), ni = strlen(id), room = len - 1;

	if (len == 0)
		return (buf);
	if (n > room)
		n = room;
	memcpy(buf, provider, n);
	if (n < room)
		buf[n++] = '\x1f';
	if (ni > room - n)
		ni = room - n;
	memcpy(buf + n, id, ni);
	buf[n + ni] = '\0';
	return (buf);
}

static int
name_parse(const char *const *names, size_t n, const char *s, int *out)
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

	if (name_parse(txn_state_names, nitems(txn_state_names), s, &v) != 0)
		return (-1);
	*out = (enum txn_state)v;
	return (0);
}

const char *
refund_outcome_text(enum refund_outcome o)
{
	return (outcome_names[o]);
}

int
refund_outcome_parse(const char *s, enum refund_outcome *out)
{
	int	v;

	if (name_parse(outcome_names, nitems(outcome_names), s, &v) != 0)
		return (-1);
	*out = (enum refund_outcome)v;
	return (0);
}

const char *
refund_state_text(enum refund_state s)
{
	return (refund_state_names[s]);
}

int
refund_state_returns(enum refund_state s)
{
	return (s == REFUND_DECLINED || s == REFUND_FAILED);
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

static void
ledger_txn_free_cb(void *p)
{
	txn_free(p);
}

static void
ledger_account_free(void *p)
{
	struct account	*a = p;

	free(a->giving);
	free(a);
}

struct ledger *
ledger_new(const struct fixtures *base)
{
	struct ledger	*l = xcalloc(1, sizeof *l);

	l->base = base;
	l->added = map_new(ledger_txn_free_cb);
	l->accounts = map_new(ledger_account_free);
	l->refunds = map_new(NULL);
	return (l);
}

static void
ledger_clear(struct ledger *l)
{
	size_t	i;

	for (i = 0; i < l->nrefunds; i++) {
		json_decref(l->order[i]->data);
		free(l->order[i]);	/* its id with it */
	}
	free(l->order);
	free(l->added_order);
	map_free(l->refunds);
	map_free(l->accounts);
	map_free(l->added);
}

void
ledger_free(struct ledger *l)
{
	if (l == NULL)
		return;
	ledger_clear(l);
	free(l);
}

void
ledger_reset(struct ledger *l)
{
	const struct fixtures	*base = l->base;

	ledger_clear(l);
	memset(l, 0, sizeof *l);
	l->base = base;
	l->added = map_new(ledger_txn_free_cb);
	l->accounts = map_new(ledger_account_free);
	l->refunds = map_new(NULL);
}

const struct txn *
ledger_txn(const struct ledger *l, const char *provider, const char *id)
{
	const struct txn	*t = fixtures_find(l->base, provider, id);
	char			 key[512];

	if (t != NULL)
		return (t);
	return (map_get(l->added, ledger_key(provider, id, key, sizeof key)));
}

int
ledger_add_txn(struct ledger *l, struct txn *t)
{
	char	key[512];

	if (ledger_txn(l, t->provider, t->id) != NULL)
		return (-1);
	map_put(l->added, ledger_key(t->provider, t->id, key, sizeof key), t);
	l->added_order = xrealloc(l->added_order,
	    (l->nadded + 1) * sizeof *l->added_order);
	l->added_order[l->nadded++] = t;
	return (0);
}

size_t
ledger_txn_count(const struct ledger *l)
{
	return (fixtures_count(l->base) + l->nadded);
}

const struct txn *
ledger_txn_nth(const struct ledger *l, size_t i)
{
	size_t	n = fixtures_count(l->base);

	return (i < n ? fixtures_at(l->base, i) : l->added_order[i - n]);
}

void
ledger_txn_each(const struct ledger *l, const char *provider,
    void (*fn)(const struct txn *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < ledger_txn_count(l); i++) {
		const struct txn *t = ledger_txn_nth(l, i);
		if (provider == NULL || strcmp(provider, t->provider) == 0)
			fn(t, arg);
	}
}

static struct account *
ledger_account(const struct ledger *l, const struct txn *t)
{
	char	key[512];

	return (map_get(l->accounts, ledger_key(t->provider, t->id, key, sizeof key)));
}

/* When a refund that ends declined or failed gives its amount back. */
static int64_t
ledger_gives_back_at(const struct refund *r)
{
	return (r->steps[r->nsteps - 1].at_ms);
}

static void
ledger_heap_push(struct account *a, struct refund *r)
{
	size_t	i = a->ngiving++, up;

	if (a->ngiving > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->giving = xrealloc(a->giving, a->cap * sizeof *a->giving);
	}
	for (; i > 0; i = up) {
		up = (i - 1) / 2;
		if (ledger_gives_back_at(a->giving[up]) <= ledger_gives_back_at(r))
			break;
		a->giving[i] = a->giving[up];
	}
	a->giving[i] = r;
}

static void
ledger_heap_pop(struct account *a)
{
	struct refund	*last = a->giving[--a->ngiving];
	size_t		 i = 0, kid;

	while ((kid = 2 * i + 1) < a->ngiving) {
		if (kid + 1 < a->ngiving && ledger_gives_back_at(a->giving[kid + 1]) <
		    ledger_gives_back_at(a->giving[kid]))
			kid++;
		if (ledger_gives_back_at(last) <= ledger_gives_back_at(a->giving[kid]))
			break;
		a->giving[i] = a->giving[kid];
		i = kid;
	}
	if (a->ngiving > 0)
		a->giving[i] = last;
}

/* Moves 'pruned_ms' forward to 'now', giving back what settled by then. */
static void
ledger_account_prune(struct account *a, int64_t now)
{
	while (a->ngiving > 0 && ledger_gives_back_at(a->giving[0]) <= now) {
		a->counted -= a->giving[0]->amount;
		ledger_heap_pop(a);
	}
	if (now > a->pruned_ms)
		a->pruned_ms = now;
}

/*
 * What 't' has refunded at 'now': before paymock, plus every refund of 'a'
 * (NULL: none yet) made by 'now' and not given back by then.  The sum
 * saturates at INT64_MAX rather than wrap, so an impossible total leaves
 * nothing refundable instead of a fortune.  Asking about an instant at or
 * after the latest ones asked and refunded only moves the cache forward.
 */
static int64_t
ledger_account_refunded(struct account *a, const struct txn *t, int64_t now)
{
	const struct refund	*r;
	int64_t			 sum = t->refunded;

	if (a == NULL)
		return (sum);
	if (now >= a->last->created_ms && now >= a->pruned_ms) {
		ledger_account_prune(a, now);
		return (__builtin_add_overflow(sum, a->counted, &sum) ? INT64_MAX : sum);
	}
	/* An instant in the session's past: walk. */
	for (r = a->first; r != NULL && r->created_ms <= now; r = r->next) {
		if (refund_state_returns(refund_state_at(r, now)))
			continue;
		if (__builtin_add_overflow(sum, r->amount, &sum))
			return (INT64_MAX);
	}
	return (sum);
}

int64_t
ledger_refunded(const struct ledger *l, const struct txn *t, int64_t now)
{
	return (ledger_account_refunded(ledger_account(l, t), t, now));
}

static int64_t
ledger_account_refundable(struct account *a, const struct txn *t, int64_t now)
{
	int64_t	left;

	if (__builtin_sub_overflow(t->amount, ledger_account_refunded(a, t, now), &left))
		return (0);
	return (left > 0 ? left : 0);
}

int64_t
ledger_refundable(const struct ledger *l, const struct txn *t, int64_t now)
{
	return (ledger_account_refundable(ledger_account(l, t), t, now));
}

/* The step at 'now' plus 'after', or -1 if that time does not fit in an int64. */
static int
ledger_step(struct refund *r, enum refund_state state, int64_t now, int64_t after)
{
	struct refund_step	*s = &r->steps[r->nsteps++];

	s->state = state;
	return (__builtin_add_overflow(now, after, &s->at_ms) ? -1 : 0);
}

static int
ledger_plan(struct refund *r, const struct lifecycle *lc, int64_t now)
{
	static const enum refund_state finals[] = {
		[OUTCOME_SUCCEEDED] = REFUND_SUCCEEDED,
		[OUTCOME_DECLINED] = REFUND_DECLINED,
		[OUTCOME_FAILED] = REFUND_FAILED,
	};
	int64_t	settle;
	int	i;

	r->nsteps = 0;
	if (lc->synchronous) {
		if (lc->outcome == OUTCOME_STUCK)
			return (-1);
		return (ledger_step(r, finals[lc->outcome], now, 0));
	}
	if (__builtin_add_overflow(now, lc->settle_after_ms, &settle))
		return (-1);
	if (lc->show_created) {
		if (ledger_step(r, REFUND_CREATED, now, 0) != 0 ||
		    ledger_step(r, REFUND_PENDING, now, lc->pending_after_ms) != 0)
			return (-1);
		/* Pending no later than settled, unless nothing settles. */
		if (lc->outcome != OUTCOME_STUCK && r->steps[1].at_ms > settle)
			r->steps[1].at_ms = settle;
	} else if (ledger_step(r, REFUND_PENDING, now, 0) != 0)
		return (-1);
	if (lc->outcome != OUTCOME_STUCK &&
	    ledger_step(r, finals[lc->outcome], now, lc->settle_after_ms) != 0)
		return (-1);
	for (i = 1; i < r->nsteps; i++) {
		if (!refund_transitions[r->steps[i - 1].state][r->steps[i].state] ||
		    r->steps[i].at_ms < r->steps[i - 1].at_ms)
			return (-1);
	}
	return (0);
}

struct refund *
ledger_refund_add(struct ledger *l, const struct txn *t, const char *id,
    int64_t amount, int64_t now, const struct lifecycle *lc, json_t *data)
{
	struct refund	*r;
	struct account	*a = ledger_account(l, t);
	char		 key[512];
	int64_t		 counted;

	/*
	 * Refunds are made in time order, each within what is left at its
	 * creation; a refund counts from its creation until it gives back, so
	 * the total stays within the amount at every instant.
	 */
	if (amount <= 0 || (a != NULL && now < a->last->created_ms) ||
	    (a != NULL && a->nrefunds >= LEDGER_REFUNDS_PER_TXN_MAX) ||
	    amount > ledger_account_refundable(a, t, now) ||
	    ledger_refund(l, t->provider, id) != NULL)
		return (NULL);
	/* One allocation for the refund and its id, which follows it. */
	r = xcalloc(1, sizeof *r + strlen(id) + 1);
	if (ledger_plan(r, lc, now) != 0) {
		free(r);
		return (NULL);
	}
	/* As the check above left it; what gives back leaves at a prune. */
	counted = a != NULL ? a->counted : 0;
	if (__builtin_add_overflow(counted, amount, &counted)) {
		free(r);
		return (NULL);
	}
	r->id = memcpy(r + 1, id, strlen(id) + 1);
	r->txn = t;
	r->amount = amount;
	r->created_ms = now;
	r->data = data;

	if (a == NULL) {
		a = xcalloc(1, sizeof *a);
		a->txn = t;
		a->pruned_ms = INT64_MIN;
		map_put(l->accounts, ledger_key(t->provider, t->id, key, sizeof key), a);
	}
	a->counted = counted;
	a->nrefunds++;
	if (refund_state_returns(r->steps[r->nsteps - 1].state))
		ledger_heap_push(a, r);
	if (a->last != NULL)
		a->last->next = r;
	else
		a->first = r;
	a->last = r;

	map_put(l->refunds, ledger_key(t->provider, id, key, sizeof key), r);
	if (l->nrefunds == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->order = xrealloc(l->order, l->cap * sizeof *l->order);
	}
	l->order[l->nrefunds++] = r;
	return (r);
}

struct refund *
ledger_refund(const struct ledger *l, const char *provider, const char *id)
{
	char	key[512];

	return (map_get(l->refunds, ledger_key(provider, id, key, sizeof key)));
}

int
ledger_refund_room(const struct ledger *l, const struct txn *t)
{
	struct account	*a = ledger_account(l, t);

	return (a == NULL || a->nrefunds < LEDGER_REFUNDS_PER_TXN_MAX);
}

struct refund *
ledger_refunds_of(const struct ledger *l, const struct txn *t)
{
	struct account	*a = ledger_account(l, t);

	return (a != NULL ? a->first : NULL);
}

size_t
ledger_refund_count(const struct ledger *l)
{
	return (l->nrefunds);
}

size_t
ledger_bytes(const struct ledger *l)
{
	return (sizeof *l + l->nrefunds * sizeof(struct refund) +
	    l->nadded * sizeof(struct txn));
}

struct refund *
ledger_refund_nth(const struct ledger *l, size_t i)
{
	return (l->order[i]);
}

int
refund_history(const struct refund *r, int64_t now, const struct refund_step **steps)
{
	int	n = 0;

	while (n < r->nsteps && r->steps[n].at_ms <= now)
		n++;
	/* A clock set back before the refund still shows how it began. */
	*steps = r->steps;
	return (n > 0 ? n : 1);
}

enum refund_state
refund_state_at(const struct refund *r, int64_t now)
{
	const struct refund_step	*steps;
	int				 n = refund_history(r, now, &steps);

	return (steps[n - 1].state);
}

int64_t
refund_updated_at(const struct refund *r, int64_t now)
{
	const struct refund_step	*steps;
	int				 n = refund_history(r, now, &steps);

	return (steps[n - 1].at_ms);
}
