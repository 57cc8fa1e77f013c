/*
 * Fuzz path: sequences of operations on up to three sessions, through
 * dispatch() as the other harnesses, with a real webhook engine and a real
 * receiver on one event base, so that deliveries complete, fail or are held
 * while the sessions they belong to are reset, deleted and made again.
 *
 * An input is up to SEQ_OPS operations of five bytes, OP A B C D:
 *
 *	A	bits 0-1: the session (fz0, fz1, fz2, fz0); the rest: the operand
 *	OP	what to do (seq_ops, by OP % the table's size): a refund on any
 *		provider (any of the session's transactions, magic 01-09 too;
 *		full, partial, too much; with no key, one of eight keys or a
 *		fresh one), a status call, a clock advance (a second to
 *		overflow, once or a hundred times), set, freeze or unfreeze, a shipped scenario, a canned
 *		rule as scenario or fault, a lifecycle, a transaction added, a
 *		session deleted or reset, a webhook endpoint (the receiver
 *		answers 200 or 500 or holds the reply, or nobody listens), a
 *		replay, held replies released, the event loop run until quiet
 *
 * After every operation (oracles beyond the sanitizers and leak checks):
 * no transaction is refunded beyond its amount; a key never makes a second
 * refund while the provider keeps it; every journal entry and delivery of a
 * session carries the marker of the session's present life (a request is
 * tagged X-Fuzz-Life, an endpoint's URL its session's), and names a refund
 * of that session.  A deleted session's name made again is a new life.
 *
 * The event loop runs on wall time for a few milliseconds per pump, so the
 * order in which concurrent deliveries finish may differ between runs.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/event.h>
#include <event2/http.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dispatch.h"
#include "fixtures.h"
#include "fuzz.h"
#include "journal.h"
#include "jsonx.h"
#include "ledger.h"
#include "money.h"
#include "provider.h"
#include "session.h"
#include "util.h"
#include "webhook.h"

#define SEQ_OPS		64
#define SEQ_SLOTS	3
#define SEQ_KEYS	8
#define SEQ_HELD	32
#define SEQ_PROVIDERS	8	/* >= nproviders */

/* How a provider keeps a refund's key: SmartRetry/Accelebit 24 h, SmartPay for good. */
enum seq_keyed {
	SEQ_KEY_NONE,
	SEQ_KEY_HEADER,
	SEQ_KEY_MODIFICATION,
};
#define SEQ_KEY_TTL_MS	(24LL * 60 * 60 * 1000)

struct seq {
	struct app		 app;
	struct event_base	*base;
	struct evhttp		*receiver;
	int			 port;
	struct evhttp_request	*held[SEQ_HELD];
	size_t			 nheld;
	int			 hooks;		/* an endpoint was set: pump */
	unsigned		 next_life;
	unsigned		 life[SEQ_SLOTS];	/* requests' marker: new on delete, reset */
	unsigned		 hook_life[SEQ_SLOTS];	/* endpoints' marker: new on delete */
	int64_t			 key_at[SEQ_SLOTS][SEQ_PROVIDERS][SEQ_KEYS];
	unsigned		 serial;	/* fresh ids, keys, modification ids */
	const uint8_t		*p, *end;
	uint8_t			 a, b, c, d;	/* the operation's operands */
};

static int
seq_slot(const struct seq *q)
{
	return ((q->a & 3) % SEQ_SLOTS);
}

static void
seq_name(int slot, char name[8])
{
	memcpy(name, "fz", 2);
	name[2] = (char)('0' + slot % 10);
	name[3] = '\0';
}

/* The session of 'slot', or NULL if it does not exist (now). */
static struct session *
seq_session(struct seq *q, int slot)
{
	char	name[8];

	seq_name(slot, name);
	return (sessions_find(q->app.sessions, name));
}

/* The same, made if need be (as its first request would). */
static struct session *
seq_session_get(struct seq *q, int slot)
{
	char	name[8];

	seq_name(slot, name);
	return (sessions_get(q->app.sessions, name));
}

/*
 * One request in 'slot's session, tagged with its life; returns the status.
 * 'extra' is "Name: value\n" lines; the reply's body into '*out' if asked.
 */
static int
seq_call(struct seq *q, int slot, const char *method, const char *path,
    const char *extra, const char *body, char **out)
{
	struct header		 h[8];
	struct request		 r = { .method = method, .headers = h };
	struct reply		 rep = { 0 };
	struct dispatch_info	 info;
	struct plan		 plan;
	char			 name[8], life[16], *lines = xstrdup(extra), *line, *next;
	char			*bare = xstrdup(path), *query;
	int			 status;

	seq_name(slot, name);
	snprintf(life, sizeof life, "%u", q->life[slot]);
	h[r.nheaders].name = "X-Paymock-Session";
	h[r.nheaders++].value = name;
	h[r.nheaders].name = "X-Fuzz-Life";
	h[r.nheaders++].value = life;
	for (line = lines; *line != '\0' && r.nheaders < nitems(h); line = next) {
		next = line + strcspn(line, "\n");
		if (*next != '\0')
			*next++ = '\0';
		h[r.nheaders].name = line;
		line += strcspn(line, ":");
		*line++ = '\0';
		h[r.nheaders++].value = line + strspn(line, " ");
	}
	/* The transport splits the query off the path. */
	if ((query = strchr(bare, '?')) != NULL) {
		*query++ = '\0';
		r.query = query;
	}
	r.path = bare;
	r.body = body != NULL ? body : "";
	r.body_len = strlen(r.body);
	dispatch(&q->app, &r, &rep, &info, &plan);
	work_finish(&plan.work, &q->app, &rep);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "  %s %s [%s life %s] %s-> %d %.300s\n", method, path,
		    name, life, body != NULL ? body : "", rep.status,
		    rep.body != NULL ? rep.body : "");
	if (plan.kind == PLAN_REPLY && (rep.status < 100 || rep.status > 599))
		fatal("%s %s: status %d", method, path, rep.status);
	/* The transport frees a held key once the reply is out: here at once. */
	if (plan.idem_key != NULL)
		dispatch_release(&q->app, info.session, plan.session_id, plan.idem_key);
	free(plan.idem_key);
	status = rep.status;
	if (out != NULL)
		*out = rep.body != NULL ? xstrdup(rep.body) : xstrdup("");
	reply_release(&rep);
	free(lines);
	free(bare);
	return (status);
}

/* An admin call with a JSON body; the session's 'slot'. */
static int
seq_admin(struct seq *q, int slot, const char *method, const char *path,
    const char *body)
{
	return (seq_call(q, slot, method, path, body != NULL ?
	    "Content-Type: application/json\n" : "", body, NULL));
}

/* ------------------------------------------------------------------ */
/* Refunds and status calls, in each provider's own words. */

struct seq_req {
	const struct txn	*txn;
	const char		*amount;	/* decimal text */
	const char		*key;		/* NULL: none */
	unsigned		 serial;
};

static const char *
seq_extra(const struct txn *t, const char *key)
{
	const char	*v = jsonx_string(json_object_get(t->fixture, key));

	return (v != NULL ? v : "");
}

static void
seq_smartretry(struct buf *b, const struct seq_req *r)
{
	buf_addf(b, "{\"transaction_reference_id\":\"%s\",\"order_reference_id\":\"%s\","
	    "\"merchant_transaction_id\":\"m-%u\",\"amount\":%s}", r->txn->id,
	    seq_extra(r->txn, "order_id"), r->serial, r->amount);
}

static void
seq_smartpay(struct buf *b, const struct seq_req *r)
{
	char	mod[32];

	/* The modification id is SmartPay's idempotency key. */
	if (r->key != NULL)
		snprintf(mod, sizeof mod, "%s", r->key);
	else
		snprintf(mod, sizeof mod, "mod-%u", r->serial);
	buf_addf(b, "{\"merchantKey\":\"%s\",\"transactionId\":\"%s\",\"modificationId\":"
	    "\"%s\",\"modifiedAmount\":{\"amount\":%s,\"currencyCode\":\"%s\"}}",
	    seq_extra(r->txn, "merchant_key"), r->txn->id, mod, r->amount,
	    r->txn->currency);
}

static void
seq_utgl(struct buf *b, const struct seq_req *r)
{
	buf_addf(b, "{\"transactionId\":\"%s\",\"amount\":%s,\"currency\":\"%s\","
	    "\"reason\":\"fuzz\",\"description\":\"fuzz\"}", r->txn->id, r->amount,
	    r->txn->currency);
}

static void
seq_accelebit(struct buf *b, const struct seq_req *r)
{
	buf_addf(b, "{\"transactionId\":\"%s\",\"amount\":\"%s\",\"currency\":\"%s\"}",
	    r->txn->id, r->amount, r->txn->currency);
}

static void
seq_payengine(struct buf *b, const struct seq_req *r)
{
	buf_addf(b, "{\"id\":\"%s\",\"amount\":%s,\"reason\":\"fuzz\"}", r->txn->id,
	    r->amount);
}

struct seq_provider {
	const char	*name;
	enum seq_keyed	 keyed;
	const char	*auth;		/* header lines every call carries */
	const char	*refund;	/* path; then the terminal if 'terminal' */
	void		 (*body)(struct buf *, const struct seq_req *);
	const char	*status;	/* path; then the terminal and '/' if 'terminal', the id */
	int		 terminal;	/* paths name the payment's terminal (SmartRetry) */
	int		 status_by_refund;	/* the id is a refund's, not the payment's */
};

static const struct seq_provider seq_providers[] = {
	{ "smartretry", SEQ_KEY_HEADER, "x-api-key: YOUR_API_KEY\n",
	    "/smartretry/v1/payments/refund/", seq_smartretry,
	    "/smartretry/v1/payments/status/", 1, 0 },
	{ "smartpay", SEQ_KEY_MODIFICATION, "Authorization: Basic "
	    "MzE5MjhkZTktMTM0NC00NjlmLWIwZWItOGU1ZDBmZWYzZDIxOnNlY3JldA==\n",
	    "/smartpay/payment/refund", seq_smartpay,
	    "/smartpay/payment/status/", 0, 0 },
	{ "utgl", SEQ_KEY_NONE, "Authorization: Basic cGFydG5lcjpzZWNyZXQ=\n",
	    "/utgl/v1/partner-connect/transactions/refund", seq_utgl,
	    "/utgl/v1/partner-connect/transactions/", 0, 0 },
	{ "accelebit", SEQ_KEY_HEADER, "X-API-Key: smtgw_sk_test_your_secret_key\n",
	    "/accelebit/v1/refunds", seq_accelebit,
	    "/accelebit/v1/refunds/", 0, 1 },
	{ "payengine", SEQ_KEY_NONE, "Authorization: Basic sk_test_secret\n",
	    "/payengine/api/payment/refund", seq_payengine,
	    "/payengine/api/payment/refund/", 0, 1 },
};

struct seq_pick {
	size_t			 want, n;
	const struct txn	*txn;
};

static void
seq_pick_cb(const struct txn *t, void *arg)
{
	struct seq_pick	*p = arg;

	if (p->n++ == p->want)
		p->txn = t;
}

/* The session's transaction number 'want' (modulo their count) of provider 'sp'. */
static const struct txn *
seq_txn(struct session *s, const struct seq_provider *sp, size_t want)
{
	struct seq_pick	p = { SIZE_MAX, 0, NULL };

	ledger_txn_each(s->ledger, sp->name, seq_pick_cb, &p);
	if (p.n == 0)
		return (NULL);
	p.want = want % p.n;
	p.n = 0;
	ledger_txn_each(s->ledger, sp->name, seq_pick_cb, &p);
	return (p.txn);
}

/* A: provider (bits 2-4); B: transaction; C: amount (bits 0-2), key (3-6); D: partial. */
static void
seq_op_refund(struct seq *q)
{
	const struct seq_provider	*sp = &seq_providers[(q->a >> 2) % nitems(seq_providers)];
	int				 slot = seq_slot(q), kslot = (q->c >> 3) % (SEQ_KEYS + 2);
	struct session			*s = seq_session_get(q, slot);
	struct seq_req			 r = { 0 };
	struct buf			 path = { 0 }, hdr = { 0 }, body = { 0 };
	char				 amount[MONEY_TEXT_MAX], key[32];
	int64_t				 minor, now;
	size_t				 before, pi = (size_t)(sp - seq_providers);

	if ((r.txn = seq_txn(s, sp, q->b)) == NULL)
		return;
	switch (q->c & 7) {
	case 0: minor = r.txn->amount; break;
	case 1: minor = 1 + q->d; break;
	case 2: minor = r.txn->amount / 2; break;
	case 3: minor = r.txn->amount + (r.txn->amount < INT64_MAX); break;
	case 4: minor = 0; break;
	case 5: minor = r.txn->amount / 3; break;
	default: minor = (int64_t)q->d * 100; break;
	}
	money_format(minor, r.txn->exponent, r.txn->exponent, amount);
	r.amount = amount;
	r.serial = ++q->serial;
	/* kslot 0: no key; SEQ_KEYS + 1: a fresh one; else one of SEQ_KEYS reused. */
	if (kslot == SEQ_KEYS + 1)
		snprintf(key, sizeof key, "fresh-%u", r.serial);
	else
		snprintf(key, sizeof key, "fz-key-%d", kslot);
	if (kslot != 0 || strcmp(sp->name, "accelebit") == 0)
		r.key = key;
	sp->body(&body, &r);
	buf_adds(&path, sp->refund);
	if (sp->terminal)
		buf_adds(&path, seq_extra(r.txn, "terminal"));
	buf_addf(&hdr, "Content-Type: application/json\n%s", sp->auth);
	if (r.key != NULL && sp->keyed == SEQ_KEY_HEADER)
		buf_addf(&hdr, "Idempotency-Key: %s\n", r.key);
	before = ledger_refund_count(s->ledger);
	seq_call(q, slot, "POST", path.data, hdr.data, body.data, NULL);
	s = seq_session(q, slot);
	now = clock_now(s->clock);
	/* One refund per key for as long as the provider keeps it. */
	if (kslot >= 1 && kslot <= SEQ_KEYS && sp->keyed != SEQ_KEY_NONE &&
	    ledger_refund_count(s->ledger) > before) {
		int64_t *at = &q->key_at[slot][pi][kslot - 1];
		if (*at != INT64_MIN && (sp->keyed == SEQ_KEY_MODIFICATION ||
		    (now >= *at && now - *at < SEQ_KEY_TTL_MS)))
			fatal("%s: key %s made a second refund in fz%d (first at %lld, "
			    "now %lld)", sp->name, key, slot, (long long)*at,
			    (long long)now);
		*at = now;
	}
	buf_release(&path);
	buf_release(&hdr);
	buf_release(&body);
}

/* A: provider (bits 2-4); B: which transaction or refund. */
static void
seq_op_status(struct seq *q)
{
	const struct seq_provider	*sp = &seq_providers[(q->a >> 2) % nitems(seq_providers)];
	int				 slot = seq_slot(q);
	struct session			*s = seq_session(q, slot);
	const struct txn		*t;
	const char			*id;
	struct buf			 path = { 0 };
	const struct refund		*r;
	size_t				 n, i;

	if (s == NULL || (t = seq_txn(s, sp, q->b)) == NULL)
		return;
	id = t->id;
	/* The provider's refund at or after number C, if it has one. */
	for (i = 0, n = ledger_refund_count(s->ledger); sp->status_by_refund && i < n; i++) {
		r = ledger_refund_nth(s->ledger, (q->c + i) % n);
		if (strcmp(r->txn->provider, sp->name) == 0) {
			id = r->id;
			break;
		}
	}
	buf_adds(&path, sp->status);
	if (sp->terminal)
		buf_addf(&path, "%s/", seq_extra(t, "terminal"));
	buf_adds(&path, id);
	seq_call(q, slot, "GET", path.data, sp->auth, NULL, NULL);
	buf_release(&path);
}

/* ------------------------------------------------------------------ */
/* The clock. */

static const char *const seq_advances[] = {
	"{\"seconds\":1}", "{\"seconds\":59.999}", "{\"seconds\":600}",
	"{\"seconds\":3600}", "{\"seconds\":86400}", "{\"seconds\":90000}",
	"{\"ms\":99999999999999999}", "{\"seconds\":3155760000}",
	"{\"ms\":9223372036854775807}", "{\"seconds\":-1}", "{\"ms\":0}",
	"{\"seconds\":99999999999999.999}",
};

static const char *const seq_times[] = {
	"2026-04-09T14:00:00.000Z", "2026-04-09T13:00:00.000Z",
	"2026-04-09T14:00:10.000Z", "2026-04-10T14:00:00.000Z",
	"9999-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z",
	"0001-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z",
};

/* D bit 7: a hundred times over, as a client in a loop would (the clock's range). */
static void
seq_op_advance(struct seq *q)
{
	int	n;

	for (n = q->d & 0x80 ? 100 : 1; n > 0; n--)
		seq_admin(q, seq_slot(q), "POST", "/__admin/clock/advance",
		    seq_advances[q->b % nitems(seq_advances)]);
}

static void
seq_op_set(struct seq *q)
{
	char	body[64];

	snprintf(body, sizeof body, "{\"now\":\"%s\"}", seq_times[q->b % nitems(seq_times)]);
	seq_admin(q, seq_slot(q), "POST", "/__admin/clock/set", body);
}

static void
seq_op_freeze(struct seq *q)
{
	seq_admin(q, seq_slot(q), "POST", q->b & 1 ? "/__admin/clock/unfreeze" :
	    "/__admin/clock/freeze", NULL);
}

/* ------------------------------------------------------------------ */
/* Scenarios, faults, lifecycles, transactions. */

static const char *const seq_scenarios[] = {
	"connection-reset", "declines", "flaky-20-percent", "gateway-hang",
	"malformed-replies", "pending-then-failed", "provider-503-burst",
	"rate-limited", "refund-stuck-pending", "slow-network",
	"smartpay-timeout-then-ok",
};

/* Rules, armed as a fault or loaded as a one-rule scenario. */
static const char *const seq_rules[] = {
	"{\"match\":{\"operation\":\"refund.create\"},\"action\":{\"type\":\"decline\"}}",
	"{\"match\":{\"operation\":\"refund.create\"},\"action\":{\"type\":\"outcome\","
	    "\"outcome\":\"succeeded\",\"settle_after_s\":1}}",
	"{\"match\":{\"operation\":\"refund.create\"},\"action\":{\"type\":\"outcome\","
	    "\"outcome\":\"declined\",\"settle_after_s\":99999999999999.999}}",
	"{\"match\":{\"operation\":\"refund.create\"},\"action\":{\"type\":\"outcome\","
	    "\"outcome\":\"failed\",\"settle_after_s\":0}}",
	"{\"match\":{\"operation\":\"refund.create\"},\"action\":{\"type\":\"outcome\","
	    "\"outcome\":\"stuck\"}}",
	"{\"match\":{\"operation\":\"refund.create\",\"nth\":1},"
	    "\"action\":{\"type\":\"commit_then_drop\"}}",
	"{\"match\":{\"operation\":\"refund.create\",\"times\":2},"
	    "\"action\":{\"type\":\"respond\",\"error\":\"provider_unavailable\"}}",
	"{\"match\":{\"operation\":\"refund.create\"},\"action\":{\"type\":\"delay\","
	    "\"ms\":100}}",
	"{\"match\":{\"operation\":\"webhook.deliver\"},\"action\":{\"type\":"
	    "\"webhook_duplicate\"}}",
	"{\"match\":{\"operation\":\"webhook.deliver\"},\"action\":{\"type\":"
	    "\"webhook_drop\"}}",
	"{\"match\":{\"operation\":\"webhook.deliver\"},\"action\":{\"type\":"
	    "\"webhook_delay\",\"s\":30}}",
	"{\"match\":{\"operation\":\"webhook.deliver\"},\"action\":{\"type\":"
	    "\"webhook_reorder\"}}",
	"{\"match\":{\"operation\":\"webhook.deliver\",\"body\":{\"type\":"
	    "\"refund.created\"}},\"action\":{\"type\":\"webhook_bad_signature\"}}",
	"{\"match\":{\"operation\":\"refund.create\",\"probability\":0.5},"
	    "\"action\":{\"type\":\"truncate\",\"bytes\":3}}",
};

static const char *const seq_lifecycles[] = {
	"{\"smartpay\":{\"settle_after_s\":99999999999999.999,\"outcome\":\"succeeded\"}}",
	"{\"smartretry\":{\"settle_after_s\":600,\"outcome\":\"declined\"},"
	    "\"accelebit\":{\"settle_after_s\":0,\"outcome\":\"failed\"}}",
	"{\"accelebit\":{\"outcome\":\"stuck\"},\"smartpay\":{\"settle_after_s\":5}}",
	"{\"smartretry\":{\"settle_after_s\":1,\"outcome\":\"succeeded\"},"
	    "\"utgl\":{\"outcome\":\"declined\"},\"payengine\":{\"outcome\":\"declined\"}}",
};

static void
seq_op_scenario(struct seq *q)
{
	char	path[96];

	snprintf(path, sizeof path, "/__admin/scenarios/%s",
	    seq_scenarios[q->b % nitems(seq_scenarios)]);
	seq_admin(q, seq_slot(q), "POST", path, NULL);
}

static void
seq_op_rule(struct seq *q)
{
	const char	*rule = seq_rules[q->b % nitems(seq_rules)];
	char		*body;

	if (q->c & 1) {
		seq_admin(q, seq_slot(q), "POST", "/__admin/faults", rule);
		return;
	}
	body = xasprintf("{\"name\":\"r%u\",\"rules\":[%s]}", q->b, rule);
	seq_admin(q, seq_slot(q), "POST", "/__admin/scenarios", body);
	free(body);
}

static void
seq_op_lifecycle(struct seq *q)
{
	char	*body;

	if (q->b & 0x80) {
		seq_admin(q, seq_slot(q), "DELETE", "/__admin/scenarios", NULL);
		return;
	}
	body = xasprintf("{\"name\":\"life%u\",\"lifecycle\":%s}", q->b,
	    seq_lifecycles[q->b % nitems(seq_lifecycles)]);
	seq_admin(q, seq_slot(q), "POST", "/__admin/scenarios", body);
	free(body);
}

/* A copy of one of the fixtures with a new id and an amount from small to huge. */
static void
seq_op_txn(struct seq *q)
{
	static const char *const	 amounts[] = {
		"0.01", "50.00", "999999999999999.99", "92233720368547758.07", "1",
	};
	const struct seq_provider	*sp = &seq_providers[(q->a >> 2) % nitems(seq_providers)];
	const struct txn		*t = seq_txn(seq_session_get(q, seq_slot(q)), sp, q->b);
	json_t				*o;
	char				 id[64], *body;

	if (t == NULL)
		return;
	o = json_deep_copy(t->fixture);
	snprintf(id, sizeof id, "fa%06x-0000-4000-8000-%012u", q->c, ++q->serial);
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "amount", json_string(amounts[q->d % nitems(amounts)]));
	if (q->d & 0x80)
		json_object_set_new(o, "state", json_string("captured"));
	body = jsonx_dumps(o, 0);
	seq_admin(q, seq_slot(q), "POST", "/__admin/transactions", body);
	free(body);
	json_decref(o);
}

/* ------------------------------------------------------------------ */
/* Sessions: delete and reset start a new life. */

static void
seq_forget_keys(struct seq *q, int slot)
{
	size_t	i, j;

	for (i = 0; i < SEQ_PROVIDERS; i++)
		for (j = 0; j < SEQ_KEYS; j++)
			q->key_at[slot][i][j] = INT64_MIN;
}

static void
seq_op_delete(struct seq *q)
{
	int	slot = seq_slot(q);
	char	path[64], name[8];

	seq_name(slot, name);
	snprintf(path, sizeof path, "/__admin/sessions/%s", name);
	/* The DELETE itself runs in another session, as a bystander would send it. */
	if (seq_call(q, (slot + 1) % SEQ_SLOTS, "DELETE", path, "", NULL, NULL) == 200) {
		q->life[slot] = ++q->next_life;
		q->hook_life[slot] = ++q->next_life;
		seq_forget_keys(q, slot);
	}
}

static void
seq_op_reset(struct seq *q)
{
	int	slot = seq_slot(q);

	if (seq_admin(q, slot, "POST", "/__admin/reset", NULL) == 200) {
		q->life[slot] = ++q->next_life;
		seq_forget_keys(q, slot);
	}
}

static void
seq_op_journal(struct seq *q)
{
	static const char *const	 counts[] = {
		"{\"match\":{\"operation\":\"refund.create\"}}",
		"{\"match\":{\"path\":\"*refund*\",\"status\":201}}",
	};
	int				 slot = seq_slot(q);

	if (q->b & 1)
		seq_admin(q, slot, "DELETE", "/__admin/journal", NULL);
	else
		seq_admin(q, slot, "POST", "/__admin/journal/count",
		    counts[(q->b >> 1) % nitems(counts)]);
}

/* ------------------------------------------------------------------ */
/* Webhooks: the receiver, endpoints, replays and the event loop. */

static void
seq_receive(struct evhttp_request *req, void *arg)
{
	struct seq	*q = arg;
	const char	*uri = evhttp_request_get_uri(req);

	if (strncmp(uri, "/hold/", 6) == 0 && q->nheld < SEQ_HELD) {
		q->held[q->nheld++] = req;
		return;
	}
	evhttp_send_reply(req, strncmp(uri, "/fail/", 6) == 0 ? 500 : 200, "x", NULL);
}

/* B: provider with webhooks (bit 0), what the receiver does (bits 1-2); C: secret. */
static void
seq_op_webhook(struct seq *q)
{
	static const char *const	 modes[] = { "ok", "fail", "hold", "refused" };
	int				 slot = seq_slot(q), mode = (q->b >> 1) & 3;
	char				 body[256];

	snprintf(body, sizeof body, "{\"provider\":\"%s\",\"url\":\"http://127.0.0.1:%d/%s/"
	    "fz%d-%u\"%s}", q->b & 1 ? "accelebit" : "smartretry",
	    mode == 3 ? 1 : q->port, modes[mode], slot, q->hook_life[slot],
	    q->c & 1 ? ",\"secret\":\"whsec_fuzz\"" : "");
	if (seq_admin(q, slot, "POST", "/__admin/webhooks", body) == 201)
		q->hooks = 1;
}

static void
seq_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop until it has been idle twice in a row for 1 ms (or 100 turns). */
static void
seq_pump(struct seq *q)
{
	struct timeval	 tv = { 0, 1000 };
	struct event	*guard;
	int		 fired, idle = 0, i;

	if (!q->hooks)
		return;
	guard = evtimer_new(q->base, seq_guard, &fired);
	for (i = 0; i < 100 && idle < 2; i++) {
		fired = 0;
		evtimer_add(guard, &tv);
		event_base_loop(q->base, EVLOOP_ONCE);
		idle = fired ? idle + 1 : 0;
	}
	event_free(guard);
}

static void
seq_release(struct seq *q, int status)
{
	size_t	i;

	for (i = 0; i < q->nheld; i++)
		evhttp_send_reply(q->held[i], status, "x", NULL);
	q->nheld = 0;
}

static void
seq_op_replay(struct seq *q)
{
	int		 slot = seq_slot(q);
	struct session	*s = seq_session(q, slot);
	json_t		*list;
	size_t		 n;
	char		 path[96];
	long long	 id = 999999;

	if (s == NULL)
		return;
	list = webhooks_deliveries_json(s->webhooks);
	if ((n = json_array_size(json_object_get(list, "deliveries"))) > 0 && q->b != 0xff)
		id = json_integer_value(json_object_get(json_array_get(
		    json_object_get(list, "deliveries"), q->b % n), "id"));
	json_decref(list);
	snprintf(path, sizeof path, "/__admin/webhooks/deliveries/%lld/replay", id);
	seq_admin(q, slot, "POST", path, NULL);
}

static void
seq_op_pump(struct seq *q)
{
	if (q->b & 1)
		seq_release(q, q->b & 2 ? 500 : 200);
	seq_pump(q);
}

/* ------------------------------------------------------------------ */
/* The oracles. */

struct seq_check {
	const struct seq	*q;
	int			 slot;
	const char		*life;
};

static int
seq_check_entry(const struct journal_entry *e, void *arg)
{
	const struct seq_check	*k = arg;
	const char		*life = journal_header(e, "X-Fuzz-Life");

	if (life == NULL || strcmp(life, k->life) != 0)
		fatal("fz%d (life %s) journals %s %s of life %s", k->slot, k->life,
		    e->method, e->path, life != NULL ? life : "none");
	return (0);
}

static void
seq_check_deliveries(const struct seq *q, int slot, struct session *s)
{
	json_t		*list, *d;
	char		 tag[32];
	const char	*url, *provider, *refund;
	size_t		 i;

	if (webhooks_delivery_count(s->webhooks) == 0)
		return;
	snprintf(tag, sizeof tag, "/fz%d-%u", slot, q->hook_life[slot]);
	list = webhooks_deliveries_json(s->webhooks);
	json_array_foreach(json_object_get(list, "deliveries"), i, d) {
		url = jsonx_string(json_object_get(d, "url"));
		provider = jsonx_string(json_object_get(d, "provider"));
		refund = jsonx_string(json_object_get(d, "refund_id"));
		if (url == NULL || strstr(url, tag) == NULL)
			fatal("fz%d lists a delivery to %s, not of its life %s", slot,
			    url != NULL ? url : "(none)", tag);
		if (provider == NULL || refund == NULL ||
		    ledger_refund(s->ledger, provider, refund) == NULL)
			fatal("fz%d lists a delivery for %s refund %s it does not have",
			    slot, provider != NULL ? provider : "?",
			    refund != NULL ? refund : "?");
	}
	json_decref(list);
}

static void
seq_check(struct seq *q)
{
	struct seq_check	 k = { q, 0, NULL };
	struct session		*s;
	char			 life[16];

	sessions_each(q->app.sessions, fuzz_check_ledger, NULL);
	for (k.slot = 0; k.slot < SEQ_SLOTS; k.slot++) {
		if ((s = seq_session(q, k.slot)) == NULL)
			continue;
		snprintf(life, sizeof life, "%u", q->life[k.slot]);
		k.life = life;
		journal_each(s->journal, seq_check_entry, &k);
		seq_check_deliveries(q, k.slot, s);
	}
}

/* What the sequence changed, listed for every session, answers 200 with JSON. */
static void
seq_check_listings(struct seq *q)
{
	static const char *const	 paths[] = {
		"/__admin/refunds", "/__admin/journal", "/__admin/webhooks/deliveries",
	};
	size_t				 i;
	int				 slot, status;
	char				*body, *cause;
	json_t				*v;

	for (slot = 0; slot < SEQ_SLOTS; slot++) {
		if (seq_session(q, slot) == NULL)
			continue;
		for (i = 0; i < nitems(paths); i++) {
			status = seq_call(q, slot, "GET", paths[i], "", NULL, &body);
			if (status != 200 || (v = jsonx_loads(body, strlen(body),
			    &cause)) == NULL)
				fatal("fz%d: GET %s: %d %s", slot, paths[i], status, body);
			json_decref(v);
			free(body);
		}
	}
}

/* ------------------------------------------------------------------ */

struct seq_op {
	const char	*name;
	void		 (*fn)(struct seq *);
};

/* Refunds are the most common step, as they are in use. */
static const struct seq_op seq_ops[] = {
	{ "refund", seq_op_refund }, { "refund", seq_op_refund },
	{ "refund", seq_op_refund }, { "status", seq_op_status },
	{ "advance", seq_op_advance }, { "advance", seq_op_advance },
	{ "set", seq_op_set }, { "freeze", seq_op_freeze },
	{ "scenario", seq_op_scenario }, { "rule", seq_op_rule },
	{ "lifecycle", seq_op_lifecycle }, { "txn", seq_op_txn },
	{ "delete", seq_op_delete }, { "reset", seq_op_reset },
	{ "journal", seq_op_journal }, { "webhook", seq_op_webhook },
	{ "webhook", seq_op_webhook }, { "replay", seq_op_replay },
	{ "pump", seq_op_pump }, { "pump", seq_op_pump },
};

int
fuzz_sequence_input(const uint8_t *data, size_t size)
{
	struct seq	 q = { 0 };
	size_t		 n, i;
	int		 slot;

	q.base = event_base_new();
	q.app.fixtures = fuzz_fixtures;
	q.app.scenario_dir = fuzz_scenario_dir;
	q.app.started_ms = FUZZ_EPOCH_MS;
	q.app.sessions = sessions_new(fuzz_fixtures, 1, 1, FUZZ_EPOCH_MS, 64);
	q.app.webhooks = webhook_engine_new(q.base, q.app.sessions);
	q.receiver = evhttp_new(q.base);
	{
		struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(
		    q.receiver, "127.0.0.1", 0);
		struct sockaddr_storage	ss;
		socklen_t		sl = sizeof ss;

		if (bs == NULL || getsockname(evhttp_bound_socket_get_fd(bs),
		    (struct sockaddr *)&ss, &sl) != 0)
			fatal("cannot listen on loopback");
		q.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	evhttp_set_gencb(q.receiver, seq_receive, &q);
	for (slot = 0; slot < SEQ_SLOTS; slot++) {
		q.life[slot] = ++q.next_life;
		q.hook_life[slot] = ++q.next_life;
		seq_forget_keys(&q, slot);
	}
	q.p = data;
	q.end = data + size;
	for (n = 0; n < SEQ_OPS && q.p < q.end; n++) {
		const struct seq_op *op = &seq_ops[*q.p++ % nitems(seq_ops)];
		uint8_t *operand[] = { &q.a, &q.b, &q.c, &q.d };
		for (i = 0; i < nitems(operand); i++)
			*operand[i] = q.p < q.end ? *q.p++ : 0;
		if (getenv("FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "%zu %s fz%d %u %u %u\n", n, op->name, seq_slot(&q),
			    q.a >> 2, q.b, q.c);
		op->fn(&q);
		seq_check(&q);
	}
	/* Held replies answered, the loop run dry, then every listing read. */
	seq_release(&q, 200);
	seq_pump(&q);
	seq_check(&q);
	sessions_each(q.app.sessions, fuzz_check_session, NULL);
	seq_check_listings(&q);

	webhook_engine_free(q.app.webhooks);
	evhttp_free(q.receiver);
	sessions_free(q.app.sessions);
	event_base_free(q.base);
	return (0);
}
