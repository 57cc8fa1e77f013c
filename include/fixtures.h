/* Fixture files: the captured transactions every session starts with. */
#ifndef PAYMOCK_FIXTURES_H
#define PAYMOCK_FIXTURES_H

#include <jansson.h>
#include <stddef.h>

#include "txn.h"

/* Checks what a provider adds to a transaction object; -1 with '*cause'. */
typedef int (*fixtures_extras_fn)(const json_t *txn, const char *where,
    char **cause);
/*
 * The layer that knows the providers passes this in: 0 with the extras
 * check of 'provider' (NULL: none) in '*extras', -1 if there is no such
 * provider.
 */
typedef int (*fixtures_lookup_fn)(const char *provider,
    fixtures_extras_fn *extras);

/*
 * Loads a fixture file, or every *.json in a directory (in name order), into
 * a new set the caller frees.  Returns NULL with '*cause' (heap, caller
 * frees) naming the file and field.
 */
struct txn_set	*fixtures_load(const char *path, fixtures_lookup_fn,
		     char **cause);

/*
 * Checks one transaction object and builds it.  'where' prefixes messages
 * ("fixtures/a.json: transactions[2]").  Returns NULL with '*cause' set.
 */
struct txn	*fixtures_txn_parse(const json_t *, const char *where,
		     fixtures_lookup_fn, char **cause);
/* The fixture-shape object of 'txn' with 'refunded' as given (admin listing). */
json_t		*fixtures_txn_json(const struct txn *, int64_t refunded);

#endif
