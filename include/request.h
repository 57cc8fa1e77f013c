/* A request as the transport read it; everything in it is borrowed. */
#ifndef PAYMOCK_REQUEST_H
#define PAYMOCK_REQUEST_H

#include <stddef.h>

#define REQUEST_BODY_MAX	(64 * 1024)

struct header {
	const char	*name;
	const char	*value;
};

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

const char	*request_header(const struct request *, const char *name);
/* The decoded value of a query parameter, or NULL; the caller frees it. */
char		*request_query(const struct request *, const char *name);
/*
 * Decodes "Basic <base64(user:pass)>".  Returns 0 and heap strings (caller
 * frees), or -1 for anything malformed.
 */
int		 request_auth_basic(const char *header, char **user, char **pass);

#endif
