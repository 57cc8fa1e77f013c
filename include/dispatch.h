/*
 * A request's way through the house, without the socket: session, route,
 * adapter or admin call, journal.  The transport builds the request, calls
 * dispatch, and writes the reply.
 */
#ifndef PAYMOCK_DISPATCH_H
#define PAYMOCK_DISPATCH_H

#include <stdint.h>

#include "provider.h"

struct sessions;
struct fixtures;

/* What the server runs with; owned by main. */
struct app {
	struct sessions		*sessions;
	const struct fixtures	*fixtures;
	const char		*scenario_dir;
	int64_t			 started_ms;	/* wall time, for uptime only */
};

/* What the transport needs to know of a dispatched request (for its log). */
struct dispatch_info {
	char		 session[65];
	const char	*provider;	/* NULL: admin or no provider */
	const char	*operation;
};

void	dispatch(struct app *, const struct request *, struct reply *,
	    struct dispatch_info *);

#endif
