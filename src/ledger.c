/* The ledger: transactions, refunds, their planned lives and refundable balances. */
#include <stdlib.h>
#include <string.h>

#include "hset.h"
#include "jsonx.h"
#include "ledger.h"
#include "txn.h"
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

/*
 * The tables hold pointers only, keyed by what their records hold already
 * (an account's transaction, a refund's provider and id), so no key is
 * copied.  'bytes' counts every allocation but the tables' slots, which
 * hset_bytes counts, and the run-time transactions, which their set counts.
 */
struct ledger {
	const struct txn_set	*base;
	struct txn_set		*added;		/* run-time additions */
	struct hset		 accounts;	/* struct account */
	struct hset		 refunds;	/* struct refund */
	struct refund		**order;
	size_t			 nrefunds, cap;
	size_t			 bytes;
};

/* A (provider, id) to look up. */
struct ledger_key {
	const char	*provider;
	const char	*id;
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

static size_t
ledger_refund_bytes(const struct refund *r)
{
	return (alloc_bytes(offsetof(struct refund, id) + strlen(r->id) + 1 +
	    (r->data_len > 0 ? r->data_len + 1 : 0)));
}

/* Accounts are found by their transaction's address: a txn is never moved. */
static uint64_t
ledger_ptr_hash(const void *p)
{
	return ((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL >> 16);
}

static uint64_t
ledger_account_hash(const void *p)
{
	const struct account	*a = p;

	return (ledger_ptr_hash(a->txn));
}

static int
ledger_account_match(const void *p, const void *txn)
{
	const struct account	*a = p;

	return (a->txn == txn);
}

static uint64_t
ledger_refund_hash(const void *p)
{
	const struct refund	*r = p;

	return (hset_hash2(r->txn->provider, r->id));
}

static int
ledger_refund_match(const void *p, const void *key)
{
	const struct refund	*r = p;
	const struct ledger_key	*k = key;

	return (strcmp(r->id, k->id) == 0 && strcmp(r->txn->provider, k->provider) == 0);
}

static void
ledger_init(struct ledger *l, const struct txn_set *base)
{
	memset(l, 0, sizeof *l);
	l->base = base;
	l->added = txn_set_new();
	hset_init(&l->accounts, ledger_account_hash);
	hset_init(&l->refunds, ledger_refund_hash);
	l->bytes = alloc_bytes(sizeof *l);
}

struct ledger *
ledger_new(const struct txn_set *base)
{
	struct ledger	*l = xmalloc(sizeof *l);

	ledger_init(l, base);
	return (l);
}

static void
ledger_clear(struct ledger *l)
{
	size_t	i;

	for (i = 0; i < l->accounts.cap; i++) {
		struct account *a = l->accounts.slots[i];
		if (a != NULL) {
			free(a->giving);
			free(a);
		}
	}
	for (i = 0; i < l->nrefunds; i++)
		free(l->order[i]);
	free(l->order);
	hset_release(&l->refunds);
	hset_release(&l->accounts);
	txn_set_free(l->added);
}

void
ledger_free(struct ledger *l)
{
	if (l == NULL)
		return;
	ledger_clear(l);
	free(l);
}

size_t
ledger_drain(struct ledger *l, size_t max)
{
	for (; max > 0 && l->nrefunds > 0; max--)
		free(l->order[--l->nrefunds]);
	return (l->nrefunds + txn_set_drain(l->added, max));
}

void
ledger_reset(struct ledger *l)
{
	ledger_clear(l);
	ledger_init(l, l->base);
}

/*
 * 'array' of '*cap' pointers, grown to hold one more than 'n', the change
 * counted in 'bytes'.
 */
static void *
ledger_array_room(void *array, size_t n, size_t *cap, size_t first, size_t *bytes)
{
	if (n < *cap)
		return (array);
	if (*cap != 0)
		*bytes -= alloc_bytes(*cap * sizeof(void *));
	*cap = *cap != 0 ? *cap * 2 : first;
	*bytes += alloc_bytes(*cap * sizeof(void *));
	return (xrealloc(array, *cap * sizeof(void *)));
}

const struct txn *
ledger_txn(const struct ledger *l, const char *provider, const char *id)
{
	const struct txn	*t = txn_set_find(l->base, provider, id);

	return (t != NULL ? t : txn_set_find(l->added, provider, id));
}

int
ledger_add_txn(struct ledger *l, struct txn *t)
{
	if (txn_set_find(l->base, t->provider, t->id) != NULL)
		return (-1);
	return (txn_set_add(l->added, t));
}

size_t
ledger_txn_count(const struct ledger *l)
{
	return (txn_set_count(l->base) + txn_set_count(l->added));
}

const struct txn *
ledger_txn_nth(const struct ledger *l, size_t i)
{
	size_t	n = txn_set_count(l->base);

	return (i < n ? txn_set_at(l->base, i) : txn_set_at(l->added, i - n));
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
	return (hset_find(&l->accounts, ledger_ptr_hash(t), ledger_account_match, t));
}

/* When a refund that ends declined or failed gives its amount back. */
static int64_t
ledger_gives_back_at(const struct refund *r)
{
	return (r->steps[r->nsteps - 1].at_ms);
}

static void
ledger_heap_push(struct ledger *l, struct account *a, struct refund *r)
{
	size_t	i, up;

	a->giving = ledger_array_room(a->giving, a->ngiving, &a->cap, 8, &l->bytes);
	i = a->ngiving++;
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

/* The compact text of 'data' (NULL when it is NULL or empty); it is dropped. */
static char *
ledger_data_text(json_t *data)
{
	char	*text = NULL;

	if (data != NULL && json_object_size(data) > 0)
		text = jsonx_dumps(data, 0);
	json_decref(data);
	return (text);
}

struct refund *
ledger_refund_add(struct ledger *l, const struct txn *t, const char *id,
    int64_t amount, int64_t now, const struct lifecycle *lc, json_t *data)
{
	struct refund	*r;
	struct account	*a = ledger_account(l, t);
	char		*text = ledger_data_text(data);
	size_t		 idlen = strlen(id), textlen = text != NULL ? strlen(text) : 0;
	int64_t		 counted;

	/*
	 * Refunds are made in time order, each within what is left at its
	 * creation; a refund counts from its creation until it gives back, so
	 * the total stays within the amount at every instant.
	 */
	if (amount <= 0 || (a != NULL && now < a->last->created_ms) ||
	    (a != NULL && a->nrefunds >= LEDGER_REFUNDS_PER_TXN_MAX) ||
	    amount > ledger_account_refundable(a, t, now) ||
	    ledger_refund(l, t->provider, id) != NULL || l->nrefunds >= UINT32_MAX ||
	    textlen >= UINT32_MAX)
		goto out_fail;
	/* One allocation for the refund, its id and its data. */
	r = xcalloc(1, offsetof(struct refund, id) + idlen + 1 +
	    (text != NULL ? textlen + 1 : 0));
	if (ledger_plan(r, lc, now) != 0) {
		free(r);
		goto out_fail;
	}
	/* As the check above left it; what gives back leaves at a prune. */
	counted = a != NULL ? a->counted : 0;
	if (__builtin_add_overflow(counted, amount, &counted)) {
		free(r);
		goto out_fail;
	}
	memcpy(r->id, id, idlen + 1);
	if (text != NULL)
		memcpy(r->id + idlen + 1, text, textlen + 1);
	free(text);
	r->data_len = (uint32_t)textlen;
	r->txn = t;
	r->amount = amount;
	r->created_ms = now;
	r->seq = (uint32_t)l->nrefunds;
	l->bytes += ledger_refund_bytes(r);

	if (a == NULL) {
		a = xcalloc(1, sizeof *a);
		a->txn = t;
		a->pruned_ms = INT64_MIN;
		hset_add(&l->accounts, a);
		l->bytes += alloc_bytes(sizeof *a);
	}
	a->counted = counted;
	a->nrefunds++;
	if (refund_state_returns(r->steps[r->nsteps - 1].state))
		ledger_heap_push(l, a, r);
	if (a->last != NULL)
		a->last->next = r;
	else
		a->first = r;
	a->last = r;

	hset_add(&l->refunds, r);
	l->order = ledger_array_room(l->order, l->nrefunds, &l->cap, 64, &l->bytes);
	l->order[l->nrefunds++] = r;
	return (r);

out_fail:
	free(text);
	return (NULL);
}

struct refund *
ledger_refund(const struct ledger *l, const char *provider, const char *id)
{
	struct ledger_key	k = { provider, id };

	return (hset_find(&l->refunds, hset_hash2(provider, id), ledger_refund_match, &k));
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
	return (l->bytes + txn_set_bytes(l->added) + hset_bytes(&l->accounts) +
	    hset_bytes(&l->refunds));
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

json_t *
refund_data(const struct refund *r)
{
	const char	*text = r->id + strlen(r->id) + 1;
	json_t		*data;
	char		*cause;

	if (r->data_len == 0)
		return (json_object());
	/* jsonx_dumps wrote it from a parsed object, so it parses; never die for it. */
	if ((data = jsonx_loads(text, r->data_len, &cause)) == NULL) {
		free(cause);
		data = json_object();
	}
	return (data);
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
