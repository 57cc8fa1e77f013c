/*
 * Idempotency records: a key, a fingerprint of the request, the reply to
 * replay, and an expiry on the virtual clock.  Each adapter builds its own
 * key (scope included); the rules of when to store are the adapter's.
 */
#ifndef PAYMOCK_IDEM_H
#define PAYMOCK_IDEM_H

#include <stdint.h>

#define IDEM_FOREVER	INT64_MAX

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
};

struct idem;

struct idem		*idem_new(void);
void			 idem_free(struct idem *);
void			 idem_reset(struct idem *);
/* The live record under 'key' at 'now'; an expired one is dropped. */
struct idem_record	*idem_get(struct idem *, const char *key, int64_t now);
/* A fresh, empty record under 'key', replacing any there; kept until 'expires_ms'. */
struct idem_record	*idem_put(struct idem *, const char *key, uint64_t fingerprint,
			    int64_t expires_ms);
void			 idem_del(struct idem *, const char *key);
size_t			 idem_count(const struct idem *);

/* A fingerprint of bytes (FNV-1a 64). */
uint64_t		 idem_fingerprint(const char *, size_t);

#endif
