/* The journal ring: its entry cap, its byte budget, body captures. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "util.h"

static void
add(struct journal *j, size_t path_len, size_t body_len)
{
	struct journal_entry	 e = { 0 };
	char			*body = xmalloc(body_len + 1);

	memset(body, 'x', body_len);
	body[body_len] = '\0';
	e.provider = "smartpay";
	e.operation = "refund";
	e.method = xstrdup("POST");
	e.path = xmalloc(path_len + 1);
	memset(e.path, '/', path_len);
	e.path[path_len] = '\0';
	e.req_headers = json_pack("{ss}", "Host", "x");
	e.req_body = journal_capture(body, body_len);
	e.req_body_len = body_len;
	free(body);
	journal_add(j, &e);
}

struct order {
	uint64_t	last;
	size_t		n;
};

static int
in_order(const struct journal_entry *e, void *arg)
{
	struct order	*o = arg;

	cr_assert_gt(e->seq, o->last);
	o->last = e->seq;
	o->n++;
	return (0);
}

Test(journal, the_byte_budget_drops_the_oldest_and_keeps_order)
{
	struct journal	*j = journal_new(JOURNAL_DEFAULT_CAP);
	struct order	 o = { 0, 0 };
	size_t		 i;

	/* Long paths and full captures: the budget bites before the entry cap. */
	for (i = 0; i < 5000; i++)
		add(j, i % 3 == 0 ? 16000 : 100, i % 2 == 0 ? 1024 * 1024 : 10);
	cr_expect_leq(journal_bytes(j), JOURNAL_BYTES_MAX);
	cr_expect_lt(journal_count(j), 5000);
	journal_each(j, in_order, &o);
	cr_expect_eq(o.n, journal_count(j));
	cr_expect_eq(o.last, 5000, "the newest stays");
	/* And the ring still grows and wraps after the budget moved its head. */
	for (i = 0; i < JOURNAL_DEFAULT_CAP + 10; i++)
		add(j, 10, 10);
	cr_expect_eq(journal_count(j), JOURNAL_DEFAULT_CAP);
	o.last = 0;
	o.n = 0;
	journal_each(j, in_order, &o);
	cr_expect_eq(o.n, JOURNAL_DEFAULT_CAP);
	journal_clear(j);
	cr_expect_eq(journal_bytes(j), 0);
	journal_free(j);
}

static int
last_json(const struct journal_entry *e, void *arg)
{
	json_t	**o = arg;

	json_decref(*o);
	*o = journal_entry_json(e);
	return (0);
}

Test(journal, a_body_past_the_capture_is_cut_and_flagged)
{
	struct journal	*j = journal_new(4);
	json_t		*o = NULL, *req;

	add(j, 10, 100000);
	journal_each(j, last_json, &o);
	req = json_object_get(o, "request");
	cr_expect(json_is_true(json_object_get(req, "truncated")));
	cr_expect_eq(json_integer_value(json_object_get(req, "body_length")), 100000);
	cr_expect_eq(json_string_length(json_object_get(req, "body")), JOURNAL_BODY_CAPTURE);
	add(j, 10, JOURNAL_BODY_CAPTURE);
	journal_each(j, last_json, &o);
	cr_expect_null(json_object_get(json_object_get(o, "request"), "truncated"));
	json_decref(o);
	journal_free(j);
}
