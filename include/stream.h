/*
 * The journal's event stream (GET /__admin/journal/stream): Server-Sent
 * Events on one evhttp reply kept open.  The entries already journaled go
 * first (paced by what the client reads), then each new one as the session
 * journals it (session_watch); a comment every STREAM_KEEPALIVE_S (half
 * the idle timeout, if that is shorter); "reset"
 * when the session is reset, and the end of the reply when it is dropped.
 * A client that stops reading is closed once STREAM_BUFFER_MAX waits for it.
 */
#ifndef PAYMOCK_STREAM_H
#define PAYMOCK_STREAM_H

#include <stdint.h>

#define STREAM_KEEPALIVE_S	15
#define STREAM_BUFFER_MAX	(1024 * 1024)

struct event_base;
struct evhttp_request;
struct session;
struct stream;

/*
 * Starts the stream on 'req', whose head (status 200, headers) the caller
 * has set, for 's' from entry 'from' on; a write stalled for 'timeout_s'
 * closes it.  '*slot' is the caller's hold on the stream: it is cleared
 * when the stream ends on its own (the session dropped).  NULL if the
 * session takes no more watchers (the caller answers instead).
 */
struct stream	*stream_start(struct event_base *, struct evhttp_request *req,
		    struct session *s, uint64_t from, int timeout_s, struct stream **slot);
/*
 * The stream's connection is closing (the client left, the server closes
 * it): frees the stream, and the request when evhttp left it to us.
 */
void		 stream_closed(struct stream *);

#endif
