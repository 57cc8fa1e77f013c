/* Fixture files: reading and checking the transactions every session starts with. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "jsonx.h"
#include "money.h"
#include "util.h"

/* A required or optional string member; -1 with '*cause' if wrong. */
static int
fixtures_string(const json_t *o, const char *key, int required, size_t maxlen,
    const char *where, const char **out, char **cause)
{
	const json_t	*v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL && !required)
		return (0);
	if (v == NULL) {
		*cause = xasprintf("%s.%s: is required", where, key);
		return (-1);
	}
	if ((*out = jsonx_string(v)) == NULL || **out == '\0' ||
	    strlen(*out) > maxlen || strchr(*out, '\x1f') != NULL) {
		*cause = xasprintf("%s.%s: must be a string of 1 to %zu characters",
		    where, key, maxlen);
		return (-1);
	}
	return (0);
}

struct txn *
fixtures_txn_parse(const json_t *o, const char *where,
    fixtures_lookup_fn lookup, char **cause)
{
	const char		*provider, *id, *amount, *currency, *state, *refunded,
				*outcome;
	const char		*why;
	fixtures_extras_fn	 extras;
	struct txn		*t;
	int			 exp;

	if (!json_is_object(o)) {
		*cause = xasprintf("%s: must be an object", where);
		return (NULL);
	}
	if (fixtures_string(o, "provider", 1, 32, where, &provider, cause) ||
	    fixtures_string(o, "id", 1, 128, where, &id, cause) ||
	    fixtures_string(o, "amount", 1, 24, where, &amount, cause) ||
	    fixtures_string(o, "currency", 1, 3, where, &currency, cause) ||
	    fixtures_string(o, "state", 0, 16, where, &state, cause) ||
	    fixtures_string(o, "refunded", 0, 24, where, &refunded, cause) ||
	    fixtures_string(o, "refund_outcome", 0, 16, where, &outcome, cause))
		return (NULL);
	if (lookup(provider, &extras) != 0) {
		*cause = xasprintf("%s.provider: unknown provider '%s'", where, provider);
		return (NULL);
	}
	if ((exp = money_exponent(currency)) < 0) {
		*cause = xasprintf("%s.currency: unknown currency '%s'", where, currency);
		return (NULL);
	}
	t = txn_new(provider, id, (json_t *)o);
	memcpy(t->currency, currency, 4);
	t->exponent = exp;
	if (money_parse(amount, strlen(amount), exp, &t->amount, &why) != 0) {
		*cause = xasprintf("%s.amount: '%s' %s", where, amount, why);
		goto out_free;
	}
	if (t->amount == 0) {
		*cause = xasprintf("%s.amount: must be greater than zero", where);
		goto out_free;
	}
	if (refunded != NULL && (money_parse(refunded, strlen(refunded), exp,
	    &t->refunded, &why) != 0 || t->refunded > t->amount)) {
		*cause = xasprintf("%s.refunded: '%s' %s", where, refunded,
		    t->refunded > t->amount ? "is more than the amount" : why);
		goto out_free;
	}
	if (state != NULL && txn_state_parse(state, &t->state) != 0) {
		*cause = xasprintf("%s.state: must be captured, authorized, voided "
		    "or locked", where);
		goto out_free;
	}
	if (outcome != NULL && txn_outcome_parse(outcome, &t->outcome) != 0) {
		*cause = xasprintf("%s.refund_outcome: must be succeeded, declined, "
		    "stuck or failed", where);
		goto out_free;
	}
	if (extras != NULL && extras(o, where, cause) != 0)
		goto out_free;
	return (t);

out_free:
	txn_free(t);
	return (NULL);
}

json_t *
fixtures_txn_json(const struct txn *t, int64_t refunded)
{
	json_t	*o = json_deep_copy(t->fixture);

	json_object_set_new(o, "amount", jsonx_amount_string(t->amount, t->exponent,
	    t->exponent));
	json_object_set_new(o, "refunded", jsonx_amount_string(refunded, t->exponent,
	    t->exponent));
	json_object_set_new(o, "state", json_string(txn_state_text(t->state)));
	json_object_set_new(o, "refund_outcome",
	    json_string(txn_outcome_text(t->outcome)));
	return (o);
}

static int
fixtures_load_file(struct txn_set *f, const char *path,
    fixtures_lookup_fn lookup, char **cause)
{
	char		*text, where[600];
	size_t		 len, i;
	json_t		*root, *list;
	int		 rc = -1;

	if ((text = util_read_file(path, SIZE_MAX, &len)) == NULL) {
		*cause = xasprintf("%s: cannot open", path);
		return (-1);
	}
	root = jsonx_loads(text, len, cause);
	free(text);
	if (root == NULL) {
		char *why = *cause;
		*cause = xasprintf("%s: not valid JSON: %s", path, why);
		free(why);
		return (-1);
	}
	list = json_object_get(root, "transactions");
	if (!json_is_array(list)) {
		*cause = xasprintf("%s: transactions: must be an array", path);
		goto out_decref;
	}
	for (i = 0; i < json_array_size(list); i++) {
		struct txn *t;
		snprintf(where, sizeof where, "%s: transactions[%zu]", path, i);
		if ((t = fixtures_txn_parse(json_array_get(list, i), where, lookup,
		    cause)) == NULL)
			goto out_decref;
		if (txn_set_add(f, t) != 0) {
			*cause = xasprintf("%s.id: '%s' is already a %s transaction",
			    where, t->id, t->provider);
			txn_free(t);
			goto out_decref;
		}
	}
	rc = 0;
out_decref:
	json_decref(root);
	return (rc);
}

static int
fixtures_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

struct txn_set *
fixtures_load(const char *path, fixtures_lookup_fn lookup, char **cause)
{
	struct txn_set	*f = txn_set_new();
	struct stat	 st;
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL;
	size_t		 n = 0, i;
	int		 rc = 0;

	*cause = NULL;
	if (stat(path, &st) != 0) {
		*cause = xasprintf("%s: no such file or directory", path);
		goto out_fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (fixtures_load_file(f, path, lookup, cause) != 0)
			goto out_fail;
		return (f);
	}
	if ((d = opendir(path)) == NULL) {
		*cause = xasprintf("%s: cannot read directory", path);
		goto out_fail;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0) {
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = xasprintf("%s/%s", path, de->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof *names, fixtures_name_cmp);
	for (i = 0; i < n && rc == 0; i++)
		rc = fixtures_load_file(f, names[i], lookup, cause);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0)
		return (f);
out_fail:
	txn_set_free(f);
	return (NULL);
}
