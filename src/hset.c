/* A pointer set over the caller's records: linear probing, backward-shift deletion. */
#include <stdlib.h>

#include "hset.h"
#include "util.h"

#define HSET_FIRST_CAP	16

void
hset_init(struct hset *s, uint64_t (*hash)(const void *))
{
	s->slots = NULL;
	s->cap = s->count = 0;
	s->hash = hash;
}

void
hset_release(struct hset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->cap = s->count = 0;
}

static size_t
hset_home(const struct hset *s, const void *record)
{
	return (s->hash(record) & (s->cap - 1));
}

void *
hset_find(const struct hset *s, uint64_t h,
    int (*match)(const void *, const void *), const void *key)
{
	size_t	i;

	if (s->cap == 0)
		return (NULL);
	for (i = h & (s->cap - 1); s->slots[i] != NULL; i = (i + 1) & (s->cap - 1)) {
		if (match(s->slots[i], key))
			return (s->slots[i]);
	}
	return (NULL);
}

static void
hset_place(struct hset *s, void *record)
{
	size_t	i = hset_home(s, record);

	while (s->slots[i] != NULL)
		i = (i + 1) & (s->cap - 1);
	s->slots[i] = record;
}

void
hset_add(struct hset *s, void *record)
{
	void	**old = s->slots;
	size_t	  oldcap = s->cap, i;

	/* At most three quarters full, so probes stay short. */
	if ((s->count + 1) * 4 > s->cap * 3) {
		s->cap = s->cap != 0 ? s->cap * 2 : HSET_FIRST_CAP;
		s->slots = xcalloc(s->cap, sizeof *s->slots);
		for (i = 0; i < oldcap; i++) {
			if (old[i] != NULL)
				hset_place(s, old[i]);
		}
		free(old);
	}
	hset_place(s, record);
	s->count++;
}

void
hset_del(struct hset *s, const void *record)
{
	size_t	mask = s->cap - 1, i, j, home;

	if (s->cap == 0)
		return;
	for (i = hset_home(s, record); s->slots[i] != record; i = (i + 1) & mask) {
		if (s->slots[i] == NULL)
			return;
	}
	/* Pull back every later record of the run that may sit at 'i'. */
	for (j = (i + 1) & mask; s->slots[j] != NULL; j = (j + 1) & mask) {
		home = hset_home(s, s->slots[j]);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	s->slots[i] = NULL;
	s->count--;
}

size_t
hset_bytes(const struct hset *s)
{
	return (s->cap != 0 ? alloc_bytes(s->cap * sizeof *s->slots) : 0);
}

uint64_t
hset_hash2(const char *a, const char *b)
{
	const unsigned char	*p;
	uint64_t		 h = 14695981039346656037ULL;

	for (p = (const unsigned char *)a; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ 0x1f) * 1099511628211ULL;
	for (p = (const unsigned char *)b; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (h);
}
