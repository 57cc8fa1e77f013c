/*
 * The provider adapter interface.  An adapter turns a parsed request into a
 * reply {status, headers, body} in its provider's own shape and never touches
 * the socket; this file also holds what adapters share: the table of
 * providers, error rendering, body parsing, Basic auth and lifecycles.
 */
#ifndef PAYMOCK_PROVIDER_H
#define PAYMOCK_PROVIDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "router.h"
#include "work.h"

#define REQUEST_BODY_MAX	(64 * 1024)

struct header {
	const char	*name;
	const char	*value;
};

/* A request as the transport read it; everything is borrowed. */
struct request {
	const char		*method;
	const char		*path;		/* decoded, without the query */
	const char		*query;		/* raw, or NULL */
	const struct header	*headers;
	size_t			 nheaders;
	const char		*body;
	size_t			 body_len;
	const char		*provider;	/* a --provider-port: paths unprefixed */
};

struct reply_header {
	char	*name;
	char	*value;
};

/* A reply; reply_release frees what it owns. */
struct reply {
	int			 status;
	const char		*content_type;	/* static */
	char			*body;
	struct reply_header	*headers;
	size_t			 nheaders;
	char			*refund_id;	/* for the journal */
	char			*note;		/* for the journal */
};

/* The errors every provider renders in its own words. */
enum perr {
	PERR_BAD_JSON,
	PERR_MEDIA_TYPE,
	PERR_NO_ROUTE,
	PERR_METHOD,
	PERR_TOO_LARGE,
	PERR_UNAUTHORIZED,
	PERR_UNAVAILABLE,
	PERR_INTERNAL,
	PERR_BAD_GATEWAY,
	PERR_GATEWAY_TIMEOUT,
	PERR_RATE_LIMITED,
	PERR_REFUND_LIMIT,	/* the transaction has all the refunds it may have */
	PERR__COUNT
};

struct call;

/* Why a transaction takes no refund (call_refund_check), in the order asked. */
enum refund_refusal {
	REFUND_OK,
	REFUND_CURRENCY,	/* another currency than the transaction's */
	REFUND_NOT_CAPTURED,
	REFUND_VOIDED,
	REFUND_LOCKED,
	REFUND_FULLY_REFUNDED,
	REFUND_EXCEEDS,		/* more than is left to refund */
	REFUND_LIMIT,		/* all the refunds it may have: PERR_REFUND_LIMIT */
	REFUND__COUNT
};

/*
 * How a provider words each refusal.  A message quotes by name: {id} the
 * transaction, {ccy} the currency asked, {currency} the transaction's,
 * {amount} the amount asked and {left} what is left, both shown with
 * 'decimals' (0: the currency's own).  A state's row without a code: that
 * state takes refunds at this provider.  A row without a message: the
 * adapter writes the refusal itself (SmartRetry's context).
 */
struct refusal_words {
	struct {
		int		 status;
		const char	*code;
		const char	*field;
		const char	*message;
	}		 rows[REFUND__COUNT];
	int		 decimals;
};

struct provider {
	const char		*name;		/* also the URL prefix */
	const struct route	*routes;
	size_t			 nroutes;
	const char		*codes[PERR__COUNT];	/* NULL: the usual word */
	/* Writes an error in the provider's shape; 'field' may be NULL. */
	void			 (*render_error)(struct call *, int status,
				     const char *code, const char *field,
				     const char *message);
	/*
	 * Writes the reply that created 'r', with 'status', as at its
	 * creation: the create itself and every replay of its idempotency key
	 * (call_idem_begin) go through it, so a replay is the same bytes
	 * without keeping them.  NULL where no create is keyed.
	 */
	void			 (*render_created)(struct call *, const struct refund *,
				     int status);
	/* Checks the provider's fixture extras; 'where' prefixes messages. */
	int			 (*check_fixture)(const json_t *, const char *where,
				     char **cause);
	/*
	 * Checks the credentials before anything else (real APIs answer 401
	 * before 415); 0, or -1 with the error written.  NULL where the
	 * credential is in the body (SmartPay).
	 */
	int			 (*authenticate)(struct call *);
	/* Headers every reply carries (after the handler ran), or NULL. */
	void			 (*decorate)(struct call *);
	const struct refusal_words *refusals;	/* NULL: no refund create */
	struct lifecycle	 lifecycle;	/* the default refund life */
	const struct webhook_spec *webhooks;	/* NULL: none documented */
};

struct session;
struct app;
struct webhook_spec;

/* One request's way through an adapter (or the admin API). */
struct call {
	struct app		*app;
	struct session		*session;
	const struct provider	*provider;	/* NULL for admin calls */
	const struct route	*route;
	const struct request	*req;
	const char		*params[ROUTER_MAX_PARAMS];
	json_t			*body;		/* the parsed body, for json_body routes */
	struct reply		*reply;
	int64_t			 now;		/* the session's virtual time */
	char			*idem_key;	/* set by call_idem_begin; owned */
	int			 hold_idem;	/* the reply is held: key stays in flight */
	struct work		 work;		/* the reply is made in slices (admin) */
	/* A scenario's say over a refund created by this call (decline, outcome). */
	int			 force_settle;
	int64_t			 settle_after_ms;
	int			 force_outcome;
	enum refund_outcome	 outcome;
};

/* What call_idem_begin found under a request's idempotency key. */
enum call_idem {
	CALL_IDEM_FRESH,	/* go on; the reply is kept when the call ends */
	CALL_IDEM_REPLAYED,	/* the first reply again is in c->reply, with 'replayed_header' */
	CALL_IDEM_CONFLICT,	/* the key was used with another body */
	CALL_IDEM_BUSY,		/* the first request with the key is still in flight */
};

extern const struct provider *const providers[];
extern const size_t nproviders;

const struct provider *provider_find(const char *name);
size_t		 provider_index(const struct provider *);

/*
 * Runs a routed call: Content-Type and JSON checks for routes that take a
 * body, then the handler, then the provider's decoration.
 */
void		 provider_handle(struct call *);
/* A provider-shaped error for one of the shared cases. */
void		 provider_fail(struct call *, enum perr, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));
/* The neutral error a scenario names ("provider_unavailable"), or -1. */
int		 provider_perr_parse(const char *name, enum perr *, int *status);
/* A neutral error in the provider's shape, with its stock message. */
void		 provider_fail_neutral(struct call *, enum perr, int status);
/* Adds the provider's every-reply headers. */
void		 provider_decorate(struct call *);

/* Renders through the provider's render_error. */
void		 call_error(struct call *, int status, const char *code,
		     const char *field, const char *fmt, ...)
		     __attribute__((format(printf, 5, 6)));
/* Sets the reply to 'status' and the JSON text of 'body' (a reference it takes). */
void		 call_json(struct call *, int status, json_t *body);
/* The refund's life here: the provider's default, the session's, the transaction's. */
void		 call_lifecycle(const struct call *, const struct txn *, struct lifecycle *);
/*
 * The one refund-check ladder: the currency asked ('ccy', NULL: none asked),
 * the transaction's state, what is left, '*amount' against it (all that is
 * left when !has_amount), then room for one more refund.  Returns REFUND_OK,
 * or the refusal after writing it in the provider's words (refusal_words),
 * unless its row has no message.  Adapters ask before they make ids or data.
 */
enum refund_refusal call_refund_check(struct call *, const struct txn *,
		     const char *ccy, int64_t *amount, int has_amount);
/*
 * Records the call's refund of 'amount' of 't' as 'id' (copied) living 'lc',
 * taking 'data', and names it in the reply for the journal.  The adapter
 * checked the amount; should the ledger refuse anyway, the reply is the
 * provider's 500, nothing is kept and NULL returns.
 */
struct refund	*call_refund_add(struct call *, const struct txn *, const char *id,
		     int64_t amount, const struct lifecycle *, json_t *data);

/*
 * Header-keyed idempotency (SmartRetry, Accelebit): scope (session, provider,
 * key), the body's canonical JSON as fingerprint, kept 'ttl_ms' of virtual
 * time.  After a FRESH begin, provider_handle keeps the reply under the key
 * if it is 2xx or 422 and forgets the key otherwise, so a retry of a
 * rejected request can succeed: a reply that created a refund as its status
 * and the refund (a replay renders it through the provider's
 * render_created), any other as text (idem_keep_text).  The adapter renders
 * CONFLICT and BUSY.
 */
enum call_idem	 call_idem_begin(struct call *, const char *key, int64_t ttl_ms,
		     const char *replayed_header);

/* The refund 'rec' links to in the call's session, or NULL. */
struct idem_record;
struct refund	*call_idem_refund(const struct call *, const struct idem_record *rec);

/*
 * X-RateLimit-Limit/-Remaining/-Reset for 'key' in the current second of
 * virtual time (counted, never enforced: scenarios enforce).
 */
void		 call_rate_headers(struct call *, const char *key, int limit);

/* A string extra of the transaction's fixture, or 'dflt'. */
const char	*provider_txn_extra(const struct txn *, const char *key,
		     const char *dflt);

const char	*request_header(const struct request *, const char *name);
/* The decoded value of a query parameter, or NULL; the caller frees it. */
char		*request_query(const struct request *, const char *name);

void		 reply_header(struct reply *, const char *name, const char *value);
const char	*reply_get_header(const struct reply *, const char *name);
void		 reply_release(struct reply *);

/*
 * Decodes "Basic <base64(user:pass)>".  Returns 0 and heap strings (caller
 * frees), or -1 for anything malformed.
 */
int		 auth_basic(const char *header, char **user, char **pass);

#endif
