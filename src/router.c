/* Route tables: (method, path pattern) -> handler, with {parameters} in paths. */
#include <stdio.h>
#include <string.h>

#include "router.h"
#include "util.h"

/* Matches 'path' against 'pattern' segment by segment, filling the parameters. */
static int
router_path(const char *pattern, const char *path, struct route_match *m)
{
	const char	*p = pattern, *s = path;

	m->nparams = 0;
	while (*p != '\0' && *s != '\0') {
		if (*p == '{') {
			size_t n = strcspn(s, "/");
			if (n == 0 || n >= ROUTER_PARAM_MAX ||
			    m->nparams == ROUTER_MAX_PARAMS)
				return (-1);
			memcpy(m->params[m->nparams], s, n);
			m->params[m->nparams++][n] = '\0';
			s += n;
			p = strchr(p, '}') + 1;
		} else if (*p++ != *s++)
			return (-1);
	}
	return (*p == '\0' && *s == '\0' ? 0 : -1);
}

int
router_match(const struct route *routes, size_t n, const char *method,
    const char *path, struct route_match *m)
{
	struct route_match	probe;
	size_t			i;

	/* A HEAD is the GET without its body (RFC 9110 9.3.2); the transport drops it. */
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	memset(m, 0, sizeof *m);
	for (i = 0; i < n; i++) {
		if (router_path(routes[i].pattern, path, &probe) != 0)
			continue;
		if (strcmp(routes[i].method, method) == 0 && m->route == NULL) {
			memcpy(m->params, probe.params, sizeof m->params);
			m->nparams = probe.nparams;
			m->route = &routes[i];
		} else if (strcmp(routes[i].method, method) != 0 &&
		    strstr(m->allow, routes[i].method) == NULL) {
			size_t len = strlen(m->allow);
			snprintf(m->allow + len, sizeof m->allow - len, "%s%s",
			    len > 0 ? ", " : "", routes[i].method);
		}
		m->path_known = 1;
	}
	return (m->route != NULL ? 0 : -1);
}
