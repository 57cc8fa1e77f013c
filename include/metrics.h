/*
 * Metrics: process-wide counters, kept since start as the server runs, and
 * the Prometheus text format (0.0.4) they and the gauges of exposition.h are
 * written in.  Counting is O(1) per event and allocates only when a new
 * series (a new combination of label values) first appears.  This module
 * knows no session, scenario or dispatch: callers give it plain values, and
 * the names of the actions come at render time.
 */
#ifndef PAYMOCK_METRICS_H
#define PAYMOCK_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "util.h"

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* Room for the scenario actions, counted by index (exposition.c asserts it). */
#define METRICS_ACTIONS_MAX	32

/*
 * Label values given to the counters are kept by pointer: they must live as
 * long as the process (provider and operation names, state and action
 * texts are all static).
 */

/*
 * A request answered, by provider (NULL: none took it) and operation (NULL:
 * no route); 'status' is the one sent, 0 if no status line was.
 */
void	metrics_request(const char *provider, const char *operation,
	    int status);
/* A refund made: its state in the first reply and its planned outcome. */
void	metrics_refund_created(const char *provider, enum refund_state first,
	    enum refund_outcome planned);
/* A scenario rule fired; 'action' below METRICS_ACTIONS_MAX. */
void	metrics_rule_fired(size_t action);
/* A webhook attempt ended with the receiver's 'status' (0: no reply). */
void	metrics_webhook_attempt(int status);

/* The request and refund counters, appended to 'out'. */
void	metrics_render_requests(struct buf *out);
/*
 * The rule and webhook counters; the first 'nactions' actions are listed,
 * each named by action_text(index).
 */
void	metrics_render_events(struct buf *out, const char *(*action_text)(size_t),
	    size_t nactions);

/* Families of one sample without labels, in the text format. */
void	metrics_scalar(struct buf *, const char *name, const char *type,
	    const char *help, uint64_t v);
void	metrics_gauge(struct buf *, const char *name, const char *help,
	    uint64_t v);
/* Its value is 's' seconds and 'us' microseconds. */
void	metrics_seconds(struct buf *, const char *name, const char *type,
	    const char *help, int64_t s, int64_t us);
/* Appends 'value' escaped as a label value: \\, \" and \n. */
void	metrics_label_escape(struct buf *, const char *value);

#endif
