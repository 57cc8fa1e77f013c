/* The journal's event stream: Server-Sent Events on an evhttp reply kept open. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "jsonx.h"
#include "session.h"
#include "stream.h"
#include "util.h"

/*
 * The entries already journaled go out while less than this waits for the
 * client: a full journal (10,000 entries, megabytes) never sits in memory
 * at once, and never trips STREAM_BUFFER_MAX on a reader that keeps up.
 */
#define STREAM_PACE		(256 * 1024)
/*
 * The kernel's send buffer of a stream's socket: left to itself it grows
 * to megabytes on a fast link, and a stalled reader's backlog would sit
 * there, out of STREAM_BUFFER_MAX's sight.
 */
#define STREAM_SNDBUF		(64 * 1024)

static const char stream_reset_event[] = "event: reset\ndata: {}\n\n";
static const char stream_keepalive[] = ": keep-alive\n\n";

struct stream {
	struct evhttp_request	*req;
	struct session_watcher	 watcher;	/* linked while the session lives */
	struct event		*timer;		/* keep-alive, or the close of a slow reader */
	struct evbuffer		*out;		/* what the next chunk holds */
	struct stream		**slot;
	uint64_t		 next;		/* the next entry to send */
	int			 live;		/* caught up: entries go out as they come */
	int			 overflow;	/* past STREAM_BUFFER_MAX: closing */
	int			 keepalive_s;
};

static size_t
stream_buffered(const struct stream *st)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(st->req);

	return (evbuffer_get_length(bufferevent_get_output(
	    evhttp_connection_get_bufferevent(evcon))));
}

static void	stream_drained(struct evhttp_connection *, void *);

/* Sends what 'out' holds as one chunk; told when the client has read it all. */
static void
stream_flush(struct stream *st)
{
	if (evbuffer_get_length(st->out) > 0)
		evhttp_send_reply_chunk_with_cb(st->req, st->out, stream_drained, st);
}

/* The client reads too slowly: its connection is closed from the loop, not from a caller's stack. */
static void
stream_overflow(struct stream *st)
{
	struct timeval	now = { 0, 0 };

	st->overflow = 1;
	evtimer_add(st->timer, &now);
}

/* One entry as an event; its data is what GET /__admin/journal lists for it. */
static int
stream_entry(const struct journal_entry *e, void *arg)
{
	struct stream	*st = arg;
	json_t		*o;
	char		*text;

	if (!st->live && evbuffer_get_length(st->out) + stream_buffered(st) >= STREAM_PACE)
		return (1);
	o = journal_entry_json(e);
	text = jsonx_dumps(o, 0);
	json_decref(o);
	evbuffer_add_printf(st->out, "id: %llu\nevent: entry\ndata: %s\n\n",
	    (unsigned long long)e->seq, text);
	free(text);
	st->next = e->seq + 1;
	return (0);
}

/* Sends the entries from 'next' on, as far as the pace allows. */
static void
stream_pump(struct stream *st)
{
	if (st->overflow)
		return;
	if (journal_each_from(st->watcher.session->journal, st->next, stream_entry, st) == 0)
		st->live = 1;
	stream_flush(st);
	if (stream_buffered(st) > STREAM_BUFFER_MAX)
		stream_overflow(st);
}

/* The client read everything sent: the entries left behind by the pace follow. */
static void
stream_drained(struct evhttp_connection *evcon, void *arg)
{
	struct stream	*st = arg;

	(void)evcon;
	if (!st->live && st->watcher.session != NULL)
		stream_pump(st);
}

static void
stream_send(struct stream *st, const char *text)
{
	if (st->overflow)
		return;
	evbuffer_add(st->out, text, strlen(text));
	stream_flush(st);
}

static void
stream_free(struct stream *st)
{
	session_unwatch(&st->watcher);
	if (st->slot != NULL)
		*st->slot = NULL;
	event_free(st->timer);
	evbuffer_free(st->out);
	free(st);
}

static void
stream_event(void *arg, enum session_event ev, const struct journal_entry *e)
{
	struct stream		*st = arg;
	struct evhttp_request	*req;

	(void)e;
	switch (ev) {
	case SESSION_JOURNALED:
		stream_pump(st);
		break;
	case SESSION_RESET:
		/* Numbers run on across a reset: 'next' stays right. */
		stream_send(st, stream_reset_event);
		break;
	case SESSION_DROPPED:
		stream_send(st, stream_reset_event);
		req = st->req;
		/*
		 * Gone before the end: evhttp may close the connection within it
		 * (HTTP/1.0), and its close must find no stream.  It frees the
		 * request once the end is written.
		 */
		stream_free(st);
		evhttp_send_reply_end(req);
		break;
	}
}

static void
stream_tick(evutil_socket_t fd, short what, void *arg)
{
	struct stream	*st = arg;
	struct timeval	 tv = { st->keepalive_s, 0 };

	(void)fd;
	(void)what;
	if (st->overflow) {
		/* stream_closed frees the stream, the request goes with the connection. */
		evhttp_connection_free(evhttp_request_get_connection(st->req));
		return;
	}
	stream_send(st, stream_keepalive);
	if (stream_buffered(st) > STREAM_BUFFER_MAX)
		stream_overflow(st);
	else
		evtimer_add(st->timer, &tv);
}

struct stream *
stream_start(struct event_base *base, struct evhttp_request *req, struct session *s,
    uint64_t from, int timeout_s, struct stream **slot)
{
	struct stream	*st = xcalloc(1, sizeof *st);
	struct timeval	 keepalive, stall = { timeout_s, 0 };
	struct bufferevent *bev;
	int		 sndbuf = STREAM_SNDBUF, one = 1;

	st->watcher.fn = stream_event;
	st->watcher.arg = st;
	if (session_watch(s, &st->watcher) != SESSION_WATCH_OK) {
		free(st);
		return (NULL);
	}
	st->req = req;
	st->next = from;
	st->slot = slot;
	*slot = st;
	/*
	 * Whatever closes idle connections in front of paymock (a proxy) is
	 * likely set as paymock's own idle timeout is: a comment comes sooner.
	 */
	st->keepalive_s = timeout_s / 2 < STREAM_KEEPALIVE_S ? timeout_s / 2 :
	    STREAM_KEEPALIVE_S;
	if (st->keepalive_s < 1)
		st->keepalive_s = 1;
	keepalive.tv_sec = st->keepalive_s;
	keepalive.tv_usec = 0;
	st->out = evbuffer_new();
	st->timer = evtimer_new(base, stream_tick, st);
	evtimer_add(st->timer, &keepalive);
	evhttp_send_reply_start(req, 200, "OK");
	/*
	 * The client sends nothing more: only a stalled write closes it, not
	 * evhttp's read timeout.
	 */
	bev = evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
	bufferevent_set_timeouts(bev, NULL, &stall);
	setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	/* Each chunk is whole events: Nagle would hold one back for the last one's ACK (40 ms). */
	setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	stream_pump(st);
	return (st);
}

void
stream_closed(struct stream *st)
{
	/* Left by evhttp when the client went first (it frees it with its connection else). */
	if (evhttp_request_get_connection(st->req) == NULL)
		evhttp_request_free(st->req);
	stream_free(st);
}
