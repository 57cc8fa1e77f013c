/* The QA console's files, served from the binary, and the way a browser finds them. */
#include <string.h>

#include "console.h"
#include "util.h"

/*
 * Only the server's own scripts, styles and calls; no inline script or
 * style attribute (U2's rule), no framing (clickjacking of the reset and
 * delete buttons).
 */
#define CONSOLE_CSP	"default-src 'self'; style-src 'self'; script-src 'self'; " \
	"connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"

const struct console_asset *
console_find(const char *name)
{
	size_t	i;

	if (*name == '/')
		name++;
	if (*name == '\0')
		name = "index.html";
	for (i = 0; i < console_nassets; i++) {
		if (strcmp(console_assets[i].name, name) == 0)
			return (&console_assets[i]);
	}
	return (NULL);
}

/* A browser navigating asks for HTML first; an API client (curl, an SDK) does not. */
static int
console_browser(const struct request *req)
{
	const char	*accept = request_header(req, "Accept");

	return (accept != NULL && strstr(accept, "text/html") != NULL);
}

int
console_route(const struct request *req, const struct console_asset **asset)
{
	size_t	n = strlen(CONSOLE_PATH);

	*asset = NULL;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return (0);
	if (strcmp(req->path, "/") == 0)
		return (strcmp(req->method, "GET") == 0 && console_browser(req));
	if (strncmp(req->path, CONSOLE_PATH, n) != 0 ||
	    (req->path[n] != '\0' && req->path[n] != '/'))
		return (0);
	*asset = console_find(req->path + n);
	return (1);
}

void
console_reply(const struct console_asset *a, struct reply *r)
{
	r->status = 200;
	r->content_type = a->content_type;
	r->body = xmalloc(a->len + 1);
	memcpy(r->body, a->data, a->len);
	r->body[a->len] = '\0';
	reply_header(r, "Cache-Control", "no-cache");
	reply_header(r, "Content-Security-Policy", CONSOLE_CSP);
	reply_header(r, "X-Content-Type-Options", "nosniff");
	reply_header(r, "Referrer-Policy", "no-referrer");
}

void
console_redirect(struct reply *r)
{
	r->status = 302;
	reply_header(r, "Location", CONSOLE_PATH);
}
