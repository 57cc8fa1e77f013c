/*
 * The integration report: what a session's client did that would fail in
 * production, read from its journal, its ledger and its webhook deliveries.
 * Each rule is a check over one walk of the journal; docs/report.md says
 * what each one means and how to fix the client.  No sockets here.
 */
#ifndef PAYMOCK_REPORT_H
#define PAYMOCK_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct session;

/* The windows and thresholds the rules use (virtual time). */
struct report_config {
	int64_t	duplicate_window_s;	/* duplicate-refund: second refund within */
	int64_t	decline_window_s;	/* decline-ignored: identical retry within */
	int64_t	polling_max_per_s;	/* polling-storm: status calls per second */
};

#define REPORT_DUPLICATE_WINDOW_S	600
#define REPORT_DECLINE_WINDOW_S		60
#define REPORT_POLLING_MAX_PER_S	5

/* The rules, in the order findings are listed. */
size_t		 report_rule_count(void);
const char	*report_rule_id(size_t i);
const char	*report_rule_severity(size_t i);
/* The index of the rule named 'id', or -1. */
int		 report_rule_find(const char *id);

void		 report_config_default(struct report_config *);
/*
 * Reads "duplicate_window_s", "decline_window_s" and "polling_max_per_s"
 * (whole numbers of at least 1) from 'get' (a query or a body's keys);
 * 0, or -1 with a message in '*cause' (heap) naming the bad one.
 */
int		 report_config_read(struct report_config *,
		     char *(*get)(void *arg, const char *name), void *arg,
		     char **cause);

/*
 * The session's findings at its clock's 'now', as a new object:
 * {"findings":[{id, rule, severity, provider, message, entries[],
 * refunds[], transactions[], and event_id or code where they apply}],
 * "counts":{error, warning, info} (all, listed or not), "omitted":{rule
 * id: findings past the first 100 of that rule, counted but not listed},
 * "ignored":[rule ids],
 * "rules":[{id, severity, summary}]}.  Rules whose bit is set in 'ignored'
 * (1 << index) are not run.  Reads everything, changes nothing; its cost
 * is one walk of the journal (each create's body parsed) and of the
 * delivery log.
 */
json_t		*report_build(struct session *, const struct report_config *,
		     uint32_t ignored, int64_t now);
/*
 * An index of a report's citations: journal entry number (as text) to the
 * array of the ids of the findings citing it.  A new object.
 */
json_t		*report_citations(const json_t *report);

#endif
