/* Identifiers in each provider's format, drawn from a session's generator. */
#ifndef PAYMOCK_IDS_H
#define PAYMOCK_IDS_H

#include <stddef.h>

#include "rng.h"

#define IDS_UUID_MAX	37

/* A lowercase UUID version 4. */
char	*ids_uuid(struct rng *, char out[IDS_UUID_MAX]);
/* 'prefix' then 'n' characters of [A-Z0-9]; 'out' holds strlen(prefix)+n+1. */
char	*ids_alnum(struct rng *, const char *prefix, size_t n, char *out);
/* 'n' lowercase hex characters; 'out' holds n+1. */
char	*ids_hex(struct rng *, size_t n, char *out);
/* 'nbytes' random bytes as unpadded base64url; 'out' holds 4*nbytes/3+2. */
char	*ids_base64url(struct rng *, size_t nbytes, char *out);
/* 1 if 's' is a UUID in canonical text form (any version, any case). */
int	 ids_is_uuid(const char *s);

#endif
