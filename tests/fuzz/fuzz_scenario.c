/*
 * Fuzz path: the scenario parser.  The bytes go through jsonx_loads
 * and scenario_parse; an accepted scenario is installed in a session, matched
 * against a few requests, listed, and every rule of the listing must parse
 * again from its own "source" (what GET /__admin/scenarios shows can be armed
 * as a fault).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fixtures.h"
#include "fuzz.h"
#include "jsonx.h"
#include "scenario.h"
#include "session.h"
#include "util.h"

static struct sessions	*fuzz_sessions;

static const char *
scenario_fuzz_header(const void *arg, const char *name)
{
	(void)arg;
	if (str_casecmp(name, "Idempotency-Key") == 0)
		return ("k1");
	if (str_casecmp(name, "Content-Type") == 0)
		return ("application/json");
	return (NULL);
}

/* Every listed rule, as shown (match, action), is a rule again. */
static void
scenario_fuzz_relist(json_t *list)
{
	json_t	*rule;
	size_t	 i;
	char	*cause = NULL;

	json_array_foreach(list, i, rule) {
		/* Without its name: a default name ("<scenario>#12") may be longer. */
		json_t		*src = json_pack("{sO sO}",
		    "match", json_object_get(rule, "match"),
		    "action", json_object_get(rule, "action"));
		struct rule	*r;

		if (src == NULL) {
			fprintf(stderr, "fuzz: a listed rule lacks match or action\n");
			abort();
		}
		if ((r = rule_parse(src, "relisted", 1, &cause)) == NULL) {
			fprintf(stderr, "fuzz: a listed rule does not parse: %s\n", cause);
			abort();
		}
		rule_free(r);
		json_decref(src);
	}
}

int
fuzz_scenario_input(const uint8_t *data, size_t size)
{
	static const char *const	 paths[] = { "/payment/refund",
	    "/v1/refunds/re_1", "/v1/payments/refund/ABC123" };
	static const char *const	 provs[] = { "smartpay", "accelebit", "smartretry" };
	struct session			*se;
	struct scenario			*s;
	json_t				*v, *listing, *body, *sc;
	char				*cause = NULL, *text;
	size_t				 i, j;

	if (fuzz_sessions == NULL)
		fuzz_sessions = sessions_new(fuzz_fixtures, 1, 1, FUZZ_EPOCH_MS, 16);
	if ((v = jsonx_loads((const char *)data, size, &cause)) == NULL) {
		free(cause);
		return (0);
	}
	if ((s = scenario_parse(v, &cause)) == NULL) {
		if (cause == NULL || *cause == '\0') {
			fprintf(stderr, "fuzz: rejected without a cause\n");
			abort();
		}
		free(cause);
		json_decref(v);
		return (0);
	}
	(void)scenario_name(s);
	(void)scenario_nrules(s);
	se = sessions_get(fuzz_sessions, "fuzz");
	session_install(se, s);
	body = jsonx_loads("{\"amount\":25.00,\"currency\":\"EUR\",\"x\":{\"y\":[1]}}", 47,
	    &cause);
	for (i = 0; i < 6; i++) {
		struct match_subject subj = {
			.provider = provs[i % 3], .operation = "refund.create",
			.method = i < 3 ? "POST" : "GET", .path = paths[i % 3],
			.header = scenario_fuzz_header, .body = i & 1 ? body : NULL,
		};
		(void)rules_match(se->rules, &subj, &se->rng);
	}
	json_decref(body);
	listing = rules_json(se->rules);
	scenario_fuzz_relist(json_object_get(listing, "faults"));
	json_array_foreach(json_object_get(listing, "scenarios"), j, sc) {
		scenario_fuzz_relist(json_object_get(sc, "rules"));
	}
	text = jsonx_dumps(listing, JSON_SORT_KEYS);
	free(text);
	json_decref(listing);
	/* Back to nothing: the rules and the seed go with a reset. */
	session_reset(se);
	json_decref(v);
	return (0);
}
