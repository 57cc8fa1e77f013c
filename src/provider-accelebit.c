/* Accelebit: a gateway whose refunds are created at once and settle upstream later. */
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
#include "webhook.h"

#define ACCELEBIT_IDEM_KEY_MAX	255
#define ACCELEBIT_IDEM_TTL_MS	(24LL * 60 * 60 * 1000)
#define ACCELEBIT_REASON_MAX	500
#define ACCELEBIT_RATE_LIMIT	100
/* Publishable keys are meant for browsers; this API is server-side only. */
#define ACCELEBIT_PK_PREFIX	"smtgw_pk_"

/* A refund's status as Accelebit names it and, once it failed, why. */
static const struct {
	const char	*status;
	const char	*failure;
} accelebit_states[] = {
	[REFUND_CREATED] = { "created", NULL },
	[REFUND_PENDING] = { "pending", NULL },
	[REFUND_SUCCEEDED] = { "succeeded", NULL },
	[REFUND_DECLINED] = { "failed", "declined_by_upstream" },
	[REFUND_FAILED] = { "failed", "upstream_error" },
};

/* check_fixture keeps 'locked' out. */
static const struct refusal_words accelebit_refusals = { .rows = {
	[REFUND_CURRENCY] = { 422, "CurrencyMismatchError", "currency", "Currency "
	    "{ccy} does not match the payment currency {currency}." },
	[REFUND_NOT_CAPTURED] = { 422, "PaymentNotCapturedError", NULL,
	    "Payment {id} has not been captured." },
	[REFUND_VOIDED] = { 422, "PaymentVoidedError", NULL,
	    "Payment {id} has been voided." },
	[REFUND_FULLY_REFUNDED] = { 422, "PaymentAlreadyRefundedError", NULL,
	    "Payment {id} is already fully refunded." },
	[REFUND_EXCEEDS] = { 422, "RefundExceedsPaymentError", "amount", "Refund "
	    "amount {amount} {currency} exceeds the refundable amount {left} "
	    "{currency}." },
} };

/* A refund request that passed validation. */
struct accelebit_create {
	const char	*transaction_id;
	const char	*currency;
	int		 exponent;
	int64_t		 amount;
	const char	*reason;	/* NULL when not sent */
};

static void
accelebit_error(struct call *c, int status, const char *code, const char *field,
    const char *message)
{
	(void)field;
	call_json(c, status, json_pack("{sn s{si ss ss}}", "data", "error",
	    "status", status, "name", code, "message", message));
}

static void
accelebit_decorate(struct call *c)
{
	const char	*key = request_header(c->req, "X-API-Key");

	call_rate_headers(c, key != NULL ? key : "", ACCELEBIT_RATE_LIMIT);
}

/* UUIDs compare case-blind; the ledger holds them lowercase (check_fixture). */
static int
accelebit_uuid_lower(const char *in, char out[IDS_UUID_MAX])
{
	size_t	i;

	if (!ids_is_uuid(in))
		return (-1);
	for (i = 0; in[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
	return (0);
}

/* {"key": v}, taking 'v' (json_pack "{so}" without the format). */
static json_t *
accelebit_wrap(const char *key, json_t *v)
{
	json_t	*o = json_object();

	json_object_set_new_nocheck(o, key, v);
	return (o);
}

static json_t *
accelebit_refund_json(const struct refund *r, int64_t now, int with_updates)
{
	enum refund_state	 state = refund_state_at(r, now);
	const char		*failure = accelebit_states[state].failure;
	char			 at[CLOCK_TEXT_MAX];
	json_t			*o, *data = refund_data(r), *reason;

	/* Built by hand, not json_pack: this is every create's and poll's reply. */
	o = json_object();
	json_object_set_new_nocheck(o, "id", json_string(r->id));
	json_object_set_new_nocheck(o, "transactionId", json_string(r->txn->id));
	json_object_set_new_nocheck(o, "amount",
	    jsonx_amount_string(r->amount, r->txn->exponent, r->txn->exponent));
	json_object_set_new_nocheck(o, "currency", json_string(r->txn->currency));
	json_object_set_new_nocheck(o, "status",
	    json_string(accelebit_states[state].status));
	/* The ledger keeps a reason only when one was sent. */
	reason = json_object_get(data, "reason");
	json_object_set_nocheck(o, "reason", reason != NULL ? reason : json_null());
	json_decref(data);
	json_object_set_new_nocheck(o, "createdAt",
	    json_string(clock_format(r->created_ms, at)));
	if (with_updates) {
		json_object_set_new(o, "updatedAt",
		    json_string(clock_format(refund_updated_at(r, now), at)));
		json_object_set_new(o, "failureReason",
		    failure != NULL ? json_string(failure) : json_null());
	}
	return (o);
}

/* 0 if the X-API-Key may call this API; otherwise its 401 or 403 is written. */
static int
accelebit_auth(struct call *c)
{
	const char	*key = request_header(c->req, "X-API-Key");

	if (key == NULL || *key == '\0') {
		call_fail(c, PERR_UNAUTHORIZED, "No API key provided. Send your "
		    "secret key in the X-API-Key header.");
		return (-1);
	}
	if (strcmp(key, "invalid") == 0) {
		call_fail(c, PERR_UNAUTHORIZED, "Invalid API key provided.");
		return (-1);
	}
	if (strncmp(key, ACCELEBIT_PK_PREFIX, strlen(ACCELEBIT_PK_PREFIX)) == 0) {
		call_error(c, 403, "PermissionError", NULL, "Publishable keys cannot "
		    "be used with this endpoint; use your secret key.");
		return (-1);
	}
	return (0);
}

/* The request's Idempotency-Key, or NULL after writing its 400. */
static const char *
accelebit_idem_key(struct call *c)
{
	const char	*key = request_header(c->req, "Idempotency-Key");
	size_t		 n, i;

	if (key == NULL) {
		call_error(c, 400, "ValidationError", "Idempotency-Key",
		    "Idempotency-Key header is required");
		return (NULL);
	}
	n = strlen(key);
	for (i = 0; i < n && key[i] >= 0x20 && key[i] <= 0x7e; i++)
		;
	if (n == 0 || n > ACCELEBIT_IDEM_KEY_MAX || i < n) {
		call_error(c, 400, "ValidationError", "Idempotency-Key",
		    "Idempotency-Key header must be 1 to %d printable ASCII "
		    "characters", ACCELEBIT_IDEM_KEY_MAX);
		return (NULL);
	}
	return (key);
}

/*
 * Accelebit's documentation uppercases the currency "before processing":
 * done before the body's fingerprint is taken, so "eur" and "EUR" are the
 * same request.
 */
static void
accelebit_upcase(json_t *body, const char *name)
{
	const char	*s = jsonx_string(json_object_get(body, name));
	char		*up;
	size_t		 i;

	if (s == NULL)
		return;
	for (i = 0; s[i] != '\0' && !islower((unsigned char)s[i]); i++)
		;
	if (s[i] == '\0')
		return;		/* already upper case: the value stays as it is */
	up = xstrdup(s);
	for (i = 0; up[i] != '\0'; i++)
		up[i] = (char)toupper((unsigned char)up[i]);
	json_object_set_new(body, name, json_string(up));
	free(up);
}

/* 0 when every field is well-formed; otherwise the 400 is written. */
static int
accelebit_parse(struct call *c, struct accelebit_create *q)
{
	struct field_error	e;
	int			present;

	if (field_string(c->body, "transactionId", 1, 1, SIZE_MAX,
	    &q->transaction_id, &e) ||
	    field_currency(c->body, "currency", 1, &q->currency, &q->exponent, &e) ||
	    field_amount(c->body, "amount", 1, AMOUNT_STRING, q->exponent,
	    &q->amount, &present, &e) ||
	    field_string(c->body, "reason", 0, 0, ACCELEBIT_REASON_MAX, &q->reason, &e)) {
		call_error(c, 400, "ValidationError", e.field, "%s", e.message);
		return (-1);
	}
	return (0);
}

/* The payment 'id' names, or NULL after writing its 400 (not a UUID) or 404. */
static const struct txn *
accelebit_payment(struct call *c, const char *field, const char *id)
{
	const struct txn	*t;
	char			 lower[IDS_UUID_MAX];

	if (accelebit_uuid_lower(id, lower) != 0) {
		call_error(c, 400, "ValidationError", field, "%s must be a UUID", field);
		return (NULL);
	}
	if ((t = ledger_txn(c->session->ledger, c->provider->name, lower)) == NULL)
		call_error(c, 404, "NotFoundError", field, "Payment %s was not found.", id);
	return (t);
}

/* The create's reply: also what a replay of its key renders again. */
static void
accelebit_created(struct call *c, const struct refund *r, int status)
{
	call_json(c, status, accelebit_wrap("data",
	    accelebit_refund_json(r, r->created_ms, 0)));
}

static void
accelebit_refund_create(struct call *c)
{
	struct accelebit_create	 q;
	const struct txn	*t;
	const char		*key;
	struct lifecycle	 lc;
	struct refund		*r;
	char			 rid[IDS_UUID_MAX];

	if ((key = accelebit_idem_key(c)) == NULL)
		return;
	accelebit_upcase(c->body, "currency");
	switch (call_idem_begin(c, key, ACCELEBIT_IDEM_TTL_MS, "Idempotent-Replayed")) {
	case CALL_IDEM_FRESH:
		break;
	case CALL_IDEM_REPLAYED:
		return;
	case CALL_IDEM_CONFLICT:
		call_error(c, 422, "IdempotencyError", "Idempotency-Key",
		    "Keys can only be reused with the same request body");
		return;
	case CALL_IDEM_BUSY:
		call_error(c, 409, "IdempotencyError", "Idempotency-Key",
		    "A request with this Idempotency-Key is still in progress; "
		    "retry later");
		return;
	}
	if (accelebit_parse(c, &q) != 0 ||
	    (t = accelebit_payment(c, "transactionId", q.transaction_id)) == NULL ||
	    call_refund_check(c, t, q.currency, &q.amount, 1) != REFUND_OK)
		return;

	ids_uuid(&c->session->rng, rid);
	call_lifecycle(c, t, &lc);
	r = call_refund_add(c, t, rid, q.amount, &lc, q.reason == NULL ? NULL :
	    accelebit_wrap("reason", json_incref(json_object_get(c->body, "reason"))));
	if (r != NULL)
		accelebit_created(c, r, 201);
}

static void
accelebit_refund_show(struct call *c)
{
	const struct refund	*r = NULL;
	char			 lower[IDS_UUID_MAX];

	if (accelebit_uuid_lower(c->params[0], lower) == 0)
		r = ledger_refund(c->session->ledger, c->provider->name, lower);
	if (r == NULL) {
		call_error(c, 404, "NotFoundError", "id", "Refund %s was not found.",
		    c->params[0]);
		return;
	}
	c->reply->refund_id = xstrdup(r->id);
	call_json(c, 200, accelebit_wrap("data", accelebit_refund_json(r, c->now, 1)));
}

static void
accelebit_refund_list(struct call *c)
{
	char			*id = request_query(c->req, "transactionId");
	const struct txn	*t;
	const struct refund	*r;
	json_t			*list;

	if (id == NULL || *id == '\0') {
		call_error(c, 400, "ValidationError", "transactionId",
		    "transactionId query parameter is required");
		goto out;
	}
	if ((t = accelebit_payment(c, "transactionId", id)) == NULL)
		goto out;
	list = json_array();
	for (r = ledger_refunds_of(c->session->ledger, t); r != NULL; r = r->next)
		json_array_insert_new(list, 0, accelebit_refund_json(r, c->now, 1));
	call_json(c, 200, json_pack("{so}", "data", list));
out:
	free(id);
}

static int
accelebit_check_fixture(const json_t *o, const char *where, char **cause)
{
	const char	*id = jsonx_string(json_object_get(o, "id"));
	const char	*state = jsonx_string(json_object_get(o, "state"));

	/* Requests name payments by UUID in any case; lookups go lowercase. */
	if (id == NULL || !ids_is_uuid(id) || strpbrk(id, "ABCDEF") != NULL) {
		*cause = xasprintf("%s.id: must be a lowercase UUID", where);
		return (-1);
	}
	if (state != NULL && strcmp(state, "locked") == 0) {
		*cause = xasprintf("%s.state: must be captured, authorized or voided",
		    where);
		return (-1);
	}
	return (0);
}

static const struct route accelebit_routes[] = {
	{ "POST", "/v1/refunds", "refund.create", 1, accelebit_refund_create },
	{ "GET", "/v1/refunds", "refund.list", 0, accelebit_refund_list },
	{ "GET", "/v1/refunds/{id}", "refund.status", 0, accelebit_refund_show },
};

static json_t *
accelebit_webhook_data(const struct refund *r, int64_t at)
{
	return (accelebit_refund_json(r, at, 1));
}

/* One event per state the refund enters; declined and failed both say failed. */
static const struct webhook_spec accelebit_webhooks = {
	.events = {
		[REFUND_CREATED] = "refund.created",
		[REFUND_PENDING] = "refund.pending",
		[REFUND_SUCCEEDED] = "refund.succeeded",
		[REFUND_DECLINED] = "refund.failed",
		[REFUND_FAILED] = "refund.failed",
	},
	.data = accelebit_webhook_data,
	.created_key = "createdAt",
	.signature = WEBHOOK_SIG_SHA256,
	.signature_header = "X-Webhook-Signature",
	.timestamp_header = "X-Webhook-Timestamp",
	.retry_s = { 60, 600, 3600, 21600, 86400 },
	.nretries = 5,
};

/* "Keep this value server-side and never expose it in client code." */
static const struct warn_rule accelebit_warnings[] = {
	{ NULL, WARN_HEADER_SENT, "Origin", "secret-key-in-browser",
	    "The request has an Origin, so a browser sent the secret X-API-Key: "
	    "Accelebit says to keep it server-side, never in client code" },
	{ 0 },
};

const struct provider provider_accelebit = {
	.name = "accelebit",
	.routes = accelebit_routes,
	.nroutes = nitems(accelebit_routes),
	.codes = {
		[PERR_BAD_JSON] = "ValidationError",
		[PERR_MEDIA_TYPE] = "UnsupportedMediaTypeError",
		[PERR_NO_ROUTE] = "NotFoundError",
		[PERR_METHOD] = "MethodNotAllowedError",
		[PERR_TOO_LARGE] = "PayloadTooLargeError",
		[PERR_UNAUTHORIZED] = "AuthenticationError",
		[PERR_UNAVAILABLE] = "UpstreamUnavailableError",
		[PERR_INTERNAL] = "InternalError",
		[PERR_BAD_GATEWAY] = "UpstreamError",
		[PERR_GATEWAY_TIMEOUT] = "UpstreamTimeoutError",
		[PERR_RATE_LIMITED] = "RateLimitError",
		[PERR_REFUND_LIMIT] = "RefundLimitExceededError",
		[PERR_INVALID] = "ValidationError",
	},
	.render_error = accelebit_error,
	.render_created = accelebit_created,
	.refusals = &accelebit_refusals,
	.authenticate = accelebit_auth,
	.webhooks = &accelebit_webhooks,
	.check_fixture = accelebit_check_fixture,
	.decorate = accelebit_decorate,
	.lifecycle = {
		.show_created = 1,
		.pending_after_ms = 1000,
		.settle_after_ms = 5000,
		.outcome = OUTCOME_SUCCEEDED,
	},
	.warnings = accelebit_warnings,
};
