/* Identifiers in each provider's format, drawn from a session's generator. */
#include <string.h>
#include <uuid/uuid.h>

#include "ids.h"
#include "util.h"

char *
ids_uuid(struct rng *r, char out[IDS_UUID_MAX])
{
	uuid_t	u;

	rng_bytes(r, u, sizeof u);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	uuid_unparse_lower(u, out);
	return (out);
}

char *
ids_alnum(struct rng *r, const char *prefix, size_t n, char *out)
{
	static const char	set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t			plen = strlen(prefix), i;

	memcpy(out, prefix, plen);
	for (i = 0; i < n; i++)
		out[plen + i] = set[rng_next(r) % (sizeof set - 1)];
	out[plen + n] = '\0';
	return (out);
}

char *
ids_hex(struct rng *r, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++)
		out[i] = hex[rng_next(r) & 15];
	out[n] = '\0';
	return (out);
}

char *
ids_base64url(struct rng *r, size_t nbytes, char *out)
{
	static const char	b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char		raw[64];
	size_t			i, o = 0;

	if (nbytes > sizeof raw)
		fatal("%s: %zu bytes", __func__, nbytes);
	rng_bytes(r, raw, nbytes);
	for (i = 0; i < nbytes; i += 3) {
		unsigned v = raw[i] << 16;
		if (i + 1 < nbytes)
			v |= raw[i + 1] << 8;
		if (i + 2 < nbytes)
			v |= raw[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (i + 1 < nbytes)
			out[o++] = b64[(v >> 6) & 63];
		if (i + 2 < nbytes)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
	return (out);
}

int
ids_is_uuid(const char *s)
{
	uuid_t	u;

	return (strlen(s) == 36 && uuid_parse(s, u) == 0);
}
