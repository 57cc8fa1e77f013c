/* UTGL Partner Connect: synchronous refunds behind HTTP Basic; the reply is the outcome. */
#include <ctype.h>
#include <stdint.h>
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

#define UTGL_CHALLENGE	"Basic realm=\"partner-connect\""
#define UTGL_TEXT_MAX	255
#define UTGL_REF_LEN	10
/* UTGL shows every amount with two places, whatever the currency. */
#define UTGL_DECIMALS	2

/* A refusal with its status, code and the words after "Transaction <id>: ". */
struct utgl_refusal {
	int		 status;
	const char	*code;
	const char	*what;
};

/* Only captured transactions take refunds. */
static const struct refusal_words utgl_refusals = { .decimals = UTGL_DECIMALS,
    .rows = {
	[REFUND_CURRENCY] = { 422, "CURRENCY_MISMATCH", "currency", "The currency "
	    "{ccy} does not match the transaction currency {currency}." },
	[REFUND_NOT_CAPTURED] = { 422, "TRANSACTION_NOT_CAPTURED", NULL,
	    "Transaction {id}: it is authorized but not captured." },
	[REFUND_VOIDED] = { 422, "TRANSACTION_VOID", NULL,
	    "Transaction {id}: it is void." },
	[REFUND_LOCKED] = { 409, "TRANSACTION_LOCKED", NULL,
	    "Transaction {id}: it is locked and cannot be refunded." },
	[REFUND_FULLY_REFUNDED] = { 422, "ALREADY_REFUNDED", NULL,
	    "Transaction {id} is already fully refunded." },
	[REFUND_EXCEEDS] = { 422, "AMOUNT_EXCEEDS_AVAILABLE", "amount", "The refund "
	    "amount {amount} {currency} exceeds the available amount {left} "
	    "{currency}." },
} };

/*
 * Synchronous: an outcome other than success is answered at once and leaves
 * nothing behind.  Only 'declined' is in the contract; 'failed' and 'stuck'
 * reach here through scenarios and get the nearest honest answer.
 */
static const struct utgl_refusal utgl_outcome_refusals[] = {
	[OUTCOME_DECLINED] = { 402, "REFUND_DECLINED",
	    "the refund was declined by the card issuer" },
	[OUTCOME_FAILED] = { 502, "REFUND_FAILED", "the refund failed at the processor" },
	[OUTCOME_STUCK] = { 504, "GATEWAY_TIMEOUT",
	    "the processor did not answer in time" },
};

/* UTGL's documented status words (locked, captured, void, refunded), and "authorized". */
static const char *utgl_txn_states[] = {
	[TXN_CAPTURED] = "captured",
	[TXN_AUTHORIZED] = "authorized",
	[TXN_VOIDED] = "void",
	[TXN_LOCKED] = "locked",
};

/* The contract's codes split field problems by missing versus malformed. */
static const char *utgl_field_codes[] = {
	[FIELD_MISSING] = "MISSING_FIELD",
	[FIELD_EMPTY] = "MISSING_FIELD",
	[FIELD_TYPE] = "INVALID_FIELD",
	[FIELD_LENGTH] = "INVALID_FIELD",
	[FIELD_FORMAT] = "INVALID_FIELD",
};

/* A refund request once its fields are checked; strings borrow the body. */
struct utgl_request {
	const char	*txid;
	const char	*currency;
	const char	*reason;
	const char	*description;
	int64_t		 amount;	/* minor units of 'currency' */
};

static void
utgl_error(struct call *c, int status, const char *code, const char *field,
    const char *message)
{
	json_t	*err = json_pack("{ss ss}", "code", code, "message", message);
	char	 at[CLOCK_TEXT_MAX];

	if (field != NULL)
		json_object_set_new(err, "field", json_string(field));
	if (status == 401)
		reply_header(c->reply, "WWW-Authenticate", UTGL_CHALLENGE);
	call_json(c, status, json_pack("{so ss}", "error", err,
	    "timestamp", clock_format(c->now, at)));
}

static void
utgl_refuse(struct call *c, const struct utgl_refusal *r, const struct txn *t)
{
	call_error(c, r->status, r->code, NULL, "Transaction %s: %s.", t->id, r->what);
}

static void
utgl_bad_field(struct call *c, const struct field_error *e)
{
	const char	*code = utgl_field_codes[e->problem];

	/* The amount's value rules (minimum, 0.01 steps) have a code of their own. */
	if (e->problem == FIELD_FORMAT && strcmp(e->field, "amount") == 0)
		code = "INVALID_AMOUNT";
	call_error(c, 400, code, e->field, "%s", e->message);
}

/* Any well-formed Basic credential but user "invalid" or an empty user. */
static int
utgl_auth(struct call *c)
{
	const char	*h = request_header(c->req, "Authorization");
	char		*user = NULL, *pass = NULL;
	int		 ok;

	ok = request_auth_basic(h, &user, &pass) == 0 && *user != '\0' &&
	    strcmp(user, "invalid") != 0;
	free(user);
	free(pass);
	if (!ok)
		call_fail(c, PERR_UNAUTHORIZED, h == NULL ?
		    "Basic authentication is required." :
		    "The credentials are not valid.");
	return (ok ? 0 : -1);
}

static json_t *
utgl_amount_json(int64_t minor, const struct txn *t)
{
	return (jsonx_amount(minor, t->exponent, UTGL_DECIMALS));
}

/* 1 if decimal text has a nonzero digit past the second place. */
static int
utgl_sub_cent(const char *text)
{
	const char	*dot = strchr(text, '.');
	size_t		 n;

	if (dot == NULL)
		return (0);
	n = strspn(dot + 1, "0123456789");
	return (n > 2 && strspn(dot + 3, "0") < n - 2);
}

/* The contract's words for an amount field_amount refused, or NULL to keep its own. */
static const char *
utgl_amount_why(const char *text)
{
	if (text == NULL)
		return (NULL);
	if (text[0] == '-' || strspn(text, "0.") == strlen(text))
		return ("must be at least 0.01");
	if (utgl_sub_cent(text))
		return ("must be a multiple of 0.01");
	return (NULL);
}

/*
 * UTGL states its amount rule in cents ("x >= 0.01, a multiple of 0.01") for
 * every currency, so the amount is read in cents first and moved to the
 * currency's own minor units once the currency is known.
 */
static int
utgl_cents(const json_t *body, int64_t *cents, struct field_error *e)
{
	const char	*why;
	char		*value;
	int		 present;

	if (field_amount(body, "amount", 1, AMOUNT_NUMBER, UTGL_DECIMALS, cents,
	    &present, e) == 0)
		return (0);
	/* Its value's plain spelling: 1e-3 is 0.001, a fraction of a cent. */
	value = jsonx_number_value(json_object_get(body, "amount"));
	if (e->problem == FIELD_FORMAT && (why = utgl_amount_why(value)) != NULL)
		field_fail(e, FIELD_FORMAT, "amount", "%s", why);
	free(value);
	return (-1);
}

/* Cents to minor units: JPY needs whole numbers, KWD gains a zero place. */
static int
utgl_minor(int64_t cents, int exponent, const char *currency, int64_t *minor,
    struct field_error *e)
{
	static const int64_t	scale[] = { 1, 10, 100 };

	if (exponent >= UTGL_DECIMALS) {
		*minor = cents * scale[exponent - UTGL_DECIMALS];
		return (0);
	}
	if (cents % scale[UTGL_DECIMALS - exponent] != 0)
		return (field_fail(e, FIELD_FORMAT, "amount", "must be a whole "
		    "number in %s", currency));
	*minor = cents / scale[UTGL_DECIMALS - exponent];
	return (0);
}

static int
utgl_request_parse(const json_t *body, struct utgl_request *q, struct field_error *e)
{
	int64_t	cents;
	int	exponent;

	if (field_string(body, "transactionId", 1, 1, SIZE_MAX, &q->txid, e) != 0)
		return (-1);
	if (!ids_is_uuid(q->txid))
		return (field_fail(e, FIELD_FORMAT, "transactionId", "must be a UUID"));
	if (utgl_cents(body, &cents, e) != 0 ||
	    field_currency(body, "currency", 1, &q->currency, &exponent, e) != 0 ||
	    utgl_minor(cents, exponent, q->currency, &q->amount, e) != 0 ||
	    field_string(body, "reason", 1, 1, UTGL_TEXT_MAX, &q->reason, e) != 0 ||
	    field_string(body, "description", 1, 1, UTGL_TEXT_MAX, &q->description,
	    e) != 0)
		return (-1);
	return (0);
}

/* UUIDs match in any case; the ledger keeps them lowercase. */
static char *
utgl_lower(const char *id, char lower[IDS_UUID_MAX])
{
	size_t	i;

	for (i = 0; i < IDS_UUID_MAX - 1 && id[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)id[i]);
	lower[i] = '\0';
	return (lower);
}

/* The transaction 'id' names, or NULL after a 404. */
static const struct txn *
utgl_txn(struct call *c, const char *id)
{
	const struct txn	*t;
	char			 lower[IDS_UUID_MAX];

	if ((t = ledger_txn(c->session->ledger, c->provider->name,
	    utgl_lower(id, lower))) == NULL)
		call_error(c, 404, "TRANSACTION_NOT_FOUND", "transactionId",
		    "Transaction %s was not found.", id);
	return (t);
}

/* "refunded" once nothing is left, else the state's own word. */
static const char *
utgl_status(const struct call *c, const struct txn *t)
{
	if (t->state == TXN_CAPTURED &&
	    ledger_refundable(c->session->ledger, t, c->now) == 0)
		return ("refunded");
	return (utgl_txn_states[t->state]);
}

static json_t *
utgl_refund_json(const struct refund *r)
{
	char	at[CLOCK_TEXT_MAX];
	json_t	*data = refund_data(r), *o;

	o = json_pack("{ss so ss sO sO ss}",
	    "refundTransactionId", r->id,
	    "amount", utgl_amount_json(r->amount, r->txn),
	    "currency", r->txn->currency,
	    "reason", json_object_get(data, "reason"),
	    "description", json_object_get(data, "description"),
	    "timestamp", clock_format(r->created_ms, at));
	json_decref(data);
	return (o);
}

static void
utgl_refund(struct call *c)
{
	struct field_error	 e;
	struct utgl_request	 q;
	struct lifecycle	 lc;
	const struct txn	*t;
	struct refund		*r;
	char			 id[IDS_UUID_MAX], at[CLOCK_TEXT_MAX];

	if (utgl_request_parse(c->body, &q, &e) != 0) {
		utgl_bad_field(c, &e);
		return;
	}
	if ((t = utgl_txn(c, q.txid)) == NULL ||
	    call_refund_check(c, t, q.currency, &q.amount, 1) != REFUND_OK)
		return;
	call_lifecycle(c, t, &lc);
	if (lc.outcome != OUTCOME_SUCCEEDED) {
		utgl_refuse(c, &utgl_outcome_refusals[lc.outcome], t);
		return;
	}
	r = call_refund_add(c, t, ids_uuid(&c->session->rng, id), q.amount, &lc,
	    json_pack("{ss ss}", "reason", q.reason, "description", q.description));
	if (r == NULL)
		return;
	call_json(c, 200, json_pack("{ss ss ss so ss ss ss ss}",
	    "transactionId", t->id,
	    "refundTransactionId", r->id,
	    "status", utgl_status(c, t),
	    "amount", utgl_amount_json(r->amount, t),
	    "currency", t->currency,
	    "timestamp", clock_format(c->now, at),
	    "cardId", provider_txn_extra(t, "card_id", NULL),
	    "refId", provider_txn_extra(t, "ref_id", NULL)));
}

/*
 * A refund tracked by its refundTransactionId.  Refunds are synchronous: one
 * exists only once it succeeded, so its own status is "refunded" (a word of
 * the transaction statuses, so one enum serves both) from its timestamp on.
 */
static void
utgl_refund_view(struct call *c, const struct refund *r)
{
	json_t	*o = json_pack("{ss}", "transactionId", r->txn->id);
	json_t	*own = utgl_refund_json(r);

	json_object_update(o, own);
	json_decref(own);
	json_object_set_new(o, "status", json_string("refunded"));
	json_object_set_new(o, "cardId", json_string(provider_txn_extra(r->txn,
	    "card_id", NULL)));
	json_object_set_new(o, "refId", json_string(provider_txn_extra(r->txn,
	    "ref_id", NULL)));
	c->reply->refund_id = xstrdup(r->id);
	call_json(c, 200, o);
}

static void
utgl_transaction(struct call *c)
{
	struct field_error	 e;
	const struct txn	*t;
	const struct refund	*r;
	json_t			*refunds;
	char			 lower[IDS_UUID_MAX];

	if (!ids_is_uuid(c->params[0])) {
		field_fail(&e, FIELD_FORMAT, "transactionId", "must be a UUID");
		utgl_bad_field(c, &e);
		return;
	}
	r = ledger_refund(c->session->ledger, c->provider->name,
	    utgl_lower(c->params[0], lower));
	if (r != NULL) {
		utgl_refund_view(c, r);
		return;
	}
	if ((t = utgl_txn(c, c->params[0])) == NULL)
		return;
	refunds = json_array();
	for (r = ledger_refunds_of(c->session->ledger, t); r != NULL; r = r->next)
		json_array_append_new(refunds, utgl_refund_json(r));
	call_json(c, 200, json_pack("{ss ss so so ss ss ss so}",
	    "transactionId", t->id,
	    "status", utgl_status(c, t),
	    "amount", utgl_amount_json(t->amount, t),
	    "refundedAmount", utgl_amount_json(ledger_refunded(c->session->ledger, t,
	    c->now), t),
	    "currency", t->currency,
	    "cardId", provider_txn_extra(t, "card_id", NULL),
	    "refId", provider_txn_extra(t, "ref_id", NULL),
	    "refunds", refunds));
}

static int
utgl_check_fixture(const json_t *o, const char *where, char **cause)
{
	static const char	*amounts[] = { "amount", "refunded" };
	const char		*id = jsonx_string(json_object_get(o, "id"));
	const char		*card = jsonx_string(json_object_get(o, "card_id"));
	const char		*ref = jsonx_string(json_object_get(o, "ref_id"));
	const char		*text;
	size_t			 i;

	/* Requests name transactions by UUID, matched after lowercasing. */
	if (id == NULL || !ids_is_uuid(id) || strpbrk(id, "ABCDEF") != NULL) {
		*cause = xasprintf("%s.id: must be a lowercase UUID", where);
		return (-1);
	}
	if (card == NULL || !ids_is_uuid(card)) {
		*cause = xasprintf("%s.card_id: must be a UUID string", where);
		return (-1);
	}
	if (ref == NULL || strlen(ref) != UTGL_REF_LEN ||
	    strspn(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != UTGL_REF_LEN) {
		*cause = xasprintf("%s.ref_id: must be %d characters of [A-Z0-9]",
		    where, UTGL_REF_LEN);
		return (-1);
	}
	/* Two places are all UTGL can show: 12.345 KWD would read as 12.34. */
	for (i = 0; i < nitems(amounts); i++) {
		text = jsonx_string(json_object_get(o, amounts[i]));
		if (text != NULL && utgl_sub_cent(text)) {
			*cause = xasprintf("%s.%s: '%s' must be a multiple of 0.01 "
			    "for UTGL", where, amounts[i], text);
			return (-1);
		}
	}
	return (0);
}

static const struct route utgl_routes[] = {
	{ "POST", "/v1/partner-connect/transactions/refund", "refund.create", 1,
	    utgl_refund },
	{ "GET", "/v1/partner-connect/transactions/{transactionId}", "refund.status", 0,
	    utgl_transaction },
};

const struct provider provider_utgl = {
	.name = "utgl",
	.routes = utgl_routes,
	.nroutes = nitems(utgl_routes),
	.codes = { [PERR_INVALID] = "INVALID_FIELD" },
	.render_error = utgl_error,
	.refusals = &utgl_refusals,
	.authenticate = utgl_auth,
	.check_fixture = utgl_check_fixture,
	.lifecycle = { .synchronous = 1, .outcome = OUTCOME_SUCCEEDED },
};
