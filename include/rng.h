/* The seeded generator behind every random choice: xoshiro256** via splitmix64. */
#ifndef PAYMOCK_RNG_H
#define PAYMOCK_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t	s[4];
};

/* Seeds from 'seed' and 'name', so each session has its own stream. */
void		rng_seed(struct rng *, uint64_t seed, const char *name);
uint64_t	rng_next(struct rng *);
void		rng_bytes(struct rng *, void *, size_t);
/* Uniform in [0, 1); used for probabilities and jitter, never for money. */
double		rng_unit(struct rng *);
/* Uniform in [lo, hi]. */
int64_t		rng_range(struct rng *, int64_t lo, int64_t hi);

#endif
