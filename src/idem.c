/*
 * Idempotency records, kept per session and expiring on the virtual clock.
 * Records that expire sit in a min-heap by expiry, so the expired ones are
 * found without a scan (the clock may be set back: a heap, not a FIFO);
 * stored rejections are also on a list, oldest first, to cap their number.
 */
#include <stdlib.h>
#include <string.h>

#include "idem.h"
#include "map.h"
#include "util.h"

#define IDEM_NOWHERE	SIZE_MAX

struct idem {
	struct map		 *records;
	struct idem_record	**heap;
	size_t			  nheap, heap_cap;
	TAILQ_HEAD(, idem_record) rejections;
	size_t			  nrejections;
};

static void
idem_record_free(void *p)
{
	struct idem_record	*r = p;

	free(r->headers);
	free(r->body);
	free(r->refund_id);
	free(r->txn_id);
	free(r->key);
	free(r);
}

static void
idem_init(struct idem *i)
{
	i->records = map_new(idem_record_free);
	TAILQ_INIT(&i->rejections);
}

struct idem *
idem_new(void)
{
	struct idem	*i = xcalloc(1, sizeof *i);

	idem_init(i);
	return (i);
}

void
idem_free(struct idem *i)
{
	if (i == NULL)
		return;
	map_free(i->records);
	free(i->heap);
	free(i);
}

void
idem_reset(struct idem *i)
{
	map_free(i->records);
	free(i->heap);
	memset(i, 0, sizeof *i);
	idem_init(i);
}

static void
idem_heap_set(struct idem *i, size_t at, struct idem_record *r)
{
	i->heap[at] = r;
	r->heap_at = at;
}

/* Moves the record at 'at' up or down to its place. */
static void
idem_heap_fix(struct idem *i, size_t at)
{
	struct idem_record	*r = i->heap[at];
	size_t			 child;

	while (at > 0 && i->heap[(at - 1) / 2]->expires_ms > r->expires_ms) {
		idem_heap_set(i, at, i->heap[(at - 1) / 2]);
		at = (at - 1) / 2;
	}
	while ((child = 2 * at + 1) < i->nheap) {
		if (child + 1 < i->nheap &&
		    i->heap[child + 1]->expires_ms < i->heap[child]->expires_ms)
			child++;
		if (i->heap[child]->expires_ms >= r->expires_ms)
			break;
		idem_heap_set(i, at, i->heap[child]);
		at = child;
	}
	idem_heap_set(i, at, r);
}

/* Takes 'r' out of the heap and the rejection list, and frees it. */
static void
idem_drop(struct idem *i, struct idem_record *r)
{
	size_t	at = r->heap_at;

	map_del(i->records, r->key);
	if (at != IDEM_NOWHERE && at != --i->nheap) {
		i->heap[at] = i->heap[i->nheap];
		idem_heap_fix(i, at);
	}
	if (r->rejection) {
		TAILQ_REMOVE(&i->rejections, r, rejections);
		i->nrejections--;
	}
	idem_record_free(r);
}

static void
idem_purge(struct idem *i, int64_t now)
{
	size_t	n;

	/* A held reply's record waits for its release, and so does the rest. */
	for (n = 0; n < IDEM_PURGE_PER_CALL && i->nheap > 0 &&
	    now >= i->heap[0]->expires_ms && !i->heap[0]->in_flight; n++)
		idem_drop(i, i->heap[0]);
}

struct idem_record *
idem_get(struct idem *i, const char *key, int64_t now)
{
	struct idem_record	*r;

	idem_purge(i, now);
	r = map_get(i->records, key);
	if (r != NULL && now >= r->expires_ms && !r->in_flight) {
		idem_drop(i, r);
		return (NULL);
	}
	return (r);
}

struct idem_record *
idem_put(struct idem *i, const char *key, uint64_t fingerprint, int64_t expires_ms)
{
	struct idem_record	*r = xcalloc(1, sizeof *r), *old;

	r->fingerprint = fingerprint;
	r->expires_ms = expires_ms;
	r->key = xstrdup(key);
	r->heap_at = IDEM_NOWHERE;
	if ((old = map_get(i->records, key)) != NULL)
		idem_drop(i, old);
	map_put(i->records, key, r);
	if (expires_ms != IDEM_FOREVER) {
		if (i->nheap == i->heap_cap) {
			i->heap_cap = i->heap_cap == 0 ? 16 : i->heap_cap * 2;
			i->heap = xrealloc(i->heap, i->heap_cap * sizeof *i->heap);
		}
		idem_heap_set(i, i->nheap++, r);
		idem_heap_fix(i, r->heap_at);
	}
	return (r);
}

void
idem_del(struct idem *i, const char *key)
{
	struct idem_record	*r = map_get(i->records, key);

	if (r != NULL)
		idem_drop(i, r);
}

void
idem_rejection(struct idem *i, struct idem_record *r)
{
	if (r->rejection)
		return;
	if (i->nrejections == IDEM_REJECTIONS_MAX)
		idem_drop(i, TAILQ_FIRST(&i->rejections));
	r->rejection = 1;
	TAILQ_INSERT_TAIL(&i->rejections, r, rejections);
	i->nrejections++;
}

size_t
idem_count(const struct idem *i)
{
	return (map_count(i->records));
}

size_t
idem_bytes(const struct idem *i)
{
	return (sizeof *i + idem_count(i) * sizeof(struct idem_record));
}

uint64_t
idem_fingerprint(const char *p, size_t n)
{
	return (hash_fnv1a(p, n));
}
