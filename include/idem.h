/*
 * Idempotency records: a key, a fingerprint of the request, what the first
 * reply was, and an expiry on the virtual clock.  Each adapter builds its own
 * key (scope included); the rules of when to store are the adapter's.  A
 * reply that created a refund is kept as its status and the refund, and is
 * rendered again from them; any other reply kept (a 422) is kept as text,
 * and those count against quota.rejections.
 */
#ifndef PAYMOCK_IDEM_H
#define PAYMOCK_IDEM_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#define IDEM_FOREVER	INT64_MAX
#define IDEM_NO_REFUND	UINT32_MAX
/* Expired records one idem_get frees at most: bounded work per request. */
#define IDEM_PURGE_PER_CALL	64

/* A reply kept as text; its strings live in the same allocation. */
struct idem_text {
	const char		*content_type;	/* static */
	const char		*headers;	/* "Name: value\n" lines */
	const char		*body;

	/* idem's own */
	struct idem_record	*record;
	TAILQ_ENTRY(idem_text)	 rejections;
};

struct idem_record {
	uint64_t		 fingerprint;
	int64_t			 expires_ms;
	/*
	 * The refund the first reply created, as its ledger index
	 * (ledger_refund_nth), or IDEM_NO_REFUND.  The session resets its
	 * ledger and this store together, and the ledger only grows in
	 * between, so the refund outlives the record; an index past the
	 * ledger's count is read as no refund all the same.
	 */
	uint32_t		 refund;
	uint16_t		 status;	/* the first reply's */
	uint8_t			 in_flight;	/* a reply is being held (scenario delay) */

	/* idem's own */
	uint32_t		 heap_at;	/* in the expiry heap, or UINT32_MAX */
	struct idem_text	*text;		/* see idem_keep_text; NULL: none */
	char			 key[];
};

struct idem;

struct idem		*idem_new(void);
void			 idem_free(struct idem *);
/*
 * Frees up to 'max' records of a store about to be freed, so a big one goes
 * in slices; returns how many are left.  Past the first call the store may
 * only be drained again or freed.
 */
size_t			 idem_drain(struct idem *, size_t max);
void			 idem_reset(struct idem *);
/*
 * The live record under 'key' at 'now'; an expired one is dropped.  Each
 * call also frees up to IDEM_PURGE_PER_CALL other records expired by 'now',
 * soonest first, so keys that never return do not pile up.
 */
struct idem_record	*idem_get(struct idem *, const char *key, int64_t now);
/*
 * A fresh record under 'key' (status 0, no refund, no text), replacing any
 * there; kept until 'expires_ms'.  It is the store's: valid until dropped.
 */
struct idem_record	*idem_put(struct idem *, const char *key, uint64_t fingerprint,
			    int64_t expires_ms);
void			 idem_del(struct idem *, const char *key);
/*
 * Keeps a reply as text in 'r' (the strings are copied): a stored
 * rejection, counted against quota.rejections; past it the oldest such
 * record is dropped, and its key, if it comes again, is a new request.
 * Returns 0, or -1 when the quota is 0: then 'r' itself is dropped.
 */
int			 idem_keep_text(struct idem *, struct idem_record *r,
			    const char *content_type, const char *headers,
			    const char *body);
size_t			 idem_count(const struct idem *);
/* Records holding text (stored rejections). */
size_t			 idem_text_count(const struct idem *);
/*
 * The bytes the store allocated: records with their keys, texts, table
 * slots and the expiry heap, each with ALLOC_OVERHEAD (util.h); kept as it
 * grows, O(1).
 */
size_t			 idem_bytes(const struct idem *);

/* A fingerprint of bytes (FNV-1a 64). */
uint64_t		 idem_fingerprint(const char *, size_t);

#endif
