/*
 * Idempotency records: a key, a fingerprint of the request, the reply to
 * replay, and an expiry on the virtual clock.  Each adapter builds its own
 * key (scope included); the rules of when to store are the adapter's.
 */
#ifndef PAYMOCK_IDEM_H
#define PAYMOCK_IDEM_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#define IDEM_FOREVER	INT64_MAX
/*
 * The most stored rejections (a 422 a key replays) a session keeps: past it
 * the oldest is forgotten, and its key, if it comes again, is a new request.
 * Records of refunds are not counted: each is tied to a refund in the ledger.
 */
#define IDEM_REJECTIONS_MAX	1024
/* Expired records one idem_get frees at most: bounded work per request. */
#define IDEM_PURGE_PER_CALL	64

struct idem_record {
	uint64_t	 fingerprint;
	int64_t		 expires_ms;
	int		 in_flight;	/* a reply is being held (scenario delay) */
	int		 status;
	const char	*content_type;	/* static */
	char		*headers;	/* "Name: value\n" lines; owned */
	char		*body;		/* owned */
	char		*refund_id;	/* the refund it created, or NULL; owned */
	char		*txn_id;	/* the transaction it was for; owned */

	/* idem's own */
	char		*key;
	size_t		 heap_at;	/* in the expiry heap, or SIZE_MAX */
	int		 rejection;
	TAILQ_ENTRY(idem_record) rejections;
};

struct idem;

struct idem		*idem_new(void);
void			 idem_free(struct idem *);
void			 idem_reset(struct idem *);
/*
 * The live record under 'key' at 'now'; an expired one is dropped.  Each
 * call also frees up to IDEM_PURGE_PER_CALL other records expired by 'now',
 * soonest first, so keys that never return do not pile up.
 */
struct idem_record	*idem_get(struct idem *, const char *key, int64_t now);
/* A fresh, empty record under 'key', replacing any there; kept until 'expires_ms'. */
struct idem_record	*idem_put(struct idem *, const char *key, uint64_t fingerprint,
			    int64_t expires_ms);
void			 idem_del(struct idem *, const char *key);
/*
 * 'r' (in this store) holds a rejection: it counts against
 * IDEM_REJECTIONS_MAX, and the oldest rejection goes when over.
 */
void			 idem_rejection(struct idem *, struct idem_record *r);
size_t			 idem_count(const struct idem *);
/* The bytes the store holds, counted as it grows. */
size_t			 idem_bytes(const struct idem *);

/* A fingerprint of bytes (FNV-1a 64). */
uint64_t		 idem_fingerprint(const char *, size_t);

#endif
