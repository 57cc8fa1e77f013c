/*
 * Metrics: process-wide counters, kept since start as the server runs, and
 * GET /__admin/metrics, which renders them with gauges of what the sessions
 * hold and of the process, in the Prometheus text format (0.0.4).  Counting
 * is O(1) per event and allocates only when a new series (a new combination
 * of label values) first appears; a scrape walks the sessions once.
 */
#ifndef PAYMOCK_METRICS_H
#define PAYMOCK_METRICS_H

#include "dispatch.h"
#include "ledger.h"
#include "scenario.h"
#include "util.h"

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * Label values given to the counters are kept by pointer: they must live as
 * long as the process (provider and operation names, state and action
 * texts are all static).
 */

/* A request answered: 'plan' tells whether its reply was sent at all. */
void	metrics_request(const struct dispatch_info *, const struct reply *,
	    const struct plan *);
/* A refund made: its state in the first reply and its planned outcome. */
void	metrics_refund_created(const char *provider, enum refund_state first,
	    enum refund_outcome planned);
void	metrics_rule_fired(enum action_type);
/* A webhook attempt ended with the receiver's 'status' (0: no reply). */
void	metrics_webhook_attempt(int status);

/* The whole exposition, appended to 'out'. */
void	metrics_render(const struct app *, struct buf *out);
/* Appends 'value' escaped as a label value: \\, \" and \n. */
void	metrics_label_escape(struct buf *, const char *value);

#endif
