/*
 * Rate-limit counters: how many requests each key made in the current
 * second of a session's virtual clock, for the X-RateLimit-* headers.
 */
#ifndef PAYMOCK_RATE_H
#define PAYMOCK_RATE_H

#include <stddef.h>
#include <stdint.h>

struct rates;

struct rates	*rates_new(void);
void		 rates_free(struct rates *);
/*
 * Counts a request under 'key' (copied) in 'second' and returns its count in
 * that second.  A new second drops every counter of the one before.  At
 * most quota.rate_keys keys are counted in one second: past it the key
 * counted first in that second is forgotten (its next request counts from 1
 * again), so a client sending a new X-API-Key each time costs the session at
 * most that many counters.
 */
int		 rates_hit(struct rates *, const char *key, int64_t second);
size_t		 rates_count(const struct rates *);
/* What the counters hold, counted as they change. */
size_t		 rates_bytes(const struct rates *);

#endif
