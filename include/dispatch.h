/*
 * A request's way through the house, without the socket: session, route,
 * adapter or admin call, journal.  The transport builds the request, calls
 * dispatch, and writes the reply.
 */
#ifndef PAYMOCK_DISPATCH_H
#define PAYMOCK_DISPATCH_H

#include <stdint.h>

#include "app.h"
#include "call.h"
#include "session.h"

/* What the transport needs to know of a dispatched request (for its log). */
struct dispatch_info {
	char		 session[SESSION_NAME_MAX + 1];
	const char	*provider;	/* NULL: admin or no provider */
	const char	*operation;
};

/* What the transport does with a reply (scenario actions). */
enum plan_kind {
	PLAN_REPLY,
	PLAN_HANG,	/* no reply; close after hang_ms, or when the client leaves */
	PLAN_DROP,	/* close with no reply */
	PLAN_RESET,	/* close with a TCP reset */
	PLAN_TRUNCATE,	/* the reply cut after 'bytes' bytes of body, then close */
	PLAN_SLOW,	/* the reply dripped at 'bytes_per_s', then close */
	PLAN_STREAM,	/* the reply's head, then the journal as events (stream.h) */
};

struct plan {
	enum plan_kind	 kind;
	int64_t		 delay_ms;	/* wall time before the plan applies */
	int64_t		 hang_ms;
	int64_t		 bytes;
	int64_t		 bytes_per_s;
	char		*idem_key;	/* in flight until dispatch_release; owned */
	uint64_t	 session_id;	/* the idem_key's session (struct session's id) */
	uint64_t	 session_born;	/* its born: held (sessions_hold) while pending */
	uint64_t	 journal_seq;	/* the request's journal entry, 0: none */
	uint64_t	 stream_from;	/* PLAN_STREAM: the first entry to send */
	struct work	 work;		/* the reply is still to be made; owned */
};

/* Routes and answers 'req'; 'reply' and 'plan' are the caller's to release. */
void	dispatch(struct app *, const struct request *, struct reply *,
	    struct dispatch_info *, struct plan *);
/*
 * Adds the CORS headers a reply on a provider route gets when the request
 * has an Origin (Access-Control-Allow-Origin echoing it, Vary, and the
 * reply's own headers exposed); none on /__admin or under --no-cors.
 */
void	dispatch_cors(const struct app *, const struct request *, struct reply *);
/*
 * Refuses 'req' before routing (a transport's reason: ambiguous framing)
 * with 'status' and 'message' in the shape of the provider its path names,
 * or as an admin error; no journal entry, no state.
 */
void	dispatch_refuse(struct app *, const struct request *, int status,
	    const char *message, struct reply *, struct dispatch_info *);
/*
 * The held reply was delivered (or abandoned): its idempotency key is free,
 * unless its session was dropped or reset meanwhile (then nothing happens).
 */
void	dispatch_release(struct app *, const char *session, uint64_t session_id,
	    const char *idem_key);
/*
 * The client never got the held reply of journal entry 'seq' whole (it
 * left, or the hold cap closed it): the entry says so, if its session is
 * still the one with 'session_id' and still holds it.
 */
void	dispatch_lost(struct app *, const char *session, uint64_t session_id,
	    uint64_t seq);

#endif
