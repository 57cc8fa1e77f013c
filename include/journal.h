/* The journal: every provider request and its reply, a bounded ring per session. */
#ifndef PAYMOCK_JOURNAL_H
#define PAYMOCK_JOURNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The bounds are quota.journal_entries, quota.journal_bytes and
 * quota.journal_capture (quota.h).  The capture keeps a rejected 1 MiB
 * upload (or a large scenario reply) from costing a session more than its
 * prefix per entry; the byte budget keeps entries of long paths and full
 * captures from piling up, and bounds what a count over the journal (globs,
 * body subsets) reads.  Request headers are kept as packed text, not a JSON
 * object: a usual entry then weighs about 700 bytes, and the default budget
 * holds its 10,000 entries.
 */

struct journal_entry {
	uint64_t	 seq;
	int64_t		 at_ms;
	const char	*provider;	/* static */
	const char	*operation;	/* static */
	char		*method;
	char		*path;
	/* "name\0value\0" pairs, then "\0": UTF-8, in the order received */
	char		*req_headers;
	char		*req_body;	/* the first quota.journal_capture bytes */
	size_t		 req_body_len;	/* the whole body's length */
	int		 status;	/* 0: no reply was sent */
	char		*resp_headers;	/* as req_headers: the reply's, NULL if none */
	char		*resp_body;	/* as req_body */
	size_t		 resp_body_len;
	char		*rule;		/* the scenario rule that fired, or NULL */
	char		*action;	/* what the transport did, or NULL */
	char		*refund_id;	/* the refund touched, or NULL */
	char		*note;		/* e.g. a reused key, or NULL */
	/*
	 * The client never got the whole reply: a fault closed the connection
	 * (drop, reset, hang, truncate), or the client left before a held
	 * reply (delay, slow) was written.  Set later for held replies.
	 */
	int		 reply_lost;
	int64_t		 retry_after_s;	/* the reply's Retry-After, 0: none */
	/* integration warnings: "code\0text\0" pairs, then "\0"; NULL: none */
	char		*warnings;
	size_t		 bytes;		/* journal's own: what it holds, slot included */
};

struct journal;

/* Keeps at most 'cap' entries; 0 keeps none. */
struct journal	*journal_new(size_t cap);
void		 journal_free(struct journal *);
/* Drops up to 'max' of the oldest entries; returns how many are left. */
size_t		 journal_drain(struct journal *, size_t max);
void		 journal_clear(struct journal *);
/*
 * Appends a copy of 'e' (taking ownership of its strings and reference) and
 * gives it the next sequence number; the oldest entries go when it would
 * hold more than its cap of entries or quota.journal_bytes in entries.  An
 * entry larger than that budget alone is not kept (nor is any with a cap
 * of 0): its contents are freed and NULL is returned.
 */
struct journal_entry *journal_add(struct journal *, const struct journal_entry *e);
size_t		 journal_count(const struct journal *);
/* What the journal holds: entries, their strings and headers, the ring. */
size_t		 journal_bytes(const struct journal *);
/* The number the next entry will get: entries from it on came later. */
uint64_t	 journal_next_seq(const struct journal *);
/*
 * What an entry keeps of a body of 'len' bytes: a heap copy of at most
 * quota.journal_capture of them, or NULL for NULL.
 */
char		*journal_capture(const char *body, size_t len);
/* The value of the entry's last request header named 'name' (any case), or NULL. */
const char	*journal_header(const struct journal_entry *, const char *name);
/* The entry numbered 'seq' while it is held, else NULL; O(1). */
struct journal_entry *journal_find(struct journal *, uint64_t seq);
/* Oldest first; 'fn' returns non-zero to stop. */
void		 journal_each(const struct journal *,
		     int (*fn)(const struct journal_entry *, void *), void *arg);
/*
 * The same from the entry numbered 'seq' on (the oldest held, if that one
 * is gone), so a walk can be taken up again later; returns what 'fn'
 * stopped with, or 0 at the end.
 */
int		 journal_each_from(const struct journal *, uint64_t seq,
		     int (*fn)(const struct journal_entry *, void *), void *arg);
/*
 * The entry as the admin API lists it; a body cut to its capture adds
 * "truncated": true and "body_length" (the whole length) beside it, and
 * warnings are "warnings": [{"code", "text"}] (absent when none).
 */
json_t		*journal_entry_json(const struct journal_entry *);

#endif
