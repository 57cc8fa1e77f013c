/* PayEngine: synchronous refunds, the processor's answer in ReturnResponse (PASS / FAIL). */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "call.h"
#include "clock.h"
#include "field.h"
#include "ids.h"
#include "jsonx.h"
#include "provider.h"
#include "session.h"
#include "util.h"

#define PAYENGINE_REASON_MAX		255
#define PAYENGINE_INTERNAL_ID_MAX	64
#define PAYENGINE_METADATA_KEYS_MAX	50
#define PAYENGINE_AUTH_CODE_LEN		6
/*
 * The most decimals any currency paymock knows allows (KWD): an amount is
 * checked at this exponent before the transaction, and so its currency, is
 * known, so that a malformed amount is a 400 whatever the id.
 */
#define PAYENGINE_EXPONENT_MAX		3

/* The processor's answer for each state a synchronous refund ends in. */
static const struct payengine_answer {
	const char	*status;
	const char	*code;
	const char	*message;
	int		 moves_money;
} payengine_answers[] = {
	[REFUND_SUCCEEDED] = { "PASS", "A0000", "Success", 1 },
	[REFUND_DECLINED] = { "FAIL", "D0005", "Refund declined by processor", 0 },
	[REFUND_FAILED] = { "FAIL", "E0001", "Refund failed at processor", 0 },
};

/* PayEngine says one code for all: its body has only the message. */
static const struct refusal_words payengine_refusals = { .rows = {
	[REFUND_NOT_CAPTURED] = { 422, "UNPROCESSABLE", NULL,
	    "Transaction not settled; use void" },
	[REFUND_VOIDED] = { 422, "UNPROCESSABLE", NULL,
	    "Transaction has been voided; nothing to refund" },
	[REFUND_LOCKED] = { 422, "UNPROCESSABLE", NULL, "Transaction is locked" },
	[REFUND_FULLY_REFUNDED] = { 422, "UNPROCESSABLE", NULL,
	    "Transaction has already been fully refunded" },
	[REFUND_EXCEEDS] = { 422, "UNPROCESSABLE", NULL,
	    "Refund amount exceeds available transaction amount" },
} };

/* What a refund request asked for, once checked. */
struct payengine_request {
	const struct txn	*txn;
	int64_t			 amount;
	const char		*reason;
	const char		*internal_id;	/* NULL: the sale's */
	const json_t		*metadata;	/* NULL: none sent */
};

static void
payengine_error(struct call *c, int status, const char *code, const char *field,
    const char *message)
{
	(void)code;
	(void)field;
	/* RFC 9110 wants the scheme named on every 401. */
	if (status == 401)
		reply_header(c->reply, "WWW-Authenticate", "Basic realm=\"PayEngine\"");
	call_json(c, status, json_pack("{sb ss}", "error", 1, "message", message));
}

/*
 * "Authorization: Basic <secret key>": the raw key, not base64 of
 * user:pass, so it is never decoded; any key but "invalid" is accepted.
 */
static int
payengine_auth(struct call *c)
{
	static const char	 scheme[] = "Basic ";
	const char		*h = request_header(c->req, "Authorization");

	if (h == NULL || strncasecmp(h, scheme, strlen(scheme)) != 0)
		goto out_fail;
	for (h += strlen(scheme); *h == ' '; h++)
		;
	if (*h == '\0' || strcmp(h, "invalid") == 0)
		goto out_fail;
	return (0);
out_fail:
	call_fail(c, PERR_UNAUTHORIZED, "Unauthorized");
	return (-1);
}

static int
payengine_metadata(const json_t *body, const json_t **out, struct field_error *e)
{
	if (field_object(body, "metadata", 0, out, e) != 0)
		return (-1);
	if (*out != NULL && json_object_size(*out) > PAYENGINE_METADATA_KEYS_MAX)
		return (field_fail(e, FIELD_LENGTH, "metadata", "must have at most "
		    "%d keys, not %zu", PAYENGINE_METADATA_KEYS_MAX,
		    json_object_size(*out)));
	return (0);
}

/* Fills 'p' from the body; 0, or -1 after replying 400 or 404. */
static int
payengine_parse(struct call *c, struct payengine_request *p)
{
	struct field_error	 e;
	const char		*id;
	int			 present;

	if (field_string(c->body, "id", 1, 1, SIZE_MAX, &id, &e) ||
	    field_amount(c->body, "amount", 1, AMOUNT_EITHER, PAYENGINE_EXPONENT_MAX,
	    &p->amount, &present, &e) ||
	    field_string(c->body, "reason", 1, 1, PAYENGINE_REASON_MAX, &p->reason, &e) ||
	    field_string(c->body, "internalTransactionID", 0, 1,
	    PAYENGINE_INTERNAL_ID_MAX, &p->internal_id, &e) ||
	    payengine_metadata(c->body, &p->metadata, &e))
		goto out_bad;
	if ((p->txn = ledger_txn(c->session->ledger, c->provider->name, id)) == NULL) {
		call_error(c, 404, "NOT_FOUND", "id", "Transaction not found: id %s", id);
		return (-1);
	}
	if (field_amount(c->body, "amount", 1, AMOUNT_EITHER, p->txn->exponent,
	    &p->amount, &present, &e))
		goto out_bad;
	return (0);
out_bad:
	call_error(c, 400, "INVALID_REQUEST", e.field, "%s", e.message);
	return (-1);
}

/*
 * The refund's response body, as the create call and every GET show it.  The
 * ledger keeps only what the refund and its transaction cannot give: the
 * processor's transaction id and auth code, the reason, an internal id and
 * metadata when sent.
 */
static json_t *
payengine_refund_json(const struct refund *r)
{
	const struct txn		*t = r->txn;
	const struct payengine_answer	*a = &payengine_answers[r->steps[0].state];
	json_t				*data = refund_data(r), *o;
	const char			*tid, *auth, *internal;
	char				 at[CLOCK_TEXT_MAX];

	tid = jsonx_string(json_object_get(data, "tid"));
	auth = jsonx_string(json_object_get(data, "auth"));
	internal = jsonx_string(json_object_get(data, "internalTransactionID"));
	if (internal == NULL)
		internal = provider_txn_extra(t, "internal_transaction_id", NULL);
	o = json_pack("{ss ss ss sO ss ss* ss* sO* s{ss ss ss ss ss so so ss ss ss} "
	    "sO*}",
	    "ID", r->id,
	    "MerchantID", provider_txn_extra(t, "merchant_id", NULL),
	    "TransactionID", tid,
	    "reason", json_object_get(data, "reason"),
	    "token", provider_txn_extra(t, "token", NULL),
	    "internalTransactionID", internal,
	    "order_number", provider_txn_extra(t, "order_number", NULL),
	    "Metadata", json_object_get(data, "Metadata"),
	    "ReturnResponse",
	    "status", a->status,
	    "responseCode", a->code,
	    "responseMessage", a->message,
	    /* A refused refund was never authorized, so it has no code. */
	    "authCode", auth != NULL ? auth : "",
	    "transactionID", tid,
	    "transactionAmount", jsonx_amount_string(r->amount, t->exponent,
	    t->exponent),
	    "processedAmount", jsonx_amount_string(a->moves_money ? r->amount : 0,
	    t->exponent, t->exponent),
	    "currency", t->currency,
	    "transactionTimestamp", clock_format(r->created_ms, at),
	    "originalTransactionID", t->id,
	    "device", json_object_get(t->fixture, "device"));
	json_decref(data);
	return (o);
}

static void
payengine_reply(struct call *c, const struct refund *r)
{
	call_json(c, 200, json_pack("{so}", "data", payengine_refund_json(r)));
}

static void
payengine_refund(struct call *c)
{
	struct payengine_request	 p = { 0 };
	struct lifecycle		 lc;
	struct refund			*r;
	char				 id[IDS_UUID_MAX], tid[IDS_UUID_MAX];
	char				 auth[PAYENGINE_AUTH_CODE_LEN + 1];
	int				 authorized;

	if (payengine_parse(c, &p) != 0 ||
	    call_refund_check(c, p.txn, NULL, &p.amount, 1) != REFUND_OK)
		return;
	call_lifecycle(c, p.txn, &lc);
	/* A processor that never answers a synchronous call times the call out. */
	if (lc.outcome == OUTCOME_STUCK) {
		call_fail_neutral(c, PERR_GATEWAY_TIMEOUT, 504);
		return;
	}
	ids_uuid(&c->session->rng, id);
	ids_uuid(&c->session->rng, tid);
	if ((authorized = lc.outcome == OUTCOME_SUCCEEDED))
		ids_alnum(&c->session->rng, "", PAYENGINE_AUTH_CODE_LEN, auth);
	/* A refusal is recorded too, and the ledger gives its amount back at once. */
	r = call_refund_add(c, p.txn, id, p.amount, &lc, json_pack(
	    "{ss ss* ss ss* sO*}", "tid", tid, "auth", authorized ? auth : NULL,
	    "reason", p.reason, "internalTransactionID", p.internal_id,
	    "Metadata", p.metadata));
	if (r != NULL)
		payengine_reply(c, r);
}

static void
payengine_show(struct call *c)
{
	const struct refund	*r;

	r = ledger_refund(c->session->ledger, c->provider->name, c->params[0]);
	if (r == NULL) {
		call_error(c, 404, "NOT_FOUND", "ID", "Refund not found: ID %s",
		    c->params[0]);
		return;
	}
	c->reply->refund_id = xstrdup(r->id);
	payengine_reply(c, r);
}

static int
payengine_check_fixture(const json_t *o, const char *where, char **cause)
{
	static const struct {
		const char	*key;
		int		 required;
	} strings[] = {
		{ "merchant_id", 1 },
		{ "token", 1 },
		{ "order_number", 0 },
		{ "internal_transaction_id", 0 },
	};
	const json_t	*device = json_object_get(o, "device"), *v;
	const char	*key, *state = jsonx_string(json_object_get(o, "state"));
	size_t		 i;

	for (i = 0; i < nitems(strings); i++) {
		v = json_object_get(o, strings[i].key);
		if ((v != NULL || strings[i].required) && jsonx_string(v) == NULL) {
			*cause = xasprintf("%s.%s: must be a string", where,
			    strings[i].key);
			return (-1);
		}
	}
	if (state != NULL && strcmp(state, "locked") == 0) {
		*cause = xasprintf("%s.state: locked is UTGL's; PayEngine transactions "
		    "are captured, authorized or voided", where);
		return (-1);
	}
	if (device == NULL)
		return (0);
	if (!json_is_object(device)) {
		*cause = xasprintf("%s.device: must be an object", where);
		return (-1);
	}
	json_object_foreach((json_t *)device, key, v) {
		if (jsonx_string(v) == NULL) {
			*cause = xasprintf("%s.device.%s: must be a string", where, key);
			return (-1);
		}
	}
	return (0);
}

static const struct route payengine_routes[] = {
	{ "POST", "/api/payment/refund", "refund.create", 1, payengine_refund },
	{ "GET", "/api/payment/refund/{ID}", "refund.status", 0, payengine_show },
};

/* The reference types amount as a string; its own example sends a number (taken). */
static const struct warn_rule payengine_warnings[] = {
	{ "refund.create", WARN_NOT_STRING, "amount", "amount-not-string",
	    "amount is not a string: PayEngine documents it as a string, like "
	    "\"10.00\"" },
	{ 0 },
};

/* PayEngine's error body is only a message: the shared codes never show. */
const struct provider provider_payengine = {
	.name = "payengine",
	.routes = payengine_routes,
	.nroutes = nitems(payengine_routes),
	.render_error = payengine_error,
	.authenticate = payengine_auth,
	.check_fixture = payengine_check_fixture,
	.refusals = &payengine_refusals,
	.lifecycle = { .synchronous = 1, .outcome = OUTCOME_SUCCEEDED },
	.warnings = payengine_warnings,
};
