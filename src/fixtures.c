/* Fixture files: reading and checking the transactions every session starts with. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "jsonx.h"
#include "map.h"
#include "money.h"
#include "provider.h"
#include "util.h"

struct fixtures {
	struct map	*byid;
	struct txn	**all;
	size_t		 n;
};

char *
fixtures_key(const char *provider, const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "%s\x1f%s", provider, id);
	return (buf);
}

struct fixtures *
fixtures_new(void)
{
	struct fixtures	*f = xcalloc(1, sizeof *f);

	f->byid = map_new(NULL);
	return (f);
}

void
fixtures_free(struct fixtures *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		txn_free(f->all[i]);
	free(f->all);
	map_free(f->byid);
	free(f);
}

int
fixtures_add(struct fixtures *f, struct txn *t)
{
	char	key[512];

	if (fixtures_find(f, t->provider, t->id) != NULL)
		return (-1);
	map_put(f->byid, fixtures_key(t->provider, t->id, key, sizeof key), t);
	f->all = xrealloc(f->all, (f->n + 1) * sizeof *f->all);
	f->all[f->n++] = t;
	return (0);
}

const struct txn *
fixtures_find(const struct fixtures *f, const char *provider, const char *id)
{
	char	key[512];

	return (map_get(f->byid, fixtures_key(provider, id, key, sizeof key)));
}

size_t
fixtures_count(const struct fixtures *f)
{
	return (f->n);
}

const struct txn *
fixtures_at(const struct fixtures *f, size_t i)
{
	return (f->all[i]);
}

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
fixtures_txn_parse(const json_t *o, const char *where, char **cause)
{
	const struct provider	*p;
	const char		*provider, *id, *amount, *currency, *state, *refunded,
				*outcome;
	const char		*why;
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
	if ((p = provider_find(provider)) == NULL) {
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
	if (outcome != NULL && refund_outcome_parse(outcome, &t->outcome) != 0) {
		*cause = xasprintf("%s.refund_outcome: must be succeeded, declined, "
		    "stuck or failed", where);
		goto out_free;
	}
	if (p->check_fixture != NULL && p->check_fixture(o, where, cause) != 0)
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
	    json_string(refund_outcome_text(t->outcome)));
	return (o);
}

static int
fixtures_load_file(struct fixtures *f, const char *path, char **cause)
{
	FILE		*fp;
	struct buf	 text = { 0 };
	char		 chunk[8192], where[600];
	size_t		 n, i;
	json_t		*root, *list;
	int		 rc = -1;

	if ((fp = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: cannot open", path);
		return (-1);
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&text, chunk, n);
	fclose(fp);
	root = jsonx_loads(text.data != NULL ? text.data : "", text.len, cause);
	buf_release(&text);
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
		if ((t = fixtures_txn_parse(json_array_get(list, i), where, cause)) == NULL)
			goto out_decref;
		if (fixtures_add(f, t) != 0) {
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

struct fixtures *
fixtures_load(const char *path, char **cause)
{
	struct fixtures	*f = fixtures_new();
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
		if (fixtures_load_file(f, path, cause) != 0)
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
		rc = fixtures_load_file(f, names[i], cause);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0)
		return (f);
out_fail:
	fixtures_free(f);
	return (NULL);
}
