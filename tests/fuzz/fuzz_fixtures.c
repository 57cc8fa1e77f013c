/*
 * Fuzz path: the fixture parser.  The bytes go through jsonx_loads;
 * an object is one transaction for fixtures_txn_parse, a {"transactions":[…]}
 * document each of its entries.  An accepted transaction must come back from
 * its own listing (fixtures_txn_json, as GET /__admin/transactions shows it,
 * which POST /__admin/transactions takes) with the same amount, currency,
 * state, outcome and refunded amount.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "fuzz.h"
#include "jsonx.h"
#include "ledger.h"
#include "provider.h"
#include "util.h"

static void
fixtures_fuzz_txn(const json_t *o)
{
	struct txn	*t, *again;
	json_t		*listed, *reparsed;
	char		*cause = NULL, *text;

	if ((t = fixtures_txn_parse(o, "fuzz", provider_fixture_check,
	    &cause)) == NULL) {
		if (cause == NULL || strncmp(cause, "fuzz", 4) != 0) {
			fprintf(stderr, "fuzz: rejected without a cause naming it\n");
			abort();
		}
		free(cause);
		return;
	}
	listed = fixtures_txn_json(t, t->refunded);
	text = jsonx_dumps(listed, JSON_SORT_KEYS);
	if ((reparsed = jsonx_loads(text, strlen(text), &cause)) == NULL) {
		fprintf(stderr, "fuzz: listing is not JSON (%s): %s\n", cause, text);
		abort();
	}
	if ((again = fixtures_txn_parse(reparsed, "again", provider_fixture_check,
	    &cause)) == NULL) {
		fprintf(stderr, "fuzz: listing does not parse back: %s\n%s\n", cause, text);
		abort();
	}
	if (again->amount != t->amount || strcmp(again->currency, t->currency) != 0 ||
	    again->state != t->state || again->outcome != t->outcome ||
	    again->refunded != t->refunded || strcmp(again->id, t->id) != 0 ||
	    strcmp(again->provider, t->provider) != 0) {
		fprintf(stderr, "fuzz: listing changed the transaction: %s\n", text);
		abort();
	}
	txn_free(again);
	json_decref(reparsed);
	free(text);
	json_decref(listed);
	txn_free(t);
}

int
fuzz_fixtures_input(const uint8_t *data, size_t size)
{
	json_t	*v, *list, *item;
	char	*cause = NULL;
	size_t	 i;

	if ((v = jsonx_loads((const char *)data, size, &cause)) == NULL) {
		free(cause);
		return (0);
	}
	if (json_is_array(list = json_object_get(v, "transactions"))) {
		json_array_foreach(list, i, item)
			fixtures_fuzz_txn(item);
	} else
		fixtures_fuzz_txn(v);
	json_decref(v);
	return (0);
}
