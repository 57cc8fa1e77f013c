/* The integration report: a session's journal turned into findings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "journal.h"
#include "jsonx.h"
#include "ledger.h"
#include "map.h"
#include "provider.h"
#include "report.h"
#include "session.h"
#include "util.h"
#include "webhook_store.h"

/* A finding cites at most this many journal entries: enough to find the rest. */
#define REPORT_CITE_MAX	20
/*
 * Findings listed per rule: past it they are only counted ("omitted"), so a
 * journal of 10,000 identical mistakes costs its walk, not a 3 MB reply.
 */
#define REPORT_RULE_MAX	100

/*
 * What the rules need to know of a provider that its adapter does not say:
 * where a client puts its idempotency key and the transaction of a create,
 * and the statuses of a synchronous decline that records no refund.
 */
struct report_provider {
	const char	*name;
	const char	*key_header;	/* or NULL */
	const char	*key_field;	/* a body field that is the key, or NULL */
	const char	*txn_field;
	int		 decline_status[2];
};

static const struct report_provider report_providers[] = {
	{ "smartretry", "Idempotency-Key", NULL, "transaction_reference_id", { 0 } },
	{ "smartpay", NULL, "modificationId", "transactionId", { 0 } },
	{ "utgl", NULL, NULL, "transactionId", { 402, 502 } },
	{ "accelebit", "Idempotency-Key", NULL, "transactionId", { 0 } },
	{ "payengine", NULL, NULL, "id", { 0 } },
};

enum report_op { OP_OTHER, OP_CREATE, OP_STATUS, OP_LIST };

/* One journal entry as the rules see it. */
struct report_entry {
	const struct journal_entry	*e;
	const struct report_provider	*p;
	const struct refund		*refund;	/* touched, or NULL */
	enum report_op			 op;
	const char			*key;		/* the entry's header, or key_field */
	char				*key_field;	/* a key sent in the body */
	char				*txn;		/* the transaction named, or NULL */
	char				*target;	/* status: the last path segment */
	char				*sig;		/* create: path and body, key left out */
	int				 synchronous;
};

struct report_ctx {
	struct session			*s;
	const struct report_config	*cfg;
	int64_t				 now;
	struct report_entry		*v;
	size_t				 n;
	struct map			*first_create;	/* refund id -> its create's entry */
	struct map			*last_seen;	/* provider/target -> latest 2xx status */
	struct map			*acked;		/* refund id -> latest 2xx delivery */
	json_t				*deliveries;
	json_t				*findings;
	json_t				*omitted;	/* rule id -> findings not listed */
	json_t				*counts;	/* severity -> findings, listed or not */
	size_t				 listed;	/* by the running rule */
	const char			*rule;
	const char			*severity;
};

/* The last sighting, kept as a heap int64 in the maps above. */
static void
report_seen(struct map *m, const char *key, int64_t at)
{
	int64_t	*v = map_get(m, key);

	if (v == NULL) {
		v = xmalloc(sizeof *v);
		*v = at;
		map_put(m, key, v);
	} else if (at > *v)
		*v = at;
}

static int64_t
report_seen_at(const struct map *m, const char *key)
{
	int64_t	*v = map_get(m, key);

	return (v != NULL ? *v : INT64_MIN);
}

static const struct report_provider *
report_provider(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(report_providers); i++) {
		if (strcmp(report_providers[i].name, name) == 0)
			return (&report_providers[i]);
	}
	return (NULL);
}

static int
report_ok(int status)
{
	return (status >= 200 && status < 300);
}

/* One more in the object's count 'key'. */
static void
report_bump(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_integer(
	    json_integer_value(json_object_get(o, key)) + 1));
}

static json_t *
report_vadd(struct report_ctx *x, const char *provider, const char *fmt, va_list ap)
{
	char	 message[512];
	json_t	*f;

	report_bump(x->counts, x->severity);
	if (x->listed++ >= REPORT_RULE_MAX) {
		report_bump(x->omitted, x->rule);
		return (NULL);	/* jansson's setters ignore a NULL finding */
	}
	vsnprintf(message, sizeof message, fmt, ap);
	/* "id" first, numbered once all are in (report_finish). */
	f = json_pack("{ss ss ss ss ss s[] s[] s[]}", "id", "", "rule", x->rule,
	    "severity", x->severity, "provider", provider,
	    "message", utf8_scrub(message), "entries", "refunds", "transactions");
	json_array_append_new(x->findings, f);
	return (f);
}

/* A new finding of the running rule, its message from 'fmt'. */
static json_t *
report_add(struct report_ctx *x, const char *provider, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *
report_add(struct report_ctx *x, const char *provider, const char *fmt, ...)
{
	va_list	 ap;
	json_t	*f;

	va_start(ap, fmt);
	f = report_vadd(x, provider, fmt, ap);
	va_end(ap);
	return (f);
}

static void
report_cite(json_t *f, const struct report_entry *r)
{
	json_t	*a = json_object_get(f, "entries");

	if (json_array_size(a) < REPORT_CITE_MAX)
		json_array_append_new(a, json_integer((json_int_t)r->e->seq));
}

/* Adds 'value' to the finding's array 'name' unless it is there. */
static void
report_name(json_t *f, const char *name, const char *value)
{
	json_t	*a = json_object_get(f, name), *v;
	size_t	 i;

	if (value == NULL)
		return;
	json_array_foreach(a, i, v) {
		if (strcmp(json_string_value(v), value) == 0)
			return;
	}
	json_array_append_new(a, json_string(value));
}

/* Cites the entry, its refund and its transaction. */
static void
report_cite_all(json_t *f, const struct report_entry *r)
{
	report_cite(f, r);
	report_name(f, "refunds", r->refund != NULL ? r->refund->id : NULL);
	report_name(f, "transactions", r->txn);
}

/* "provider\x1fid": keys of the maps, for ids that are per provider. */
static char *
report_key(const char *provider, const char *id)
{
	return (xasprintf("%s\x1f%s", provider, id != NULL ? id : ""));
}

/* A finding that entries 'a' and then 'b' prove, with their refunds and transactions. */
static void
report_pair(struct report_ctx *x, const struct report_entry *a,
    const struct report_entry *b, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
report_pair(struct report_ctx *x, const struct report_entry *a,
    const struct report_entry *b, const char *fmt, ...)
{
	va_list	 ap;
	json_t	*f;

	va_start(ap, fmt);
	f = report_vadd(x, b->e->provider, fmt, ap);
	va_end(ap);
	report_cite_all(f, a);
	report_cite_all(f, b);
}

/* The create entry of a refund, or NULL. */
static const struct report_entry *
report_create_of(const struct report_ctx *x, const char *provider, const char *refund)
{
	char				*key = report_key(provider, refund);
	const struct report_entry	*r = map_get(x->first_create, key);

	free(key);
	return (r);
}

static char *
report_last_segment(const char *path)
{
	const char	*slash = strrchr(path, '/');
	size_t		 n = strcspn(slash != NULL ? slash + 1 : path, "?");

	return (xstrndup(slash != NULL ? slash + 1 : path, n));
}

/* What a create names: its key, its transaction, and path and body without the key. */
static void
report_read_create(struct report_entry *r)
{
	json_t	*body = NULL, *v;
	char	*cause = NULL, *canon;

	if (r->e->req_body != NULL &&
	    (body = jsonx_loads(r->e->req_body, strlen(r->e->req_body), &cause)) == NULL)
		free(cause);
	if (r->p->key_header != NULL)
		r->key = journal_header(r->e, r->p->key_header);
	if (json_is_object(body)) {
		/* A key in the body is not part of what the request asks. */
		if (r->p->key_field != NULL &&
		    json_is_string(v = json_object_get(body, r->p->key_field))) {
			r->key = r->key_field = xstrdup(json_string_value(v));
			json_object_del(body, r->p->key_field);
		}
		if (r->txn == NULL &&
		    json_is_string(v = json_object_get(body, r->p->txn_field)))
			r->txn = xstrdup(json_string_value(v));
	}
	canon = body != NULL ? jsonx_dumps(body, JSON_SORT_KEYS) :
	    xstrdup(r->e->req_body != NULL ? r->e->req_body : "");
	r->sig = xasprintf("%s %s\n%s", r->e->method, r->e->path, canon);
	free(canon);
	json_decref(body);
}

static const struct {
	const char	*operation;
	enum report_op	 op;
} report_ops[] = {
	{ "refund.create", OP_CREATE },
	{ "refund.status", OP_STATUS },
	{ "refund.list", OP_LIST },
};

static int
report_read_cb(const struct journal_entry *e, void *arg)
{
	struct report_ctx	*x = arg;
	struct report_entry	*r = &x->v[x->n++];
	const struct provider	*prov = provider_find(e->provider);
	size_t			 i;

	memset(r, 0, sizeof *r);
	r->e = e;
	r->p = report_provider(e->provider);
	r->synchronous = prov != NULL && prov->lifecycle.synchronous;
	for (i = 0; i < nitems(report_ops); i++) {
		if (strcmp(report_ops[i].operation, e->operation) == 0)
			r->op = report_ops[i].op;
	}
	if (e->refund_id != NULL &&
	    (r->refund = ledger_refund(x->s->ledger, e->provider, e->refund_id)) != NULL)
		r->txn = xstrdup(r->refund->txn->id);
	if (r->p == NULL)
		r->op = OP_OTHER;
	if (r->op == OP_CREATE)
		report_read_create(r);
	return (0);
}

/* The status calls that answered: the latest per target, per provider for lists. */
static void
report_index(struct report_ctx *x)
{
	struct report_entry	*r;
	const struct txn	*t;
	char			*key;
	size_t			 i;

	for (i = 0; i < x->n; i++) {
		r = &x->v[i];
		if (r->op == OP_CREATE && r->refund != NULL && report_ok(r->e->status)) {
			key = report_key(r->e->provider, r->refund->id);
			if (map_get(x->first_create, key) == NULL)
				map_put(x->first_create, key, r);
			free(key);
		}
		if (r->op != OP_STATUS && r->op != OP_LIST)
			continue;
		if (r->op == OP_STATUS) {
			r->target = report_last_segment(r->e->path);
			if ((t = ledger_txn(x->s->ledger, r->e->provider, r->target)) != NULL)
				r->txn = xstrdup(t->id);
		}
		if (!report_ok(r->e->status))
			continue;
		key = report_key(r->e->provider, r->target);
		report_seen(x->last_seen, key, r->e->at_ms);
		free(key);
	}
}

static void
report_index_deliveries(struct report_ctx *x)
{
	json_t		*d;
	size_t		 i;
	int64_t		 at;
	const char	*refund;

	json_array_foreach(json_object_get(x->deliveries, "deliveries"), i, d) {
		refund = json_string_value(json_object_get(d, "refund_id"));
		if (refund == NULL || !report_ok((int)json_integer_value(
		    json_object_get(d, "status"))) ||
		    clock_parse(json_string_value(json_object_get(d, "at")), &at) != 0)
			continue;
		report_seen(x->acked, refund, at);
	}
}

/* When the client last learnt of 'r' from a status call or an acknowledged webhook. */
static int64_t
report_observed_at(const struct report_ctx *x, const char *provider,
    const struct refund *r)
{
	char	*k1 = report_key(provider, r->id), *k2 = report_key(provider,
		    r->txn->id), *k3 = report_key(provider, NULL);
	int64_t	 at = report_seen_at(x->last_seen, k1), t;

	if ((t = report_seen_at(x->last_seen, k2)) > at)
		at = t;
	if ((t = report_seen_at(x->last_seen, k3)) > at)
		at = t;
	if ((t = report_seen_at(x->acked, r->id)) > at)
		at = t;
	free(k1);
	free(k2);
	free(k3);
	return (at);
}

/* The refund's final step if it has been reached by 'now', else NULL. */
static const struct refund_step *
report_final_step(const struct refund *r, int64_t now)
{
	const struct refund_step	*last = &r->steps[r->nsteps - 1];

	if (last->at_ms > now || (last->state != REFUND_SUCCEEDED &&
	    last->state != REFUND_DECLINED && last->state != REFUND_FAILED))
		return (NULL);
	return (last);
}

static int
report_same(const char *a, const char *b)
{
	return (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* An accepted refund: neither declined nor failed by now. */
static int
report_accepted(const struct report_ctx *x, const struct refund *r)
{
	return (!refund_state_returns(refund_state_at(r, x->now)));
}

/* duplicate-refund: a second refund like the first on one transaction, soon after. */
static void
report_duplicate_refund(struct report_ctx *x)
{
	const struct report_entry	*a, *b, *o;
	const struct refund		*r;
	size_t				 i;

	for (i = 0; i < x->n; i++) {
		b = &x->v[i];
		if (b->op != OP_CREATE || b->refund == NULL ||
		    report_create_of(x, b->e->provider, b->refund->id) != b ||
		    !report_accepted(x, b->refund))
			continue;
		/* The nearest earlier twin: later ones in the walk win. */
		a = NULL;
		for (r = ledger_refunds_of(x->s->ledger, b->refund->txn);
		    r != NULL && r != b->refund; r = r->next) {
			if (r->amount == b->refund->amount && report_accepted(x, r) &&
			    b->refund->created_ms - r->created_ms <=
			    x->cfg->duplicate_window_s * 1000 &&
			    (o = report_create_of(x, b->e->provider, r->id)) != NULL &&
			    !report_same(o->key, b->key))
				a = o;
		}
		if (a == NULL)
			continue;
		report_pair(x, a, b, "Refund %s repeats refund %s: the same amount "
		    "on transaction %s, not tied by one idempotency key%s.",
		    b->refund->id, a->refund->id, b->txn, a->e->reply_lost ?
		    ", after the first one's reply was lost" : "");
	}
}

/*
 * Creates whose reply was lost, by what they asked, for the retries after
 * them.  A retry that made a second refund is duplicate-refund's.
 */
static void
report_retry_without_key(struct report_ctx *x)
{
	struct map		*lost = map_new(NULL);
	struct report_entry	*r, *a;
	char			*key;
	size_t			 i;

	for (i = 0; i < x->n; i++) {
		r = &x->v[i];
		if (r->op != OP_CREATE ||
		    (r->p->key_header == NULL && r->p->key_field == NULL))
			continue;
		key = report_key(r->e->provider, r->sig);
		if ((a = map_get(lost, key)) != NULL && !report_same(a->key, r->key)) {
			map_del(lost, key);
			if (a->refund == NULL || r->refund == NULL || a->refund == r->refund)
				report_pair(x, a, r, "Entry %llu repeats entry %llu, "
				    "whose reply was lost, without its %s: had the first "
				    "one been made, this one refunds again.",
				    (unsigned long long)r->e->seq,
				    (unsigned long long)a->e->seq, r->p->key_header != NULL ?
				    r->p->key_header : r->p->key_field);
		}
		if (r->e->reply_lost)
			map_put(lost, key, r);
		free(key);
	}
	map_free(lost);
}

/* key-reused-with-other-body: the provider kept the key; another request came with it. */
static void
report_key_reused(struct report_ctx *x)
{
	struct map		*keys = map_new(NULL);
	struct report_entry	*r, *a;
	char			*key;
	size_t			 i;

	for (i = 0; i < x->n; i++) {
		r = &x->v[i];
		if (r->op != OP_CREATE || r->key == NULL)
			continue;
		key = report_key(r->e->provider, r->key);
		if ((a = map_get(keys, key)) != NULL && strcmp(a->sig, r->sig) != 0)
			report_pair(x, a, r, "Entry %llu sends the key %s of entry %llu "
			    "with another request: a key names one request, a new "
			    "request needs a new key.", (unsigned long long)r->e->seq,
			    r->key, (unsigned long long)a->e->seq);
		else if (a == NULL && (report_ok(r->e->status) || r->e->status == 422 ||
		    r->e->reply_lost))
			map_put(keys, key, r);
		free(key);
	}
	map_free(keys);
}

/* The asynchronous refunds the client made, final by now and never seen so. */
static void
report_outcome_never_observed(struct report_ctx *x)
{
	const struct report_entry	*r;
	const struct refund_step	*last;
	char				 at[CLOCK_TEXT_MAX];
	json_t				*f;
	size_t				 i;

	for (i = 0; i < x->n; i++) {
		r = &x->v[i];
		if (r->op != OP_CREATE || r->refund == NULL || r->synchronous ||
		    report_create_of(x, r->e->provider, r->refund->id) != r ||
		    (last = report_final_step(r->refund, x->now)) == NULL ||
		    report_observed_at(x, r->e->provider, r->refund) >= last->at_ms)
			continue;
		f = report_add(x, r->e->provider, "Refund %s became %s at %s, but "
		    "the client neither fetched its status after that nor "
		    "acknowledged a webhook telling it: it may be treating "
		    "\"accepted\" as \"refunded\".", r->refund->id,
		    refund_state_text(last->state), clock_format(last->at_ms, at));
		report_cite_all(f, r);
	}
}

/* The entries (journal order) that name one provider's transaction, refund or list. */
struct report_list {
	size_t	*v;
	size_t	 n, cap;
};

static void
report_list_free(void *p)
{
	struct report_list	*l = p;

	free(l->v);
	free(l);
}

/* Files entry 'i' under 'kind' ("t" transaction, "r" refund, "l" list) and 'id'. */
static void
report_list_add(struct map *m, const struct report_entry *r, const char *kind,
    const char *id, size_t i)
{
	struct report_list	*l;
	char			*key;

	if (id == NULL)
		return;
	key = xasprintf("%s\x1f%s\x1f%s", r->e->provider, kind, id);
	if ((l = map_get(m, key)) == NULL) {
		l = xcalloc(1, sizeof *l);
		map_put(m, key, l);
	}
	free(key);
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 4 : l->cap * 2;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = i;
}

/*
 * Who looks at what: a decline's follow-up is a lookup, not a scan of the
 * rest of the journal, which made 9,000 declines of distinct transactions
 * cost 450 ms.
 */
static struct map *
report_follow_index(const struct report_ctx *x)
{
	struct map			*m = map_new(report_list_free);
	const struct report_entry	*r;
	size_t				 i;

	for (i = 0; i < x->n; i++) {
		r = &x->v[i];
		report_list_add(m, r, "t", r->txn, i);
		report_list_add(m, r, "r", r->target, i);
		report_list_add(m, r, "l", r->op == OP_LIST ? "" : NULL, i);
	}
	return (m);
}

/*
 * The first of the entries filed under 'kind' and 'id' that comes after
 * 'from' and at or after 'at', or x->n.  Journal order is virtual-time order
 * (a session's clock only goes forward), so both tests split the list once.
 */
static size_t
report_list_next(const struct report_ctx *x, struct map *index, const char *provider,
    const char *kind, const char *id, size_t from, int64_t at)
{
	const struct report_list	*l;
	char				*key;
	size_t				 lo = 0, hi, mid;

	if (id == NULL)
		return (x->n);
	key = xasprintf("%s\x1f%s\x1f%s", provider, kind, id);
	l = map_get(index, key);
	free(key);
	if (l == NULL)
		return (x->n);
	for (hi = l->n; lo < hi; ) {
		mid = lo + (hi - lo) / 2;
		if (l->v[mid] > from && x->v[l->v[mid]].e->at_ms >= at)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (lo < l->n ? l->v[lo] : x->n);
}

/* An entry after 'from' (at or after 'at') that fetches or retries transaction 'txn'. */
static const struct report_entry *
report_follow_up(const struct report_ctx *x, struct map *index, size_t from,
    const char *provider, const char *txn, const char *refund, int64_t at)
{
	size_t	i = report_list_next(x, index, provider, "t", txn, from, at), k;

	if ((k = report_list_next(x, index, provider, "r", refund, from, at)) < i)
		i = k;
	if ((k = report_list_next(x, index, provider, "l", "", from, at)) < i)
		i = k;
	return (i < x->n ? &x->v[i] : NULL);
}

/* The declined or failed create at 'i', or 0; its final step's time in '*at'. */
static int
report_declined(const struct report_ctx *x, const struct report_entry *r,
    int64_t *at)
{
	const struct refund_step	*last;

	if (r->op != OP_CREATE)
		return (0);
	if (r->refund != NULL) {
		if ((last = report_final_step(r->refund, x->now)) == NULL ||
		    last->state == REFUND_SUCCEEDED)
			return (0);
		*at = last->at_ms;
		return (1);
	}
	*at = r->e->at_ms;
	return (r->e->status != 0 && (r->e->status == r->p->decline_status[0] ||
	    r->e->status == r->p->decline_status[1]));
}

static void
report_decline_ignored(struct report_ctx *x)
{
	const struct report_entry	*r, *next;
	const char			*severity = x->severity;
	struct map			*index = report_follow_index(x);
	int64_t				 at;
	json_t				*f;
	size_t				 i;

	for (i = 0; i < x->n; i++) {
		r = &x->v[i];
		if (!report_declined(x, r, &at) || (r->refund != NULL &&
		    !r->synchronous && report_observed_at(x, r->e->provider,
		    r->refund) < at))
			continue;
		next = report_follow_up(x, index, i, r->e->provider, r->txn,
		    r->refund != NULL ? r->refund->id : NULL, at);
		if (next != NULL && r->synchronous && next->op == OP_CREATE &&
		    strcmp(next->sig, r->sig) == 0 &&
		    next->e->at_ms - r->e->at_ms <= x->cfg->decline_window_s * 1000) {
			x->severity = "warning";
			report_pair(x, r, next, "Entry %llu sends again the refund "
			    "that entry %llu had declined: a synchronous decline is "
			    "final, the same request will not pass.",
			    (unsigned long long)next->e->seq,
			    (unsigned long long)r->e->seq);
		} else if (next == NULL) {
			f = report_add(x, r->e->provider, "The refund of entry %llu was "
			    "declined, and the client neither fetched it nor retried "
			    "after that: make sure a person learns of the decline.",
			    (unsigned long long)r->e->seq);
			report_cite_all(f, r);
		}
		x->severity = severity;
	}
	map_free(index);
}

/* retry-after-ignored: the provider said when to come back; the client came sooner. */
static void
report_retry_after_ignored(struct report_ctx *x)
{
	const struct report_entry	*r, *b;
	size_t				 i, k;
	int64_t				 until;

	for (i = 0; i < x->n; i++) {
		r = &x->v[i];
		if ((r->e->status != 429 && r->e->status != 503) ||
		    r->e->retry_after_s <= 0)
			continue;
		until = r->e->at_ms + r->e->retry_after_s * 1000;
		for (k = i + 1; k < x->n; k++) {
			b = &x->v[k];
			if (b->e->at_ms >= until)
				break;
			if (strcmp(b->e->provider, r->e->provider) != 0)
				continue;
			report_pair(x, r, b, "Entry %llu came %lld ms after a %d that "
			    "said Retry-After: %lld (entry %llu).",
			    (unsigned long long)b->e->seq,
			    (long long)(b->e->at_ms - r->e->at_ms), r->e->status,
			    (long long)r->e->retry_after_s, (unsigned long long)r->e->seq);
			break;
		}
	}
}

/* One webhook event's attempts, counted in one walk of the delivery log. */
struct report_event {
	json_t	*first;		/* its first attempt */
	int	 bad, acked;
};

/* webhook-not-acknowledged: per event, the attempts the client did not answer with 2xx. */
static void
report_webhook_not_acknowledged(struct report_ctx *x)
{
	json_t				*list = json_object_get(x->deliveries, "deliveries");
	struct map			*events = map_new(free);
	struct report_event		*ev, **order;
	const struct report_entry	*r;
	json_t				*d, *f;
	const char			*event, *provider, *refund;
	size_t				 i, n = 0;

	/* A map, not a scan per attempt: the log holds up to 10,000 of them. */
	order = xcalloc(json_array_size(list) + 1, sizeof *order);
	json_array_foreach(list, i, d) {
		if ((event = json_string_value(json_object_get(d, "event_id"))) == NULL)
			continue;
		if ((ev = map_get(events, event)) == NULL) {
			ev = order[n++] = xcalloc(1, sizeof *ev);
			ev->first = d;
			map_put(events, event, ev);
		}
		/* A paymock rule's attempts are its own, not the client's answers. */
		if (!json_is_null(json_object_get(d, "rule")))
			continue;
		if (report_ok((int)json_integer_value(json_object_get(d, "status"))))
			ev->acked = 1;
		else
			ev->bad++;
	}
	for (i = 0; i < n; i++) {
		if ((ev = order[i])->bad == 0)
			continue;
		d = ev->first;
		event = json_string_value(json_object_get(d, "event_id"));
		provider = json_string_value(json_object_get(d, "provider"));
		refund = json_string_value(json_object_get(d, "refund_id"));
		f = report_add(x, provider, ev->acked ? "Webhook event %s (%s) was "
		    "acknowledged only after %d failed attempt%s: answer 2xx at once, "
		    "then process." : "Webhook event %s (%s) was never acknowledged "
		    "with a 2xx (%d attempt%s): the provider will retry, then give up.",
		    event, json_string_value(json_object_get(d, "event")), ev->bad,
		    ev->bad == 1 ? "" : "s");
		report_name(f, "refunds", refund);
		if ((r = report_create_of(x, provider, refund)) != NULL)
			report_cite_all(f, r);
		json_object_set_new(f, "event_id", json_string(event));
	}
	free(order);
	map_free(events);
}

/* warnings: the integration warnings the replies carried, one finding per code. */
static void
report_warnings(struct report_ctx *x)
{
	struct map	*codes = map_new(NULL);
	json_t		*f;
	const char	*code, *text, *p;
	char		*key;
	size_t		 i;

	for (i = 0; i < x->n; i++) {
		/* Packed as "code\0text\0" pairs, then "\0" (journal.h). */
		for (p = x->v[i].e->warnings; p != NULL && *p != '\0'; p = text +
		    strlen(text) + 1) {
			code = p;
			text = code + strlen(code) + 1;
			key = report_key(x->v[i].e->provider, code);
			if ((f = map_get(codes, key)) == NULL) {
				f = report_add(x, x->v[i].e->provider, "%s (%s)", text, code);
				json_object_set_new(f, "code", json_string(code));
				json_object_set_new(f, "count", json_integer(0));
				map_put(codes, key, f);
			}
			json_object_set_new(f, "count", json_integer(
			    json_integer_value(json_object_get(f, "count")) + 1));
			report_cite(f, &x->v[i]);
			free(key);
		}
	}
	map_free(codes);
}

/* A target's status calls in its busiest virtual second so far. */
struct report_poll {
	int64_t	 second;
	int64_t	 count;
	size_t	 first;		/* the entry that began the second */
	json_t	*storm;		/* its finding, once it had one ... */
	int	 stormed;	/* ... or was counted past REPORT_RULE_MAX */
};

/* polling-storm: more status calls for one refund in a virtual second than it can need. */
static void
report_polling_storm(struct report_ctx *x)
{
	struct map		*polls = map_new(free);
	struct report_entry	*r;
	struct report_poll	*p;
	char			*key;
	size_t			 i, k;

	for (i = 0; i < x->n; i++) {
		r = &x->v[i];
		if (r->op != OP_STATUS)
			continue;
		key = report_key(r->e->provider, r->target);
		if ((p = map_get(polls, key)) == NULL) {
			p = xcalloc(1, sizeof *p);
			p->second = INT64_MIN;
			map_put(polls, key, p);
		}
		free(key);
		if (p->second != r->e->at_ms / 1000) {
			p->second = r->e->at_ms / 1000;
			p->count = 0;
			p->first = i;
		}
		if (++p->count <= x->cfg->polling_max_per_s || p->stormed) {
			if (p->storm != NULL)
				report_cite(p->storm, r);
			continue;
		}
		p->stormed = 1;
		p->storm = report_add(x, r->e->provider, "%s was asked for more than "
		    "%lld times in one virtual second: poll with a back-off, or "
		    "listen to webhooks.", r->target,
		    (long long)x->cfg->polling_max_per_s);
		/* Only a listed finding cites: at most REPORT_RULE_MAX walks back. */
		for (k = p->first; p->storm != NULL && k <= i; k++) {
			if (x->v[k].op == OP_STATUS &&
			    strcmp(x->v[k].e->provider, r->e->provider) == 0 &&
			    strcmp(x->v[k].target, r->target) == 0)
				report_cite_all(p->storm, &x->v[k]);
		}
	}
	map_free(polls);
}

static const struct {
	const char	*id;
	const char	*severity;
	void		 (*check)(struct report_ctx *);
	const char	*doc;
} report_rules[] = {
	{ "duplicate-refund", "error", report_duplicate_refund,
	    "two accepted refunds of one amount on one transaction, not tied by a key" },
	{ "retry-without-key", "error", report_retry_without_key,
	    "a create repeated after a lost reply without its idempotency key" },
	{ "key-reused-with-other-body", "error", report_key_reused,
	    "one idempotency key (or modificationId) with two different requests" },
	{ "outcome-never-observed", "warning", report_outcome_never_observed,
	    "an asynchronous refund's final state never fetched nor acknowledged" },
	{ "decline-ignored", "info", report_decline_ignored,
	    "a declined refund left alone, or sent again at once (synchronous)" },
	{ "retry-after-ignored", "warning", report_retry_after_ignored,
	    "a request sooner than the Retry-After of a 429 or 503" },
	{ "webhook-not-acknowledged", "warning", report_webhook_not_acknowledged,
	    "webhook deliveries answered with non-2xx, or not at all" },
	{ "warnings", "warning", report_warnings,
	    "the integration warnings replies carried, by code" },
	{ "polling-storm", "warning", report_polling_storm,
	    "more status calls for one refund per virtual second than it needs" },
};

size_t
report_rule_count(void)
{
	return (nitems(report_rules));
}

const char *
report_rule_id(size_t i)
{
	return (report_rules[i].id);
}

const char *
report_rule_severity(size_t i)
{
	return (report_rules[i].severity);
}

int
report_rule_find(const char *id)
{
	size_t	i;

	for (i = 0; i < nitems(report_rules); i++) {
		if (strcmp(report_rules[i].id, id) == 0)
			return ((int)i);
	}
	return (-1);
}

void
report_config_default(struct report_config *cfg)
{
	cfg->duplicate_window_s = REPORT_DUPLICATE_WINDOW_S;
	cfg->decline_window_s = REPORT_DECLINE_WINDOW_S;
	cfg->polling_max_per_s = REPORT_POLLING_MAX_PER_S;
}

int
report_config_read(struct report_config *cfg,
    char *(*get)(void *arg, const char *name), void *arg, char **cause)
{
	static const struct {
		const char	*name;
		size_t		 offset;
	} knobs[] = {
		{ "duplicate_window_s", offsetof(struct report_config, duplicate_window_s) },
		{ "decline_window_s", offsetof(struct report_config, decline_window_s) },
		{ "polling_max_per_s", offsetof(struct report_config, polling_max_per_s) },
	};
	char		*text, *end;
	long long	 v;
	size_t		 i;

	for (i = 0; i < nitems(knobs); i++) {
		if ((text = get(arg, knobs[i].name)) == NULL)
			continue;
		v = strtoll(text, &end, 10);
		if (*text == '\0' || *end != '\0' || v < 1 || v > CLOCK_DURATION_MAX_S) {
			*cause = xasprintf("%s: must be a whole number from 1 to %lld",
			    knobs[i].name, (long long)CLOCK_DURATION_MAX_S);
			free(text);
			return (-1);
		}
		*(int64_t *)(void *)((char *)cfg + knobs[i].offset) = v;
		free(text);
	}
	return (0);
}

static const char *const report_severities[] = { "error", "warning", "info" };

/* Numbers the findings F1, F2, … and wraps them with their counts. */
static json_t *
report_finish(struct report_ctx *x, uint32_t ignored)
{
	json_t	*counts = json_object(), *ign = json_array(), *f;
	json_t	*rules = json_array();
	size_t	 i;
	char	 id[24];

	for (i = 0; i < nitems(report_severities); i++)
		json_object_set_new(counts, report_severities[i], json_integer(
		    json_integer_value(json_object_get(x->counts, report_severities[i]))));
	json_array_foreach(x->findings, i, f) {
		snprintf(id, sizeof id, "F%zu", i + 1);
		json_object_set_new(f, "id", json_string(id));
	}
	for (i = 0; i < nitems(report_rules); i++) {
		json_array_append_new(rules, json_pack("{ss ss ss}", "id",
		    report_rules[i].id, "severity", report_rules[i].severity,
		    "summary", report_rules[i].doc));
		if (ignored & (UINT32_C(1) << i))
			json_array_append_new(ign, json_string(report_rules[i].id));
	}
	json_decref(x->counts);
	return (json_pack("{so so so so so}", "findings", x->findings, "counts",
	    counts, "omitted", x->omitted, "ignored", ign, "rules", rules));
}

static void
report_entry_release(struct report_entry *r)
{
	free(r->txn);
	free(r->target);
	free(r->sig);
	free(r->key_field);
}

json_t *
report_build(struct session *s, const struct report_config *cfg,
    uint32_t ignored, int64_t now)
{
	struct report_ctx	x = { .s = s, .cfg = cfg, .now = now };
	size_t			i;

	x.v = xcalloc(journal_count(s->journal) + 1, sizeof *x.v);
	journal_each(s->journal, report_read_cb, &x);
	x.first_create = map_new(NULL);
	x.last_seen = map_new(free);
	x.acked = map_new(free);
	x.deliveries = webhooks_deliveries_json(s->webhooks);
	x.findings = json_array();
	x.omitted = json_object();
	x.counts = json_object();
	report_index(&x);
	report_index_deliveries(&x);
	for (i = 0; i < nitems(report_rules); i++) {
		if (ignored & (UINT32_C(1) << i))
			continue;
		x.rule = report_rules[i].id;
		x.severity = report_rules[i].severity;
		x.listed = 0;
		report_rules[i].check(&x);
	}
	for (i = 0; i < x.n; i++)
		report_entry_release(&x.v[i]);
	free(x.v);
	map_free(x.first_create);
	map_free(x.last_seen);
	map_free(x.acked);
	json_decref(x.deliveries);
	return (report_finish(&x, ignored));
}

json_t *
report_citations(const json_t *report)
{
	json_t	*index = json_object(), *f, *seq, *ids;
	size_t	 i, k;
	char	 key[24];

	json_array_foreach(json_object_get(report, "findings"), i, f) {
		json_array_foreach(json_object_get(f, "entries"), k, seq) {
			snprintf(key, sizeof key, "%lld", (long long)json_integer_value(seq));
			if ((ids = json_object_get(index, key)) == NULL)
				json_object_set_new(index, key, ids = json_array());
			json_array_append(ids, json_object_get(f, "id"));
		}
	}
	return (index);
}
