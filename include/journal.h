/* The journal: every provider request and its reply, a bounded ring per session. */
#ifndef PAYMOCK_JOURNAL_H
#define PAYMOCK_JOURNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_DEFAULT_CAP	10000

struct journal_entry {
	uint64_t	 seq;
	int64_t		 at_ms;
	const char	*provider;	/* static */
	const char	*operation;	/* static */
	char		*method;
	char		*path;
	json_t		*req_headers;	/* object */
	char		*req_body;
	int		 status;	/* 0: no reply was sent */
	char		*resp_body;
	char		*rule;		/* the scenario rule that fired, or NULL */
	char		*action;	/* what the transport did, or NULL */
	char		*refund_id;	/* the refund touched, or NULL */
	char		*note;		/* e.g. a reused key, or NULL */
};

struct journal;

struct journal	*journal_new(size_t cap);
void		 journal_free(struct journal *);
void		 journal_clear(struct journal *);
/*
 * Appends a copy of 'e' (taking ownership of its strings and reference) and
 * gives it the next sequence number; the oldest entry goes when full.
 */
struct journal_entry *journal_add(struct journal *, const struct journal_entry *e);
size_t		 journal_count(const struct journal *);
/* Oldest first; 'fn' returns non-zero to stop. */
void		 journal_each(const struct journal *,
		     int (*fn)(const struct journal_entry *, void *), void *arg);
json_t		*journal_entry_json(const struct journal_entry *);

#endif
