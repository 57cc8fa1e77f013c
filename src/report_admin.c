/* The report's admin calls: the findings, and the rules a session silences. */
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "report.h"
#include "report_admin.h"
#include "session.h"
#include "util.h"

static char *
report_admin_query(void *arg, const char *name)
{
	return (request_query(arg, name));
}

json_t *
report_admin_get(struct session *s, const struct request *req, int64_t now,
    char **cause)
{
	struct report_config	 cfg;
	json_t			*report;

	report_config_default(&cfg);
	if (report_config_read(&cfg, report_admin_query, (void *)req, cause) != 0)
		return (NULL);
	report = report_build(s, &cfg, s->report_ignored, now);
	json_object_set_new(report, "config", json_pack("{sI sI sI}",
	    "duplicate_window_s", (json_int_t)cfg.duplicate_window_s,
	    "decline_window_s", (json_int_t)cfg.decline_window_s,
	    "polling_max_per_s", (json_int_t)cfg.polling_max_per_s));
	return (report);
}

/* "a, b and c": the rules' ids, for a message (heap). */
static char *
report_admin_rules(void)
{
	struct buf	b = { 0 };
	size_t		i, n = report_rule_count();

	for (i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
		    report_rule_id(i));
	return (buf_steal(&b));
}

json_t *
report_admin_ignore(struct session *s, const char *body, size_t len, char **cause)
{
	json_t		*o, *ignore, *list, *v;
	const char	*key, *rule = NULL;
	char		*rules;
	size_t		 i;
	int		 k = -1;

	/* Not JSON is as bad as the wrong keys: one message for both. */
	*cause = NULL;
	o = jsonx_loads(body, len, cause);
	free(*cause);
	*cause = NULL;
	if (json_is_object(o)) {
		json_object_foreach(o, key, v) {
			if (strcmp(key, "rule") != 0 && strcmp(key, "ignore") != 0)
				k = -2;
		}
		rule = json_string_value(json_object_get(o, "rule"));
	}
	ignore = json_object_get(o, "ignore");
	if (k == -1 && rule != NULL)
		k = report_rule_find(rule);
	if (k < 0 || (ignore != NULL && !json_is_boolean(ignore))) {
		rules = report_admin_rules();
		*cause = xasprintf("the body must be {\"rule\": ID, \"ignore\": "
		    "true|false} with one of the rules %s", rules);
		free(rules);
		json_decref(o);
		return (NULL);
	}
	if (ignore == NULL || json_is_true(ignore))
		s->report_ignored |= UINT32_C(1) << k;
	else
		s->report_ignored &= ~(UINT32_C(1) << k);
	json_decref(o);
	list = json_array();
	for (i = 0; i < report_rule_count(); i++) {
		if (s->report_ignored & (UINT32_C(1) << i))
			json_array_append_new(list, json_string(report_rule_id(i)));
	}
	return (json_pack("{so}", "ignored", list));
}

json_t *
report_admin_citations(struct session *s, int64_t now)
{
	struct report_config	 cfg;
	json_t			*report, *index;

	report_config_default(&cfg);
	report = report_build(s, &cfg, s->report_ignored, now);
	index = report_citations(report);
	json_decref(report);
	return (index);
}
