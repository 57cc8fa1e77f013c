/* SmartPay: refunds as modifications of a payment, REFUND_PENDING -> REFUNDED. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "clock.h"
#include "field.h"
#include "idem.h"
#include "ids.h"
#include "jsonx.h"
#include "money.h"
#include "provider.h"
#include "session.h"
#include "util.h"

#define SMARTPAY_ID_MAX		36
#define SMARTPAY_DESC_MAX	127

static const char *smartpay_states[] = {
	[REFUND_CREATED] = "REFUND_PENDING",
	[REFUND_PENDING] = "REFUND_PENDING",
	[REFUND_SUCCEEDED] = "REFUNDED",
	[REFUND_DECLINED] = "REFUND_DECLINED",
	[REFUND_FAILED] = "REFUND_FAILED",
};

static const char *smartpay_payment_states[] = {
	[TXN_CAPTURED] = "CAPTURED",
	[TXN_AUTHORIZED] = "AUTHORIZED",
	[TXN_VOIDED] = "CANCELLED",
	[TXN_LOCKED] = "CAPTURED",
};

static void
smartpay_error(struct call *c, int status, const char *code, const char *field,
    const char *message)
{
	char	trace[17];

	(void)field;
	ids_hex(&c->session->rng, 16, trace);
	reply_header(c->reply, "X-Trace-Id", trace);
	call_json(c, status, json_pack("{ss ss ss}", "errorCode", code,
	    "errorMessage", message, "traceId", trace));
}

static void
smartpay_decorate(struct call *c)
{
	char	trace[17];

	reply_header(c->reply, "Content-Language", "en-US");
	/* A request header by name, but SmartPay's doc lists it on success replies. */
	if (c->reply->status >= 200 && c->reply->status < 300)
		reply_header(c->reply, "Accept-Language", "en-US");
	if (reply_get_header(c->reply, "X-Trace-Id") == NULL)
		reply_header(c->reply, "X-Trace-Id", ids_hex(&c->session->rng, 16, trace));
}

static json_t *
smartpay_money(int64_t minor, const struct txn *t)
{
	return (json_pack("{so ss}", "amount", jsonx_amount(minor, t->exponent,
	    t->exponent), "currencyCode", t->currency));
}

static json_t *
smartpay_modification(const struct refund *r, int64_t now)
{
	const struct refund_step	*steps;
	int				 n = refund_history(r, now, &steps), i;
	json_t				*history = json_array(), *amount, *m;
	json_t				*data = refund_data(r);
	const char			*desc;
	char				 at[CLOCK_TEXT_MAX];

	for (i = 0; i < n; i++)
		json_array_append_new(history, json_pack("{ss ss so}",
		    "status", smartpay_states[steps[i].state],
		    "statusDate", clock_format(steps[i].at_ms, at),
		    "modificationAmount", smartpay_money(r->amount, r->txn)));
	amount = smartpay_money(r->amount, r->txn);
	if ((desc = jsonx_string(json_object_get(data, "description"))) != NULL)
		json_object_set_new(amount, "description", json_string(desc));
	/* The reconciliation reference is the refund's id: kept once. */
	m = json_pack("{s{ss sO ss} so ss ss so}",
	    "modificationData", "type", "REFUND",
	    "modificationId", json_object_get(data, "modificationId"),
	    "reconciliationReferenceId", r->id,
	    "modificationAmount", amount,
	    "status", smartpay_states[refund_state_at(r, now)],
	    "creationDate", clock_format(r->created_ms, at),
	    "statusHistory", history);
	if (json_object_get(data, "customReferences") != NULL)
		json_object_set(m, "customReferences",
		    json_object_get(data, "customReferences"));
	json_decref(data);
	return (m);
}

/* The payment's own fields; 'last' is the latest status date shown. */
static json_t *
smartpay_payment(const struct txn *t, int64_t last)
{
	const char	*created = provider_txn_extra(t, "created_at", "2020-12-15T14:35:44.532Z");
	int64_t		 created_ms;
	char		 at[CLOCK_TEXT_MAX];
	json_t		*mit = json_object_get(t->fixture, "mit");

	if (clock_parse(created, &created_ms) == 0 && created_ms > last)
		last = created_ms;
	return (json_pack("{ss ss ss ss ss s{so ss sb ss ss}}",
	    "reconciliationReferenceId", provider_txn_extra(t,
	    "reconciliation_reference_id", t->id),
	    "description", provider_txn_extra(t, "description", ""),
	    "paymentStatus", smartpay_payment_states[t->state],
	    "creationDate", created,
	    "lastStatusDate", clock_format(last, at),
	    "transactionOverview",
	    "amount", jsonx_amount(t->amount, t->exponent, t->exponent),
	    "currencyCode", t->currency,
	    "mit", json_is_true(mit),
	    "transactionId", t->id,
	    "paymentMethod", provider_txn_extra(t, "payment_method", "CARD")));
}

/*
 * The create's reply, as at the refund's creation: also every retry's, as
 * SmartPay promises "the same result as in the initial request".
 */
static void
smartpay_created(struct call *c, const struct refund *r, int status)
{
	json_t	*p = smartpay_payment(r->txn, refund_updated_at(r, r->created_ms));

	json_object_set_new(p, "modification", smartpay_modification(r, r->created_ms));
	call_json(c, status, p);
}

/* Known merchants are those of the session's SmartPay transactions. */
struct smartpay_merchant {
	const char	*key;
	int		 found;
};

static void
smartpay_merchant_cb(const struct txn *t, void *arg)
{
	struct smartpay_merchant	*m = arg;
	const char			*k = provider_txn_extra(t, "merchant_key", "");

	m->found |= strcmp(k, m->key) == 0;
}

static int
smartpay_merchant_known(const struct call *c, const char *key)
{
	struct smartpay_merchant	m = { key, 0 };

	if (strcmp(key, "invalid") == 0)
		return (0);
	ledger_txn_each(c->session->ledger, c->provider->name, smartpay_merchant_cb, &m);
	return (m.found);
}

/* An Authorization header, when sent, must name the merchant. */
static int
smartpay_auth_header(const struct call *c, const char *merchant, char **user)
{
	const char	*h = request_header(c->req, "Authorization");
	char		*pass;
	int		 ok;

	*user = NULL;
	if (h == NULL)
		return (0);
	if (request_auth_basic(h, user, &pass) != 0)
		return (-1);
	free(pass);
	ok = merchant == NULL || strcmp(*user, merchant) == 0;
	return (ok ? 0 : -1);
}

static int
smartpay_bad_field(struct call *c, const struct field_error *e)
{
	call_error(c, 400, "INVALID_REQUEST", e->field, "%s", e->message);
	return (-1);
}

/* The modification id's store key: its scope is the merchant. */
static char *
smartpay_idem_key(const char *merchant, const char *modification)
{
	return (xasprintf("smartpay\x1f%s\x1f%s", merchant, modification));
}

/* A retry: the first reply again; the status endpoint shows the refund now. */
static void
smartpay_replay(struct call *c, const struct idem_record *rec,
    const struct refund *r, uint64_t fingerprint)
{
	if (rec->fingerprint != fingerprint && call_warn(c, "modification-id-reused",
	    "modificationId reused with a different request") != 0)
		return;
	c->reply->refund_id = xstrdup(r->id);
	smartpay_created(c, r, rec->status);
}

/* A refund request, once its fields are checked. */
struct smartpay_request {
	const char		*merchant, *modid, *desc, *ccy;
	const json_t		*custom;
	const struct txn	*txn;
	int64_t			 amount;
	int			 has_amount;
};

/* Fills 'q' from the body; 0, or -1 after replying 400, 401 or 404. */
static int
smartpay_parse(struct call *c, struct smartpay_request *q)
{
	struct field_error	 e;
	const json_t		*ma;
	const char		*txid;
	char			*user = NULL;
	int			 exp, denied;

	if (field_string(c->body, "merchantKey", 1, 1, SMARTPAY_ID_MAX, &q->merchant,
	    &e))
		goto out_bad;
	denied = !smartpay_merchant_known(c, q->merchant) ||
	    smartpay_auth_header(c, q->merchant, &user) != 0;
	free(user);
	if (denied) {
		call_fail(c, PERR_UNAUTHORIZED, "The merchant could not be "
		    "authenticated.");
		return (-1);
	}
	if (field_string(c->body, "transactionId", 1, 1, SMARTPAY_ID_MAX, &txid, &e) ||
	    field_string(c->body, "modificationId", 1, 1, SMARTPAY_ID_MAX, &q->modid, &e) ||
	    field_object(c->body, "modifiedAmount", 0, &ma, &e) ||
	    field_object(c->body, "customReferences", 0, &q->custom, &e))
		goto out_bad;
	if (ma != NULL && (field_currency(ma, "modifiedAmount.currencyCode", 1,
	    &q->ccy, &exp, &e) ||
	    field_string(ma, "modifiedAmount.description", 0, 0, SMARTPAY_DESC_MAX,
	    &q->desc, &e)))
		goto out_bad;
	q->txn = ledger_txn(c->session->ledger, c->provider->name, txid);
	if (q->txn == NULL || strcmp(provider_txn_extra(q->txn, "merchant_key", ""),
	    q->merchant) != 0) {
		call_error(c, 404, "TRANSACTION_NOT_FOUND", "transactionId",
		    "The payment %s was not found.", txid);
		return (-1);
	}
	if (ma != NULL && field_amount(ma, "modifiedAmount.amount", 1, AMOUNT_NUMBER,
	    q->txn->exponent, &q->amount, &q->has_amount, &e))
		goto out_bad;
	return (0);
out_bad:
	smartpay_bad_field(c, &e);
	return (-1);
}

/*
 * 1 if the modification id was used before, with its reply written: the
 * first modification again, or a 409 when it was another payment's.  The
 * record keeps only its refund: the payment is the refund's.
 */
static int
smartpay_reused(struct call *c, const struct smartpay_request *q,
    const char *key, uint64_t fp)
{
	struct idem_record	*rec = idem_get(c->session->idem, key, c->now);
	const struct refund	*r;

	if (rec == NULL || (r = call_idem_refund(c, rec)) == NULL)
		return (0);
	if (r->txn != q->txn)
		call_error(c, 409, "DUPLICATE_MODIFICATION_ID", "modificationId",
		    "The modificationId %s was already used for another payment.",
		    q->modid);
	else
		smartpay_replay(c, rec, r, fp);
	return (1);
}

static void
smartpay_refund(struct call *c)
{
	struct smartpay_request	 q = { 0 };
	struct idem_record	*rec;
	struct lifecycle	 lc;
	struct refund		*r;
	char			*key, *canon, rid[32];
	uint64_t		 fp;

	if (smartpay_parse(c, &q) != 0)
		return;
	canon = jsonx_canonical(c->body);
	fp = idem_fingerprint(canon, strlen(canon));
	free(canon);
	key = smartpay_idem_key(q.merchant, q.modid);
	if (smartpay_reused(c, &q, key, fp) ||
	    call_refund_check(c, q.txn, q.ccy, &q.amount, q.has_amount) != REFUND_OK)
		goto out;
	ids_base64url(&c->session->rng, 16, rid);
	call_lifecycle(c, q.txn, &lc);
	r = call_refund_add(c, q.txn, rid, q.amount, &lc, json_pack("{ss ss* sO*}",
	    "modificationId", q.modid, "description", q.desc,
	    "customReferences", q.custom));
	if (r == NULL)
		goto out;
	rec = idem_put(c->session->idem, key, fp, IDEM_FOREVER);
	rec->status = 200;
	rec->refund = r->seq;
	smartpay_created(c, r, 200);
out:
	free(key);
}

static void
smartpay_status(struct call *c)
{
	const struct txn	*t;
	const struct refund	*r;
	char			*merchant = request_query(c->req, "merchantKey"), *user;
	json_t			*list, *p;
	int64_t			 last = 0;

	if (smartpay_auth_header(c, NULL, &user) != 0 ||
	    (user == NULL && merchant == NULL) ||
	    (user != NULL && merchant != NULL && strcmp(user, merchant) != 0) ||
	    !smartpay_merchant_known(c, user != NULL ? user : merchant)) {
		call_fail(c, PERR_UNAUTHORIZED, "The merchant could not be "
		    "authenticated.");
		goto out;
	}
	t = ledger_txn(c->session->ledger, c->provider->name, c->params[0]);
	if (t == NULL || strcmp(provider_txn_extra(t, "merchant_key", ""),
	    user != NULL ? user : merchant) != 0) {
		call_error(c, 404, "TRANSACTION_NOT_FOUND", "transactionId",
		    "The payment %s was not found.", c->params[0]);
		goto out;
	}
	list = json_array();
	for (r = ledger_refunds_of(c->session->ledger, t); r != NULL; r = r->next) {
		json_array_append_new(list, smartpay_modification(r, c->now));
		if (refund_updated_at(r, c->now) > last)
			last = refund_updated_at(r, c->now);
	}
	p = smartpay_payment(t, last);
	json_object_set_new(p, "modifications", list);
	call_json(c, 200, p);
out:
	free(user);
	free(merchant);
}

static int
smartpay_check_fixture(const json_t *o, const char *where, char **cause)
{
	static const char	*strings[] = { "payment_method", "description",
	    "reconciliation_reference_id" };
	const char		*mk = jsonx_string(json_object_get(o, "merchant_key"));
	const char		*created = jsonx_string(json_object_get(o, "created_at"));
	const json_t		*mit = json_object_get(o, "mit");
	int64_t			 ms;
	size_t			 i;

	if (mk == NULL || !ids_is_uuid(mk)) {
		*cause = xasprintf("%s.merchant_key: must be a UUID string", where);
		return (-1);
	}
	for (i = 0; i < nitems(strings); i++) {
		const json_t *v = json_object_get(o, strings[i]);
		if (v != NULL && jsonx_string(v) == NULL) {
			*cause = xasprintf("%s.%s: must be a string", where, strings[i]);
			return (-1);
		}
	}
	if (json_object_get(o, "created_at") != NULL &&
	    (created == NULL || clock_parse(created, &ms) != 0)) {
		*cause = xasprintf("%s.created_at: must be an ISO 8601 UTC time "
		    "like 2020-12-15T14:35:44.532Z", where);
		return (-1);
	}
	if (mit != NULL && !json_is_boolean(mit)) {
		*cause = xasprintf("%s.mit: must be true or false", where);
		return (-1);
	}
	return (0);
}

static const struct route smartpay_routes[] = {
	{ "POST", "/payment/refund", "refund.create", 1, smartpay_refund },
	{ "GET", "/payment/status/{transactionId}", "refund.status", 0, smartpay_status },
};

static const struct refusal_words smartpay_refusals = { .rows = {
	[REFUND_CURRENCY] = { 422, "CURRENCY_MISMATCH", "modifiedAmount.currencyCode",
	    "The currency {ccy} does not match the payment currency {currency}." },
	[REFUND_NOT_CAPTURED] = { 422, "PAYMENT_NOT_CAPTURED", NULL,
	    "The payment {id} is not captured." },
	[REFUND_VOIDED] = { 422, "PAYMENT_CANCELLED", NULL,
	    "The payment {id} was cancelled." },
	[REFUND_FULLY_REFUNDED] = { 422, "ALREADY_REFUNDED", NULL,
	    "The payment {id} is already fully refunded." },
	[REFUND_EXCEEDS] = { 422, "AMOUNT_EXCEEDS_REFUNDABLE", "modifiedAmount.amount",
	    "The refund amount {amount} {currency} exceeds the refundable amount "
	    "{left} {currency}." },
} };

/* The refund page: "The request must have the following headers". */
static const struct warn_rule smartpay_warnings[] = {
	{ "refund.create", WARN_HEADER_MISSING, "Accept-Language",
	    "missing-accept-language", "Accept-Language is missing: SmartPay "
	    "requests must have Accept-Language: en-US" },
	{ "refund.create", WARN_HEADER_MISSING, "Origin", "missing-origin",
	    "Origin is missing: SmartPay requests must have an Origin header" },
	{ 0 },
};

const struct provider provider_smartpay = {
	.name = "smartpay",
	.routes = smartpay_routes,
	.nroutes = nitems(smartpay_routes),
	/* Only where it differs from the shared default (provider.c). */
	.codes = {
		[PERR_RATE_LIMITED] = "TOO_MANY_REQUESTS",
	},
	.render_error = smartpay_error,
	.check_fixture = smartpay_check_fixture,
	.decorate = smartpay_decorate,
	.refusals = &smartpay_refusals,
	.lifecycle = { .settle_after_ms = 2000, .outcome = OUTCOME_SUCCEEDED },
	.warnings = smartpay_warnings,
};
