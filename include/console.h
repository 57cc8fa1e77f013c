/*
 * The QA console: the files of src/ui, compiled in by tools/assets2c.py,
 * served at /__admin/ui without the admin token (they hold no data: every
 * call they make is an admin call, behind it), and the redirect of a
 * browser's GET / there.
 */
#ifndef PAYMOCK_CONSOLE_H
#define PAYMOCK_CONSOLE_H

#include <stddef.h>

#include "reply.h"
#include "request.h"

/* Where the console lives, and what GET / with Accept: text/html redirects to. */
#define CONSOLE_PATH	"/__admin/ui"

/* One file of src/ui: its path below it, its media type, its bytes (no NUL among them). */
struct console_asset {
	const char	*name;
	const char	*content_type;
	size_t		 len;
	const char	*data;
};

/* The generated table (build/gen/ui_assets.c). */
extern const struct console_asset console_assets[];
extern const size_t console_nassets;

/* The asset at 'name' ("" and "/" are index.html), or NULL. */
const struct console_asset *console_find(const char *name);
/*
 * 1 if 'req' is the console's: a GET or HEAD of CONSOLE_PATH or below it,
 * or a browser's GET / (answered 302 to CONSOLE_PATH).  '*asset' is the
 * file asked for, NULL for the redirect or a file that is not there.
 */
int	console_route(const struct request *req, const struct console_asset **asset);
/* The reply serving 'a': its type, no-cache, and the console's strict CSP. */
void	console_reply(const struct console_asset *a, struct reply *);
/* The reply of GET / from a browser: 302 to the console. */
void	console_redirect(struct reply *);

#endif
