/*
 * The OpenAPI documents paymock serves: docs/openapi/<name>.yaml, turned into
 * compact JSON at build time (tools/openapi2c.py), one per provider and one
 * for the admin API ("admin").
 */
#ifndef PAYMOCK_OPENAPI_H
#define PAYMOCK_OPENAPI_H

#include <stddef.h>

struct reply;

struct openapi_spec {
	const char	*name;		/* the provider's, or "admin" */
	size_t		 len;
	const char	*json;		/* static, NUL-terminated */
};

/* The generated table (build/gen/openapi.c), 'openapi_nspecs' long. */
extern const struct openapi_spec openapi_specs[];
extern const size_t openapi_nspecs;

/* The spec of 'name', or NULL when none was compiled in. */
const struct openapi_spec *openapi_find(const char *name);
/* Writes 'spec' as a 200 application/json reply (the body copied). */
void		 openapi_reply(struct reply *, const struct openapi_spec *spec);

#endif
