/* SmartRetry: terminal-scoped refunds, PROCESSING -> APPROVED, problem+json errors. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "clock.h"
#include "field.h"
#include "ids.h"
#include "jsonx.h"
#include "money.h"
#include "provider.h"
#include "session.h"
#include "util.h"
#include "webhook.h"

#define SMARTRETRY_DOCS		"https://docs.smartretry.com/errors/"
#define SMARTRETRY_PROBLEM	"application/problem+json"
#define SMARTRETRY_ALNUM	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define SMARTRETRY_KEY_CHARS	SMARTRETRY_ALNUM "_-"
#define SMARTRETRY_TERMINAL_LEN	6
#define SMARTRETRY_REF_LEN	8
#define SMARTRETRY_MTID_MAX	64
#define SMARTRETRY_KEY_MAX	255
#define SMARTRETRY_KEY_TTL_MS	(24 * 60 * 60 * 1000LL)
#define SMARTRETRY_RATE_LIMIT	100
#define SMARTRETRY_ID_PREFIX	"TX"
/* The most decimals of any currency paymock knows (KWD and friends). */
#define SMARTRETRY_EXP_MAX	3
/*
 * A sale's time when its fixture gives none: the day of the sale id in
 * SmartRetry's documented example (docs/providers/smartretry.md).
 */
#define SMARTRETRY_SALE_CREATED	"2026-03-31T12:00:00.000Z"

/* What the status resource says about a state: status and reason object. */
struct smartretry_reason {
	const char	*status;
	const char	*code;
	const char	*name;
	const char	*domain;
	const char	*description;
};

#define SMARTRETRY_PENDING { "PROCESSING", "PROCESSOR.PENDING", "Pending", \
	"PROCESSOR", "The refund was submitted and awaits the processor's answer." }

static const struct smartretry_reason smartretry_refund_reasons[] = {
	[REFUND_CREATED] = SMARTRETRY_PENDING,
	[REFUND_PENDING] = SMARTRETRY_PENDING,
	[REFUND_SUCCEEDED] = { "APPROVED", "ISSUER.APPROVED", "Approved", "ISSUER",
	    "The issuer approved the refund." },
	[REFUND_DECLINED] = { "DECLINED", "ISSUER.REFUND_DECLINED", "Refund declined",
	    "ISSUER", "The issuer declined the refund." },
	[REFUND_FAILED] = { "ERROR", "PROCESSOR.TIMEOUT", "Timeout", "PROCESSOR",
	    "The processor did not answer in time; no money was moved." },
};

#define SMARTRETRY_SALE_APPROVED { "APPROVED", "ISSUER.APPROVED", "Approved", \
	"ISSUER", "The issuer approved the payment." }

static const struct smartretry_reason smartretry_sale_reasons[] = {
	[TXN_CAPTURED] = SMARTRETRY_SALE_APPROVED,
	[TXN_AUTHORIZED] = SMARTRETRY_SALE_APPROVED,
	[TXN_VOIDED] = { "CANCELLED", "MERCHANT.VOIDED", "Voided", "MERCHANT",
	    "The merchant voided the payment before capture." },
	[TXN_LOCKED] = SMARTRETRY_SALE_APPROVED,
};

/* The amount refused has its own problem, with the refundable as context. */
static const struct refusal_words smartretry_refusals = { .rows = {
	[REFUND_CURRENCY] = { 422, "CURRENCY_MISMATCH", NULL, "The currency {ccy} "
	    "does not match the transaction currency {currency}." },
	[REFUND_NOT_CAPTURED] = { 422, "PREAUTH_NOT_CAPTURED", NULL, "Use the void "
	    "endpoint to cancel a pre-authorization before capture" },
	[REFUND_VOIDED] = { 422, "TRANSACTION_VOIDED", NULL, "The transaction was "
	    "voided and cannot be refunded." },
	[REFUND_FULLY_REFUNDED] = { 422, "ALREADY_REFUNDED", NULL, "The transaction "
	    "{id} is already fully refunded." },
	[REFUND_EXCEEDS] = { 422, "AMOUNT_EXCEEDS_REFUNDABLE", NULL, NULL },
} };

/* RFC 7807 titles; a code not listed gets one made from its words. */
static const struct {
	const char	*code;
	const char	*title;
} smartretry_titles[] = {
	{ "UNAUTHORIZED", "Unauthorized" },
	{ "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type" },
	{ "MALFORMED_JSON", "Malformed JSON" },
	{ "VALIDATION_ERROR", "Validation error" },
	{ "INVALID_TERMINAL_ID", "Invalid terminal id" },
	{ "TERMINAL_NOT_FOUND", "Terminal not found" },
	{ "TRANSACTION_NOT_FOUND", "Transaction not found" },
	{ "ORDER_MISMATCH", "Order mismatch" },
	{ "DUPLICATE_MERCHANT_TRANSACTION_ID", "Duplicate merchant transaction id" },
	{ "CURRENCY_MISMATCH", "Currency mismatch" },
	{ "PREAUTH_NOT_CAPTURED", "Pre-authorization not captured" },
	{ "TRANSACTION_VOIDED", "Transaction voided" },
	{ "ALREADY_REFUNDED", "Already refunded" },
	{ "AMOUNT_EXCEEDS_REFUNDABLE", "Amount exceeds refundable amount" },
	{ "INVALID_IDEMPOTENCY_KEY", "Invalid idempotency key" },
	{ "IDEMPOTENCY_CONFLICT", "Idempotency key reused with another request" },
	{ "IDEMPOTENCY_IN_PROGRESS", "Idempotency key in use" },
	{ "NOT_FOUND", "Not found" },
	{ "METHOD_NOT_ALLOWED", "Method not allowed" },
	{ "PAYLOAD_TOO_LARGE", "Payload too large" },
	{ "RATE_LIMITED", "Too many requests" },
	{ "SERVICE_UNAVAILABLE", "Service unavailable" },
	{ "INTERNAL_ERROR", "Internal server error" },
	{ "BAD_GATEWAY", "Bad gateway" },
	{ "GATEWAY_TIMEOUT", "Gateway timeout" },
};

/* A refund request's fields once checked. */
struct smartretry_req {
	const struct txn	*txn;
	const char		*txn_id;
	const char		*order_id;
	const char		*mtid;
	const char		*currency;
	int64_t			 amount;
	int			 has_amount;
};

static void
smartretry_decorate(struct call *c)
{
	const char	*key = request_header(c->req, "x-api-key");

	call_rate_headers(c, key != NULL ? key : "", SMARTRETRY_RATE_LIMIT);
}

static void
smartretry_title(const char *code, char *out, size_t len)
{
	size_t	i;

	for (i = 0; i < nitems(smartretry_titles); i++) {
		if (strcmp(smartretry_titles[i].code, code) == 0) {
			snprintf(out, len, "%s", smartretry_titles[i].title);
			return;
		}
	}
	for (i = 0; code[i] != '\0' && i + 1 < len; i++)
		out[i] = code[i] == '_' ? ' ' : i == 0 ? code[i] :
		    (char)tolower((unsigned char)code[i]);
	out[i] = '\0';
}

/* The whole problem document; takes 'context' (NULL: empty). */
static void
smartretry_problem(struct call *c, int status, const char *code,
    const char *detail, json_t *context)
{
	char	type[160], title[96];
	size_t	n = strlen(SMARTRETRY_DOCS), i;

	snprintf(type, sizeof type, "%s%s", SMARTRETRY_DOCS, code);
	for (i = n; type[i] != '\0'; i++)
		type[i] = type[i] == '_' ? '-' : (char)tolower((unsigned char)type[i]);
	smartretry_title(code, title, sizeof title);
	call_json(c, status, json_pack("{ss ss si ss ss so}", "type", type,
	    "title", title, "status", status, "detail", detail, "reason_code", code,
	    "context", context != NULL ? context : json_object()));
	c->reply->content_type = SMARTRETRY_PROBLEM;
}

static void
smartretry_error(struct call *c, int status, const char *code, const char *field,
    const char *message)
{
	json_t	*context = NULL;

	if (field != NULL)
		context = json_pack("{s[{ss ss}]}", "errors", "field", field,
		    "message", message);
	smartretry_problem(c, status, code, message, context);
}

static int
smartretry_terminal_ok(const char *terminal)
{
	return (strlen(terminal) == SMARTRETRY_TERMINAL_LEN &&
	    strspn(terminal, SMARTRETRY_ALNUM) == SMARTRETRY_TERMINAL_LEN);
}

struct smartretry_find {
	const char	*terminal;
	int		 found;
};

static void
smartretry_terminal_cb(const struct txn *t, void *arg)
{
	struct smartretry_find	*f = arg;
	const char		*terminal = provider_txn_extra(t, "terminal", NULL);

	f->found |= terminal != NULL && strcmp(terminal, f->terminal) == 0;
}

/* The transaction 'id' if it is on 'terminal'. */
static const struct txn *
smartretry_txn(const struct call *c, const char *terminal, const char *id)
{
	const struct txn	*t = ledger_txn(c->session->ledger, c->provider->name, id);
	const char		*on;

	if (t == NULL || (on = provider_txn_extra(t, "terminal", NULL)) == NULL ||
	    strcmp(on, terminal) != 0)
		return (NULL);
	return (t);
}

static int
smartretry_authenticate(struct call *c)
{
	const char	*key = request_header(c->req, "x-api-key");

	if (key == NULL || *key == '\0' || strcmp(key, "invalid") == 0) {
		call_fail(c, PERR_UNAUTHORIZED, "A valid x-api-key header is "
		    "required.");
		return (-1);
	}
	return (0);
}

/*
 * What both endpoints check first (after the key): the path's terminal.
 * Returns 0, or -1 with the error written.
 */
static int
smartretry_begin(struct call *c)
{
	const char		*terminal = c->params[0];
	struct smartretry_find	 f = { terminal, 0 };

	if (!smartretry_terminal_ok(terminal)) {
		call_error(c, 400, "INVALID_TERMINAL_ID", NULL, "The terminal id "
		    "'%s' must be exactly %d letters or digits.", terminal,
		    SMARTRETRY_TERMINAL_LEN);
		return (-1);
	}
	ledger_txn_each(c->session->ledger, c->provider->name,
	    smartretry_terminal_cb, &f);
	if (!f.found) {
		call_error(c, 404, "TERMINAL_NOT_FOUND", NULL, "No terminal %s.",
		    terminal);
		return (-1);
	}
	return (0);
}

/*
 * The optional Idempotency-Key.  Returns 0 to go on, -1 when the reply is
 * written (an error, or the stored reply replayed).
 */
static int
smartretry_idempotency(struct call *c)
{
	const char	*key = request_header(c->req, "Idempotency-Key");
	size_t		 len;

	if (key == NULL)
		return (0);
	len = strlen(key);
	if (len == 0 || len > SMARTRETRY_KEY_MAX ||
	    strspn(key, SMARTRETRY_KEY_CHARS) != len) {
		call_error(c, 400, "INVALID_IDEMPOTENCY_KEY", NULL, "Idempotency-Key "
		    "must be 1 to %d characters of A-Z a-z 0-9 _ -.", SMARTRETRY_KEY_MAX);
		return (-1);
	}
	switch (call_idem_begin(c, key, SMARTRETRY_KEY_TTL_MS, "Idempotency-Replayed")) {
	case CALL_IDEM_FRESH:
		return (0);
	case CALL_IDEM_REPLAYED:
		break;
	case CALL_IDEM_CONFLICT:
		call_error(c, 409, "IDEMPOTENCY_CONFLICT", NULL, "The Idempotency-Key "
		    "%s was used with a different request body.", key);
		break;
	case CALL_IDEM_BUSY:
		reply_header(c->reply, "Retry-After", "1");
		call_error(c, 409, "IDEMPOTENCY_IN_PROGRESS", NULL, "A request with "
		    "the Idempotency-Key %s is still being processed.", key);
		break;
	}
	return (-1);
}

static void
smartretry_collect(json_t *errors, int failed, const struct field_error *e)
{
	if (failed)
		json_array_append_new(errors, json_pack("{ss ss}", "field", e->field,
		    "message", e->message));
}

/*
 * Checks every field and reports all bad ones at once.  The amount's
 * decimals follow the currency sent, else the transaction's; with neither
 * known only its syntax can be checked.  Returns 0, or -1 with the error
 * written.
 */
static int
smartretry_parse(struct call *c, struct smartretry_req *rq)
{
	struct field_error	 e;
	json_t			*errors = json_array();
	char			 detail[sizeof e.message];
	size_t			 n;
	int			 exp = -1, bad;

	memset(rq, 0, sizeof *rq);
	bad = field_string(c->body, "transaction_reference_id", 1,
	    SMARTRETRY_REF_LEN, SMARTRETRY_REF_LEN, &rq->txn_id, &e);
	smartretry_collect(errors, bad, &e);
	if (!bad)
		rq->txn = smartretry_txn(c, c->params[0], rq->txn_id);
	smartretry_collect(errors, field_string(c->body, "order_reference_id", 1,
	    SMARTRETRY_REF_LEN, SMARTRETRY_REF_LEN, &rq->order_id, &e), &e);
	smartretry_collect(errors, field_string(c->body, "merchant_transaction_id",
	    0, 1, SMARTRETRY_MTID_MAX, &rq->mtid, &e), &e);
	bad = field_currency(c->body, "currency", 0, &rq->currency, &exp, &e);
	smartretry_collect(errors, bad, &e);
	if (bad || rq->currency == NULL)
		exp = rq->txn != NULL ? rq->txn->exponent : SMARTRETRY_EXP_MAX;
	smartretry_collect(errors, field_amount(c->body, "amount", 0, AMOUNT_NUMBER,
	    exp, &rq->amount, &rq->has_amount, &e), &e);

	if ((n = json_array_size(errors)) == 0) {
		json_decref(errors);
		return (0);
	}
	if (n == 1)
		snprintf(detail, sizeof detail, "%s", json_string_value(
		    json_object_get(json_array_get(errors, 0), "message")));
	else
		snprintf(detail, sizeof detail, "%zu fields are invalid; see "
		    "context.errors.", n);
	smartretry_problem(c, 400, "VALIDATION_ERROR", detail,
	    json_pack("{so}", "errors", errors));
	return (-1);
}

/* The business rules, in the order a client can fix them; 0 or -1 written. */
static int
smartretry_allowed(struct call *c, struct smartretry_req *rq)
{
	const struct txn	*t = rq->txn;
	const char		*order = provider_txn_extra(t, "order_id", NULL);
	const char		*mtid = provider_txn_extra(t, "merchant_transaction_id", NULL);
	char			 a1[MONEY_TEXT_MAX], a2[MONEY_TEXT_MAX], *detail;
	enum refund_refusal	 why;
	int64_t			 left;

	if (order == NULL || strcmp(order, rq->order_id) != 0) {
		call_error(c, 422, "ORDER_MISMATCH", NULL, "The order %s is not the "
		    "order of transaction %s.", rq->order_id, t->id);
		return (-1);
	}
	if (rq->mtid != NULL && mtid != NULL && strcmp(rq->mtid, mtid) == 0) {
		call_error(c, 422, "DUPLICATE_MERCHANT_TRANSACTION_ID", NULL,
		    "The merchant_transaction_id %s is the original transaction's; "
		    "a refund needs its own.", rq->mtid);
		return (-1);
	}
	why = call_refund_check(c, t, rq->currency, &rq->amount, rq->has_amount);
	if (why != REFUND_EXCEEDS)
		return (why == REFUND_OK ? 0 : -1);
	left = ledger_refundable(c->session->ledger, t, c->now);
	detail = xasprintf("Refund of %s %s exceeds the refundable %s %s.",
	    money_format(rq->amount, t->exponent, t->exponent, a1), t->currency,
	    money_format(left, t->exponent, t->exponent, a2), t->currency);
	smartretry_problem(c, 422, "AMOUNT_EXCEEDS_REFUNDABLE", detail,
	    json_pack("{so ss}", "refundable_amount", jsonx_amount(left,
	    t->exponent, t->exponent), "currency", t->currency));
	free(detail);
	return (-1);
}

/* A fresh refund id that names no transaction or refund of the session. */
static char *
smartretry_new_id(struct call *c, char out[SMARTRETRY_REF_LEN + 1])
{
	const struct ledger	*l = c->session->ledger;
	const char		*p = c->provider->name;

	do
		ids_alnum(&c->session->rng, SMARTRETRY_ID_PREFIX,
		    SMARTRETRY_REF_LEN - strlen(SMARTRETRY_ID_PREFIX), out);
	while (ledger_txn(l, p, out) != NULL || ledger_refund(l, p, out) != NULL);
	return (out);
}

/*
 * The refund's or sale's merchant_transaction_id: a required string in
 * every reply, so "" when the request (or fixture) gave none.
 */
static const char *
smartretry_mtid(const json_t *o)
{
	const char	*v = jsonx_string(json_object_get(o, "merchant_transaction_id"));

	return (v != NULL ? v : "");
}

/*
 * The create's reply, also what a replay of its key renders again: the
 * order sent is the transaction's (smartretry_allowed checked it).
 */
static void
smartretry_created(struct call *c, const struct refund *r, int status)
{
	json_t	*data = refund_data(r);

	call_json(c, status, json_pack("{ss ss ss sb}", "transaction_id", r->id,
	    "order_id", provider_txn_extra(r->txn, "order_id", NULL),
	    "merchant_transaction_id", smartretry_mtid(data), "accepted", 1));
	json_decref(data);
}

static void
smartretry_refund(struct call *c)
{
	struct smartretry_req	 rq;
	struct lifecycle	 lc;
	struct refund		*r;
	char			 id[SMARTRETRY_REF_LEN + 1];

	if (smartretry_begin(c) != 0 || smartretry_idempotency(c) != 0 ||
	    smartretry_parse(c, &rq) != 0)
		return;
	if (rq.txn == NULL) {
		call_error(c, 404, "TRANSACTION_NOT_FOUND", NULL, "No transaction %s "
		    "on terminal %s.", rq.txn_id, c->params[0]);
		return;
	}
	if (smartretry_allowed(c, &rq) != 0)
		return;
	call_lifecycle(c, rq.txn, &lc);
	r = call_refund_add(c, rq.txn, smartretry_new_id(c, id), rq.amount, &lc,
	    json_pack("{ss?}", "merchant_transaction_id", rq.mtid));
	if (r != NULL)
		smartretry_created(c, r, 200);
}

/* The status resource shared by refunds and sales. */
static json_t *
smartretry_resource(const char *id, const char *type, const struct txn *t,
    const char *mtid, const char *reference, int64_t amount,
    const struct smartretry_reason *why, int64_t created, int64_t updated)
{
	char	c_at[CLOCK_TEXT_MAX], u_at[CLOCK_TEXT_MAX];

	return (json_pack("{ss ss ss? ss ss? so ss ss s{ss ss ss ss} ss ss}",
	    "transaction_id", id,
	    "type", type,
	    "order_id", provider_txn_extra(t, "order_id", NULL),
	    "merchant_transaction_id", mtid,
	    "reference_transaction_id", reference,
	    "amount", jsonx_amount(amount, t->exponent, t->exponent),
	    "currency", t->currency,
	    "status", why->status,
	    "reason", "code", why->code, "name", why->name, "domain", why->domain,
	    "description", why->description,
	    "created_at", clock_format(created, c_at),
	    "updated_at", clock_format(updated, u_at)));
}

static json_t *
smartretry_refund_json(const struct refund *r, int64_t now)
{
	json_t	*data = refund_data(r), *o;

	o = smartretry_resource(r->id, "REFUND", r->txn, smartretry_mtid(data),
	    r->txn->id, r->amount, &smartretry_refund_reasons[refund_state_at(r, now)],
	    r->created_ms, refund_updated_at(r, now));
	json_decref(data);
	return (o);
}

/* A sale changes when one of its refunds does: refunded_amount moves. */
static json_t *
smartretry_sale_json(const struct call *c, const struct txn *t)
{
	const struct refund	*r;
	const char		*created = provider_txn_extra(t, "created_at", NULL);
	int64_t			 created_ms, updated;
	json_t			*o;

	if (created == NULL || clock_parse(created, &created_ms) != 0)
		clock_parse(SMARTRETRY_SALE_CREATED, &created_ms);
	updated = created_ms;
	for (r = ledger_refunds_of(c->session->ledger, t); r != NULL; r = r->next) {
		if (refund_updated_at(r, c->now) > updated)
			updated = refund_updated_at(r, c->now);
	}
	o = smartretry_resource(t->id, "SALE", t, smartretry_mtid(t->fixture), NULL,
	    t->amount, &smartretry_sale_reasons[t->state], created_ms, updated);
	json_object_set_new(o, "refunded_amount", jsonx_amount(ledger_refunded(
	    c->session->ledger, t, c->now), t->exponent, t->exponent));
	return (o);
}

static void
smartretry_status(struct call *c)
{
	const char		*terminal = c->params[0], *id = c->params[1], *on;
	const struct refund	*r;
	const struct txn	*t;

	if (smartretry_begin(c) != 0)
		return;
	r = ledger_refund(c->session->ledger, c->provider->name, id);
	if (r != NULL && (on = provider_txn_extra(r->txn, "terminal", NULL)) != NULL &&
	    strcmp(on, terminal) == 0) {
		c->reply->refund_id = xstrdup(r->id);
		call_json(c, 200, smartretry_refund_json(r, c->now));
	} else if ((t = smartretry_txn(c, terminal, id)) != NULL)
		call_json(c, 200, smartretry_sale_json(c, t));
	else
		call_error(c, 404, "TRANSACTION_NOT_FOUND", NULL, "No transaction %s "
		    "on terminal %s.", id, terminal);
}

/* Fixture extras, checked with the same rules as a request's fields. */
static int
smartretry_check_fixture(const json_t *o, const char *where, char **cause)
{
	static const struct {
		const char	*key;
		int		 required;
		size_t		 min, max;
	} extras[] = {
		{ "id", 1, SMARTRETRY_REF_LEN, SMARTRETRY_REF_LEN },
		{ "terminal", 1, SMARTRETRY_TERMINAL_LEN, SMARTRETRY_TERMINAL_LEN },
		{ "order_id", 1, SMARTRETRY_REF_LEN, SMARTRETRY_REF_LEN },
		{ "merchant_transaction_id", 0, 1, SMARTRETRY_MTID_MAX },
		{ "created_at", 0, 1, CLOCK_TEXT_MAX },
	};
	struct field_error	 e;
	const char		*v;
	int64_t			 ms;
	size_t			 i;

	for (i = 0; i < nitems(extras); i++) {
		if (field_string(o, extras[i].key, extras[i].required, extras[i].min,
		    extras[i].max, &v, &e) != 0)
			goto out_bad;
	}
	if (!smartretry_terminal_ok(jsonx_string(json_object_get(o, "terminal")))) {
		field_fail(&e, FIELD_FORMAT, "terminal", "must be letters and digits");
		goto out_bad;
	}
	if ((v = jsonx_string(json_object_get(o, "created_at"))) != NULL &&
	    clock_parse(v, &ms) != 0) {
		field_fail(&e, FIELD_FORMAT, "created_at", "must be an ISO 8601 UTC "
		    "time like 2026-03-31T12:00:00.000Z");
		goto out_bad;
	}
	return (0);

out_bad:
	/* field messages start with the field's name; here the path names it. */
	*cause = xasprintf("%s.%s: %s", where, e.field, e.message + strlen(e.field) + 1);
	return (-1);
}

static const struct route smartretry_routes[] = {
	{ "POST", "/v1/payments/refund/{terminal_friendly_id}", "refund.create", 1,
	    smartretry_refund },
	{ "GET", "/v1/payments/status/{terminal_friendly_id}/{transaction_id}",
	    "refund.status", 0, smartretry_status },
};

/* Sent when a refund leaves PROCESSING; the body is its status resource. */
static const struct webhook_spec smartretry_webhooks = {
	.events = {
		[REFUND_SUCCEEDED] = "refund.approved",
		[REFUND_DECLINED] = "refund.declined",
		[REFUND_FAILED] = "refund.error",
	},
	.data = smartretry_refund_json,
	.created_key = "created_at",
	.signature = WEBHOOK_SIG_T_V1,
	.signature_header = "X-SmartRetry-Signature",
	.retry_s = { 60, 300, 1800, 7200, 28800, 86400 },
	.nretries = 6,
};

const struct provider provider_smartretry = {
	.name = "smartretry",
	.routes = smartretry_routes,
	.nroutes = nitems(smartretry_routes),
	/* Only where it differs from the shared default (provider.c). */
	.codes = {
		[PERR_BAD_JSON] = "MALFORMED_JSON",
		[PERR_INVALID] = "VALIDATION_ERROR",
	},
	.render_error = smartretry_error,
	.render_created = smartretry_created,
	.refusals = &smartretry_refusals,
	.authenticate = smartretry_authenticate,
	.webhooks = &smartretry_webhooks,
	.check_fixture = smartretry_check_fixture,
	.decorate = smartretry_decorate,
	.lifecycle = { .settle_after_ms = 30 * 1000, .outcome = OUTCOME_SUCCEEDED },
};
