/* The /__admin API: health, sessions, clock, transactions, refunds, journal. */
#include <arpa/inet.h>
#include <dirent.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "admin.h"
#include "app.h"
#include "clock.h"
#include "exposition.h"
#include "fixtures.h"
#include "idem.h"
#include "journal.h"
#include "jsonx.h"
#include "match.h"
#include "metrics.h"
#include "money.h"
#include "openapi.h"
#include "quota.h"
#include "report_admin.h"
#include "scenario.h"
#include "session.h"
#include "util.h"
#include "version.h"
#include "webhook.h"

void
admin_error(struct call *c, int status, const char *code, const char *fmt, ...)
{
	char	message[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	/* Messages quote the request and may be cut mid-character. */
	call_json(c, status, json_pack("{s{ss ss}}", "error", "code", code,
	    "message", utf8_scrub(message)));
}

/*
 * Compares digests, not the strings, so that the time taken tells a caller
 * neither how much of a guess was right nor how long the token is.
 */
static int
admin_token_equal(const char *given, const char *token)
{
	unsigned char	a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	unsigned int	na = 0, nb = 0;

	if (!EVP_Digest(given, strlen(given), a, &na, EVP_sha256(), NULL) ||
	    !EVP_Digest(token, strlen(token), b, &nb, EVP_sha256(), NULL))
		return (0);
	return (na == nb && CRYPTO_memcmp(a, b, na) == 0);
}

/*
 * ?token= on the event stream only: a browser's EventSource cannot send a
 * header.  Nowhere else, as a URL ends up in logs and histories.
 */
static int
admin_query_token_ok(struct call *c, const char *path, const char *token)
{
	char	*given;
	int	 ok;

	if (strcmp(path, ADMIN_STREAM_PATH) != 0 || strcmp(c->req->method, "GET") != 0 ||
	    (given = request_query(c->req, "token")) == NULL)
		return (0);
	ok = admin_token_equal(given, token);
	free(given);
	return (ok);
}

int
admin_authorize(struct call *c, const char *path)
{
	const char	*h, *token = c->app->admin_token;

	/* Health stays open: probes should not have to carry the secret. */
	if (token == NULL || strcmp(path, "/health") == 0)
		return (1);
	h = request_header(c->req, "Authorization");
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
		for (h += 7; *h == ' '; h++)
			;
		if (admin_token_equal(h, token))
			return (1);
	}
	if (admin_query_token_ok(c, path, token))
		return (1);
	/* Never quotes what was sent: it may be a near miss of the token. */
	admin_error(c, 401, "unauthorized", "%s", h == NULL ? "the admin API "
	    "needs Authorization: Bearer <admin token>" : "the admin token is not right");
	reply_header(c->reply, "WWW-Authenticate", "Bearer realm=\"paymock\"");
	return (0);
}

/* Methods that only read: a page elsewhere may send them, and learns nothing (no CORS). */
static const char *const admin_safe_methods[] = { "GET", "HEAD", "OPTIONS" };

/*
 * 1 if the Host names the server by address (or localhost).  A page whose
 * DNS name was rebound to 127.0.0.1 is same-origin with itself, so a name
 * in Host proves nothing unless the admin token guards the API.
 */
static int
admin_host_is_address(const char *host)
{
	struct in_addr	 a;
	char		 name[256];
	const char	*colon = strrchr(host, ':');
	size_t		 n = colon != NULL ? (size_t)(colon - host) : strlen(host);

	if (*host == '[')
		return (1);	/* an IPv6 literal: no name to rebind */
	if (n >= sizeof name)
		return (0);
	memcpy(name, host, n);
	name[n] = '\0';
	return (str_casecmp(name, "localhost") == 0 || inet_pton(AF_INET, name, &a) == 1);
}

int
admin_same_origin(struct call *c)
{
	const char	*origin = request_header(c->req, "Origin");
	const char	*site = request_header(c->req, "Sec-Fetch-Site");
	const char	*host = request_header(c->req, "Host");
	size_t		 i;

	for (i = 0; i < nitems(admin_safe_methods); i++) {
		if (strcmp(c->req->method, admin_safe_methods[i]) == 0)
			return (1);
	}
	/* A browser says where a request comes from; curl and the SDKs say nothing. */
	if (site != NULL && (str_casecmp(site, "cross-site") == 0 ||
	    str_casecmp(site, "same-site") == 0)) {
		admin_error(c, 403, "cross_origin", "Sec-Fetch-Site: %s: the admin API "
		    "takes no state-changing request from another site", site);
		return (0);
	}
	if (origin == NULL)
		return (1);
	if (host != NULL && strncasecmp(origin, "http://", 7) == 0 &&
	    str_casecmp(origin + 7, host) == 0) {
		if (c->app->admin_token != NULL || admin_host_is_address(host))
			return (1);
		admin_error(c, 403, "cross_origin", "Host %s is a name, not an address: "
		    "a browser's state-changing admin request through a DNS name needs "
		    "--admin-token (a rebound name would pass for this server)", host);
		return (0);
	}
	admin_error(c, 403, "cross_origin", "Origin %s is not this server's "
	    "(http://%s): the admin API takes no state-changing request from "
	    "another origin", origin, host != NULL ? host : "");
	return (0);
}

/* The body of a call that takes input; NULL (and an error sent) if it is bad. */
static json_t *
admin_body(struct call *c)
{
	json_t	*v;
	char	*cause;

	if (c->req->body_len == 0) {
		admin_error(c, 400, "invalid_body", "a JSON object body is required");
		return (NULL);
	}
	if ((v = jsonx_loads(c->req->body, c->req->body_len, &cause)) == NULL) {
		admin_error(c, 400, "invalid_json", "the body is not valid JSON: %s",
		    cause);
		free(cause);
		return (NULL);
	}
	if (!json_is_object(v)) {
		json_decref(v);
		admin_error(c, 400, "invalid_body", "the body must be a JSON object");
		return (NULL);
	}
	return (v);
}

/* Refuses keys the call does not know, so a typo is not silently ignored. */
static int
admin_known_keys(struct call *c, const json_t *o, const char *const *keys,
    size_t n, const char *where)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; i < n && strcmp(keys[i], key) != 0; i++)
			;
		if (i == n) {
			admin_error(c, 400, "invalid_body", "%s%s%s: unknown key",
			    where, *where != '\0' ? "." : "", key);
			return (-1);
		}
	}
	return (0);
}

static void
admin_health(struct call *c)
{
	call_json(c, 200, json_pack("{ss ss sI sI}", "status", "ok",
	    "version", PAYMOCK_VERSION,
	    "uptime_s", (json_int_t)((clock_wall() - c->app->started_ms) / 1000),
	    "sessions", (json_int_t)sessions_count(c->app->sessions)));
}

static void
admin_reset(struct call *c)
{
	session_reset(c->session);
	call_json(c, 200, json_pack("{ss sb}", "session", c->session->name,
	    "reset", 1));
}

/* A walk's finished reply: 200 and 'body' (taken). */
static void
admin_work_reply(struct reply *r, char *body)
{
	free(r->body);
	r->status = 200;
	r->content_type = "application/json";
	r->body = body;
}

static void
admin_metrics(struct call *c)
{
	struct buf	b = { 0 };

	exposition_render(c->app, &b);
	admin_work_reply(c->reply, buf_steal(&b));
	c->reply->content_type = METRICS_CONTENT_TYPE;
}

/* Appends a walk's next item ('o', taken) to the array text in 'out'. */
static void
admin_work_item(struct buf *out, size_t *listed, json_t *o)
{
	char	*text = jsonx_dumps(o, 0);

	json_decref(o);
	buf_adds(out, (*listed)++ > 0 ? "," : "");
	buf_adds(out, text);
	free(text);
}

/* Runs a walk's first slice now and leaves the rest, if any, to later turns. */
static void
admin_work_start(struct call *c, int (*step)(struct app *, void *, struct reply *),
    void (*release)(void *), void *state)
{
	if (step(c->app, state, c->reply) == 1) {
		release(state);
		return;
	}
	c->reply->status = 200;	/* for the access log: a walk cannot fail */
	c->work.step = step;
	c->work.release = release;
	c->work.state = state;
}

static json_t *
admin_session_json(struct session *s)
{
	char	at[CLOCK_TEXT_MAX], seen[CLOCK_TEXT_MAX];

	return (json_pack("{ss ss ss sI sb sI sI sI sI sI}", "name", s->name,
	    "now", clock_format(clock_now(s->clock), at),
	    "last_seen", clock_format(s->last_seen_ms, seen),
	    "bytes", (json_int_t)session_bytes(s),
	    "frozen", clock_frozen(s->clock),
	    "refunds", (json_int_t)ledger_refund_count(s->ledger),
	    "idempotency_keys", (json_int_t)idem_count(s->idem),
	    "journal", (json_int_t)journal_count(s->journal),
	    "webhook_deliveries", (json_int_t)webhooks_delivery_count(s->webhooks),
	    "webhook_events_pending", (json_int_t)webhooks_pending_count(s->webhooks)));
}

/*
 * The sessions by name, listed in slices: a farm may keep tens of
 * thousands.  The names and ids are taken when the request comes; one gone
 * by the time its turn comes is left out.
 */
struct admin_sessions {
	struct admin_session_ref {
		char		 name[SESSION_NAME_MAX + 1];
		uint64_t	 id;
	}		*refs;
	size_t		 n, next, listed;
	struct buf	 out;
};

static void
admin_sessions_cb(struct session *s, void *arg)
{
	struct admin_sessions	*w = arg;

	memcpy(w->refs[w->n].name, s->name, sizeof s->name);
	w->refs[w->n++].id = s->id;
}

static int
admin_by_name(const void *a, const void *b)
{
	return (strcmp(((const struct admin_session_ref *)a)->name,
	    ((const struct admin_session_ref *)b)->name));
}

static void
admin_sessions_release(void *arg)
{
	struct admin_sessions	*w = arg;

	free(w->refs);
	buf_release(&w->out);
	free(w);
}

static int
admin_sessions_step(struct app *app, void *arg, struct reply *r)
{
	struct admin_sessions	*w = arg;
	int64_t			 slice_end_us = clock_mono_us() + WORK_SLICE_US;
	struct session		*s;

	for (; w->next < w->n; w->next++) {
		if (clock_mono_us() >= slice_end_us)
			return (0);
		if ((s = sessions_find_id(app->sessions, w->refs[w->next].name,
		    w->refs[w->next].id)) != NULL)
			admin_work_item(&w->out, &w->listed, admin_session_json(s));
	}
	buf_adds(&w->out, "]}");
	admin_work_reply(r, buf_steal(&w->out));
	return (1);
}

static void
admin_sessions(struct call *c)
{
	struct admin_sessions	*w = xcalloc(1, sizeof *w);

	w->refs = xcalloc(sessions_count(c->app->sessions), sizeof *w->refs);
	sessions_each(c->app->sessions, admin_sessions_cb, w);
	qsort(w->refs, w->n, sizeof *w->refs, admin_by_name);
	buf_adds(&w->out, "{\"sessions\":[");
	admin_work_start(c, admin_sessions_step, admin_sessions_release, w);
}

static void
admin_session_drop(struct call *c)
{
	if (sessions_drop(c->app->sessions, c->params[0]) != 0) {
		admin_error(c, 404, "not_found", "no session '%s'", c->params[0]);
		return;
	}
	call_json(c, 200, json_pack("{ss sb}", "session", c->params[0],
	    "deleted", 1));
}

static void
admin_clock_reply(struct call *c)
{
	char	at[CLOCK_TEXT_MAX];

	call_json(c, 200, json_pack("{ss sb}", "now",
	    clock_format(clock_now(c->session->clock), at),
	    "frozen", clock_frozen(c->session->clock)));
}

static void
admin_clock(struct call *c)
{
	admin_clock_reply(c);
}

static void
admin_clock_advance(struct call *c)
{
	static const char *const keys[] = { "seconds", "ms" };
	json_t		*body = admin_body(c), *secs, *ms;
	const char	*text, *why, *field;
	char		 at[CLOCK_TEXT_MAX];
	int64_t		 delta;
	int		 exp;

	if (body == NULL || admin_known_keys(c, body, keys, nitems(keys), "") != 0)
		goto out;
	secs = json_object_get(body, "seconds");
	ms = json_object_get(body, "ms");
	if ((secs == NULL) == (ms == NULL)) {
		admin_error(c, 400, "invalid_body", "give exactly one of seconds or ms");
		goto out;
	}
	/* Seconds may carry milliseconds ("1.5"); read exactly, as money is. */
	exp = secs != NULL ? 3 : 0;
	field = secs != NULL ? "seconds" : "ms";
	text = jsonx_number_text(secs != NULL ? secs : ms);
	if (text == NULL || money_parse_number(text, strlen(text), exp, &delta, &why) != 0 ||
	    !clock_duration_ok(delta)) {
		admin_error(c, 400, "invalid_body", "%s: must be a number from 0 to %lld%s",
		    field, secs != NULL ? CLOCK_DURATION_MAX_S : CLOCK_DURATION_MAX_MS,
		    secs != NULL ? " (100 years) with at most 3 decimals" :
		    " (100 years) without decimals");
		goto out;
	}
	if (clock_advance(c->session->clock, delta) != 0) {
		admin_error(c, 400, "invalid_body", "%s: would take the clock past %s",
		    field, clock_format(CLOCK_MAX_MS, at));
		goto out;
	}
	admin_clock_reply(c);
out:
	json_decref(body);
}

static void
admin_clock_set(struct call *c)
{
	static const char *const keys[] = { "now" };
	json_t		*body = admin_body(c);
	const char	*now;
	char		 lo[CLOCK_TEXT_MAX], hi[CLOCK_TEXT_MAX];
	int64_t		 ms;

	if (body == NULL || admin_known_keys(c, body, keys, nitems(keys), "") != 0)
		goto out;
	now = jsonx_string(json_object_get(body, "now"));
	if (now == NULL || clock_parse(now, &ms) != 0) {
		admin_error(c, 400, "invalid_body", "now: must be an ISO 8601 UTC "
		    "time like 2026-04-09T14:00:00.000Z");
		goto out;
	}
	switch (clock_set(c->session->clock, ms)) {
	case CLOCK_OUT_OF_RANGE:
		admin_error(c, 400, "invalid_body", "now: must be from %s to %s",
		    clock_format(CLOCK_MIN_MS, lo), clock_format(CLOCK_MAX_MS, hi));
		goto out;
	case CLOCK_BACKWARD:
		/* Refunds already made would show a past they never had. */
		admin_error(c, 409, "clock_backward", "now: %s is before the "
		    "session's clock (%s); it only moves forward (reset starts over)",
		    now, clock_format(clock_now(c->session->clock), hi));
		goto out;
	case CLOCK_MOVED:
		break;
	}
	admin_clock_reply(c);
out:
	json_decref(body);
}

static void
admin_clock_freeze(struct call *c)
{
	clock_freeze(c->session->clock);
	admin_clock_reply(c);
}

static void
admin_clock_unfreeze(struct call *c)
{
	clock_unfreeze(c->session->clock);
	admin_clock_reply(c);
}

static void
admin_strict(struct call *c)
{
	call_json(c, 200, json_pack("{sb}", "strict", c->session->strict));
}

/* Strict mode: what would be an integration warning is the provider's 400. */
static void
admin_strict_set(struct call *c)
{
	static const char *const keys[] = { "strict" };
	json_t	*body = admin_body(c), *v;

	if (body == NULL || admin_known_keys(c, body, keys, nitems(keys), "") != 0)
		goto out;
	if (!json_is_boolean(v = json_object_get(body, "strict"))) {
		admin_error(c, 400, "invalid_body", "strict: must be true or false");
		goto out;
	}
	c->session->strict = json_is_true(v);
	admin_strict(c);
out:
	json_decref(body);
}

/* ?provider=P, checked; -1 after an error reply. */
static int
admin_provider_filter(struct call *c, char **provider)
{
	*provider = request_query(c->req, "provider");
	if (*provider != NULL && provider_find(*provider) == NULL) {
		admin_error(c, 400, "invalid_query", "unknown provider '%s'", *provider);
		free(*provider);
		*provider = NULL;
		return (-1);
	}
	return (0);
}

/*
 * A listing of the ledger's transactions or refunds, made in slices as the
 * journal's is (50,000 refunds take a second to render).  It lists those
 * there when the request came (indexes below 'end'), as they were at the
 * request's 'now': what other requests add meanwhile comes after 'end'.
 * The session going or being reset (its id changes) ends it with what it
 * has.
 */
struct admin_ledger {
	char		 session[SESSION_NAME_MAX + 1];
	uint64_t	 session_id;
	char		*provider;	/* only this provider's; NULL: all */
	int64_t		 now;
	size_t		 next, end;	/* the cursor: ledger indexes */
	size_t		 listed;
	/* The i-th item's JSON, or NULL if it is not 'provider''s. */
	json_t		*(*item)(const struct ledger *, size_t i,
			    const struct admin_ledger *);
	struct buf	 out;		/* {"key":[ and the items so far */
};

static json_t *
admin_txn_item(const struct ledger *l, size_t i, const struct admin_ledger *w)
{
	const struct txn	*t = ledger_txn_nth(l, i);

	if (w->provider != NULL && strcmp(w->provider, t->provider) != 0)
		return (NULL);
	return (fixtures_txn_json(t, ledger_refunded(l, t, w->now)));
}

static json_t *
admin_refund_item(const struct ledger *l, size_t i, const struct admin_ledger *w)
{
	const struct refund		*r = ledger_refund_nth(l, i);
	const struct refund_step	*steps;
	int				 n, k;
	json_t				*history;
	char				 at[CLOCK_TEXT_MAX];

	if (w->provider != NULL && strcmp(w->provider, r->txn->provider) != 0)
		return (NULL);
	history = json_array();
	n = refund_history(r, w->now, &steps);
	for (k = 0; k < n; k++)
		json_array_append_new(history, json_pack("{ss ss}",
		    "state", refund_state_text(steps[k].state),
		    "at", clock_format(steps[k].at_ms, at)));
	return (json_pack("{ss ss ss so ss ss ss so}",
	    "id", r->id, "provider", r->txn->provider,
	    "transaction_id", r->txn->id,
	    "amount", jsonx_amount_string(r->amount, r->txn->exponent, r->txn->exponent),
	    "currency", r->txn->currency,
	    "state", refund_state_text(refund_state_at(r, w->now)),
	    "created_at", clock_format(r->created_ms, at),
	    "history", history));
}

static void
admin_ledger_release(void *arg)
{
	struct admin_ledger	*w = arg;

	free(w->provider);
	buf_release(&w->out);
	free(w);
}

static int
admin_ledger_step(struct app *app, void *arg, struct reply *r)
{
	struct admin_ledger	*w = arg;
	struct session		*s = sessions_find_id(app->sessions, w->session,
				    w->session_id);
	int64_t			 slice_end_us = clock_mono_us() + WORK_SLICE_US;
	json_t			*o;

	for (; s != NULL && w->next < w->end; w->next++) {
		if (clock_mono_us() >= slice_end_us)
			return (0);
		if ((o = w->item(s->ledger, w->next, w)) != NULL)
			admin_work_item(&w->out, &w->listed, o);
	}
	/* As jsonx_dumps would write {"key":[...]}. */
	buf_adds(&w->out, "]}");
	admin_work_reply(r, buf_steal(&w->out));
	return (1);
}

/* Lists 'end' items of the session's ledger under 'key', filtered by ?provider=. */
static void
admin_ledger_list(struct call *c, const char *key, size_t end,
    json_t *(*item)(const struct ledger *, size_t, const struct admin_ledger *))
{
	struct admin_ledger	*w;
	char			*provider;

	if (admin_provider_filter(c, &provider) != 0)
		return;
	w = xcalloc(1, sizeof *w);
	snprintf(w->session, sizeof w->session, "%s", c->session->name);
	w->session_id = c->session->id;
	w->provider = provider;
	w->now = c->now;
	w->end = end;
	w->item = item;
	buf_addf(&w->out, "{\"%s\":[", key);
	admin_work_start(c, admin_ledger_step, admin_ledger_release, w);
}

static void
admin_transactions(struct call *c)
{
	admin_ledger_list(c, "transactions", ledger_txn_count(c->session->ledger),
	    admin_txn_item);
}

static void
admin_transactions_add(struct call *c)
{
	json_t		*body = admin_body(c), *list, *out = json_array();
	struct txn	**txns = NULL;
	size_t		 i, j, n = 0;
	char		*cause, where[64];

	if (body == NULL)
		goto out;
	list = json_object_get(body, "transactions");
	if (list == NULL) {
		list = json_pack("[O]", body);
	} else if (!json_is_array(list)) {
		admin_error(c, 400, "invalid_body", "transactions: must be an array");
		goto out;
	} else
		json_incref(list);
	/* All or nothing: every transaction is checked before any is added. */
	n = json_array_size(list);
	txns = xcalloc(n, sizeof *txns);
	for (i = 0; i < n; i++) {
		snprintf(where, sizeof where, "transactions[%zu]", i);
		txns[i] = fixtures_txn_parse(json_array_get(list, i), where,
		    provider_fixture_check, &cause);
		if (txns[i] == NULL) {
			admin_error(c, 400, "invalid_transaction", "%s", cause);
			free(cause);
			goto out_list;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(txns[j]->provider, txns[i]->provider) == 0 &&
			    strcmp(txns[j]->id, txns[i]->id) == 0)
				break;
		}
		if (j < i || ledger_txn(c->session->ledger, txns[i]->provider,
		    txns[i]->id) != NULL) {
			admin_error(c, 409, "duplicate_transaction", "%s.id: '%s' is "
			    "already a %s transaction", where, txns[i]->id,
			    txns[i]->provider);
			goto out_list;
		}
	}
	for (i = 0; i < n; i++) {
		json_array_append_new(out, fixtures_txn_json(txns[i], txns[i]->refunded));
		ledger_add_txn(c->session->ledger, txns[i]);
		txns[i] = NULL;
	}
	call_json(c, 201, json_pack("{sO}", "transactions", out));
out_list:
	json_decref(list);
out:
	for (i = 0; i < n; i++)
		txn_free(txns[i]);
	free(txns);
	json_decref(out);
	json_decref(body);
}

static void
admin_refunds(struct call *c)
{
	admin_ledger_list(c, "refunds", ledger_refund_count(c->session->ledger),
	    admin_refund_item);
}

/*
 * A walk over the journal, listing or counting, done in slices of at most
 * WORK_SLICE_US: a full journal takes hundreds of milliseconds to render,
 * which would stall every other client.  It covers the entries that were
 * there when the request came; the session going (or being reset) ends it
 * with what it has.
 */
struct admin_journal {
	char		 session[SESSION_NAME_MAX + 1];
	uint64_t	 session_id;
	char		*provider;
	char		*operation;
	struct match	 match;
	int		 has_match;
	int		 listing;	/* render the entries, not only count them */
	size_t		 count;
	size_t		 skip;		/* matches to count but not render */
	size_t		 listed;
	uint64_t	 next_seq;	/* where the walk takes up again */
	uint64_t	 end_seq;	/* entries from here on came later */
	int64_t		 slice_end_us;
	struct buf	 out;		/* listing: the entries rendered so far */
	json_t		*cites;		/* listing: entry number -> finding ids */
};

enum { ADMIN_WALK_MORE = 1, ADMIN_WALK_END };

/* An entry as listed: with the ids of the report's findings that cite it. */
static json_t *
admin_journal_entry(const struct admin_journal *j, const struct journal_entry *e)
{
	json_t	*o = journal_entry_json(e), *ids;
	char	 seq[24];

	snprintf(seq, sizeof seq, "%llu", (unsigned long long)e->seq);
	if ((ids = json_object_get(j->cites, seq)) != NULL)
		json_object_set(o, "findings", ids);
	return (o);
}

static int
admin_journal_cb(const struct journal_entry *e, void *arg)
{
	struct admin_journal	*j = arg;

	if (e->seq >= j->end_seq)
		return (ADMIN_WALK_END);
	if (clock_mono_us() >= j->slice_end_us)
		return (ADMIN_WALK_MORE);
	j->next_seq = e->seq + 1;
	if ((j->provider != NULL && strcmp(j->provider, e->provider) != 0) ||
	    (j->operation != NULL && strcmp(j->operation, e->operation) != 0) ||
	    (j->has_match && !match_entry(&j->match, e)))
		return (0);
	if (j->count++ >= j->skip && j->listing)
		admin_work_item(&j->out, &j->listed, admin_journal_entry(j, e));
	return (0);
}

static void
admin_journal_release(void *arg)
{
	struct admin_journal	*j = arg;

	free(j->provider);
	free(j->operation);
	if (j->has_match)
		match_release(&j->match);
	buf_release(&j->out);
	json_decref(j->cites);
	free(j);
}

/* The work's step: a slice of the walk, then the reply once it has ended. */
static int
admin_journal_step(struct app *app, void *arg, struct reply *r)
{
	struct admin_journal	*j = arg;
	struct session		*s = sessions_find_id(app->sessions, j->session,
				    j->session_id);

	j->slice_end_us = clock_mono_us() + WORK_SLICE_US;
	if (s != NULL && j->next_seq < j->end_seq &&
	    journal_each_from(s->journal, j->next_seq, admin_journal_cb, j) ==
	    ADMIN_WALK_MORE)
		return (0);
	/* As jsonx_dumps would write {"entries":[...]} or {"count":N}. */
	if (j->listing) {
		buf_adds(&j->out, "]}");
		admin_work_reply(r, buf_steal(&j->out));
	} else
		admin_work_reply(r, xasprintf("{\"count\":%zu}", j->count));
	return (1);
}

/* Starts the walk; its first slice runs now, the rest on later turns. */
static void
admin_journal_walk(struct call *c, struct admin_journal *j)
{
	snprintf(j->session, sizeof j->session, "%s", c->session->name);
	j->session_id = c->session->id;
	j->end_seq = journal_next_seq(c->session->journal);
	if (j->listing)
		buf_adds(&j->out, "{\"entries\":[");
	admin_work_start(c, admin_journal_step, admin_journal_release, j);
}

static int
admin_journal_skip_cb(const struct journal_entry *e, void *arg)
{
	struct admin_journal	*j = arg;

	if ((j->provider == NULL || strcmp(j->provider, e->provider) == 0) &&
	    (j->operation == NULL || strcmp(j->operation, e->operation) == 0))
		j->count++;
	return (0);
}

static void
admin_journal(struct call *c)
{
	struct admin_journal	*j;
	char			*provider, *limit, *end, *findings;
	long long		 n = -1;

	if (admin_provider_filter(c, &provider) != 0)
		return;
	if ((limit = request_query(c->req, "limit")) != NULL) {
		n = strtoll(limit, &end, 10);
		if (*limit == '\0' || *end != '\0' || n < 0) {
			admin_error(c, 400, "invalid_query", "limit: must be a whole "
			    "number of at least 0");
			free(provider);
			free(limit);
			return;
		}
		free(limit);
	}
	j = xcalloc(1, sizeof *j);
	j->provider = provider;
	j->operation = request_query(c->req, "operation");
	j->listing = 1;
	/* A report costs a walk of its own, in one go: only when asked for. */
	if ((findings = request_query(c->req, "findings")) != NULL &&
	    strcmp(findings, "true") == 0)
		j->cites = report_admin_citations(c->session, c->now);
	free(findings);
	/*
	 * The limit keeps the newest entries, oldest first: count them (names
	 * only, quick even over a full journal), then render those.
	 */
	if (n >= 0) {
		journal_each(c->session->journal, admin_journal_skip_cb, j);
		j->skip = (size_t)n < j->count ? j->count - (size_t)n : 0;
		j->count = 0;
	}
	admin_journal_walk(c, j);
}

static void
admin_journal_count(struct call *c)
{
	static const char *const keys[] = { "match" };
	struct admin_journal	*j;
	struct match		 m;
	json_t			*body = admin_body(c), *mo;
	const char		*key;
	json_t			*v;
	char			*cause;

	if (body == NULL || admin_known_keys(c, body, keys, nitems(keys), "") != 0)
		goto out;
	if ((mo = json_object_get(body, "match")) == NULL) {
		admin_error(c, 400, "invalid_body", "match: is required");
		goto out;
	}
	if (json_is_object(mo)) {
		json_object_foreach(mo, key, v) {
			if (!match_key_known(key, 1)) {
				admin_error(c, 400, "invalid_body", "match.%s: unknown key",
				    key);
				goto out;
			}
		}
	}
	if (match_parse(mo, "match", 1, &m, &cause) != 0) {
		admin_error(c, 400, "invalid_body", "%s", cause);
		free(cause);
		goto out;
	}
	j = xcalloc(1, sizeof *j);
	j->match = m;
	j->has_match = 1;
	admin_journal_walk(c, j);
out:
	json_decref(body);
}

static void
admin_journal_clear(struct call *c)
{
	journal_clear(c->session->journal);
	call_json(c, 200, json_pack("{sb}", "cleared", 1));
}

/* 0 if 'n' more rules fit in the session, or -1 and the 400 is sent. */
static int
admin_rules_room(struct call *c, const char *code, size_t n)
{
	size_t	held = rules_count(c->session->rules);

	if (held <= quota.rules && n <= quota.rules - held)
		return (0);
	admin_error(c, 400, code, "rules: the session holds %zu rules (scenarios and "
	    "faults) and may hold at most %zu", held, quota.rules);
	return (-1);
}

static void
admin_scenario_install(struct call *c, struct scenario *s)
{
	if (admin_rules_room(c, "invalid_scenario", scenario_nrules(s)) != 0) {
		scenario_free(s);
		return;
	}
	call_json(c, 201, json_pack("{ss sI}", "name", scenario_name(s),
	    "rules", (json_int_t)scenario_nrules(s)));
	session_install(c->session, s);
}

static void
admin_scenarios_add(struct call *c)
{
	json_t		*body;
	struct scenario	*s;
	char		*cause;

	/* Before parsing: a scenario over the bound costs no more than its read. */
	if (c->req->body_len > quota.scenario_bytes) {
		admin_error(c, 413, "too_large", "the scenario is larger than %zu "
		    "bytes (--max-scenario-size)", quota.scenario_bytes);
		return;
	}
	if ((body = admin_body(c)) == NULL)
		return;
	if ((s = scenario_parse(body, &cause)) == NULL) {
		admin_error(c, 400, "invalid_scenario", "%s", cause);
		free(cause);
	} else
		admin_scenario_install(c, s);
	json_decref(body);
}

static void
admin_scenarios_load(struct call *c)
{
	const char	*name = c->params[0];
	struct scenario	*s;
	char		*path, *cause;

	/* A name, not a path: nothing outside the scenario directory. */
	if (!session_name_ok(name) || *name == '.') {
		admin_error(c, 400, "invalid_name", "scenario names are 1 to 64 "
		    "characters of A-Z a-z 0-9 . _ -, not starting with a dot");
		return;
	}
	path = xasprintf("%s/%s.json", c->app->scenario_dir, name);
	/* Messages name the scenario, never where the server keeps it. */
	if (access(path, R_OK) != 0)
		admin_error(c, 404, "not_found", "no scenario '%s' in the scenario "
		    "directory", name);
	else if ((s = scenario_load(path, name, &cause)) == NULL) {
		admin_error(c, 400, "invalid_scenario", "%s", cause);
		free(cause);
	} else
		admin_scenario_install(c, s);
	free(path);
}

static void
admin_scenarios(struct call *c)
{
	call_json(c, 200, rules_json(c->session->rules));
}

static void
admin_scenarios_clear(struct call *c)
{
	rules_clear(c->session->rules);
	memset(c->session->lifecycle, 0, sizeof c->session->lifecycle);
	call_json(c, 200, json_pack("{sb}", "cleared", 1));
}

static void
admin_faults_add(struct call *c)
{
	json_t		*body = admin_body(c);
	struct rule	*r;
	char		*cause;

	if (body == NULL)
		return;
	r = rule_parse(body, "fault", rules_next_fault(c->session->rules), &cause);
	if (r == NULL) {
		admin_error(c, 400, "invalid_fault", "%s", cause);
		free(cause);
	} else if (admin_rules_room(c, "invalid_fault", 1) != 0)
		rule_free(r);
	else {
		call_json(c, 201, json_pack("{ss}", "name", r->name));
		rules_add_fault(c->session->rules, r);
	}
	json_decref(body);
}

static void
admin_webhooks_set(struct call *c)
{
	static const char *const keys[] = { "provider", "url", "secret" };
	json_t		*body = admin_body(c);
	const char	*provider, *url, *secret = NULL;
	char		*cause;

	if (body == NULL || admin_known_keys(c, body, keys, nitems(keys), "") != 0)
		goto out;
	provider = jsonx_string(json_object_get(body, "provider"));
	url = jsonx_string(json_object_get(body, "url"));
	if (json_object_get(body, "secret") != NULL &&
	    ((secret = jsonx_string(json_object_get(body, "secret"))) == NULL ||
	    *secret == '\0')) {
		admin_error(c, 400, "invalid_body", "secret: must be a non-empty string");
		goto out;
	}
	if (provider == NULL || url == NULL) {
		admin_error(c, 400, "invalid_body", "provider and url are required strings");
		goto out;
	}
	if (webhooks_set_endpoint(c->session->webhooks, c->app->webhooks, provider,
	    url, secret, &cause) != 0) {
		admin_error(c, 400, "invalid_webhook", "%s", cause);
		free(cause);
		goto out;
	}
	call_json(c, 201, webhooks_endpoints_json(c->session->webhooks));
out:
	json_decref(body);
}

static void
admin_webhooks(struct call *c)
{
	call_json(c, 200, webhooks_endpoints_json(c->session->webhooks));
}

static void
admin_webhook_deliveries(struct call *c)
{
	call_json(c, 200, webhooks_deliveries_json(c->session->webhooks));
}

static void
admin_webhook_replay(struct call *c)
{
	char			*end;
	unsigned long long	 id = strtoull(c->params[0], &end, 10);
	enum webhook_replay	 rc = WEBHOOK_REPLAY_UNKNOWN;

	if (*end == '\0' && c->app->webhooks != NULL)
		rc = webhook_replay(c->app->webhooks, c->session, id);
	if (rc == WEBHOOK_REPLAY_FULL) {
		admin_error(c, 429, "replay_queue_full", "%d replays already wait "
		    "in this session; retry once some went out",
		    WEBHOOK_REPLAY_QUEUE_MAX);
		return;
	}
	if (rc != WEBHOOK_REPLAY_QUEUED) {
		admin_error(c, 404, "not_found", "no delivery %s with an endpoint "
		    "to send it to", c->params[0]);
		return;
	}
	call_json(c, 202, json_pack("{sI}", "replaying", (json_int_t)id));
}

static void
admin_report(struct call *c)
{
	char	*cause;
	json_t	*report = report_admin_get(c->session, c->req, c->now, &cause);

	if (report == NULL) {
		admin_error(c, 400, "invalid_query", "%s", cause);
		free(cause);
	} else
		call_json(c, 200, report);
}

static void
admin_report_ignore(struct call *c)
{
	char	*cause;
	json_t	*ignored = report_admin_ignore(c->session, c->req->body,
		    c->req->body_len, &cause);

	if (ignored == NULL) {
		admin_error(c, 400, "invalid_body", "%s", cause);
		free(cause);
	} else
		call_json(c, 200, ignored);
}

/*
 * GET /journal/stream: the reply's head; the transport streams the entries
 * (stream.h).  ?since=SEQ or Last-Event-ID: only the entries after SEQ.
 */
static void
admin_journal_stream(struct call *c)
{
	char		*since = request_query(c->req, "since"), *end;
	const char	*text = since != NULL ? since :
			    request_header(c->req, "Last-Event-ID");
	unsigned long long after = 0;

	if (text != NULL) {
		after = strtoull(text, &end, 10);
		if (*text < '0' || *text > '9' || *end != '\0' || after == UINT64_MAX) {
			admin_error(c, 400, "invalid_query", "%s: must be an entry "
			    "number (a whole number of at least 0)",
			    since != NULL ? "since" : "Last-Event-ID");
			free(since);
			return;
		}
	}
	free(since);
	switch (session_watch_room(c->session)) {
	case SESSION_WATCH_SESSION_FULL:
		admin_error(c, 503, "too_many_streams", "session '%s' has %d journal "
		    "streams open already", c->session->name, SESSION_WATCHERS_MAX);
		return;
	case SESSION_WATCH_FULL:
		admin_error(c, 503, "too_many_streams", "%d journal streams are open "
		    "already", SESSIONS_WATCHERS_MAX);
		return;
	case SESSION_WATCH_OK:
		break;
	}
	c->reply->status = 200;
	c->reply->content_type = "text/event-stream";
	reply_header(c->reply, "Cache-Control", "no-cache");
	c->stream_from = (uint64_t)after + 1;
}

static int
admin_by_string(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* The names POST /scenarios/{name} would load from the directory, sorted; heap. */
static char **
admin_scenario_names(const char *dir, size_t *n)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	char		**names = NULL;
	size_t		 len;

	*n = 0;
	while (d != NULL && (de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		de->d_name[len - 5] = '\0';
		if (!session_name_ok(de->d_name) || de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (*n + 1) * sizeof *names);
		names[(*n)++] = xstrdup(de->d_name);
	}
	if (d != NULL)
		closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof *names, admin_by_string);
	return (names);
}

/* The scenarios shipped in the directory; one that does not parse is left out. */
static void
admin_scenarios_available(struct call *c)
{
	json_t		*list = json_array();
	struct scenario	*s;
	char		**names, *path, *cause;
	size_t		 i, n;

	names = admin_scenario_names(c->app->scenario_dir, &n);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s.json", c->app->scenario_dir, names[i]);
		if ((s = scenario_load(path, names[i], &cause)) == NULL)
			free(cause);
		else {
			json_array_append_new(list, json_pack("{ss so sI}", "name",
			    names[i], "description", scenario_description(s) != NULL ?
			    json_string(scenario_description(s)) : json_null(),
			    "rules", (json_int_t)scenario_nrules(s)));
			scenario_free(s);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	call_json(c, 200, json_pack("{so}", "scenarios", list));
}

static void
admin_scenario_remove(struct call *c)
{
	if (session_uninstall(c->session, c->params[0]) != 0) {
		admin_error(c, 404, "not_found", "no scenario '%s' loaded", c->params[0]);
		return;
	}
	call_json(c, 200, json_pack("{ss sb}", "name", c->params[0], "removed", 1));
}

static void
admin_fault_remove(struct call *c)
{
	if (rules_remove_fault(c->session->rules, c->params[0]) != 0) {
		admin_error(c, 404, "not_found", "no fault '%s' armed", c->params[0]);
		return;
	}
	call_json(c, 200, json_pack("{ss sb}", "name", c->params[0], "removed", 1));
}

/* The admin API's own spec; behind the token like every call but health (admin_authorize). */
static void
admin_openapi(struct call *c)
{
	const struct openapi_spec	*spec = openapi_find("admin");

	if (spec != NULL)
		openapi_reply(c->reply, spec);
	else
		admin_error(c, 404, "not_found", "this build has no OpenAPI document "
		    "for the admin API (docs/openapi/admin.yaml)");
}

const struct route admin_routes[] = {
	{ "GET", "/health", "admin.health", 0, admin_health },
	{ "GET", "/metrics", "admin.metrics", 0, admin_metrics },
	{ "POST", "/reset", "admin.reset", 0, admin_reset },
	{ "GET", "/sessions", "admin.sessions", 0, admin_sessions },
	{ "DELETE", "/sessions/{name}", "admin.sessions", 0, admin_session_drop },
	{ "GET", "/clock", "admin.clock", 0, admin_clock },
	{ "POST", "/clock/advance", "admin.clock", 0, admin_clock_advance },
	{ "POST", "/clock/set", "admin.clock", 0, admin_clock_set },
	{ "POST", "/clock/freeze", "admin.clock", 0, admin_clock_freeze },
	{ "POST", "/clock/unfreeze", "admin.clock", 0, admin_clock_unfreeze },
	{ "GET", "/strict", "admin.strict", 0, admin_strict },
	{ "POST", "/strict", "admin.strict", 0, admin_strict_set },
	{ "GET", "/transactions", "admin.transactions", 0, admin_transactions },
	{ "POST", "/transactions", "admin.transactions", 0, admin_transactions_add },
	{ "GET", "/refunds", "admin.refunds", 0, admin_refunds },
	{ "POST", "/scenarios", "admin.scenarios", 0, admin_scenarios_add },
	{ "GET", "/scenarios/available", "admin.scenarios", 0, admin_scenarios_available },
	{ "POST", "/scenarios/{name}", "admin.scenarios", 0, admin_scenarios_load },
	{ "DELETE", "/scenarios/{name}", "admin.scenarios", 0, admin_scenario_remove },
	{ "GET", "/scenarios", "admin.scenarios", 0, admin_scenarios },
	{ "DELETE", "/scenarios", "admin.scenarios", 0, admin_scenarios_clear },
	{ "POST", "/faults", "admin.faults", 0, admin_faults_add },
	{ "DELETE", "/faults/{name}", "admin.faults", 0, admin_fault_remove },
	{ "POST", "/webhooks", "admin.webhooks", 0, admin_webhooks_set },
	{ "GET", "/webhooks", "admin.webhooks", 0, admin_webhooks },
	{ "GET", "/webhooks/deliveries", "admin.webhooks", 0, admin_webhook_deliveries },
	{ "POST", "/webhooks/deliveries/{id}/replay", "admin.webhooks", 0,
	    admin_webhook_replay },
	{ "GET", "/journal", "admin.journal", 0, admin_journal },
	{ "GET", ADMIN_STREAM_PATH, "admin.journal", 0, admin_journal_stream },
	{ "POST", "/journal/count", "admin.journal", 0, admin_journal_count },
	{ "DELETE", "/journal", "admin.journal", 0, admin_journal_clear },
	{ "GET", "/report", "admin.report", 0, admin_report },
	{ "POST", "/report/ignore", "admin.report", 0, admin_report_ignore },
	{ "GET", "/openapi.json", "admin.openapi", 0, admin_openapi },
};
const size_t admin_nroutes = nitems(admin_routes);

int
admin_adds_state(const char *method, const char *path)
{
	/* Writes that free or only read: what an operator past the budget needs. */
	static const char *const frees[] = { "/reset", "/journal/count" };
	size_t			 i;

	if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 &&
	    strcmp(method, "PATCH") != 0)
		return (0);
	for (i = 0; i < nitems(frees); i++) {
		if (strcmp(path, frees[i]) == 0)
			return (0);
	}
	return (1);
}

void
admin_handle(struct call *c, const char *path)
{
	struct route_match	m;
	size_t			i;

	if (c->req->body_len > REQUEST_BODY_MAX) {
		admin_error(c, 413, "too_large", "the body is larger than %d bytes",
		    REQUEST_BODY_MAX);
		return;
	}
	if (router_match(admin_routes, admin_nroutes, c->req->method,
	    *path != '\0' ? path : "/", &m) != 0) {
		if (m.path_known) {
			reply_header(c->reply, "Allow", m.allow);
			admin_error(c, 405, "method_not_allowed", "use %s", m.allow);
		} else
			admin_error(c, 404, "not_found", "no admin call at /__admin%s",
			    path);
		return;
	}
	c->route = m.route;
	for (i = 0; i < m.nparams; i++)
		c->params[i] = m.params[i];
	m.route->fn(c);
}
