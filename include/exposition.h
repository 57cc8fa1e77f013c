/*
 * The exposition: GET /__admin/metrics, the counters of metrics.h with
 * gauges of what the sessions hold and of the process, in the Prometheus
 * text format (METRICS_CONTENT_TYPE).  A scrape walks the sessions once.
 */
#ifndef PAYMOCK_EXPOSITION_H
#define PAYMOCK_EXPOSITION_H

#include "app.h"
#include "util.h"

/* The whole exposition, appended to 'out'. */
void	exposition_render(const struct app *, struct buf *out);

#endif
