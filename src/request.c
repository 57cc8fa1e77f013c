/* A request as the transport read it: its headers, query and Basic credentials. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "request.h"
#include "util.h"

const char *
request_header(const struct request *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		if (str_casecmp(r->headers[i].name, name) == 0)
			return (r->headers[i].value);
	}
	return (NULL);
}

static int
request_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

char *
request_query(const struct request *r, const char *name)
{
	const char	*q = r->query, *end;
	size_t		 n = strlen(name);
	struct buf	 b = { 0 };

	for (; q != NULL && *q != '\0'; q = *end != '\0' ? end + 1 : end) {
		end = q + strcspn(q, "&");
		if (strncmp(q, name, n) != 0 || (q[n] != '=' && q + n != end))
			continue;
		for (q += n + (q[n] == '='); q < end; q++) {
			int hi, lo;
			if (*q == '%' && end - q >= 3 && (hi = request_hexval(q[1])) >= 0 &&
			    (lo = request_hexval(q[2])) >= 0 && (hi || lo)) {
				char ch = (char)(hi << 4 | lo);
				buf_add(&b, &ch, 1);
				q += 2;
			} else
				buf_add(&b, *q == '+' ? " " : q, 1);
		}
		return (buf_steal(&b));
	}
	return (NULL);
}

static int
request_b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

int
request_auth_basic(const char *header, char **user, char **pass)
{
	struct buf	 b = { 0 };
	const char	*p, *colon;
	unsigned	 acc = 0;
	int		 bits = 0, v;
	size_t		 pad = 0;

	if (header == NULL || strncasecmp(header, "Basic ", 6) != 0)
		return (-1);
	for (p = header + 6; *p == ' '; p++)
		;
	for (; *p != '\0'; p++) {
		if (*p == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = request_b64val(*p)) < 0)
			goto out_bad;
		acc = (acc << 6) | (unsigned)v;
		if ((bits += 6) >= 8) {
			char ch = (char)((acc >> (bits - 8)) & 0xff);
			bits -= 8;
			buf_add(&b, &ch, 1);
		}
	}
	if (b.len == 0 || pad > 2 || memchr(b.data, '\0', b.len) != NULL ||
	    (colon = strchr(b.data, ':')) == NULL)
		goto out_bad;
	*user = xstrndup(b.data, (size_t)(colon - b.data));
	*pass = xstrdup(colon + 1);
	buf_release(&b);
	return (0);
out_bad:
	buf_release(&b);
	return (-1);
}
