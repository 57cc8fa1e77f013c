/* The compiled-in OpenAPI documents, found by name. */
#include <string.h>

#include "openapi.h"
#include "reply.h"
#include "util.h"

const struct openapi_spec *
openapi_find(const char *name)
{
	size_t	i;

	for (i = 0; i < openapi_nspecs; i++)
		if (strcmp(openapi_specs[i].name, name) == 0)
			return (&openapi_specs[i]);
	return (NULL);
}

void
openapi_reply(struct reply *r, const struct openapi_spec *spec)
{
	r->status = 200;
	r->content_type = "application/json";
	r->body = xstrdup(spec->json);
}
