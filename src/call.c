/* One request's way through an adapter: errors, refunds, idempotency, rate headers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "call.h"
#include "clock.h"
#include "idem.h"
#include "jsonx.h"
#include "metrics.h"
#include "money.h"
#include "rate.h"
#include "session.h"
#include "util.h"

/* The refusal a transaction's state is, whether or not the provider words it. */
static const enum refund_refusal call_state_refusals[] = {
	[TXN_CAPTURED] = REFUND_OK,
	[TXN_AUTHORIZED] = REFUND_NOT_CAPTURED,
	[TXN_VOIDED] = REFUND_VOIDED,
	[TXN_LOCKED] = REFUND_LOCKED,
};

static void
call_verror(struct call *c, int status, const char *code, const char *field,
    const char *fmt, va_list ap)
{
	char	message[1024];

	vsnprintf(message, sizeof message, fmt, ap);
	/* Messages quote the request (path, headers) and may be cut mid-character. */
	c->provider->render_error(c, status, code, field, utf8_scrub(message));
}

void
call_error(struct call *c, int status, const char *code, const char *field,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	call_verror(c, status, code, field, fmt, ap);
	va_end(ap);
}

void
call_fail(struct call *c, enum perr e, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	call_verror(c, provider_perr_status(e), provider_code(c->provider, e), NULL,
	    fmt, ap);
	va_end(ap);
}

void
call_fail_neutral(struct call *c, enum perr e, int status)
{
	c->provider->render_error(c, status, provider_code(c->provider, e), NULL,
	    provider_neutral_message(e));
}

/* 'field' names what is missing in strict mode's 400 (NULL: the text does). */
static int
call_warn_text(struct call *c, const char *code, const char *field,
    const char *text)
{
	buf_add(&c->warnings, code, strlen(code) + 1);
	buf_add(&c->warnings, text, strlen(text) + 1);
	if (!c->session->strict)
		return (0);
	call_error(c, provider_perr_status(PERR_INVALID),
	    provider_code(c->provider, PERR_INVALID), field, "%s", text);
	return (-1);
}

int
call_warn(struct call *c, const char *code, const char *fmt, ...)
{
	char	text[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	/* A text may quote the request and be cut mid-character. */
	return (call_warn_text(c, code, NULL, utf8_scrub(text)));
}

char *
call_warnings_steal(struct call *c)
{
	if (c->warnings.len == 0)
		return (NULL);
	/* The pairs' list ends with an empty name, as journal.h packs it. */
	buf_add(&c->warnings, "", 1);
	return (buf_steal(&c->warnings));
}

/* 1 if the request breaks 'w'. */
static int
call_rule_broken(const struct call *c, const struct warn_rule *w)
{
	const json_t	*v;

	switch (w->check) {
	case WARN_HEADER_MISSING:
		return (request_header(c->req, w->name) == NULL);
	case WARN_HEADER_SENT:
		return (request_header(c->req, w->name) != NULL);
	case WARN_NOT_STRING:
		v = c->body != NULL ? json_object_get(c->body, w->name) : NULL;
		return (v != NULL && jsonx_string(v) == NULL);
	}
	return (0);
}

/* Warns of each rule of the provider the request breaks; -1 if strict refused it. */
static int
call_warn_rules(struct call *c)
{
	const struct warn_rule	*w;

	for (w = c->provider->warnings; w != NULL && w->code != NULL; w++) {
		if ((w->operation == NULL || strcmp(w->operation,
		    c->route->operation) == 0) && call_rule_broken(c, w) &&
		    call_warn_text(c, w->code, w->name, w->text) != 0)
			return (-1);
	}
	return (0);
}

/*
 * One X-Paymock-Warning per warning, added last: a reply kept for an
 * idempotency key (call_idem_end) is kept without them, so a retry carries
 * its own warnings, not the first request's.
 */
static void
call_warn_headers(struct call *c)
{
	const char	*p, *text, *end;

	/* In strict mode the 400 names what the warning would have. */
	if (c->session->strict || c->warnings.data == NULL)
		return;
	end = c->warnings.data + c->warnings.len;
	for (p = c->warnings.data; p < end; p = text + strlen(text) + 1) {
		text = p + strlen(p) + 1;
		reply_header(c->reply, "X-Paymock-Warning", text);
	}
}

void
call_decorate(struct call *c)
{
	if (c->provider->decorate != NULL)
		c->provider->decorate(c);
}

void
call_json(struct call *c, int status, json_t *body)
{
	free(c->reply->body);
	c->reply->status = status;
	c->reply->content_type = "application/json";
	c->reply->body = jsonx_dumps(body, 0);
	json_decref(body);
}

void
call_lifecycle(const struct call *c, const struct txn *t, struct lifecycle *lc)
{
	const struct scenario_lifecycle	*sl =
	    &c->session->lifecycle[provider_index(c->provider)];

	*lc = c->provider->lifecycle;
	if (sl->has_settle)
		lc->settle_after_ms = sl->settle_after_ms;
	if (sl->has_outcome)
		lc->outcome = sl->outcome;
	/* A magic transaction's own behaviour wins over a session default... */
	if (t->outcome != OUTCOME_SUCCEEDED)
		lc->outcome = t->outcome;
	/* ...and a scenario rule aimed at this very call wins over both. */
	if (c->force_settle)
		lc->settle_after_ms = c->settle_after_ms;
	if (c->force_outcome)
		lc->outcome = c->outcome;
}

/* Expands a refusal message's {names} into 'b'. */
static void
call_refusal_text(struct buf *b, const char *msg, const char *const values[])
{
	static const char *const names[] = { "{id}", "{ccy}", "{currency}",
	    "{amount}", "{left}" };
	size_t		 i, n;

	while (*msg != '\0') {
		n = strcspn(msg, "{");
		buf_add(b, msg, n);
		if (msg[n] == '\0')
			break;
		msg += n;
		for (i = 0; i < nitems(names); i++) {
			if (strncmp(msg, names[i], strlen(names[i])) == 0)
				break;
		}
		/* A brace that names nothing is text. */
		n = i < nitems(names) ? strlen(names[i]) : 1;
		if (i < nitems(names))
			buf_addf(b, "%s", values[i] != NULL ? values[i] : "");
		else
			buf_add(b, msg, 1);
		msg += n;
	}
}

/* Writes 'why' in the provider's words, unless they leave it to the adapter. */
static void
call_refuse(struct call *c, enum refund_refusal why, const struct txn *t,
    const char *ccy, int64_t amount, int64_t left)
{
	const struct refusal_words	*w = c->provider->refusals;
	int				 d = w->decimals != 0 ? w->decimals : t->exponent;
	char				 a1[MONEY_TEXT_MAX], a2[MONEY_TEXT_MAX];
	const char			*values[] = { t->id, ccy, t->currency,
	    money_format(amount, t->exponent, d, a1),
	    money_format(left, t->exponent, d, a2) };
	struct buf			 b = { 0 };

	if (w->rows[why].message == NULL)
		return;
	call_refusal_text(&b, w->rows[why].message, values);
	buf_add(&b, "", 1);
	call_error(c, w->rows[why].status, w->rows[why].code, w->rows[why].field,
	    "%s", b.data);
	buf_release(&b);
}

enum refund_refusal
call_refund_check(struct call *c, const struct txn *t, const char *ccy,
    int64_t *amount, int has_amount)
{
	const struct refusal_words	*w = c->provider->refusals;
	enum refund_refusal		 why = call_state_refusals[t->state];
	int64_t				 left;

	if (ccy != NULL && strcmp(ccy, t->currency) != 0)
		why = REFUND_CURRENCY;
	else if (w->rows[why].code == NULL)
		why = REFUND_OK;
	left = ledger_refundable(c->session->ledger, t, c->now);
	if (!has_amount)
		*amount = left;
	if (why == REFUND_OK && left == 0)
		why = REFUND_FULLY_REFUNDED;
	if (why == REFUND_OK && *amount > left)
		why = REFUND_EXCEEDS;
	if (why != REFUND_OK) {
		call_refuse(c, why, t, ccy, *amount, left);
		return (why);
	}
	if (ledger_refund_room(c->session->ledger, t))
		return (REFUND_OK);
	call_fail(c, PERR_REFUND_LIMIT, "Transaction %s already has %d refunds, "
	    "the most one transaction may have.", t->id, LEDGER_REFUNDS_PER_TXN_MAX);
	return (REFUND_LIMIT);
}

struct refund *
call_refund_add(struct call *c, const struct txn *t, const char *id,
    int64_t amount, const struct lifecycle *lc, json_t *data)
{
	struct refund	*r;

	r = ledger_refund_add(c->session->ledger, t, id, amount, c->now, lc, data);
	if (r == NULL) {
		call_fail_neutral(c, PERR_INTERNAL, 500);
		return (NULL);
	}
	free(c->reply->refund_id);
	c->reply->refund_id = xstrdup(r->id);
	metrics_refund_created(c->provider->name, refund_state_at(r, c->now),
	    lc->outcome);
	return (r);
}

static int
call_is_json(const char *ct)
{
	size_t	n = strlen("application/json");

	if (ct == NULL)
		return (0);
	while (*ct == ' ')
		ct++;
	return (strncasecmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '));
}

static char *
call_idem_scope(const struct call *c, const char *key)
{
	return (xasprintf("%s\x1f%s", c->provider->name, key));
}

static char *
call_headers_text(const struct reply *r)
{
	struct buf	b = { 0 };
	size_t		i;

	for (i = 0; i < r->nheaders; i++)
		buf_addf(&b, "%s: %s\n", r->headers[i].name, r->headers[i].value);
	return (buf_steal(&b));
}

struct refund *
call_idem_refund(const struct call *c, const struct idem_record *rec)
{
	const struct ledger	*l = c->session->ledger;

	if (rec->refund >= ledger_refund_count(l))
		return (NULL);
	return (ledger_refund_nth(l, rec->refund));
}

static void
call_idem_replay_header(const char *name, const char *value, void *reply)
{
	reply_header(reply, name, value);
}

/* The first reply again, from its text. */
static void
call_idem_replay_text(struct call *c, int status, const struct idem_text *t)
{
	c->reply->status = status;
	c->reply->content_type = t->content_type;
	free(c->reply->body);
	c->reply->body = xstrdup(t->body);
	headers_each(t->headers, call_idem_replay_header, c->reply);
}

enum call_idem
call_idem_begin(struct call *c, const char *key, int64_t ttl_ms,
    const char *replayed_header)
{
	struct idem_record	*rec;
	struct refund		*r = NULL;
	char			*scope = call_idem_scope(c, key), *canon;
	uint64_t		 fp;

	/* The same key on another path (a SmartRetry terminal) is another request. */
	canon = xasprintf("%s %s\n", c->req->method, c->req->path);
	fp = idem_fingerprint(canon, strlen(canon));
	free(canon);
	canon = jsonx_canonical(c->body);
	fp ^= idem_fingerprint(canon, strlen(canon)) * 31;
	free(canon);
	rec = idem_get(c->session->idem, scope, c->now);
	/* A record whose refund is gone (it cannot be: see idem.h) is no record. */
	if (rec != NULL && rec->text == NULL && !rec->in_flight &&
	    (r = call_idem_refund(c, rec)) == NULL)
		rec = NULL;
	if (rec == NULL) {
		rec = idem_put(c->session->idem, scope, fp, c->now + ttl_ms);
		rec->in_flight = 1;
		c->idem_key = scope;
		return (CALL_IDEM_FRESH);
	}
	free(scope);
	if (rec->in_flight)
		return (CALL_IDEM_BUSY);
	if (rec->fingerprint != fp)
		return (CALL_IDEM_CONFLICT);
	if (r != NULL) {
		c->reply->refund_id = xstrdup(r->id);
		c->provider->render_created(c, r, rec->status);
	}
	else
		call_idem_replay_text(c, rec->status, rec->text);
	reply_header(c->reply, replayed_header, "true");
	return (CALL_IDEM_REPLAYED);
}

/*
 * Keeps a FRESH call's reply under its key, or forgets the key.  A reply
 * with a refund is rendered again on replay (no headers of its own to
 * keep: render_created writes none); any other is kept as text.
 */
static void
call_idem_end(struct call *c)
{
	struct idem_record	*rec;
	const struct refund	*r = NULL;
	char			*headers;
	int			 st = c->reply->status, kept;

	if (c->idem_key == NULL)
		return;
	rec = idem_get(c->session->idem, c->idem_key, c->now);
	if (rec != NULL && ((st >= 200 && st < 300) || st == 422)) {
		rec->in_flight = c->hold_idem;
		rec->status = (uint16_t)st;
		if (c->reply->refund_id != NULL)
			r = ledger_refund(c->session->ledger, c->provider->name,
			    c->reply->refund_id);
		if (r != NULL && c->reply->nheaders == 0 &&
		    c->provider->render_created != NULL) {
			rec->refund = r->seq;
			kept = 1;
		} else {
			headers = call_headers_text(c->reply);
			kept = idem_keep_text(c->session->idem, rec,
			    c->reply->content_type, headers,
			    c->reply->body != NULL ? c->reply->body : "") == 0;
			free(headers);
		}
		if (kept && c->hold_idem)
			return;
	} else
		idem_del(c->session->idem, c->idem_key);
	free(c->idem_key);
	c->idem_key = NULL;
}

void
call_rate_headers(struct call *c, const char *key, int limit)
{
	char	*scope = call_idem_scope(c, key), text[32];
	int64_t	 second = c->now / 1000;
	int	 count = rates_hit(c->session->counters, scope, second);

	free(scope);
	snprintf(text, sizeof text, "%d", limit);
	reply_header(c->reply, "X-RateLimit-Limit", text);
	snprintf(text, sizeof text, "%d", count < limit ? limit - count : 0);
	reply_header(c->reply, "X-RateLimit-Remaining", text);
	snprintf(text, sizeof text, "%lld", (long long)second + 1);
	reply_header(c->reply, "X-RateLimit-Reset", text);
}

void
call_handle(struct call *c)
{
	char	*cause;

	if (c->provider->authenticate != NULL && c->provider->authenticate(c) != 0)
		goto out;
	if (c->route->json_body) {
		if (!call_is_json(request_header(c->req, "Content-Type"))) {
			call_fail(c, PERR_MEDIA_TYPE,
			    "Content-Type must be application/json");
			goto out;
		}
		c->body = jsonx_loads(c->req->body, c->req->body_len, &cause);
		if (c->body == NULL) {
			call_fail(c, PERR_BAD_JSON, "The request body is not "
			    "valid JSON: %s", cause);
			free(cause);
			goto out;
		}
		if (!json_is_object(c->body)) {
			call_fail(c, PERR_BAD_JSON, "The request body must be "
			    "a JSON object");
			goto out;
		}
	}
	if (call_warn_rules(c) != 0)
		goto out;
	c->route->fn(c);
	call_idem_end(c);
out:
	call_warn_headers(c);
	call_decorate(c);
}
