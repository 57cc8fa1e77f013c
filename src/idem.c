/* Idempotency records, kept per session and expiring on the virtual clock. */
#include <stdlib.h>

#include "idem.h"
#include "map.h"
#include "util.h"

struct idem {
	struct map	*records;
};

static void
idem_record_free(void *p)
{
	struct idem_record	*r = p;

	free(r->headers);
	free(r->body);
	free(r->refund_id);
	free(r->txn_id);
	free(r);
}

struct idem *
idem_new(void)
{
	struct idem	*i = xcalloc(1, sizeof *i);

	i->records = map_new(idem_record_free);
	return (i);
}

void
idem_free(struct idem *i)
{
	if (i == NULL)
		return;
	map_free(i->records);
	free(i);
}

void
idem_reset(struct idem *i)
{
	map_free(i->records);
	i->records = map_new(idem_record_free);
}

struct idem_record *
idem_get(struct idem *i, const char *key, int64_t now)
{
	struct idem_record	*r = map_get(i->records, key);

	if (r != NULL && now >= r->expires_ms && !r->in_flight) {
		idem_record_free(map_del(i->records, key));
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
	if ((old = map_del(i->records, key)) != NULL)
		idem_record_free(old);
	map_put(i->records, key, r);
	return (r);
}

void
idem_del(struct idem *i, const char *key)
{
	struct idem_record	*r = map_del(i->records, key);

	if (r != NULL)
		idem_record_free(r);
}

size_t
idem_count(const struct idem *i)
{
	return (map_count(i->records));
}

uint64_t
idem_fingerprint(const char *p, size_t n)
{
	return (hash_fnv1a(p, n));
}
