/* A reply under construction: its headers and what it owns. */
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "util.h"

void
reply_header(struct reply *r, const char *name, const char *value)
{
	r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrdup(value);
	r->nheaders++;
}

const char *
reply_get_header(const struct reply *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		if (str_casecmp(r->headers[i].name, name) == 0)
			return (r->headers[i].value);
	}
	return (NULL);
}

void
reply_release(struct reply *r)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	free(r->refund_id);
	free(r->note);
	memset(r, 0, sizeof *r);
}
