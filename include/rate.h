/*
 * Rate-limit counters: how many requests each key made in the current
 * second of a session's virtual clock, for the X-RateLimit-* headers.
 */
#ifndef PAYMOCK_RATE_H
#define PAYMOCK_RATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The most keys counted in one second.  Past it the key counted first in
 * that second is forgotten (its next request counts from 1 again): a client
 * sending a new X-API-Key each time costs the session at most this many
 * counters.
 */
#define RATE_KEYS_MAX	1024

struct rates;

struct rates	*rates_new(void);
void		 rates_free(struct rates *);
/*
 * Counts a request under 'key' (copied) in 'second' and returns its count in
 * that second.  A new second drops every counter of the one before.
 */
int		 rates_hit(struct rates *, const char *key, int64_t second);
size_t		 rates_count(const struct rates *);

#endif
