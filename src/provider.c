/* What every adapter shares: the provider table, error rendering, body checks, auth. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "idem.h"
#include "jsonx.h"
#include "metrics.h"
#include "money.h"
#include "provider.h"
#include "rate.h"
#include "session.h"
#include "util.h"

extern const struct provider provider_smartretry, provider_smartpay,
    provider_utgl, provider_accelebit, provider_payengine;

const struct provider *const providers[] = {
	&provider_smartretry,
	&provider_smartpay,
	&provider_utgl,
	&provider_accelebit,
	&provider_payengine,
};
const size_t nproviders = nitems(providers);
/* Sessions keep a lifecycle per provider, by its index here. */
_Static_assert(nitems(providers) <= SESSION_PROVIDERS_MAX,
    "more providers than SESSION_PROVIDERS_MAX");

/* The neutral names of interface.md, their default status and shared case. */
static const struct {
	const char	*name;
	int		 status;
	enum perr	 perr;
	const char	*message;	/* PayEngine's words, fine for all */
} neutral_errors[] = {
	{ "provider_unavailable", 503, PERR_UNAVAILABLE, "Service unavailable" },
	{ "internal_error", 500, PERR_INTERNAL, "Internal server error" },
	{ "bad_gateway", 502, PERR_BAD_GATEWAY, "Processor unavailable" },
	{ "gateway_timeout", 504, PERR_GATEWAY_TIMEOUT, "Processor timeout" },
	{ "rate_limited", 429, PERR_RATE_LIMITED, "Too many requests" },
	{ "unauthorized", 401, PERR_UNAUTHORIZED, "Unauthorized" },
};

/* The usual words; an adapter's .codes name only what its provider says otherwise. */
static const char *const perr_default_codes[PERR__COUNT] = {
	[PERR_BAD_JSON] = "INVALID_JSON",
	[PERR_MEDIA_TYPE] = "UNSUPPORTED_MEDIA_TYPE",
	[PERR_NO_ROUTE] = "NOT_FOUND",
	[PERR_METHOD] = "METHOD_NOT_ALLOWED",
	[PERR_TOO_LARGE] = "PAYLOAD_TOO_LARGE",
	[PERR_UNAUTHORIZED] = "UNAUTHORIZED",
	[PERR_UNAVAILABLE] = "SERVICE_UNAVAILABLE",
	[PERR_INTERNAL] = "INTERNAL_ERROR",
	[PERR_BAD_GATEWAY] = "BAD_GATEWAY",
	[PERR_GATEWAY_TIMEOUT] = "GATEWAY_TIMEOUT",
	[PERR_RATE_LIMITED] = "RATE_LIMITED",
	[PERR_REFUND_LIMIT] = "REFUND_LIMIT_EXCEEDED",
};

static const int perr_status[PERR__COUNT] = {
	[PERR_BAD_JSON] = 400,
	[PERR_MEDIA_TYPE] = 415,
	[PERR_NO_ROUTE] = 404,
	[PERR_METHOD] = 405,
	[PERR_TOO_LARGE] = 413,
	[PERR_UNAUTHORIZED] = 401,
	[PERR_UNAVAILABLE] = 503,
	[PERR_INTERNAL] = 500,
	[PERR_BAD_GATEWAY] = 502,
	[PERR_GATEWAY_TIMEOUT] = 504,
	[PERR_RATE_LIMITED] = 429,
	[PERR_REFUND_LIMIT] = 422,
};

const struct provider *
provider_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nproviders; i++) {
		if (strcmp(providers[i]->name, name) == 0)
			return (providers[i]);
	}
	return (NULL);
}

size_t
provider_index(const struct provider *p)
{
	size_t	i;

	for (i = 0; i < nproviders; i++) {
		if (providers[i] == p)
			return (i);
	}
	fatal("%s: provider '%s' is not in the table", __func__, p->name);
}

int
provider_perr_parse(const char *name, enum perr *perr, int *status)
{
	size_t	i;

	for (i = 0; i < nitems(neutral_errors); i++) {
		if (strcmp(neutral_errors[i].name, name) == 0) {
			*perr = neutral_errors[i].perr;
			*status = neutral_errors[i].status;
			return (0);
		}
	}
	return (-1);
}

static const char *
provider_code(const struct provider *p, enum perr e)
{
	return (p->codes[e] != NULL ? p->codes[e] : perr_default_codes[e]);
}

void
provider_fail_neutral(struct call *c, enum perr e, int status)
{
	size_t	i;

	for (i = 0; i < nitems(neutral_errors); i++) {
		if (neutral_errors[i].perr == e)
			break;
	}
	c->provider->render_error(c, status, provider_code(c->provider, e), NULL,
	    i < nitems(neutral_errors) ? neutral_errors[i].message : "Error");
}

void
provider_decorate(struct call *c)
{
	if (c->provider->decorate != NULL)
		c->provider->decorate(c);
}

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
provider_fail(struct call *c, enum perr e, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	call_verror(c, perr_status[e], provider_code(c->provider, e), NULL, fmt, ap);
	va_end(ap);
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
	const struct session_lifecycle	*sl =
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

/* The refusal a transaction's state is, whether or not the provider words it. */
static const enum refund_refusal call_state_refusals[] = {
	[TXN_CAPTURED] = REFUND_OK,
	[TXN_AUTHORIZED] = REFUND_NOT_CAPTURED,
	[TXN_VOIDED] = REFUND_VOIDED,
	[TXN_LOCKED] = REFUND_LOCKED,
};

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
	provider_fail(c, PERR_REFUND_LIMIT, "Transaction %s already has %d refunds, "
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
		provider_fail_neutral(c, PERR_INTERNAL, 500);
		return (NULL);
	}
	free(c->reply->refund_id);
	c->reply->refund_id = xstrdup(r->id);
	metrics_refund_created(c->provider->name, refund_state_at(r, c->now),
	    lc->outcome);
	return (r);
}

const char *
provider_txn_extra(const struct txn *t, const char *key, const char *dflt)
{
	const char	*v = jsonx_string(json_object_get(t->fixture, key));

	return (v != NULL ? v : dflt);
}

static int
provider_is_json(const char *ct)
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

/* The first reply again, from its text. */
static void
call_idem_replay_text(struct call *c, int status, const struct idem_text *t)
{
	const char	*line, *colon, *next;
	char		*name, *value;

	c->reply->status = status;
	c->reply->content_type = t->content_type;
	free(c->reply->body);
	c->reply->body = xstrdup(t->body);
	for (line = t->headers; *line != '\0'; line = next + 1) {
		colon = strstr(line, ": ");
		next = strchr(line, '\n');
		name = xstrndup(line, (size_t)(colon - line));
		value = xstrndup(colon + 2, (size_t)(next - colon - 2));
		reply_header(c->reply, name, value);
		free(name);
		free(value);
	}
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
	canon = jsonx_dumps(c->body, JSON_SORT_KEYS);
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
provider_handle(struct call *c)
{
	char	*cause;

	if (c->provider->authenticate != NULL && c->provider->authenticate(c) != 0)
		goto out;
	if (c->route->json_body) {
		if (!provider_is_json(request_header(c->req, "Content-Type"))) {
			provider_fail(c, PERR_MEDIA_TYPE,
			    "Content-Type must be application/json");
			goto out;
		}
		c->body = jsonx_loads(c->req->body, c->req->body_len, &cause);
		if (c->body == NULL) {
			provider_fail(c, PERR_BAD_JSON, "The request body is not "
			    "valid JSON: %s", cause);
			free(cause);
			goto out;
		}
		if (!json_is_object(c->body)) {
			provider_fail(c, PERR_BAD_JSON, "The request body must be "
			    "a JSON object");
			goto out;
		}
	}
	c->route->fn(c);
	call_idem_end(c);
out:
	provider_decorate(c);
}

const char *
request_header(const struct request *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		if (str_casecmp(r->headers[i].name, name) == 0)
			return (r->headers[i].value);
	}
	return (NULL);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

char *
request_query(const struct request *r, const char *name)
{
	const char	*q = r->query, *end;
	size_t		 n = strlen(name);
	struct buf	 b = { 0 };

	for (; q != NULL && *q != '\0'; q = *end != '\0' ? end + 1 : end) {
		end = q + strcspn(q, "&");
		if (strncmp(q, name, n) != 0 || (q[n] != '=' && q + n != end))
			continue;
		for (q += n + (q[n] == '='); q < end; q++) {
			int hi, lo;
			if (*q == '%' && end - q >= 3 && (hi = hexval(q[1])) >= 0 &&
			    (lo = hexval(q[2])) >= 0 && (hi || lo)) {
				char ch = (char)(hi << 4 | lo);
				buf_add(&b, &ch, 1);
				q += 2;
			} else
				buf_add(&b, *q == '+' ? " " : q, 1);
		}
		return (buf_steal(&b));
	}
	return (NULL);
}

void
reply_header(struct reply *r, const char *name, const char *value)
{
	r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrdup(value);
	r->nheaders++;
}

const char *
reply_get_header(const struct reply *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		if (str_casecmp(r->headers[i].name, name) == 0)
			return (r->headers[i].value);
	}
	return (NULL);
}

void
reply_release(struct reply *r)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	free(r->refund_id);
	free(r->note);
	memset(r, 0, sizeof *r);
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

int
auth_basic(const char *header, char **user, char **pass)
{
	struct buf	 b = { 0 };
	const char	*p, *colon;
	unsigned	 acc = 0;
	int		 bits = 0, v;
	size_t		 pad = 0;

	if (header == NULL || strncasecmp(header, "Basic ", 6) != 0)
		return (-1);
	for (p = header + 6; *p == ' '; p++)
		;
	for (; *p != '\0'; p++) {
		if (*p == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64val(*p)) < 0)
			goto out_bad;
		acc = (acc << 6) | (unsigned)v;
		if ((bits += 6) >= 8) {
			char ch = (char)((acc >> (bits - 8)) & 0xff);
			bits -= 8;
			buf_add(&b, &ch, 1);
		}
	}
	if (b.len == 0 || pad > 2 || memchr(b.data, '\0', b.len) != NULL ||
	    (colon = strchr(b.data, ':')) == NULL)
		goto out_bad;
	*user = xstrndup(b.data, (size_t)(colon - b.data));
	*pass = xstrdup(colon + 1);
	buf_release(&b);
	return (0);
out_bad:
	buf_release(&b);
	return (-1);
}
