/* Scenarios and faults: parsing with JSON-path messages, matching, counting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "jsonx.h"
#include "metrics.h"
#include "money.h"
#include "quota.h"
#include "scenario.h"
#include "util.h"

#define SCENARIO_MAX_MS		(3600 * 1000)

/* One provider's lifecycle, if the scenario sets it. */
struct scenario_set {
	int				set;
	struct scenario_lifecycle	lifecycle;
};

struct scenario {
	char			*name;
	char			*description;
	int			 has_seed;
	struct rng		 rng;		/* its rules' draws, when seeded */
	struct scenario_set	*lifecycle;	/* nproviders, or NULL: none */
	struct rule		**rules;
	size_t			 nrules;
};

struct rules {
	struct rule		**faults;	/* oldest first; matched newest first */
	size_t			 nfaults;
	unsigned		 fault_seq;
	struct scenario		**scenarios;
	size_t			 nscenarios;
	size_t			 bytes;		/* held by the faults and scenarios */
};

/* Which keys each action takes besides "type" and "delay_ms". */
static const struct {
	const char	*name;
	const char	*keys[5];
	int		 webhook;
} action_table[] = {
	[ACTION_RESPOND] = { "respond", { "status", "headers", "body", "error" } },
	[ACTION_DELAY] = { "delay", { "ms", "min_ms", "max_ms" } },
	[ACTION_HANG] = { "hang", { "ms" } },
	[ACTION_DROP] = { "drop", { NULL } },
	[ACTION_RESET] = { "reset", { NULL } },
	[ACTION_COMMIT_THEN_DROP] = { "commit_then_drop", { NULL } },
	[ACTION_TRUNCATE] = { "truncate", { "bytes" } },
	[ACTION_MALFORMED] = { "malformed", { NULL } },
	[ACTION_SLOW] = { "slow", { "bytes_per_s" } },
	[ACTION_RATE_LIMIT] = { "rate_limit", { "retry_after_s" } },
	[ACTION_DECLINE] = { "decline", { NULL } },
	[ACTION_OUTCOME] = { "outcome", { "settle_after_s", "outcome" } },
	[ACTION_WEBHOOK_DROP] = { "webhook_drop", { NULL }, 1 },
	[ACTION_WEBHOOK_DELAY] = { "webhook_delay", { "s" }, 1 },
	[ACTION_WEBHOOK_DUPLICATE] = { "webhook_duplicate", { NULL }, 1 },
	[ACTION_WEBHOOK_REORDER] = { "webhook_reorder", { NULL }, 1 },
	[ACTION_WEBHOOK_BAD_SIGNATURE] = { "webhook_bad_signature", { NULL }, 1 },
};

static const char *const rule_keys[] = { "name", "match", "action" };
static const char *const rule_match_keys[] = { "nth", "times", "probability" };
static const char *const scenario_keys[] = { "name", "description", "seed",
    "lifecycle", "rules" };
static const char *const lifecycle_keys[] = { "settle_after_s", "outcome" };

const char *
action_type_text(enum action_type t)
{
	return (action_table[t].name);
}

static int
scenario_fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
scenario_fail(char **cause, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	*cause = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(*cause, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return (-1);
}

static int
scenario_in_list(const char *key, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n && list[i] != NULL; i++) {
		if (strcmp(list[i], key) == 0)
			return (1);
	}
	return (0);
}

/* A whole number in [lo, hi]. */
static int
scenario_get_int(const json_t *o, const char *key, const char *where, int64_t lo,
    int64_t hi, int64_t *out, char **cause)
{
	const json_t	*v = json_object_get(o, key);

	if (jsonx_int64(v, out) != 0 || *out < lo || *out > hi)
		return (scenario_fail(cause, "%s.%s: must be a whole number from %lld to %lld",
		    where, key, (long long)lo, (long long)hi));
	return (0);
}

/* Seconds with up to 3 decimals, as milliseconds no larger than 'max_ms'. */
static int
get_seconds(const json_t *o, const char *key, const char *where, int64_t max_ms,
    int64_t *ms, char **cause)
{
	const char	*text = jsonx_number_text(json_object_get(o, key)), *why;

	if (text == NULL || money_parse_number(text, strlen(text), 3, ms, &why) != 0 ||
	    *ms > max_ms)
		return (scenario_fail(cause, "%s.%s: must be a number of seconds from 0 to %lld "
		    "with at most 3 decimals", where, key, (long long)(max_ms / 1000)));
	return (0);
}

static int
known_operation(const char *op)
{
	size_t	i, j;

	if (strcmp(op, "webhook.deliver") == 0)
		return (1);
	for (i = 0; i < nproviders; i++) {
		for (j = 0; j < providers[i]->nroutes; j++) {
			if (strcmp(providers[i]->routes[j].operation, op) == 0)
				return (1);
		}
	}
	return (0);
}

static int
parse_nth(const json_t *v, const char *where, struct rule *r, char **cause)
{
	size_t	i, n = json_is_array(v) ? json_array_size(v) : 1;

	if (n == 0 || n > 1000)
		return (scenario_fail(cause, "%s.nth: must be a whole number from 1, or a list "
		    "of 1 to 1000 of them", where));
	r->nth = xcalloc(n, sizeof *r->nth);
	r->nnth = n;
	for (i = 0; i < n; i++) {
		const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
		if (jsonx_int64(e, &r->nth[i]) != 0 || r->nth[i] < 1)
			return (scenario_fail(cause, "%s.nth%s: must be a whole number from 1",
			    where, json_is_array(v) ? "[]" : ""));
	}
	return (0);
}

static int
parse_match(const json_t *o, const char *where, struct rule *r, char **cause)
{
	const char	*key, *ptext;
	json_t		*v;

	if (!json_is_object(o))
		return (scenario_fail(cause, "%s: must be an object", where));
	json_object_foreach((json_t *)o, key, v) {
		if (!match_key_known(key, 0) &&
		    !scenario_in_list(key, rule_match_keys, nitems(rule_match_keys)))
			return (scenario_fail(cause, "%s.%s: unknown key", where, key));
	}
	if (match_parse(o, where, 0, &r->match, cause) != 0)
		return (-1);
	if (r->match.operation != NULL && !known_operation(r->match.operation))
		return (scenario_fail(cause, "%s.operation: unknown operation '%s'", where,
		    r->match.operation));
	if (r->match.method != NULL && !scenario_in_list(r->match.method, (const char *const[])
	    { "GET", "POST", "PUT", "DELETE", "PATCH" }, 5))
		return (scenario_fail(cause, "%s.method: must be GET, POST, PUT, DELETE or "
		    "PATCH", where));
	if ((v = json_object_get(o, "nth")) != NULL && parse_nth(v, where, r, cause) != 0)
		return (-1);
	if (json_object_get(o, "times") != NULL &&
	    scenario_get_int(o, "times", where, 1, INT64_MAX / 2, &r->times, cause) != 0)
		return (-1);
	if ((v = json_object_get(o, "probability")) != NULL) {
		char *end;
		if ((ptext = jsonx_number_text(v)) == NULL ||
		    (r->probability = strtod(ptext, &end), *end != '\0') ||
		    !(r->probability >= 0 && r->probability <= 1))
			return (scenario_fail(cause, "%s.probability: must be a number from 0 to 1",
			    where));
		r->has_probability = 1;
	}
	return (0);
}

/*
 * Headers that frame the message or the connection: the transport writes
 * them, and one from a scenario would make the reply lie about its length.
 */
static const char *const respond_transport_headers[] = {
	"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
	"Upgrade", "Trailer",
};

/* A header a respond fault may set: a token for a name, no line breaks or controls. */
static int
parse_respond_header(const char *where, const char *name, const json_t *v,
    char **cause)
{
	const unsigned char	*p;
	size_t			 i;

	if (*name == '\0' || name[strspn(name, "!#$%&'*+-.^_`|~0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")] != '\0')
		return (scenario_fail(cause, "%s.headers: '%s' is not a header name", where, name));
	for (i = 0; i < nitems(respond_transport_headers); i++) {
		if (str_casecmp(name, respond_transport_headers[i]) == 0)
			return (scenario_fail(cause, "%s.headers.%s: is the transport's to set, "
			    "not a scenario's", where, name));
	}
	if (jsonx_string(v) == NULL)
		return (scenario_fail(cause, "%s.headers.%s: must be a string", where, name));
	for (p = (const unsigned char *)jsonx_string(v); *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return (scenario_fail(cause, "%s.headers.%s: must not contain control "
			    "characters", where, name));
	}
	return (0);
}

static int
parse_respond(const json_t *o, const char *where, struct action *a, char **cause)
{
	const json_t	*v;
	const char	*key, *name;
	json_t		*hv;
	int64_t		 status;
	int		 dflt = 0;

	if (json_object_get(o, "body") != NULL && json_object_get(o, "error") != NULL)
		return (scenario_fail(cause, "%s: give body or error, not both", where));
	if ((v = json_object_get(o, "error")) != NULL) {
		if ((name = jsonx_string(v)) == NULL ||
		    provider_perr_parse(name, &a->error, &dflt) != 0)
			return (scenario_fail(cause, "%s.error: must be one of provider_unavailable, "
			    "internal_error, bad_gateway, gateway_timeout, rate_limited, "
			    "unauthorized", where));
		a->has_error = 1;
		a->status = dflt;
	} else if ((v = json_object_get(o, "body")) != NULL) {
		a->body = json_incref((json_t *)v);
	} else
		return (scenario_fail(cause, "%s: respond needs a body or an error", where));
	if ((v = json_object_get(o, "status")) != NULL) {
		/* 1xx is interim, the transport's; respond always sends a body. */
		if (jsonx_int64(v, &status) != 0 || status < 200 || status > 599)
			return (scenario_fail(cause, "%s.status: must be 200–599", where));
		if (status == 204 || status == 304)
			return (scenario_fail(cause, "%s.status: %d has no body, and respond always "
			    "sends one", where, (int)status));
		a->status = (int)status;
	} else if (!a->has_error)
		return (scenario_fail(cause, "%s.status: is required with a body", where));
	if ((v = json_object_get(o, "headers")) != NULL) {
		if (!json_is_object(v))
			return (scenario_fail(cause, "%s.headers: must be an object", where));
		json_object_foreach((json_t *)v, key, hv) {
			if (parse_respond_header(where, key, hv, cause) != 0)
				return (-1);
		}
		a->headers = json_incref((json_t *)v);
	}
	return (0);
}

static int
parse_action(const json_t *o, const char *where, const struct rule *r,
    struct action *a, char **cause)
{
	const char	*type, *key, *word;
	json_t		*v;
	size_t		 t;
	int		 webhook_op;

	if (!json_is_object(o))
		return (scenario_fail(cause, "%s: must be an object", where));
	if ((type = jsonx_string(json_object_get(o, "type"))) == NULL)
		return (scenario_fail(cause, "%s.type: is required (a string)", where));
	for (t = 0; t < nitems(action_table); t++) {
		if (strcmp(action_table[t].name, type) == 0)
			break;
	}
	if (t == nitems(action_table))
		return (scenario_fail(cause, "%s.type: unknown action '%s'", where, type));
	a->type = (enum action_type)t;
	json_object_foreach((json_t *)o, key, v) {
		if (strcmp(key, "type") != 0 && strcmp(key, "delay_ms") != 0 &&
		    !scenario_in_list(key, action_table[t].keys, nitems(action_table[t].keys)))
			return (scenario_fail(cause, "%s.%s: unknown key for %s", where, key, type));
	}
	webhook_op = r->match.operation != NULL &&
	    strcmp(r->match.operation, "webhook.deliver") == 0;
	if (action_table[t].webhook != webhook_op)
		return (scenario_fail(cause, "%s.type: %s %s match.operation webhook.deliver",
		    where, type, action_table[t].webhook ? "needs" : "cannot be used with"));
	if (json_object_get(o, "delay_ms") != NULL &&
	    scenario_get_int(o, "delay_ms", where, 0, SCENARIO_MAX_MS, &a->delay_ms,
	    cause) != 0)
		return (-1);

	switch (a->type) {
	case ACTION_RESPOND:
		return (parse_respond(o, where, a, cause));
	case ACTION_DELAY:
		if (json_object_get(o, "ms") != NULL)
			return (scenario_get_int(o, "ms", where, 0, SCENARIO_MAX_MS, &a->ms, cause));
		if (scenario_get_int(o, "min_ms", where, 0, SCENARIO_MAX_MS, &a->min_ms, cause) ||
		    scenario_get_int(o, "max_ms", where, a->min_ms, SCENARIO_MAX_MS, &a->max_ms,
		    cause))
			return (-1);
		return (0);
	case ACTION_HANG:
		if (json_object_get(o, "ms") != NULL)
			return (scenario_get_int(o, "ms", where, 1, SCENARIO_MAX_MS, &a->ms, cause));
		return (0);
	case ACTION_TRUNCATE:
		return (scenario_get_int(o, "bytes", where, 0, 1 << 20, &a->bytes, cause));
	case ACTION_SLOW:
		return (scenario_get_int(o, "bytes_per_s", where, 1, 1 << 20, &a->bytes_per_s,
		    cause));
	case ACTION_RATE_LIMIT:
		a->retry_after_s = 1;
		if (json_object_get(o, "retry_after_s") != NULL)
			return (scenario_get_int(o, "retry_after_s", where, 0, 86400,
			    &a->retry_after_s, cause));
		return (0);
	case ACTION_OUTCOME:
		if (json_object_get(o, "settle_after_s") == NULL &&
		    json_object_get(o, "outcome") == NULL)
			return (scenario_fail(cause, "%s: outcome needs settle_after_s or outcome",
			    where));
		if (json_object_get(o, "settle_after_s") != NULL) {
			if (get_seconds(o, "settle_after_s", where, CLOCK_DURATION_MAX_MS,
			    &a->settle_after_ms, cause) != 0)
				return (-1);
			a->has_settle = 1;
		}
		if ((v = json_object_get(o, "outcome")) != NULL) {
			if ((word = jsonx_string(v)) == NULL ||
			    txn_outcome_parse(word, &a->outcome) != 0)
				return (scenario_fail(cause, "%s.outcome: must be succeeded, "
				    "declined, failed or stuck", where));
			a->has_outcome = 1;
		}
		return (0);
	case ACTION_WEBHOOK_DELAY:
		return (get_seconds(o, "s", where, CLOCK_DURATION_MAX_MS,
		    &a->webhook_delay_ms, cause));
	default:
		return (0);
	}
}

void
rule_free(struct rule *r)
{
	if (r == NULL)
		return;
	free(r->name);
	match_release(&r->match);
	free(r->nth);
	json_decref(r->action.headers);
	json_decref(r->action.body);
	json_decref(r->source);
	free(r);
}

static struct rule *
rule_parse_named(const json_t *o, const char *where, const char *dflt, char **cause)
{
	struct rule	*r = xcalloc(1, sizeof *r);
	char		 sub[128];
	const char	*key, *name;
	json_t		*v;

	if (!json_is_object(o)) {
		scenario_fail(cause, "%s: must be an object", where);
		goto out_free;
	}
	json_object_foreach((json_t *)o, key, v) {
		if (!scenario_in_list(key, rule_keys, nitems(rule_keys))) {
			scenario_fail(cause, "%s.%s: unknown key", where, key);
			goto out_free;
		}
	}
	if ((v = json_object_get(o, "name")) != NULL &&
	    ((name = jsonx_string(v)) == NULL || *name == '\0' || strlen(name) > 64)) {
		scenario_fail(cause, "%s.name: must be a string of 1 to 64 characters", where);
		goto out_free;
	}
	r->name = xstrdup(v != NULL ? jsonx_string(v) : dflt);
	snprintf(sub, sizeof sub, "%s.match", where);
	if ((v = json_object_get(o, "match")) == NULL) {
		scenario_fail(cause, "%s: is required", sub);
		goto out_free;
	}
	if (parse_match(v, sub, r, cause) != 0)
		goto out_free;
	snprintf(sub, sizeof sub, "%s.action", where);
	if ((v = json_object_get(o, "action")) == NULL) {
		scenario_fail(cause, "%s: is required", sub);
		goto out_free;
	}
	if (parse_action(v, sub, r, &r->action, cause) != 0)
		goto out_free;
	r->source = json_incref((json_t *)o);
	return (r);
out_free:
	rule_free(r);
	return (NULL);
}

struct rule *
rule_parse(const json_t *o, const char *where, unsigned n, char **cause)
{
	char	name[32];

	snprintf(name, sizeof name, "fault-%u", n);
	return (rule_parse_named(o, where, name, cause));
}

void
scenario_free(struct scenario *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nrules; i++)
		rule_free(s->rules[i]);
	free(s->rules);
	free(s->lifecycle);
	free(s->name);
	free(s->description);
	free(s);
}

static int
parse_lifecycle(const json_t *o, struct scenario *s, char **cause)
{
	const char	*provider, *key, *word;
	json_t		*pv, *v;
	char		 where[96];

	if (!json_is_object(o))
		return (scenario_fail(cause, "lifecycle: must be an object"));
	json_object_foreach((json_t *)o, provider, pv) {
		const struct provider	*p = provider_find(provider);
		struct scenario_lifecycle *l;
		size_t			 i;

		snprintf(where, sizeof where, "lifecycle.%s", provider);
		if (p == NULL)
			return (scenario_fail(cause, "%s: unknown provider", where));
		if (!json_is_object(pv))
			return (scenario_fail(cause, "%s: must be an object", where));
		json_object_foreach(pv, key, v) {
			if (!scenario_in_list(key, lifecycle_keys, nitems(lifecycle_keys)))
				return (scenario_fail(cause, "%s.%s: unknown key", where, key));
		}
		i = provider_index(p);
		if (s->lifecycle == NULL)
			s->lifecycle = xcalloc(nproviders, sizeof *s->lifecycle);
		s->lifecycle[i].set = 1;
		l = &s->lifecycle[i].lifecycle;
		if (json_object_get(pv, "settle_after_s") != NULL) {
			if (get_seconds(pv, "settle_after_s", where, CLOCK_DURATION_MAX_MS,
			    &l->settle_after_ms, cause) != 0)
				return (-1);
			l->has_settle = 1;
		}
		if ((v = json_object_get(pv, "outcome")) != NULL) {
			if ((word = jsonx_string(v)) == NULL ||
			    txn_outcome_parse(word, &l->outcome) != 0)
				return (scenario_fail(cause, "%s.outcome: must be succeeded, declined, "
				    "failed or stuck", where));
			l->has_outcome = 1;
		}
	}
	return (0);
}

struct scenario *
scenario_parse(const json_t *o, char **cause)
{
	struct scenario	*s = xcalloc(1, sizeof *s);
	const json_t	*rules, *v;
	const char	*key, *name;
	json_t		*kv;
	char		 where[64], dflt[96];
	int64_t		 seed;
	size_t		 i;

	if (!json_is_object(o)) {
		scenario_fail(cause, "scenario: must be a JSON object");
		goto out_free;
	}
	json_object_foreach((json_t *)o, key, kv) {
		if (!scenario_in_list(key, scenario_keys, nitems(scenario_keys))) {
			scenario_fail(cause, "%s: unknown key", key);
			goto out_free;
		}
	}
	name = jsonx_string(json_object_get(o, "name"));
	if (name == NULL || *name == '\0' || strlen(name) > 64 ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != strlen(name)) {
		scenario_fail(cause, "name: is required: 1 to 64 characters of A-Z a-z 0-9 . _ -");
		goto out_free;
	}
	s->name = xstrdup(name);
	if ((v = json_object_get(o, "description")) != NULL) {
		if (jsonx_string(v) == NULL) {
			scenario_fail(cause, "description: must be a string");
			goto out_free;
		}
		s->description = xstrdup(jsonx_string(v));
	}
	if (json_object_get(o, "seed") != NULL) {
		if (scenario_get_int(o, "seed", "scenario", 0, INT64_MAX, &seed, cause) != 0) {
			free(*cause);
			scenario_fail(cause, "seed: must be a whole number of at least 0");
			goto out_free;
		}
		/* From the seed alone: a CI job's session name is its own. */
		s->has_seed = 1;
		rng_seed(&s->rng, (uint64_t)seed, "");
	}
	rules = json_object_get(o, "rules");
	if (rules == NULL && json_object_get(o, "lifecycle") == NULL) {
		scenario_fail(cause, "rules: a scenario needs rules or lifecycle (or both)");
		goto out_free;
	}
	if ((v = json_object_get(o, "lifecycle")) != NULL &&
	    parse_lifecycle(v, s, cause) != 0)
		goto out_free;
	if (rules != NULL && (!json_is_array(rules) ||
	    json_array_size(rules) > quota.rules)) {
		scenario_fail(cause, "rules: must be an array of at most %zu rules",
		    quota.rules);
		goto out_free;
	}
	s->nrules = json_array_size(rules);
	s->rules = xcalloc(s->nrules, sizeof *s->rules);
	for (i = 0; i < s->nrules; i++) {
		snprintf(where, sizeof where, "rules[%zu]", i);
		snprintf(dflt, sizeof dflt, "%s#%zu", s->name, i);
		if ((s->rules[i] = rule_parse_named(json_array_get(rules, i), where,
		    dflt, cause)) == NULL)
			goto out_free;
		s->rules[i]->rng = s->has_seed ? &s->rng : NULL;
	}
	return (s);
out_free:
	scenario_free(s);
	return (NULL);
}

struct scenario *
scenario_load(const char *path, const char *label, char **cause)
{
	struct scenario	*s = NULL;
	char		*text, *why;
	size_t		 len;
	json_t		*o;

	if ((text = util_read_file(path, quota.scenario_bytes, &len)) == NULL) {
		if (len > quota.scenario_bytes)
			*cause = xasprintf("%s: larger than %zu bytes "
			    "(--max-scenario-size)", label, quota.scenario_bytes);
		else
			*cause = xasprintf("%s: cannot open", label);
		return (NULL);
	}
	if ((o = jsonx_loads(text, len, &why)) == NULL) {
		*cause = xasprintf("%s: not valid JSON: %s", label, why);
		free(why);
	} else if ((s = scenario_parse(o, &why)) == NULL) {
		*cause = xasprintf("%s: %s", label, why);
		free(why);
	}
	json_decref(o);
	free(text);
	return (s);
}

const char *
scenario_name(const struct scenario *s)
{
	return (s->name);
}

const char *
scenario_description(const struct scenario *s)
{
	return (s->description);
}

size_t
scenario_nrules(const struct scenario *s)
{
	return (s->nrules);
}

const struct scenario_lifecycle *
scenario_lifecycle(const struct scenario *s, size_t i)
{
	return (s->lifecycle != NULL && i < nproviders && s->lifecycle[i].set ?
	    &s->lifecycle[i].lifecycle : NULL);
}

struct rules *
rules_new(void)
{
	return (xcalloc(1, sizeof(struct rules)));
}

void
rules_clear(struct rules *rs)
{
	size_t	i;

	for (i = 0; i < rs->nfaults; i++)
		rule_free(rs->faults[i]);
	for (i = 0; i < rs->nscenarios; i++)
		scenario_free(rs->scenarios[i]);
	free(rs->faults);
	free(rs->scenarios);
	memset(rs, 0, sizeof *rs);
}

void
rules_free(struct rules *rs)
{
	if (rs == NULL)
		return;
	rules_clear(rs);
	free(rs);
}

int
rules_empty(const struct rules *rs)
{
	return (rs->nfaults == 0 && rs->nscenarios == 0);
}

size_t
rules_count(const struct rules *rs)
{
	size_t	i, n = rs->nfaults;

	for (i = 0; i < rs->nscenarios; i++)
		n += rs->scenarios[i]->nrules;
	return (n);
}

/* A rule, its strings and its source (which holds the match and respond JSON). */
static size_t
rule_bytes(const struct rule *r)
{
	return (sizeof *r + ALLOC_OVERHEAD + str_bytes(r->name) +
	    str_bytes(r->match.provider) + str_bytes(r->match.operation) +
	    str_bytes(r->match.method) + str_bytes(r->match.path) +
	    str_bytes(r->match.rule) +
	    (r->nth != NULL ? r->nnth * sizeof *r->nth + ALLOC_OVERHEAD : 0) +
	    jsonx_bytes(r->source));
}

static size_t
scenario_bytes(const struct scenario *s)
{
	size_t	i, n = sizeof *s + str_bytes(s->name) +
	    str_bytes(s->description) + s->nrules * sizeof *s->rules +
	    2 * ALLOC_OVERHEAD;

	if (s->lifecycle != NULL)
		n += alloc_bytes(nproviders * sizeof *s->lifecycle);

	for (i = 0; i < s->nrules; i++)
		n += rule_bytes(s->rules[i]);
	return (n);
}

void
rules_add_scenario(struct rules *rs, struct scenario *s)
{
	rs->scenarios = xrealloc(rs->scenarios,
	    (rs->nscenarios + 1) * sizeof *rs->scenarios);
	rs->scenarios[rs->nscenarios++] = s;
	rs->bytes += scenario_bytes(s);
}

void
rules_add_fault(struct rules *rs, struct rule *r)
{
	rs->faults = xrealloc(rs->faults, (rs->nfaults + 1) * sizeof *rs->faults);
	rs->faults[rs->nfaults++] = r;
	rs->bytes += rule_bytes(r);
}

size_t
rules_bytes(const struct rules *rs)
{
	/* The two arrays are sized to what they hold. */
	return (sizeof *rs + ALLOC_OVERHEAD + rs->bytes +
	    (rs->nfaults > 0 ? rs->nfaults * sizeof *rs->faults + ALLOC_OVERHEAD : 0) +
	    (rs->nscenarios > 0 ? rs->nscenarios * sizeof *rs->scenarios +
	    ALLOC_OVERHEAD : 0));
}

unsigned
rules_next_fault(struct rules *rs)
{
	return (++rs->fault_seq);
}

int
rules_remove_fault(struct rules *rs, const char *name)
{
	size_t	i;

	for (i = 0; i < rs->nfaults; i++) {
		if (strcmp(rs->faults[i]->name, name) == 0) {
			rs->bytes -= rule_bytes(rs->faults[i]);
			rule_free(rs->faults[i]);
			memmove(&rs->faults[i], &rs->faults[i + 1],
			    (rs->nfaults - i - 1) * sizeof *rs->faults);
			rs->nfaults--;
			return (0);
		}
	}
	return (-1);
}

int
rules_remove_scenario(struct rules *rs, const char *name)
{
	size_t	i;

	for (i = rs->nscenarios; i > 0; i--) {
		if (strcmp(rs->scenarios[i - 1]->name, name) == 0) {
			rs->bytes -= scenario_bytes(rs->scenarios[i - 1]);
			scenario_free(rs->scenarios[i - 1]);
			memmove(&rs->scenarios[i - 1], &rs->scenarios[i],
			    (rs->nscenarios - i) * sizeof *rs->scenarios);
			rs->nscenarios--;
			return (0);
		}
	}
	return (-1);
}

const struct scenario *
rules_scenario(const struct rules *rs, size_t i)
{
	return (i < rs->nscenarios ? rs->scenarios[i] : NULL);
}

/* Counts the request; 1 if the rule fires for it. */
static int
rule_consider(struct rule *r, const struct match_subject *s, struct rng *rng,
    int already)
{
	size_t	i;
	int	nth_ok = r->nth == NULL;

	if (!match_test(&r->match, s))
		return (0);
	r->seen++;
	if (already || (r->times > 0 && r->fired >= r->times))
		return (0);
	for (i = 0; i < r->nnth && !nth_ok; i++)
		nth_ok = r->nth[i] == r->seen;
	if (!nth_ok)
		return (0);
	if (r->has_probability && !(rng_unit(rule_rng(r, rng)) < r->probability))
		return (0);
	r->fired++;
	metrics_rule_fired((size_t)r->action.type);
	return (1);
}

struct rng *
rule_rng(const struct rule *r, struct rng *session)
{
	return (r->rng != NULL ? r->rng : session);
}

const struct rule *
rules_match(struct rules *rs, const struct match_subject *s, struct rng *rng)
{
	const struct rule	*hit = NULL;
	size_t			 i, j;

	for (i = rs->nfaults; i > 0; i--) {
		if (rule_consider(rs->faults[i - 1], s, rng, hit != NULL))
			hit = rs->faults[i - 1];
	}
	for (i = 0; i < rs->nscenarios; i++) {
		for (j = 0; j < rs->scenarios[i]->nrules; j++) {
			struct rule *r = rs->scenarios[i]->rules[j];
			if (rule_consider(r, s, rng, hit != NULL))
				hit = r;
		}
	}
	return (hit);
}

static json_t *
rule_json(const struct rule *r)
{
	return (json_pack("{ss sO sO sI sI sb}", "name", r->name,
	    "match", json_object_get(r->source, "match"),
	    "action", json_object_get(r->source, "action"),
	    "seen", (json_int_t)r->seen, "fired", (json_int_t)r->fired,
	    "spent", r->times > 0 && r->fired >= r->times));
}

json_t *
rules_json(const struct rules *rs)
{
	json_t	*scenarios = json_array(), *faults = json_array();
	size_t	 i, j;

	for (i = rs->nfaults; i > 0; i--)
		json_array_append_new(faults, rule_json(rs->faults[i - 1]));
	for (i = 0; i < rs->nscenarios; i++) {
		const struct scenario *s = rs->scenarios[i];
		json_t *list = json_array();
		for (j = 0; j < s->nrules; j++)
			json_array_append_new(list, rule_json(s->rules[j]));
		json_array_append_new(scenarios, json_pack("{ss so so}", "name", s->name,
		    "description", s->description != NULL ?
		    json_string(s->description) : json_null(), "rules", list));
	}
	return (json_pack("{so so}", "scenarios", scenarios, "faults", faults));
}
