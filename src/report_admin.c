/* The report's admin calls: the findings, and the rules a session silences. */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
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

void
report_admin_get(struct call *c)
{
	struct report_config	 cfg;
	json_t			*report;
	char			*cause;

	report_config_default(&cfg);
	if (report_config_read(&cfg, report_admin_query, (void *)c->req, &cause) != 0) {
		admin_error(c, 400, "invalid_query", "%s", cause);
		free(cause);
		return;
	}
	report = report_build(c->session, &cfg, c->session->report_ignored, c->now);
	json_object_set_new(report, "config", json_pack("{sI sI sI}",
	    "duplicate_window_s", (json_int_t)cfg.duplicate_window_s,
	    "decline_window_s", (json_int_t)cfg.decline_window_s,
	    "polling_max_per_s", (json_int_t)cfg.polling_max_per_s));
	call_json(c, 200, report);
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

/* {"rule": ID, "ignore": true (the default) | false}: silences a rule, or not. */
void
report_admin_ignore(struct call *c)
{
	json_t		*body, *ignore, *list;
	const char	*key, *rule = NULL;
	char		*cause = NULL, *rules;
	json_t		*v;
	size_t		 i;
	int		 k = -1;

	body = jsonx_loads(c->req->body, c->req->body_len, &cause);
	if (json_is_object(body)) {
		json_object_foreach(body, key, v) {
			if (strcmp(key, "rule") != 0 && strcmp(key, "ignore") != 0)
				k = -2;
		}
		rule = json_string_value(json_object_get(body, "rule"));
	}
	ignore = json_object_get(body, "ignore");
	if (k == -1 && rule != NULL)
		k = report_rule_find(rule);
	if (k < 0 || (ignore != NULL && !json_is_boolean(ignore))) {
		rules = report_admin_rules();
		admin_error(c, 400, "invalid_body", "the body must be {\"rule\": ID, "
		    "\"ignore\": true|false} with one of the rules %s", rules);
		free(rules);
		free(cause);
		json_decref(body);
		return;
	}
	if (ignore == NULL || json_is_true(ignore))
		c->session->report_ignored |= UINT32_C(1) << k;
	else
		c->session->report_ignored &= ~(UINT32_C(1) << k);
	list = json_array();
	for (i = 0; i < report_rule_count(); i++) {
		if (c->session->report_ignored & (UINT32_C(1) << i))
			json_array_append_new(list, json_string(report_rule_id(i)));
	}
	call_json(c, 200, json_pack("{so}", "ignored", list));
	json_decref(body);
}

json_t *
report_admin_citations(struct call *c)
{
	struct report_config	 cfg;
	json_t			*report, *index;

	report_config_default(&cfg);
	report = report_build(c->session, &cfg, c->session->report_ignored, c->now);
	index = report_citations(report);
	json_decref(report);
	return (index);
}
