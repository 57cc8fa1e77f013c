/* The journal: every provider request and its reply, a bounded ring per session. */
#ifndef PAYMOCK_JOURNAL_H
#define PAYMOCK_JOURNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_DEFAULT_CAP	10000
/*
 * How much of a body an entry keeps: a rejected 1 MiB upload (or a large
 * scenario reply) costs a session 8 KiB, not the whole body, per entry.
 */
#define JOURNAL_BODY_CAPTURE	(8 * 1024)
/*
 * The bytes one session's journal may hold (paths, headers, bodies): past
 * it the oldest entries go, as past the entry cap.  Entries of long paths
 * and full captures cannot pile up, and a count over the journal (globs,
 * body subsets) reads at most this much.  Usual entries (1-2 KiB) reach the
 * entry cap first.
 */
#define JOURNAL_BYTES_MAX	(16 * 1024 * 1024)

struct journal_entry {
	uint64_t	 seq;
	int64_t		 at_ms;
	const char	*provider;	/* static */
	const char	*operation;	/* static */
	char		*method;
	char		*path;
	json_t		*req_headers;	/* object */
	char		*req_body;	/* the first JOURNAL_BODY_CAPTURE bytes */
	size_t		 req_body_len;	/* the whole body's length */
	int		 status;	/* 0: no reply was sent */
	char		*resp_body;	/* as req_body */
	size_t		 resp_body_len;
	char		*rule;		/* the scenario rule that fired, or NULL */
	char		*action;	/* what the transport did, or NULL */
	char		*refund_id;	/* the refund touched, or NULL */
	char		*note;		/* e.g. a reused key, or NULL */
	size_t		 bytes;		/* journal's own: what it holds */
};

struct journal;

struct journal	*journal_new(size_t cap);
void		 journal_free(struct journal *);
void		 journal_clear(struct journal *);
/*
 * Appends a copy of 'e' (taking ownership of its strings and reference) and
 * gives it the next sequence number; the oldest entries go when it holds
 * more than its cap of entries or JOURNAL_BYTES_MAX bytes.
 */
struct journal_entry *journal_add(struct journal *, const struct journal_entry *e);
size_t		 journal_count(const struct journal *);
size_t		 journal_bytes(const struct journal *);
/*
 * What an entry keeps of a body of 'len' bytes: a heap copy of at most
 * JOURNAL_BODY_CAPTURE of them, or NULL for NULL.
 */
char		*journal_capture(const char *body, size_t len);
/* Oldest first; 'fn' returns non-zero to stop. */
void		 journal_each(const struct journal *,
		     int (*fn)(const struct journal_entry *, void *), void *arg);
/*
 * The entry as the admin API lists it; a body cut to its capture adds
 * "truncated": true and "body_length" (the whole length) beside it.
 */
json_t		*journal_entry_json(const struct journal_entry *);

#endif
