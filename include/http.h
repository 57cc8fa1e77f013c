/*
 * The transport: evhttp, the body limit, the access log, writing replies.
 * The only module that touches libevent's HTTP layer.
 */
#ifndef PAYMOCK_HTTP_H
#define PAYMOCK_HTTP_H

struct event_base;
struct app;
struct http;

enum http_log {
	HTTP_LOG_NONE,
	HTTP_LOG_TEXT,
	HTTP_LOG_JSON,
};

/*
 * 'app' is borrowed and must outlive the server.  A connection that stalls
 * for 'timeout_s' (a slow or silent client) is closed.
 */
struct http	*http_new(struct event_base *, struct app *, enum http_log,
		    int timeout_s);
/* Serves only 'provider' (a static name), its paths without the prefix. */
void		 http_set_provider(struct http *, const char *provider);
void		 http_free(struct http *);
/* Listens on addr:port (0 picks one); returns the port, or -1 with '*cause'. */
int		 http_listen(struct http *, const char *addr, int port, char **cause);

#endif
