/* The registered providers and the words of the errors every provider renders. */
#include <string.h>

#include "jsonx.h"
#include "provider.h"
#include "util.h"

const struct provider *const *providers;
size_t nproviders;

/* The neutral error names of scenarios (docs/interface.md), their status and shared case. */
static const struct {
	const char	*name;
	int		 status;
	enum perr	 perr;
	const char	*message;	/* PayEngine's words, fine for all */
} provider_neutral_errors[] = {
	{ "provider_unavailable", 503, PERR_UNAVAILABLE, "Service unavailable" },
	{ "internal_error", 500, PERR_INTERNAL, "Internal server error" },
	{ "bad_gateway", 502, PERR_BAD_GATEWAY, "Processor unavailable" },
	{ "gateway_timeout", 504, PERR_GATEWAY_TIMEOUT, "Processor timeout" },
	{ "rate_limited", 429, PERR_RATE_LIMITED, "Too many requests" },
	{ "unauthorized", 401, PERR_UNAUTHORIZED, "Unauthorized" },
};

/* The usual words; an adapter's .codes name only what its provider says otherwise. */
static const char *const provider_perr_codes[PERR__COUNT] = {
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
	[PERR_INVALID] = "INVALID_REQUEST",
};

static const int provider_perr_statuses[PERR__COUNT] = {
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
	[PERR_INVALID] = 400,
};

void
provider_use(const struct provider *const *table, size_t n)
{
	providers = table;
	nproviders = n;
}

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

int
provider_fixture_check(const char *name,
    int (**check)(const json_t *, const char *where, char **cause))
{
	const struct provider	*p = provider_find(name);

	if (p == NULL)
		return (-1);
	*check = p->check_fixture;
	return (0);
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

	for (i = 0; i < nitems(provider_neutral_errors); i++) {
		if (strcmp(provider_neutral_errors[i].name, name) == 0) {
			*perr = provider_neutral_errors[i].perr;
			*status = provider_neutral_errors[i].status;
			return (0);
		}
	}
	return (-1);
}

const char *
provider_code(const struct provider *p, enum perr e)
{
	return (p->codes[e] != NULL ? p->codes[e] : provider_perr_codes[e]);
}

int
provider_perr_status(enum perr e)
{
	return (provider_perr_statuses[e]);
}

const char *
provider_neutral_message(enum perr e)
{
	size_t	i;

	for (i = 0; i < nitems(provider_neutral_errors); i++) {
		if (provider_neutral_errors[i].perr == e)
			return (provider_neutral_errors[i].message);
	}
	return ("Error");
}

const char *
provider_txn_extra(const struct txn *t, const char *key, const char *dflt)
{
	const char	*v = jsonx_string(json_object_get(t->fixture, key));

	return (v != NULL ? v : dflt);
}
