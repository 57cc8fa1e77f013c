/* Request matching, shared by scenario rules and journal counts. */
#define _GNU_SOURCE	/* memmem (POSIX.1-2024; glibc declares it only so) */
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "jsonx.h"
#include "match.h"
#include "provider.h"
#include "util.h"

static const char *match_string_keys[] = { "provider", "operation", "method", "path" };

int
match_key_known(const char *key, int with_status)
{
	size_t	i;

	for (i = 0; i < nitems(match_string_keys); i++) {
		if (strcmp(key, match_string_keys[i]) == 0)
			return (1);
	}
	return (strcmp(key, "headers") == 0 || strcmp(key, "body") == 0 ||
	    (with_status && (strcmp(key, "status") == 0 || strcmp(key, "rule") == 0 ||
	    strcmp(key, "warnings") == 0)));
}

/*
 * A path glob is literal runs between '*'s.  The first run must start the
 * path and the last end it; each run between is found leftmost after the
 * one before (leftmost never loses a match when '*' is the only wildcard).
 * memmem finds a run in linear time (glibc and musl guarantee it: Two-Way),
 * so a match costs O(path + pattern), and a pattern built to make
 * backtracking quadratic gains nothing.
 */
static int
match_glob(const char *pattern, const char *s)
{
	const char	*first = strchr(pattern, '*'), *last, *run, *hit;
	size_t		 n = strlen(s), head, tail, at, m;

	if (first == NULL)
		return (strcmp(pattern, s) == 0);
	head = (size_t)(first - pattern);
	last = strrchr(pattern, '*') + 1;
	tail = strlen(last);
	if (head + tail > n || memcmp(pattern, s, head) != 0 ||
	    memcmp(last, s + n - tail, tail) != 0)
		return (0);
	n -= tail;
	at = head;
	for (run = first + 1; run < last; run += m + 1) {
		if ((m = strcspn(run, "*")) == 0)
			continue;
		if ((hit = memmem(s + at, n - at, run, m)) == NULL)
			return (0);
		at = (size_t)(hit - s) + m;
	}
	return (1);
}

static char **
match_slot(struct match *m, size_t i)
{
	char	**slots[] = { &m->provider, &m->operation, &m->method, &m->path };

	return (slots[i]);
}

int
match_parse(const json_t *o, const char *where, int with_status, struct match *m,
    char **cause)
{
	const json_t	*v;
	const char	*key;
	json_t		*hv;
	int64_t		 status;
	size_t		 i;

	memset(m, 0, sizeof *m);
	if (!json_is_object(o)) {
		*cause = xasprintf("%s: must be an object", where);
		return (-1);
	}
	for (i = 0; i < nitems(match_string_keys); i++) {
		const char *s;
		if ((v = json_object_get(o, match_string_keys[i])) == NULL)
			continue;
		if ((s = jsonx_string(v)) == NULL) {
			*cause = xasprintf("%s.%s: must be a string", where,
			    match_string_keys[i]);
			goto out_fail;
		}
		*match_slot(m, i) = xstrdup(s);
	}
	if (m->path != NULL && strlen(m->path) > MATCH_PATTERN_MAX) {
		*cause = xasprintf("%s.path: must be at most %d bytes", where,
		    MATCH_PATTERN_MAX);
		goto out_fail;
	}
	if (m->provider != NULL && provider_find(m->provider) == NULL) {
		*cause = xasprintf("%s.provider: unknown provider '%s'", where, m->provider);
		goto out_fail;
	}
	if ((v = json_object_get(o, "headers")) != NULL) {
		if (!json_is_object(v)) {
			*cause = xasprintf("%s.headers: must be an object", where);
			goto out_fail;
		}
		json_object_foreach((json_t *)v, key, hv) {
			if (jsonx_string(hv) == NULL) {
				*cause = xasprintf("%s.headers.%s: must be a string",
				    where, key);
				goto out_fail;
			}
		}
		m->headers = json_incref((json_t *)v);
	}
	if ((v = json_object_get(o, "body")) != NULL) {
		if (!json_is_object(v)) {
			*cause = xasprintf("%s.body: must be an object", where);
			goto out_fail;
		}
		m->body = json_incref((json_t *)v);
	}
	if (with_status && (v = json_object_get(o, "status")) != NULL) {
		if (jsonx_int64(v, &status) != 0 || status < 100 || status > 599) {
			*cause = xasprintf("%s.status: must be 100-599", where);
			goto out_fail;
		}
		m->status = (int)status;
	}
	if (with_status && (v = json_object_get(o, "rule")) != NULL) {
		if (jsonx_string(v) == NULL) {
			*cause = xasprintf("%s.rule: must be a string", where);
			goto out_fail;
		}
		m->rule = xstrdup(jsonx_string(v));
	}
	if (with_status && (v = json_object_get(o, "warnings")) != NULL) {
		if (!json_is_boolean(v)) {
			*cause = xasprintf("%s.warnings: must be true or false", where);
			goto out_fail;
		}
		m->warnings = json_is_true(v) ? 1 : -1;
	}
	return (0);
out_fail:
	match_release(m);
	return (-1);
}

void
match_release(struct match *m)
{
	size_t	i;

	for (i = 0; i < nitems(match_string_keys); i++)
		free(*match_slot(m, i));
	json_decref(m->headers);
	json_decref(m->body);
	free(m->rule);
	memset(m, 0, sizeof *m);
}

static int
match_str(const char *want, const char *have)
{
	return (want == NULL || (have != NULL && strcmp(want, have) == 0));
}

int
match_test(const struct match *m, const struct match_subject *s)
{
	const char	*name;
	json_t		*want;

	if (!match_str(m->provider, s->provider) ||
	    !match_str(m->operation, s->operation) ||
	    (m->method != NULL && (s->method == NULL ||
	    str_casecmp(m->method, s->method) != 0)) ||
	    (m->path != NULL && (s->path == NULL ||
	    !match_glob(m->path, s->path))) ||
	    (m->status != 0 && m->status != s->status))
		return (0);
	if (m->headers != NULL) {
		json_object_foreach(m->headers, name, want) {
			const char *have = s->header(s->header_arg, name);
			if (have == NULL || strcmp(have, json_string_value(want)) != 0)
				return (0);
		}
	}
	return (m->body == NULL || jsonx_subset(m->body, s->body));
}

static const char *
match_entry_header(const void *arg, const char *name)
{
	return (journal_header(arg, name));
}

int
match_entry(const struct match *m, const struct journal_entry *e)
{
	struct match_subject	 s = {
		.provider = e->provider, .operation = e->operation,
		.method = e->method, .path = e->path,
		.header = match_entry_header, .header_arg = e,
		.status = e->status,
	};
	json_t			*body = NULL;
	char			*cause = NULL;
	int			 ok;

	if (m->body != NULL && e->req_body != NULL &&
	    (body = jsonx_loads(e->req_body, strlen(e->req_body), &cause)) == NULL)
		free(cause);
	s.body = body;
	ok = match_test(m, &s) && match_str(m->rule, e->rule) &&
	    (m->warnings == 0 || (m->warnings > 0) == (e->warnings != NULL));
	json_decref(body);
	return (ok);
}
