/*
 * Fuzz path: HTTP-shaped bytes through dispatch(), everything but the
 * socket, against sessions built from the real fixtures.  One harness per
 * provider (fuzz-smartpay, ...) and one for the admin API (fuzz-admin, whose
 * records may also call any provider, so scenario rules and faults fire on
 * real adapter calls).
 *
 * An input is up to FUZZ_RECORDS records separated by 0x1e, each one request:
 *
 *	byte 0	route: the provider's routes in table order, then one of them
 *		with a wrong method, then a raw path under the prefix, then a
 *		raw path from the root
 *	byte 1	flags (FLAG_*)
 *	PARAM\n	fills the route's {parameters} (space-separated; what is left
 *		is the query), or is the raw path
 *	Name: value\n ... \n	headers, up to an empty line
 *	body	the rest of the record
 *
 * Oracles beyond the sanitizers: every reply has a status in 100..599; a
 * provider harness (no scenarios can be loaded there) only ever answers
 * JSON when it says JSON; no transaction is ever refunded beyond its amount;
 * every journal entry can be listed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dispatch.h"
#include "fixtures.h"
#include "fuzz.h"
#include "journal.h"
#include "jsonx.h"
#include "ledger.h"
#include "provider.h"
#include "session.h"
#include "util.h"

#define FUZZ_RECORDS	16
#define FUZZ_HEADERS	32
#define FUZZ_HELD	FUZZ_RECORDS

#define FLAG_PROVIDER_PORT	0x01	/* req->provider set: paths unprefixed */
#define FLAG_ADVANCE		0x02	/* advance the clock (byte 0 minutes) after */
#define FLAG_HOLD_IDEM		0x04	/* keep a held key in flight to the end */
#define FLAG_QUERY		0x08	/* the path keeps its ?query */
#define FLAG_METHOD_SHIFT	4	/* bits 4-6: the wrong method */

static const char *const fuzz_methods[] = {
	"PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "GET", "POST", "BREW",
};

struct fuzz_held {
	char	 session[65];
	uint64_t session_id;
	char	*key;
};

/* Writes 'pattern' with its {parameters} replaced by the words of 'param'. */
static void
fuzz_fill(struct buf *out, const char *pattern, const char *param)
{
	const char	*p, *w = param;

	for (p = pattern; *p != '\0'; p++) {
		if (*p != '{') {
			buf_add(out, p, 1);
			continue;
		}
		while (*p != '\0' && *p != '}')
			p++;
		if (*p == '\0')
			break;
		buf_add(out, w, strcspn(w, " "));
		w += strcspn(w, " ");
		if (*w == ' ')
			w++;
	}
	/* Words left over are the query. */
	if (*w != '\0') {
		buf_adds(out, "?");
		buf_adds(out, w);
	}
}

/* One record's request: method, path and query into 'path'. */
static void
fuzz_route(const struct provider *p, uint8_t sel, uint8_t flags,
    const char *param, struct buf *path, const char **method)
{
	const struct provider	*target = p;
	size_t			 nroutes, i;
	int			 unprefixed = (flags & FLAG_PROVIDER_PORT) != 0;

	if (p == NULL) {
		/* The admin harness calls a provider one record in four. */
		if ((sel & 3) == 3) {
			target = providers[(sel >> 2) % nproviders];
			sel = (uint8_t)(sel >> 4);
		}
	}
	if (target == NULL) {
		/* Admin routes are not exported: the raw path does it. */
		*method = fuzz_methods[(flags >> FLAG_METHOD_SHIFT) & 7];
		if ((sel & 1) == 0)
			*method = (sel & 2) ? "GET" : "POST";
		buf_adds(path, "/__admin");
		if (*param != '/')
			buf_adds(path, "/");
		buf_adds(path, param);
		return;
	}
	nroutes = target->nroutes;
	i = sel % (nroutes + 3);
	/* Under the prefix, unless as a --provider-port or the raw path from the root. */
	if (!unprefixed && i != nroutes + 2) {
		buf_adds(path, "/");
		buf_adds(path, target->name);
	}
	if (i < nroutes) {
		*method = target->routes[i].method;
		fuzz_fill(path, target->routes[i].pattern, param);
	} else if (i == nroutes) {
		*method = fuzz_methods[(flags >> FLAG_METHOD_SHIFT) & 7];
		fuzz_fill(path, target->routes[sel / (nroutes + 3) % nroutes].pattern,
		    param);
	} else {
		*method = fuzz_methods[(flags >> FLAG_METHOD_SHIFT) & 7];
		if (*param != '/')
			buf_adds(path, "/");
		buf_adds(path, param);
	}
}

/* A provider's reply that calls itself JSON must be JSON. */
static void
fuzz_check_reply(const struct provider *p, const struct reply *rep,
    const struct plan *plan)
{
	json_t	*v;
	char	*cause;

	if (plan->kind != PLAN_REPLY)
		return;
	if (rep->status < 100 || rep->status > 599) {
		fprintf(stderr, "fuzz: status %d\n", rep->status);
		abort();
	}
	if (p == NULL || rep->body == NULL || *rep->body == '\0' ||
	    rep->content_type == NULL || strstr(rep->content_type, "json") == NULL)
		return;
	if ((v = jsonx_loads(rep->body, strlen(rep->body), &cause)) == NULL) {
		fprintf(stderr, "fuzz: reply is not JSON (%s): %s\n", cause, rep->body);
		abort();
	}
	json_decref(v);
}

static void
fuzz_check_txn(const struct txn *t, void *arg)
{
	struct session	*s = arg;
	int64_t		 now = clock_now(s->clock);
	int64_t		 left = ledger_refundable(s->ledger, t, now);
	int64_t		 done = ledger_refunded(s->ledger, t, now);

	if (left < 0 || left > t->amount || done < 0 || done > t->amount) {
		fprintf(stderr, "fuzz: %s %s: amount %lld, refundable %lld, "
		    "refunded %lld\n", t->provider, t->id, (long long)t->amount,
		    (long long)left, (long long)done);
		abort();
	}
}

/* Every journal entry can be listed (json_pack refuses what is not UTF-8). */
static int
fuzz_check_entry(const struct journal_entry *e, void *arg)
{
	json_t	*v = journal_entry_json(e);

	(void)arg;
	if (v == NULL) {
		fprintf(stderr, "fuzz: a journal entry cannot be listed\n");
		abort();
	}
	json_decref(v);
	return (0);
}

void
fuzz_check_ledger(struct session *s, void *arg)
{
	(void)arg;
	ledger_txn_each(s->ledger, NULL, fuzz_check_txn, s);
}

void
fuzz_check_session(struct session *s, void *arg)
{
	fuzz_check_ledger(s, arg);
	journal_each(s->journal, fuzz_check_entry, NULL);
}

/* Runs one record; returns a held idempotency key (or NULL) in 'held'. */
static void
fuzz_record(struct app *app, const struct provider *p, const uint8_t *data,
    size_t size, struct fuzz_held *held)
{
	struct header		 headers[FUZZ_HEADERS];
	struct request		 r = { 0 };
	struct reply		 rep = { 0 };
	struct dispatch_info	 info;
	struct plan		 plan;
	struct buf		 path = { 0 };
	char			*text, *line, *next, *body, *q;
	size_t			 n = 0;
	uint8_t			 sel, flags;

	if (size < 2)
		return;
	sel = data[0];
	flags = data[1];
	/* A C-string copy for the lines; the body keeps its NUL bytes. */
	text = xmalloc(size - 2 + 1);
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	body = text + (size - 2);
	line = text;
	if ((next = memchr(line, '\n', (size_t)(body - line))) != NULL) {
		*next = '\0';
		/* Headers until an empty line; the body is what follows. */
		for (line = next + 1; line < body; line = next + 1) {
			char *colon;
			if ((next = memchr(line, '\n', (size_t)(body - line))) == NULL)
				next = body;
			*next = '\0';
			if (*line == '\0')
				break;
			if ((colon = strchr(line, ':')) == NULL || n == FUZZ_HEADERS)
				continue;
			*colon++ = '\0';
			while (*colon == ' ')
				colon++;
			headers[n].name = line;
			headers[n++].value = colon;
		}
		body = next < body ? next + 1 : body;
	}
	fuzz_route(p, sel, flags, text, &path, &r.method);
	r.path = path.data;
	r.query = NULL;
	if ((q = strchr(path.data, '?')) != NULL) {
		*q = '\0';
		if (flags & FLAG_QUERY)
			r.query = q + 1;
	}
	r.headers = headers;
	r.nheaders = n;
	r.body = body;
	r.body_len = (size_t)(text + (size - 2) - body);
	if (p != NULL && (flags & FLAG_PROVIDER_PORT))
		r.provider = p->name;

	dispatch(app, &r, &rep, &info, &plan);
	work_finish(&plan.work, app, &rep);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s %s%s%s [%s] -> %d plan %d %s\n", r.method, r.path,
		    r.query != NULL ? "?" : "", r.query != NULL ? r.query : "",
		    info.session, rep.status, (int)plan.kind,
		    rep.body != NULL ? rep.body : "");
	fuzz_check_reply(p, &rep, &plan);
	if (plan.idem_key != NULL) {
		if ((flags & FLAG_HOLD_IDEM) && held->key == NULL) {
			snprintf(held->session, sizeof held->session, "%s", info.session);
			held->key = plan.idem_key;
			held->session_id = plan.session_id;
			plan.idem_key = NULL;
		} else
			dispatch_release(app, info.session, plan.session_id,
			    plan.idem_key);
	}
	free(plan.idem_key);
	reply_release(&rep);

	if (flags & FLAG_ADVANCE) {
		struct request	 adv = { .method = "POST", .path = "/__admin/clock/advance",
		    .headers = headers, .nheaders = 0 };
		char		 b[64];
		size_t		 i;

		/* In the session the record used. */
		for (i = 0; i < n; i++) {
			if (str_casecmp(headers[i].name, "X-Paymock-Session") == 0) {
				adv.headers = &headers[i];
				adv.nheaders = 1;
			}
		}
		adv.body = b;
		adv.body_len = (size_t)snprintf(b, sizeof b, "{\"seconds\":%d}",
		    sel * 60);
		dispatch(app, &adv, &rep, &info, &plan);
		free(plan.idem_key);
		reply_release(&rep);
	}
	buf_release(&path);
	free(text);
}

int
fuzz_dispatch_input(const char *target, const uint8_t *data, size_t size)
{
	const struct provider	*p = provider_find(target);
	struct app		 app = { 0 };
	struct fuzz_held	 held[FUZZ_HELD];
	const uint8_t		*end = data + size, *rec, *sep;
	size_t			 nrec = 0, i;

	memset(held, 0, sizeof held);
	app.fixtures = fuzz_fixtures;
	app.scenario_dir = fuzz_scenario_dir;
	app.started_ms = FUZZ_EPOCH_MS;
	app.sessions = sessions_new(fuzz_fixtures, 1, 1, FUZZ_EPOCH_MS, 64);
	for (rec = data; rec < end && nrec < FUZZ_RECORDS; rec = sep + 1, nrec++) {
		if ((sep = memchr(rec, 0x1e, (size_t)(end - rec))) == NULL)
			sep = end;
		fuzz_record(&app, p, rec, (size_t)(sep - rec), &held[nrec]);
	}
	sessions_each(app.sessions, fuzz_check_session, NULL);
	for (i = 0; i < FUZZ_HELD; i++) {
		if (held[i].key != NULL)
			dispatch_release(&app, held[i].session, held[i].session_id,
			    held[i].key);
		free(held[i].key);
	}
	sessions_free(app.sessions);
	return (0);
}
