/*
 * The provider adapter interface.  An adapter turns a call (call.h) into a
 * reply {status, headers, body} in its provider's own shape and never touches
 * the socket.  This file holds the providers registered at start-up
 * (adapters.h) and the words of the errors they all render.
 */
#ifndef PAYMOCK_PROVIDER_H
#define PAYMOCK_PROVIDER_H

#include <jansson.h>
#include <stddef.h>

#include "ledger.h"
#include "router.h"

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
	PERR_INVALID,		/* a validation 400: what --strict makes of a warning */
	PERR__COUNT
};

struct call;
struct webhook_spec;

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

/* What a warning rule checks in a request (call_handle). */
enum warn_check {
	WARN_HEADER_MISSING,	/* header 'name' is not sent */
	WARN_HEADER_SENT,	/* header 'name' is sent */
	WARN_NOT_STRING,	/* body field 'name' is sent, but not as a string */
};

/*
 * A rule the provider's documentation states and paymock does not enforce:
 * a request that breaks it is answered as usual, with an integration
 * warning (call_warn), or refused with PERR_INVALID in strict mode.  A
 * table ends with a row whose code is NULL.
 */
struct warn_rule {
	const char	*operation;	/* the route's operation; NULL: every route */
	enum warn_check	 check;
	const char	*name;		/* the header or field, named in strict's 400 */
	const char	*code;		/* stable kebab-case: what CI matches on */
	const char	*text;		/* the X-Paymock-Warning value */
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
	const struct warn_rule	*warnings;	/* NULL: none */
};

/*
 * The providers, in the order sessions index their lifecycles by: set once
 * by provider_use before anything looks one up, read-only after.
 */
extern const struct provider *const *providers;
extern size_t nproviders;

/*
 * Registers 'n' providers (borrowed: a static table).  The adapters sit
 * above call.h, which uses this module, so their table is handed down at
 * start-up (adapters_use) rather than named here.
 */
void		 provider_use(const struct provider *const *, size_t n);

const struct provider *provider_find(const char *name);
/* The check_fixture of provider 'name' in '*check'; -1 if there is none. */
int		 provider_fixture_check(const char *name,
		     int (**check)(const json_t *, const char *where, char **cause));
size_t		 provider_index(const struct provider *);
/* The neutral error a scenario names ("provider_unavailable"), or -1. */
int		 provider_perr_parse(const char *name, enum perr *, int *status);
/* The provider's word for 'e' (its .codes, else the usual one). */
const char	*provider_code(const struct provider *, enum perr);
/* The status a shared error has, and the stock message of a neutral one. */
int		 provider_perr_status(enum perr);
const char	*provider_neutral_message(enum perr);

/* A string extra of the transaction's fixture, or 'dflt'. */
const char	*provider_txn_extra(const struct txn *, const char *key,
		     const char *dflt);

#endif
