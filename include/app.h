/* What the server runs with, shared by the layers that answer requests. */
#ifndef PAYMOCK_APP_H
#define PAYMOCK_APP_H

#include <stdint.h>

struct sessions;
struct txn_set;
struct webhook_engine;

/* Owned by main; every member is borrowed by those given the app. */
struct app {
	struct sessions		*sessions;
	const struct txn_set	*fixtures;
	const char		*scenario_dir;
	struct webhook_engine	*webhooks;	/* NULL: no webhooks are sent */
	const char		*admin_token;	/* NULL: /__admin is open to all */
	int64_t			 started_ms;	/* wall time, for uptime only */
	int			 no_cors;	/* --no-cors: provider routes send no CORS headers */
};

#endif
