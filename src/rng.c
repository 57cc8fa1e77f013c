/* The seeded generator behind every random choice: xoshiro256** via splitmix64. */
#include <string.h>

#include "rng.h"
#include "util.h"

static uint64_t
rng_splitmix(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

void
rng_seed(struct rng *r, uint64_t seed, const char *name)
{
	uint64_t	x = seed ^ hash_fnv1a(name, strlen(name));
	int		i;

	for (i = 0; i < 4; i++)
		r->s[i] = rng_splitmix(&x);
}

static uint64_t
rng_rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

uint64_t
rng_next(struct rng *r)
{
	uint64_t	*s = r->s, result = rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return (result);
}

void
rng_bytes(struct rng *r, void *out, size_t n)
{
	unsigned char	*p = out;

	while (n > 0) {
		uint64_t v = rng_next(r);
		size_t k = n < sizeof v ? n : sizeof v;
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

double
rng_unit(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) * 0x1.0p-53);
}

int64_t
rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	uint64_t	span = (uint64_t)(hi - lo) + 1;

	return (span == 0 ? (int64_t)rng_next(r) : lo + (int64_t)(rng_next(r) % span));
}
