/* Rate-limit counters for one session: the current virtual second only, bounded. */
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "rate.h"
#include "util.h"

struct rates {
	struct map	*counts;	/* key -> int, this second */
	char		*order[RATE_KEYS_MAX];	/* keys, first counted first */
	size_t		 head, n;
	int64_t		 second;
};

struct rates *
rates_new(void)
{
	struct rates	*r = xcalloc(1, sizeof *r);

	r->counts = map_new(free);
	return (r);
}

/* Only the current second is ever read, so an older one is dropped whole. */
static void
rates_clear(struct rates *r)
{
	for (; r->n > 0; r->n--, r->head = (r->head + 1) % RATE_KEYS_MAX)
		free(r->order[r->head]);
	r->head = 0;
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

int
rates_hit(struct rates *r, const char *key, int64_t second)
{
	int	*count;

	if (second != r->second) {
		rates_clear(r);
		r->second = second;
	}
	if ((count = map_get(r->counts, key)) == NULL) {
		if (r->n == RATE_KEYS_MAX) {
			free(map_del(r->counts, r->order[r->head]));
			free(r->order[r->head]);
			r->head = (r->head + 1) % RATE_KEYS_MAX;
			r->n--;
		}
		count = xcalloc(1, sizeof *count);
		map_put(r->counts, key, count);
		r->order[(r->head + r->n++) % RATE_KEYS_MAX] = xstrdup(key);
	}
	return (++*count);
}

size_t
rates_count(const struct rates *r)
{
	return (map_count(r->counts));
}
