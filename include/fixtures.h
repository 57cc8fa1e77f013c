/* Fixture files: the captured transactions every session starts with. */
#ifndef PAYMOCK_FIXTURES_H
#define PAYMOCK_FIXTURES_H

#include <jansson.h>
#include <stddef.h>

#include "ledger.h"

struct fixtures;

/*
 * Loads a fixture file, or every *.json in a directory (in name order).
 * Returns NULL with '*cause' (heap, caller frees) naming the file and field.
 */
struct fixtures	*fixtures_load(const char *path, char **cause);
/* An empty set, for tests that add transactions themselves. */
struct fixtures	*fixtures_new(void);
void		 fixtures_free(struct fixtures *);
/* Takes ownership; -1 (not taken) if (provider, id) is already there. */
int		 fixtures_add(struct fixtures *, struct txn *);
const struct txn *fixtures_find(const struct fixtures *, const char *provider, const char *id);
size_t		 fixtures_count(const struct fixtures *);
const struct txn *fixtures_at(const struct fixtures *, size_t);

/*
 * Checks one transaction object and builds it.  'where' prefixes messages
 * ("fixtures/a.json: transactions[2]").  Returns NULL with '*cause' set.
 */
struct txn	*fixtures_txn_parse(const json_t *, const char *where, char **cause);
/* The fixture-shape object of 'txn' with 'refunded' as given (admin listing). */
json_t		*fixtures_txn_json(const struct txn *, int64_t refunded);

/* The map key of (provider, id) used by every store: "provider\x1fid". */
char		*fixtures_key(const char *provider, const char *id, char *buf, size_t len);

#endif
