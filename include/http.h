/*
 * The transport: evhttp, the body limit, the access log, writing replies.
 * The only module that touches libevent's HTTP layer.
 */
#ifndef PAYMOCK_HTTP_H
#define PAYMOCK_HTTP_H

#include <stddef.h>

struct event_base;
struct app;
struct http;

enum http_log {
	HTTP_LOG_NONE,
	HTTP_LOG_TEXT,
	HTTP_LOG_JSON,
};

/*
 * 'app' is borrowed and must outlive the server.  'timeout_s' bounds every
 * wait on a client: a connection silent or stalled that long is closed, a
 * request (head and body) must be read within it of its first byte (or of
 * the reply before it), and a fault holds a connection at most that long.
 */
struct http	*http_new(struct event_base *, struct app *, enum http_log,
		    int timeout_s);
/* Serves only 'provider' (a static name), its paths without the prefix. */
void		 http_set_provider(struct http *, const char *provider);
void		 http_free(struct http *);
/*
 * At most 'n' connections held by faults at once, across servers; holding
 * one more closes the oldest.  Default: half the descriptors left after a
 * reserve (RLIMIT_NOFILE), so that held ones never starve new clients.
 */
void		 http_set_max_held(size_t n);
/* Listens on addr:port (0 picks one); returns the port, or -1 with '*cause'. */
int		 http_listen(struct http *, const char *addr, int port, char **cause);

#endif
