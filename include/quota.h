/*
 * The process's bounds: how much one session, and the whole server, may
 * hold.  Set from the command line before serving and read-only after; each
 * module reads its own field where it used to have a constant.  The defaults
 * are the documented ones.
 */
#ifndef PAYMOCK_QUOTA_H
#define PAYMOCK_QUOTA_H

#include <stddef.h>
#include <stdint.h>

struct quota {
	int64_t	session_ttl_ms;		/* wall time without requests; 0: never */
	size_t	sessions;		/* live sessions, the default one included */
	size_t	memory;			/* bytes tracked across all sessions */
	size_t	journal_entries;	/* per session */
	size_t	journal_bytes;		/* per session */
	size_t	journal_capture;	/* of each request and reply body */
	size_t	rules;			/* scenario rules and faults per session */
	size_t	scenario_bytes;		/* one scenario, posted or read */
	size_t	rejections;		/* stored 422s per session */
	size_t	rate_keys;		/* rate-limit counters per session */
	int	strict;			/* --strict: sessions start in strict mode */
};

extern struct quota quota;

#endif
