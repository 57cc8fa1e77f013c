/* Rate-limit counters for one session: the current virtual second only, bounded. */
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "quota.h"
#include "rate.h"
#include "util.h"

struct rates {
	struct map	*counts;	/* key -> int, this second */
	char		**order;	/* keys, first counted first: a ring */
	size_t		 head, n, slots;	/* slots grow to quota.rate_keys as used */
	size_t		 key_bytes;	/* the ring's copies of the keys */
	int64_t		 second;
};

struct rates *
rates_new(void)
{
	struct rates	*r = xcalloc(1, sizeof *r);

	r->counts = map_new(free);
	return (r);
}

/*
 * Only the current second is ever read, so an older one is dropped whole,
 * ring included: a burst of keys is not held on to in quiet seconds.
 */
static void
rates_clear(struct rates *r)
{
	for (; r->n > 0; r->n--, r->head = (r->head + 1) % r->slots)
		free(r->order[r->head]);
	free(r->order);
	r->order = NULL;
	r->head = r->slots = r->key_bytes = 0;
	map_free(r->counts);
	r->counts = map_new(free);
}

void
rates_free(struct rates *r)
{
	if (r == NULL)
		return;
	rates_clear(r);
	map_free(r->counts);
	free(r);
}

/* Most sessions count one or two keys: the ring starts small. */
static void
rates_grow(struct rates *r)
{
	size_t	slots = r->slots == 0 ? 4 : r->slots * 2;

	if (slots > quota.rate_keys)
		slots = quota.rate_keys;
	r->order = ring_grow(r->order, sizeof *r->order, r->head, r->n, r->slots, slots);
	r->slots = slots;
	r->head = 0;
}

int
rates_hit(struct rates *r, const char *key, int64_t second)
{
	int	*count;

	if (second != r->second) {
		rates_clear(r);
		r->second = second;
	}
	if ((count = map_get(r->counts, key)) == NULL) {
		if (r->n >= quota.rate_keys) {
			free(map_del(r->counts, r->order[r->head]));
			r->key_bytes -= str_bytes(r->order[r->head]);
			free(r->order[r->head]);
			r->head = (r->head + 1) % r->slots;
			r->n--;
		} else if (r->n == r->slots)
			rates_grow(r);
		count = xcalloc(1, sizeof *count);
		map_put(r->counts, key, count);
		r->order[(r->head + r->n++) % r->slots] = xstrdup(key);
		r->key_bytes += str_bytes(key);
	}
	return (++*count);
}

size_t
rates_count(const struct rates *r)
{
	return (map_count(r->counts));
}

size_t
rates_bytes(const struct rates *r)
{
	/* Each counter is an int of its own beside its two copies of the key. */
	return (sizeof *r + ALLOC_OVERHEAD + map_bytes(r->counts) +
	    r->n * (sizeof(int) + ALLOC_OVERHEAD) + r->key_bytes +
	    (r->slots > 0 ? r->slots * sizeof *r->order + ALLOC_OVERHEAD : 0));
}
