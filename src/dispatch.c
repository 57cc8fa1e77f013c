/* A request's way through the house, without the socket. */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "clock.h"
#include "dispatch.h"
#include "journal.h"
#include "session.h"
#include "util.h"

#define ADMIN_PREFIX	"/__admin"

/* The session a request names, or NULL after writing the error it deserves. */
static const char *
dispatch_session_name(const struct request *req, char *buf, size_t len,
    int *bad)
{
	const char	*h = request_header(req, "X-Paymock-Session");
	char		*q = NULL;

	*bad = 0;
	if (h == NULL)
		h = q = request_query(req, "session");
	if (h == NULL)
		h = "default";
	if (!session_name_ok(h))
		*bad = 1;
	snprintf(buf, len, "%s", *bad ? "default" : h);
	free(q);
	return (buf);
}

static json_t *
dispatch_headers_json(const struct request *req)
{
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; i < req->nheaders; i++)
		json_object_set_new(o, req->headers[i].name,
		    json_string(req->headers[i].value));
	return (o);
}

static void
dispatch_journal(struct call *c)
{
	struct journal_entry	e = { 0 };
	struct reply		*r = c->reply;

	e.at_ms = c->now;
	e.provider = c->provider->name;
	e.operation = c->route != NULL ? c->route->operation : "unknown";
	e.method = xstrdup(c->req->method);
	e.path = xstrdup(c->req->path);
	e.req_headers = dispatch_headers_json(c->req);
	e.req_body = c->req->body_len > 0 ?
	    xstrndup(c->req->body, c->req->body_len) : NULL;
	e.status = r->status;
	e.resp_body = r->body != NULL ? xstrdup(r->body) : NULL;
	e.refund_id = r->refund_id != NULL ? xstrdup(r->refund_id) : NULL;
	e.note = r->note != NULL ? xstrdup(r->note) : NULL;
	journal_add(c->session->journal, &e);
}

static void
dispatch_provider(struct call *c, const char *rest)
{
	struct route_match	m;
	size_t			i;

	if (router_match(c->provider->routes, c->provider->nroutes,
	    c->req->method, rest, &m) == 0) {
		c->route = m.route;
		for (i = 0; i < m.nparams; i++)
			c->params[i] = m.params[i];
		if (c->req->body_len > REQUEST_BODY_MAX)
			provider_fail(c, PERR_TOO_LARGE, "The request body is larger "
			    "than %d bytes", REQUEST_BODY_MAX);
		else
			provider_handle(c);
	} else if (m.path_known) {
		reply_header(c->reply, "Allow", m.allow);
		provider_fail(c, PERR_METHOD, "Method %s is not allowed here; "
		    "use %s", c->req->method, m.allow);
	} else
		provider_fail(c, PERR_NO_ROUTE, "No %s endpoint at %s",
		    c->provider->name, rest);
	dispatch_journal(c);
	c->body = (json_decref(c->body), NULL);
}

void
dispatch(struct app *app, const struct request *req, struct reply *reply,
    struct dispatch_info *info)
{
	struct call	 c = { .app = app, .req = req, .reply = reply };
	const char	*path = req->path, *rest;
	char		 prefix[64];
	size_t		 n;
	int		 bad;

	memset(info, 0, sizeof *info);
	dispatch_session_name(req, info->session, sizeof info->session, &bad);
	if (bad) {
		/* Before any provider: a session name is paymock's, not the provider's. */
		admin_error(&c, 400, "invalid_session", "X-Paymock-Session must be "
		    "1 to 64 characters of A-Z a-z 0-9 . _ -");
		return;
	}
	if (strncmp(path, ADMIN_PREFIX, strlen(ADMIN_PREFIX)) == 0 &&
	    (path[strlen(ADMIN_PREFIX)] == '/' || path[strlen(ADMIN_PREFIX)] == '\0')) {
		c.session = sessions_get(app->sessions, info->session);
		c.now = clock_now(c.session->clock);
		admin_handle(&c, path + strlen(ADMIN_PREFIX));
		info->operation = c.route != NULL ? c.route->operation : NULL;
		return;
	}

	n = strcspn(path + 1, "/");
	rest = path + 1 + n;
	snprintf(prefix, sizeof prefix, "%.*s", (int)(n < 63 ? n : 63), path + 1);
	if ((c.provider = provider_find(prefix)) == NULL) {
		admin_error(&c, 404, "not_found", "no provider at /%s; paymock serves "
		    "/smartretry, /smartpay, /utgl, /accelebit, /payengine and /__admin",
		    prefix);
		return;
	}
	info->provider = c.provider->name;
	c.session = sessions_get(app->sessions, info->session);
	c.now = clock_now(c.session->clock);
	dispatch_provider(&c, *rest != '\0' ? rest : "/");
	info->operation = c.route != NULL ? c.route->operation : NULL;
}
