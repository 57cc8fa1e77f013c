/*
 * One request's way through an adapter (or the admin API): the call, and
 * what adapters do with it: errors in the provider's shape, refund checks
 * and records, idempotency keys and rate headers.
 */
#ifndef PAYMOCK_CALL_H
#define PAYMOCK_CALL_H

#include <jansson.h>
#include <stdint.h>

#include "ledger.h"
#include "provider.h"
#include "reply.h"
#include "request.h"
#include "router.h"
#include "util.h"
#include "work.h"

struct session;
struct app;

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
	uint64_t		 stream_from;	/* admin: an event stream from this entry; 0: none */
	/* A scenario's say over a refund created by this call (decline, outcome). */
	int			 force_settle;
	int64_t			 settle_after_ms;
	int			 force_outcome;
	enum refund_outcome	 outcome;
	struct buf		 warnings;	/* "code\0text\0" pairs (call_warn) */
};

/* What call_idem_begin found under a request's idempotency key. */
enum call_idem {
	CALL_IDEM_FRESH,	/* go on; the reply is kept when the call ends */
	CALL_IDEM_REPLAYED,	/* the first reply again is in c->reply, with 'replayed_header' */
	CALL_IDEM_CONFLICT,	/* the key was used with another body */
	CALL_IDEM_BUSY,		/* the first request with the key is still in flight */
};

/*
 * Runs a routed call: Content-Type and JSON checks for routes that take a
 * body, then the handler, then the provider's decoration.
 */
void		 call_handle(struct call *);
/* A provider-shaped error for one of the shared cases. */
void		 call_fail(struct call *, enum perr, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));
/* A neutral error in the provider's shape, with its stock message. */
void		 call_fail_neutral(struct call *, enum perr, int status);
/*
 * An integration warning: the request breaks a rule the provider documents
 * and paymock does not enforce ('code' stable kebab-case, the text a
 * sentence).  The journal entry lists it and, when the call ends, the reply
 * carries it as X-Paymock-Warning; 0 returns.  In the session's strict mode
 * the reply is the provider's PERR_INVALID 400 instead and -1 returns: the
 * caller stops before it changes any state.
 */
int		 call_warn(struct call *, const char *code, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));
/* The warnings for the journal (journal.h's packed pairs), or NULL: none; the caller frees. */
char		*call_warnings_steal(struct call *);
/* Adds the provider's every-reply headers. */
void		 call_decorate(struct call *);

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
 * time.  After a FRESH begin, call_handle keeps the reply under the key
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

#endif
