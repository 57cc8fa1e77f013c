/* A string-keyed hash table: sessions, transactions, refunds, idempotency keys. */
#ifndef PAYMOCK_MAP_H
#define PAYMOCK_MAP_H

#include <stddef.h>

struct map;

/*
 * Keys are copied and owned by the map.  Values are the caller's; map_free
 * passes each to 'free_value' when it is not NULL.
 */
struct map	*map_new(void (*free_value)(void *));
void		 map_free(struct map *);
void		*map_get(const struct map *, const char *key);
/* Replaces (without freeing) any value already under 'key'. */
void		 map_put(struct map *, const char *key, void *value);
/* Returns the value removed, or NULL; the caller owns it. */
void		*map_del(struct map *, const char *key);
size_t		 map_count(const struct map *);
/* What the map itself holds (slots and keys, not values), counted as it changes. */
size_t		 map_bytes(const struct map *);
/* Visits entries in no particular order; 'fn' must not change the map. */
void		 map_each(const struct map *, void (*fn)(const char *, void *, void *),
		     void *arg);

#endif
