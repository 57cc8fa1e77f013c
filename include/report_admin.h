/*
 * What the report's admin calls do (docs/report.md); admin.c routes them
 * and writes their errors.
 */
#ifndef PAYMOCK_REPORT_ADMIN_H
#define PAYMOCK_REPORT_ADMIN_H

#include <jansson.h>

#include <stddef.h>
#include <stdint.h>

#include "request.h"

struct session;

/*
 * GET /__admin/report: the report with the windows of the request's query,
 * and "config"; NULL with '*cause' (heap) for a bad query value.
 */
json_t	*report_admin_get(struct session *, const struct request *, int64_t now,
	    char **cause);
/*
 * POST /__admin/report/ignore with 'body' {"rule": ID, "ignore": true (the
 * default) | false}: silences the rule, or not; {"ignored": [...]}, or NULL
 * with '*cause' (heap) for a bad body.
 */
json_t	*report_admin_ignore(struct session *, const char *body, size_t len,
	    char **cause);
/*
 * The journal entries the session's findings cite, as report_citations
 * gives them (a new object): one report at the default settings.
 */
json_t	*report_admin_citations(struct session *, int64_t now);

#endif
