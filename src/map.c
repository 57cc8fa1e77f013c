/* A string-keyed hash table: open addressing, linear probing, tombstones. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "util.h"

static char map_tombstone;

struct map_slot {
	char		*key;	/* NULL empty, &map_tombstone deleted */
	uint64_t	 hash;
	void		*value;
};

struct map {
	struct map_slot	*slots;
	size_t		 cap;	/* a power of two */
	size_t		 count;
	size_t		 used;	/* count plus tombstones */
	size_t		 key_bytes;	/* the keys' copies, malloc's share included */
	void		 (*free_value)(void *);
};

/* hash_fnv1a(s, strlen(s)), in one pass over the key. */
static uint64_t
map_hash(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint64_t		 h = 14695981039346656037ULL;

	while (*p != '\0') {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	return (h);
}

struct map *
map_new(void (*free_value)(void *))
{
	struct map	*m = xcalloc(1, sizeof *m);

	m->cap = 16;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	m->free_value = free_value;
	return (m);
}

void
map_free(struct map *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++) {
		struct map_slot *s = &m->slots[i];
		if (s->key == NULL || s->key == &map_tombstone)
			continue;
		if (m->free_value != NULL)
			m->free_value(s->value);
		free(s->key);
	}
	free(m->slots);
	free(m);
}

static struct map_slot *
map_find(const struct map *m, const char *key, uint64_t h)
{
	size_t	i = h & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		struct map_slot *s = &m->slots[i];
		if (s->key == NULL)
			return (NULL);
		if (s->key != &map_tombstone && s->hash == h &&
		    strcmp(s->key, key) == 0)
			return (s);
	}
}

static void
map_grow(struct map *m)
{
	struct map_slot	*old = m->slots;
	size_t		 oldcap = m->cap, i;

	if (m->count * 2 >= m->cap)
		m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	m->used = m->count;
	for (i = 0; i < oldcap; i++) {
		size_t j;
		if (old[i].key == NULL || old[i].key == &map_tombstone)
			continue;
		j = old[i].hash & (m->cap - 1);
		while (m->slots[j].key != NULL)
			j = (j + 1) & (m->cap - 1);
		m->slots[j] = old[i];
	}
	free(old);
}

void *
map_get(const struct map *m, const char *key)
{
	struct map_slot	*s = map_find(m, key, map_hash(key));

	return (s != NULL ? s->value : NULL);
}

void
map_put(struct map *m, const char *key, void *value)
{
	uint64_t	 h = map_hash(key);
	struct map_slot	*s = map_find(m, key, h);
	size_t		 i;

	if (s != NULL) {
		s->value = value;
		return;
	}
	if ((m->used + 1) * 4 > m->cap * 3)
		map_grow(m);
	for (i = h & (m->cap - 1); ; i = (i + 1) & (m->cap - 1)) {
		s = &m->slots[i];
		if (s->key == NULL || s->key == &map_tombstone)
			break;
	}
	if (s->key == NULL)
		m->used++;
	s->key = xstrdup(key);
	m->key_bytes += str_bytes(key);
	s->hash = h;
	s->value = value;
	m->count++;
}

void *
map_del(struct map *m, const char *key)
{
	struct map_slot	*s = map_find(m, key, map_hash(key));
	void		*v;

	if (s == NULL)
		return (NULL);
	v = s->value;
	m->key_bytes -= str_bytes(s->key);
	free(s->key);
	s->key = &map_tombstone;
	s->value = NULL;
	m->count--;
	return (v);
}

size_t
map_count(const struct map *m)
{
	return (m->count);
}

size_t
map_bytes(const struct map *m)
{
	return (sizeof *m + m->cap * sizeof *m->slots + 2 * ALLOC_OVERHEAD +
	    m->key_bytes);
}

void
map_each(const struct map *m, void (*fn)(const char *, void *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < m->cap; i++) {
		struct map_slot *s = &m->slots[i];
		if (s->key != NULL && s->key != &map_tombstone)
			fn(s->key, s->value, arg);
	}
}
