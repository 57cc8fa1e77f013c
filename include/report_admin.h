/*
 * The report's admin calls: GET /__admin/report and POST
 * /__admin/report/ignore (docs/report.md).
 */
#ifndef PAYMOCK_REPORT_ADMIN_H
#define PAYMOCK_REPORT_ADMIN_H

#include <jansson.h>

#include "call.h"

void	 report_admin_get(struct call *);
void	 report_admin_ignore(struct call *);
/*
 * The journal entries the session's findings cite, as report_citations
 * gives them (a new object): one report at the default settings.
 */
json_t	*report_admin_citations(struct call *);

#endif
