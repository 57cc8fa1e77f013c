/*
 * Idempotency records, kept per session and expiring on the virtual clock.
 * Records that expire sit in a min-heap by expiry, so the expired ones are
 * found without a scan (the clock may be set back: a heap, not a FIFO);
 * texts (stored rejections) are also on a list, oldest first, to cap their
 * number.  A record holds its key, and the table only points at records.
 */
#include <stdlib.h>
#include <string.h>

#include "hset.h"
#include "idem.h"
#include "quota.h"
#include "util.h"

#define IDEM_NOWHERE	UINT32_MAX

struct idem {
	struct hset		  records;
	struct idem_record	**heap;
	size_t			  nheap, heap_cap;
	TAILQ_HEAD(, idem_text)	  texts;
	size_t			  ntexts;
	size_t			  bytes;	/* all but the table's slots */
	size_t			  drained;	/* table slots idem_drain went past */
};

static uint64_t
idem_key_hash(const char *key)
{
	return (hash_fnv1a(key, strlen(key)));
}

static uint64_t
idem_record_hash(const void *p)
{
	const struct idem_record	*r = p;

	return (idem_key_hash(r->key));
}

static int
idem_record_match(const void *p, const void *key)
{
	const struct idem_record	*r = p;

	return (strcmp(r->key, key) == 0);
}

static size_t
idem_record_bytes(const struct idem_record *r)
{
	return (alloc_bytes(sizeof *r + strlen(r->key) + 1));
}

static size_t
idem_text_bytes(const struct idem_text *t)
{
	return (alloc_bytes(sizeof *t + strlen(t->headers) + 1 + strlen(t->body) + 1));
}

static void
idem_init(struct idem *i)
{
	memset(i, 0, sizeof *i);
	hset_init(&i->records, idem_record_hash);
	TAILQ_INIT(&i->texts);
	i->bytes = alloc_bytes(sizeof *i);
}

static void
idem_record_free(struct idem_record *r)
{
	free(r->text);
	free(r);
}

static void
idem_clear(struct idem *i)
{
	size_t	n;

	for (n = i->drained; n < i->records.cap; n++) {
		if (i->records.slots[n] != NULL)
			idem_record_free(i->records.slots[n]);
	}
	hset_release(&i->records);
	free(i->heap);
}

size_t
idem_drain(struct idem *i, size_t max)
{
	/* The table is not kept in shape: the store is only freed from here on. */
	for (; max > 0 && i->drained < i->records.cap; i->drained++) {
		if (i->records.slots[i->drained] != NULL) {
			idem_record_free(i->records.slots[i->drained]);
			i->records.count--;
			max--;
		}
	}
	return (i->records.count);
}

struct idem *
idem_new(void)
{
	struct idem	*i = xmalloc(sizeof *i);

	idem_init(i);
	return (i);
}

void
idem_free(struct idem *i)
{
	if (i == NULL)
		return;
	idem_clear(i);
	free(i);
}

void
idem_reset(struct idem *i)
{
	idem_clear(i);
	idem_init(i);
}

static void
idem_heap_set(struct idem *i, size_t at, struct idem_record *r)
{
	i->heap[at] = r;
	r->heap_at = (uint32_t)at;
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

static void
idem_text_drop(struct idem *i, struct idem_record *r)
{
	if (r->text == NULL)
		return;
	TAILQ_REMOVE(&i->texts, r->text, rejections);
	i->ntexts--;
	i->bytes -= idem_text_bytes(r->text);
	free(r->text);
	r->text = NULL;
}

/* Takes 'r' out of the table, the heap and the text list, and frees it. */
static void
idem_drop(struct idem *i, struct idem_record *r)
{
	size_t	at = r->heap_at;

	hset_del(&i->records, r);
	if (at != IDEM_NOWHERE && at != --i->nheap) {
		i->heap[at] = i->heap[i->nheap];
		idem_heap_fix(i, at);
	}
	idem_text_drop(i, r);
	i->bytes -= idem_record_bytes(r);
	free(r);
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

static struct idem_record *
idem_find(const struct idem *i, const char *key)
{
	return (hset_find(&i->records, idem_key_hash(key), idem_record_match, key));
}

struct idem_record *
idem_get(struct idem *i, const char *key, int64_t now)
{
	struct idem_record	*r;

	idem_purge(i, now);
	r = idem_find(i, key);
	if (r != NULL && now >= r->expires_ms && !r->in_flight) {
		idem_drop(i, r);
		return (NULL);
	}
	return (r);
}

struct idem_record *
idem_put(struct idem *i, const char *key, uint64_t fingerprint, int64_t expires_ms)
{
	size_t			 n = strlen(key);
	struct idem_record	*r = xcalloc(1, sizeof *r + n + 1), *old;

	r->fingerprint = fingerprint;
	r->expires_ms = expires_ms;
	r->refund = IDEM_NO_REFUND;
	r->heap_at = IDEM_NOWHERE;
	memcpy(r->key, key, n + 1);
	if ((old = idem_find(i, key)) != NULL)
		idem_drop(i, old);
	hset_add(&i->records, r);
	i->bytes += idem_record_bytes(r);
	if (expires_ms != IDEM_FOREVER) {
		if (i->nheap == i->heap_cap) {
			if (i->heap_cap != 0)
				i->bytes -= alloc_bytes(i->heap_cap * sizeof *i->heap);
			i->heap_cap = i->heap_cap == 0 ? 16 : i->heap_cap * 2;
			i->heap = xrealloc(i->heap, i->heap_cap * sizeof *i->heap);
			i->bytes += alloc_bytes(i->heap_cap * sizeof *i->heap);
		}
		idem_heap_set(i, i->nheap++, r);
		idem_heap_fix(i, r->heap_at);
	}
	return (r);
}

void
idem_del(struct idem *i, const char *key)
{
	struct idem_record	*r = idem_find(i, key);

	if (r != NULL)
		idem_drop(i, r);
}

int
idem_keep_text(struct idem *i, struct idem_record *r, const char *content_type,
    const char *headers, const char *body)
{
	size_t			 hl = strlen(headers), bl = strlen(body);
	struct idem_text	*t;
	char			*p;

	idem_text_drop(i, r);
	if (quota.rejections == 0) {
		idem_drop(i, r);
		return (-1);
	}
	while (i->ntexts >= quota.rejections)
		idem_drop(i, TAILQ_FIRST(&i->texts)->record);
	t = xmalloc(sizeof *t + hl + 1 + bl + 1);
	p = (char *)(t + 1);
	t->content_type = content_type;
	t->headers = memcpy(p, headers, hl + 1);
	t->body = memcpy(p + hl + 1, body, bl + 1);
	t->record = r;
	r->text = t;
	TAILQ_INSERT_TAIL(&i->texts, t, rejections);
	i->ntexts++;
	i->bytes += idem_text_bytes(t);
	return (0);
}

size_t
idem_count(const struct idem *i)
{
	return (i->records.count);
}

size_t
idem_text_count(const struct idem *i)
{
	return (i->ntexts);
}

size_t
idem_bytes(const struct idem *i)
{
	return (i->bytes + hset_bytes(&i->records));
}

uint64_t
idem_fingerprint(const char *p, size_t n)
{
	return (hash_fnv1a(p, n));
}
