/* A reply {status, headers, body} as an adapter or the admin API writes it. */
#ifndef PAYMOCK_REPLY_H
#define PAYMOCK_REPLY_H

#include <stddef.h>
#include <stdint.h>

struct reply_header {
	char	*name;
	char	*value;
};

/* A reply; reply_release frees what it owns. */
struct reply {
	int			 status;
	const char		*content_type;	/* static */
	char			*body;
	struct reply_header	*headers;
	size_t			 nheaders;
	char			*refund_id;	/* for the journal */
	char			*note;		/* for the journal */
};

/* Adds a header; both strings are copied. */
void		 reply_header(struct reply *, const char *name, const char *value);
/*
 * Adds the Date header (RFC 9110 IMF-fixdate) for 'ms' since the epoch: a
 * session's virtual time, so the header agrees with the bodies.  evhttp
 * writes its own (wall time) only when a reply has none.
 */
void		 reply_date(struct reply *, int64_t ms);
const char	*reply_get_header(const struct reply *, const char *name);
void		 reply_release(struct reply *);

#endif
