/* Route tables: (method, path pattern) -> handler, with {parameters} in paths. */
#ifndef PAYMOCK_ROUTER_H
#define PAYMOCK_ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_PARAMS	4
#define ROUTER_PARAM_MAX	256

struct call;

struct route {
	const char	*method;
	const char	*pattern;	/* "/payment/status/{transactionId}" */
	const char	*operation;	/* "refund.status": journal and scenario matching */
	int		 json_body;	/* the body must be a JSON object */
	void		 (*fn)(struct call *);
};

struct route_match {
	const struct route	*route;		/* NULL: no route for this method */
	int			 path_known;	/* the path has routes for other methods */
	char			 allow[64];	/* those methods, for 405's Allow */
	char			 params[ROUTER_MAX_PARAMS][ROUTER_PARAM_MAX];
	size_t			 nparams;
};

/* Fills 'm'; returns 0 when a route matched, -1 otherwise.  HEAD matches GET routes. */
int	router_match(const struct route *, size_t nroutes, const char *method,
	    const char *path, struct route_match *m);

#endif
