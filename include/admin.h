/* The /__admin API: health, sessions, clock, ledger, journal. */
#ifndef PAYMOCK_ADMIN_H
#define PAYMOCK_ADMIN_H

#include "call.h"

/* The admin calls, paths below "/__admin"; read-only (docs/openapi/admin.yaml lists them). */
extern const struct route admin_routes[];
extern const size_t admin_nroutes;

/* Routes and runs an admin request; 'c->req->path' is below "/__admin". */
void	admin_handle(struct call *, const char *path);
/*
 * 1 if the request may go on: no admin token is set, 'path' (below
 * "/__admin") is the health check, or it carries "Authorization: Bearer
 * TOKEN"; else 0 with a 401 written.
 */
int	admin_authorize(struct call *, const char *path);
/*
 * 1 if the admin call would add state (refused past --max-memory): writes,
 * but for those that free (reset) or only read (journal/count).  'path' is
 * below "/__admin".
 */
int	admin_adds_state(const char *method, const char *path);
/*
 * 1 if the request may go on: it only reads (GET, HEAD, OPTIONS), or it
 * carries no Origin and no Sec-Fetch-Site (curl, SDKs), or its Origin is
 * the server's own (http:// and its Host); else 0 with a 403 cross_origin
 * written.  A page on another site must not drive the admin API through a
 * tester's browser.
 */
int	admin_same_origin(struct call *);
/* The journal's event stream, below "/__admin": the one route that takes ?token=. */
#define ADMIN_STREAM_PATH	"/journal/stream"
/* The admin error shape: {"error":{"code","message"}}. */
void	admin_error(struct call *, int status, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

#endif
