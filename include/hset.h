/*
 * A set of pointers to the caller's records, found by a hash the caller
 * computes from a key the record holds: open addressing, linear probing,
 * deletion by backward shift (no tombstones).  The set owns only its slot
 * array, one pointer a slot, so a record's key is stored once, in the record.
 */
#ifndef PAYMOCK_HSET_H
#define PAYMOCK_HSET_H

#include <stddef.h>
#include <stdint.h>

struct hset {
	void		**slots;
	size_t		  cap;	/* 0 or a power of two */
	size_t		  count;
	/* The hash of a record's key, as the caller passes it to hset_find. */
	uint64_t	  (*hash)(const void *record);
};

void	 hset_init(struct hset *, uint64_t (*hash)(const void *));
/* Frees the slots (not the records) and empties the set. */
void	 hset_release(struct hset *);
/* The record hashing to 'h' for which match(record, key) is true, or NULL. */
void	*hset_find(const struct hset *, uint64_t h,
	     int (*match)(const void *record, const void *key), const void *key);
/* Adds 'record', which must not be in the set. */
void	 hset_add(struct hset *, void *record);
/* Takes out 'record' (the very pointer); nothing if it is not there. */
void	 hset_del(struct hset *, const void *record);
/* The slot array's bytes, as alloc_bytes (util.h) counts them. */
size_t	 hset_bytes(const struct hset *);

/* FNV-1a 64 of 'a', a 0x1f separator and 'b': a scoped key without building it. */
uint64_t hset_hash2(const char *a, const char *b);

#endif
