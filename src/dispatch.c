/* A request's way through the house, without the socket. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "clock.h"
#include "console.h"
#include "dispatch.h"
#include "idem.h"
#include "journal.h"
#include "jsonx.h"
#include "openapi.h"
#include "scenario.h"
#include "session.h"
#include "util.h"
#include "webhook.h"

#define ADMIN_PREFIX	"/__admin"
/* Seconds a client refused for want of room waits: eviction and freeing take milliseconds. */
#define DISPATCH_RETRY_AFTER	"1"

/* The session a request names into 'buf'; '*bad' if the name is not valid. */
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
	h = *bad ? "default" : h;
	/* snprintf(buf, len, "%s", h) without printf: once per request */
	if (len > 0) {
		size_t n = strlen(h) < len - 1 ? strlen(h) : len - 1;
		memcpy(buf, h, n);
		buf[n] = '\0';
	}
	free(q);
	return (buf);
}

/* A client that sends the admin token everywhere must not find it in a journal. */
static const char *
dispatch_header_shown(const char *value, const char *admin_token)
{
	return (admin_token != NULL && strstr(value, admin_token) != NULL ?
	    "[redacted]" : value);
}

/*
 * Headers packed for the journal (journal.h), made UTF-8: values from the
 * wire may not be, and the entry must still list.
 */
static char *
dispatch_headers_text(const struct header *h, size_t n, const char *admin_token)
{
	char	*text, *p;
	size_t	 i, len = 1;

	/* An empty name would end the list early: no such header is kept. */
	for (i = 0; i < n; i++)
		if (*h[i].name != '\0')
			len += strlen(h[i].name) + strlen(dispatch_header_shown(
			    h[i].value, admin_token)) + 2;
	p = text = xmalloc(len);
	for (i = 0; i < n; i++) {
		if (*h[i].name == '\0')
			continue;
		p = utf8_scrub(strcpy(p, h[i].name));
		p += strlen(p) + 1;
		p = utf8_scrub(strcpy(p, dispatch_header_shown(h[i].value,
		    admin_token)));
		p += strlen(p) + 1;
	}
	*p = '\0';
	return (text);
}

/* The reply's headers as they stand when it is journaled, Content-Type first. */
static char *
dispatch_reply_headers_text(const struct reply *r)
{
	struct header	*h = xcalloc(r->nheaders + 1, sizeof *h);
	size_t		 i, n = 0;
	char		*text;

	if (r->content_type != NULL)
		h[n++] = (struct header){ "Content-Type", r->content_type };
	for (i = 0; i < r->nheaders; i++)
		h[n++] = (struct header){ r->headers[i].name, r->headers[i].value };
	text = dispatch_headers_text(h, n, NULL);
	free(h);
	return (text);
}

/* Plans whose reply never reaches the client whole. */
static const int dispatch_plan_loses[] = {
	[PLAN_HANG] = 1, [PLAN_DROP] = 1, [PLAN_RESET] = 1, [PLAN_TRUNCATE] = 1,
};

/* Journals the request; returns its entry's number, 0 if none was kept. */
static uint64_t
dispatch_journal(struct call *c, const struct rule *rule, const struct plan *plan,
    int replied)
{
	struct journal_entry	e = { 0 }, *kept;
	struct reply		*r = c->reply;
	const char		*retry = reply_get_header(r, "Retry-After");

	e.at_ms = c->now;
	e.provider = c->provider->name;
	e.operation = c->route != NULL ? c->route->operation : "unknown";
	e.method = xstrdup(c->req->method);
	e.path = utf8_scrub(xstrdup(c->req->path));	/* or the entry cannot be listed */
	e.req_headers = dispatch_headers_text(c->req->headers, c->req->nheaders,
	    c->app->admin_token);
	e.req_body = journal_capture(c->req->body_len > 0 ? c->req->body : NULL,
	    c->req->body_len);
	e.req_body_len = c->req->body_len;
	e.status = replied ? r->status : 0;
	e.resp_headers = replied ? dispatch_reply_headers_text(r) : NULL;
	e.resp_body_len = replied && r->body != NULL ? strlen(r->body) : 0;
	e.resp_body = journal_capture(r->body, e.resp_body_len);
	e.refund_id = r->refund_id != NULL ? xstrdup(r->refund_id) : NULL;
	e.note = r->note != NULL ? xstrdup(r->note) : NULL;
	/* Kinds past the table's last row (slow, stream) lose nothing here. */
	e.reply_lost = (size_t)plan->kind < nitems(dispatch_plan_loses) &&
	    dispatch_plan_loses[plan->kind];
	e.retry_after_s = retry != NULL ? strtoll(retry, NULL, 10) : 0;
	e.warnings = call_warnings_steal(c);
	if (rule != NULL) {
		e.rule = xstrdup(rule->name);
		e.action = xstrdup(action_type_text(rule->action.type));
	}
	kept = session_journal(c->session, &e);
	return (kept != NULL ? kept->seq : 0);
}

static const char *
dispatch_header(const void *req, const char *name)
{
	return (request_header(req, name));
}

/* The first live scenario rule for this request, counting it against all. */
static const struct rule *
dispatch_rule(struct call *c)
{
	struct match_subject	 s = {
		.provider = c->provider->name,
		.operation = c->route != NULL ? c->route->operation : NULL,
		.method = c->req->method, .path = c->req->path,
		.header = dispatch_header, .header_arg = c->req,
	};
	const struct rule	*r;
	json_t			*body = NULL;
	char			*cause = NULL;

	if (rules_empty(c->session->rules))
		return (NULL);
	if (c->req->body_len > 0 &&
	    (body = jsonx_loads(c->req->body, c->req->body_len, &cause)) == NULL)
		free(cause);
	s.body = body;
	r = rules_match(c->session->rules, &s, &c->session->rng);
	json_decref(body);
	return (r);
}

static void
dispatch_respond(struct call *c, const struct action *a)
{
	const char	*name;
	json_t		*value;

	if (a->has_error)
		call_fail_neutral(c, a->error, a->status);
	else
		call_json(c, a->status, json_incref(a->body));
	if (a->headers != NULL) {
		json_object_foreach(a->headers, name, value)
			reply_header(c->reply, name, json_string_value(value));
	}
}

/*
 * Applies a rule's action: fills the reply or the plan, or sets what the
 * adapter should do.  Returns 1 if the request still goes to the adapter.
 */
static int
dispatch_act(struct call *c, const struct rule *rule, struct plan *plan)
{
	const struct action	*a = &rule->action;
	static const char	garbage[] = "{\"status\":\"ok\",\"data\":{\"id\":\"rf_";
	char			retry[24];

	plan->delay_ms = a->delay_ms;
	switch (a->type) {
	case ACTION_RESPOND:
		dispatch_respond(c, a);
		call_decorate(c);
		return (0);
	case ACTION_MALFORMED:
		c->reply->status = 200;
		c->reply->content_type = "application/json";
		c->reply->body = xstrdup(garbage);
		call_decorate(c);
		return (0);
	case ACTION_RATE_LIMIT:
		call_fail_neutral(c, PERR_RATE_LIMITED, 429);
		snprintf(retry, sizeof retry, "%lld", (long long)a->retry_after_s);
		reply_header(c->reply, "Retry-After", retry);
		call_decorate(c);
		return (0);
	case ACTION_HANG:
		plan->kind = PLAN_HANG;
		plan->hang_ms = a->ms;
		return (0);
	case ACTION_DROP:
		plan->kind = PLAN_DROP;
		return (0);
	case ACTION_RESET:
		plan->kind = PLAN_RESET;
		return (0);
	case ACTION_DELAY:
		plan->delay_ms += a->ms > 0 ? a->ms :
		    rng_range(rule_rng(rule, &c->session->rng), a->min_ms, a->max_ms);
		break;
	case ACTION_COMMIT_THEN_DROP:
		plan->kind = PLAN_DROP;
		break;
	case ACTION_TRUNCATE:
		plan->kind = PLAN_TRUNCATE;
		plan->bytes = a->bytes;
		break;
	case ACTION_SLOW:
		plan->kind = PLAN_SLOW;
		plan->bytes_per_s = a->bytes_per_s;
		c->hold_idem = 1;
		break;
	case ACTION_DECLINE:
		c->force_outcome = 1;
		c->outcome = OUTCOME_DECLINED;
		break;
	case ACTION_OUTCOME:
		c->force_settle = a->has_settle;
		c->settle_after_ms = a->settle_after_ms;
		c->force_outcome = a->has_outcome;
		c->outcome = a->outcome;
		break;
	default:
		break;
	}
	/* A held reply keeps its idempotency key in flight until it is sent. */
	if (plan->delay_ms > 0 && plan->kind == PLAN_REPLY)
		c->hold_idem = 1;
	return (1);
}

/* The adapter's own answer: its route, or its 405 or 404. */
static void
dispatch_adapter(struct call *c, const struct route_match *m, const char *rest,
    size_t nrefunds)
{
	size_t	i;

	if (c->route != NULL) {
		call_handle(c);
		/* Refunds just made announce their lives to the session's webhooks. */
		for (i = nrefunds; i < ledger_refund_count(c->session->ledger); i++)
			webhooks_schedule(c->session, c->provider->name,
			    ledger_refund_nth(c->session->ledger, i));
		if (i > nrefunds)
			webhook_engine_kick(c->app->webhooks);
		return;
	}
	if (m->path_known) {
		reply_header(c->reply, "Allow", m->allow);
		call_fail(c, PERR_METHOD, "Method %s is not allowed here; use %s",
		    c->req->method, m->allow);
	} else
		call_fail(c, PERR_NO_ROUTE, "No %s endpoint at %s",
		    c->provider->name, rest);
	call_decorate(c);
}

static void
dispatch_provider(struct call *c, const char *rest, struct plan *plan)
{
	struct route_match	 m;
	const struct rule	*rule = NULL;
	size_t			 i;
	int			 process = 1;

	if (router_match(c->provider->routes, c->provider->nroutes,
	    c->req->method, rest, &m) == 0) {
		c->route = m.route;
		for (i = 0; i < m.nparams; i++)
			c->params[i] = m.params[i];
	}
	if (c->req->body_len > REQUEST_BODY_MAX) {
		call_fail(c, PERR_TOO_LARGE, "The request body is larger than %d "
		    "bytes", REQUEST_BODY_MAX);
		call_decorate(c);
	} else {
		if ((rule = dispatch_rule(c)) != NULL)
			process = dispatch_act(c, rule, plan);
		if (process)
			dispatch_adapter(c, &m, rest, ledger_refund_count(c->session->ledger));
	}
	plan->journal_seq = dispatch_journal(c, rule, plan,
	    process || plan->kind == PLAN_REPLY);
	plan->idem_key = c->idem_key;
	plan->session_id = c->session->id;
	c->idem_key = NULL;
	c->body = (json_decref(c->body), NULL);
}

void
dispatch_release(struct app *app, const char *session, uint64_t session_id,
    const char *idem_key)
{
	struct session		*s = sessions_find_id(app->sessions, session, session_id);
	struct idem_record	*rec;

	if (s != NULL && (rec = idem_get(s->idem, idem_key, clock_now(s->clock))) != NULL)
		rec->in_flight = 0;
}

void
dispatch_lost(struct app *app, const char *session, uint64_t session_id,
    uint64_t seq)
{
	struct session		*s = sessions_find_id(app->sessions, session, session_id);
	struct journal_entry	*e;

	if (s != NULL && (e = journal_find(s->journal, seq)) != NULL)
		e->reply_lost = 1;
}

/* "/a, /b and /c": the prefixes of the provider table, for a 404 (heap). */
static char *
dispatch_served(void)
{
	struct buf	b = { 0 };
	size_t		i;

	for (i = 0; i < nproviders; i++)
		buf_addf(&b, "%s/%s", i == 0 ? "" : ", ", providers[i]->name);
	return (buf_steal(&b));
}

/*
 * GET /<provider>/openapi.json: the provider's spec, the same for every
 * session, so none is entered and nothing is journaled.  1 if answered; a
 * provider with no spec compiled in goes on to its own 404.
 */
static int
dispatch_openapi(struct call *c, const char *rest)
{
	const struct openapi_spec	*spec;

	if (strcmp(c->req->method, "GET") != 0 || strcmp(rest, "/openapi.json") != 0 ||
	    (spec = openapi_find(c->provider->name)) == NULL)
		return (0);
	openapi_reply(c->reply, spec);
	return (1);
}

/* The provider a prefixed path names, and the path below its prefix. */
static const struct provider *
dispatch_prefix(const char *path, const char **rest)
{
	char	prefix[64];
	size_t	n = strcspn(path + 1, "/");

	*rest = path + 1 + n;
	memcpy(prefix, path + 1, n < 63 ? n : 63);
	prefix[n < 63 ? n : 63] = '\0';
	return (provider_find(prefix));
}

static int
dispatch_is_admin(const char *path)
{
	size_t	n = strlen(ADMIN_PREFIX);

	return (strncmp(path, ADMIN_PREFIX, n) == 0 &&
	    (path[n] == '/' || path[n] == '\0'));
}

/*
 * A request the registry cannot take a session for: 503 and Retry-After,
 * in the provider's shape or as an admin error; no session is made.
 */
static void
dispatch_unavailable(struct call *c, const char *name, enum sessions_refusal why)
{
	static const char *const messages[] = {
		[SESSIONS_FULL] = "every session is busy at the session cap; retry shortly",
		[SESSIONS_OVER_MEMORY] = "paymock is past its memory budget; retry "
		    "shortly, or free some (DELETE /__admin/sessions/NAME)",
	};
	static uint64_t	 refused;	/* each refusal its own trace ids */
	struct session	 stand_in;

	if (c->provider == NULL)
		admin_error(c, 503, why == SESSIONS_FULL ? "too_many_sessions" :
		    "over_memory_budget", "%s", messages[why]);
	else {
		/* The error may want trace ids and a time: a stand-in's, kept by no one. */
		memset(&stand_in, 0, sizeof stand_in);
		rng_seed(&stand_in.rng, ++refused, name);
		c->session = &stand_in;
		c->now = clock_wall();
		call_fail(c, PERR_UNAVAILABLE, "%s", messages[why]);
		c->session = NULL;
	}
	reply_header(c->reply, "Retry-After", DISPATCH_RETRY_AFTER);
}

/* The request's session, or NULL with the 503 written. */
static struct session *
dispatch_enter(struct call *c, const char *name, int adds)
{
	enum sessions_refusal	why;
	struct session		*s = sessions_enter(c->app->sessions, name, adds, &why);

	if (s == NULL)
		dispatch_unavailable(c, name, why);
	return (s);
}

void
dispatch_refuse(struct app *app, const struct request *req, int status,
    const char *message, struct reply *reply, struct dispatch_info *info)
{
	struct call	 c = { .app = app, .req = req, .reply = reply };
	const char	*rest;
	int		 bad;

	memset(info, 0, sizeof *info);
	dispatch_session_name(req, info->session, sizeof info->session, &bad);
	if (req->provider != NULL)
		c.provider = provider_find(req->provider);
	else if (!dispatch_is_admin(req->path))
		c.provider = dispatch_prefix(req->path, &rest);
	if (c.provider == NULL) {
		admin_error(&c, status, "bad_request", "%s", message);
		return;
	}
	info->provider = c.provider->name;
	/* The provider's error needs a session (its trace ids come from its rng). */
	if ((c.session = dispatch_enter(&c, info->session, 0)) == NULL)
		return;
	c.now = clock_now(c.session->clock);
	call_error(&c, status, "BAD_REQUEST", NULL, "%s", message);
	call_decorate(&c);
	reply_date(reply, c.now);
}

/*
 * CORS, for a web front-end tested against the provider routes: every
 * origin may call them, as paymock takes no cookies.  The admin API stays
 * out of it: a page must not drive it from a browser.
 */
#define DISPATCH_CORS_MAX_AGE	"600"
/* What the providers read, when a preflight does not say what it will send. */
#define DISPATCH_CORS_HEADERS	"Accept-Language, Authorization, Content-Type, " \
	"Idempotency-Key, X-API-Key, X-Paymock-Session"
#define DISPATCH_CORS_METHODS	"GET, POST, PUT, PATCH, DELETE"

static int
dispatch_cors_on(const struct app *app, const struct request *req)
{
	return (!app->no_cors && (req->provider != NULL || !dispatch_is_admin(req->path)));
}

/* A list of header names or a method, safe to echo: tokens, commas, blanks. */
static int
dispatch_cors_echoable(const char *v)
{
	return (v != NULL && *v != '\0' && strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~, ") == strlen(v));
}

/*
 * A preflight (OPTIONS asking for a method) is answered here, 204, before
 * any session: browsers send it without the session header, and it is no
 * call on the provider (no journal entry, rule, fault or rate count).
 */
static int
dispatch_preflight(const struct app *app, const struct request *req, struct reply *reply,
    struct dispatch_info *info)
{
	const char	*method = request_header(req, "Access-Control-Request-Method");
	const char	*asked = request_header(req, "Access-Control-Request-Headers");
	const struct provider *p;
	const char	*rest;

	if (!dispatch_cors_on(app, req) || strcmp(req->method, "OPTIONS") != 0 ||
	    method == NULL)
		return (0);
	p = req->provider != NULL ? provider_find(req->provider) :
	    dispatch_prefix(req->path, &rest);
	info->provider = p != NULL ? p->name : NULL;
	info->operation = "preflight";
	reply->status = 204;
	reply_header(reply, "Access-Control-Allow-Methods",
	    dispatch_cors_echoable(method) ? method : DISPATCH_CORS_METHODS);
	reply_header(reply, "Access-Control-Allow-Headers",
	    dispatch_cors_echoable(asked) ? asked : DISPATCH_CORS_HEADERS);
	reply_header(reply, "Access-Control-Max-Age", DISPATCH_CORS_MAX_AGE);
	return (1);
}

void
dispatch_cors(const struct app *app, const struct request *req, struct reply *reply)
{
	const char	*origin = request_header(req, "Origin");
	struct buf	 names = { 0 };
	size_t		 i;

	if (origin == NULL || !dispatch_cors_on(app, req))
		return;
	/* What the reply carries, a browser may read (each name once: warnings repeat). */
	for (i = 0; i < reply->nheaders; i++)
		if (strncasecmp(reply->headers[i].name, "Access-Control-", 15) != 0 &&
		    str_casecmp(reply->headers[i].name, "Connection") != 0 &&
		    reply_get_header(reply, reply->headers[i].name) ==
		    reply->headers[i].value)
			buf_addf(&names, "%s%s", names.len > 0 ? ", " : "",
			    reply->headers[i].name);
	reply_header(reply, "Access-Control-Allow-Origin", origin);
	reply_header(reply, "Vary", "Origin");
	if (names.len > 0)
		reply_header(reply, "Access-Control-Expose-Headers", names.data);
	buf_release(&names);
}

/*
 * The console's files and a browser's GET /: no token (they hold no data),
 * no session, no journal entry.  1 if answered.
 */
static int
dispatch_console(struct call *c, struct dispatch_info *info)
{
	const struct console_asset	*asset;

	if (c->req->provider != NULL || !console_route(c->req, &asset))
		return (0);
	info->operation = "admin.console";
	if (asset != NULL)
		console_reply(asset, c->reply);
	else if (strcmp(c->req->path, "/") == 0)
		console_redirect(c->reply);
	else
		admin_error(c, 404, "not_found", "the console has no file %s",
		    c->req->path);
	return (1);
}

void
dispatch(struct app *app, const struct request *req, struct reply *reply,
    struct dispatch_info *info, struct plan *plan)
{
	struct call	 c = { .app = app, .req = req, .reply = reply };
	const char	*rest = req->path;
	char		*served;
	int		 bad;

	memset(info, 0, sizeof *info);
	memset(plan, 0, sizeof *plan);
	dispatch_session_name(req, info->session, sizeof info->session, &bad);
	if (dispatch_console(&c, info))
		return;
	/*
	 * Before anything else reads the request: a refused one changes
	 * nothing.  Another site's page is refused before the token is looked
	 * at, so that it learns nothing of it.
	 */
	if (req->provider == NULL && dispatch_is_admin(req->path) &&
	    (!admin_same_origin(&c) ||
	    !admin_authorize(&c, req->path + strlen(ADMIN_PREFIX))))
		return;
	if (dispatch_preflight(app, req, reply, info))
		return;
	if (bad) {
		/* Before any provider: a session name is paymock's, not the provider's. */
		admin_error(&c, 400, "invalid_session", "X-Paymock-Session must be "
		    "1 to 64 characters of A-Z a-z 0-9 . _ -");
		return;
	}
	if (req->provider != NULL)
		c.provider = provider_find(req->provider);
	else if (dispatch_is_admin(req->path)) {
		if ((c.session = dispatch_enter(&c, info->session, admin_adds_state(
		    req->method, req->path + strlen(ADMIN_PREFIX)))) == NULL)
			return;
		c.now = clock_now(c.session->clock);
		admin_handle(&c, req->path + strlen(ADMIN_PREFIX));
		/* After the call: a clock it moved dates its own reply. */
		reply_date(reply, clock_now(c.session->clock));
		plan->work = c.work;
		plan->session_born = c.session->born;
		if (c.stream_from != 0) {
			plan->kind = PLAN_STREAM;
			plan->stream_from = c.stream_from;
		}
		sessions_account(app->sessions, c.session);
		info->operation = c.route != NULL ? c.route->operation : NULL;
		/* Moving a clock may make webhook events due. */
		webhook_engine_kick(app->webhooks);
		return;
	} else if ((c.provider = dispatch_prefix(req->path, &rest)) == NULL) {
		served = dispatch_served();
		admin_error(&c, 404, "not_found", "no provider at %s; paymock serves "
		    "%s and /__admin", req->path, served);
		free(served);
		return;
	}
	info->provider = c.provider->name;
	if (dispatch_openapi(&c, rest)) {
		info->operation = "openapi";
		return;
	}
	if ((c.session = dispatch_enter(&c, info->session, 1)) == NULL)
		return;
	c.now = clock_now(c.session->clock);
	dispatch_provider(&c, *rest != '\0' ? rest : "/", plan);
	reply_date(reply, c.now);
	plan->session_born = c.session->born;
	sessions_account(app->sessions, c.session);
	info->operation = c.route != NULL ? c.route->operation : NULL;
}
