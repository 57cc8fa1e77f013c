/* The journal ring: its entry cap, its byte budget, body captures, warnings. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "match.h"
#include "quota.h"
#include "quota_fixture.h"
#include "util.h"


/* Packed headers (journal.h) of 'len' bytes, the final NUL included. */
static char *
headers(const char *packed, size_t len)
{
	char	*h = xmalloc(len);

	memcpy(h, packed, len);
	return (h);
}

static struct journal_entry *
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
	e.req_headers = headers("Host\0x\0", 8);
	e.req_body = journal_capture(body, body_len);
	e.req_body_len = body_len;
	free(body);
	return (journal_add(j, &e));
}

static struct journal_entry *
add_headers(struct journal *j, const char *packed, size_t len)
{
	struct journal_entry	e = { .provider = "smartpay", .operation = "refund" };

	e.method = xstrdup("GET");
	e.path = xstrdup("/");
	e.req_headers = headers(packed, len);
	return (journal_add(j, &e));
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
	struct journal	*j = journal_new(quota.journal_entries);
	struct order	 o = { 0, 0 };
	size_t		 i, empty = journal_bytes(j);

	/* Long paths and full captures: the budget bites before the entry cap. */
	for (i = 0; i < 5000; i++)
		add(j, i % 3 == 0 ? 16000 : 100, i % 2 == 0 ? 1024 * 1024 : 10);
	/* Beyond the entries: the journal itself and the ring's empty slots. */
	cr_expect_leq(journal_bytes(j), quota.journal_bytes + empty +
	    quota.journal_entries * sizeof(struct journal_entry) + ALLOC_OVERHEAD);
	cr_expect_lt(journal_count(j), 5000);
	journal_each(j, in_order, &o);
	cr_expect_eq(o.n, journal_count(j));
	cr_expect_eq(o.last, 5000, "the newest stays");
	/* And the ring still grows and wraps after the budget moved its head. */
	for (i = 0; i < quota.journal_entries + 10; i++)
		add(j, 10, 10);
	cr_expect_eq(journal_count(j), quota.journal_entries);
	o.last = 0;
	o.n = 0;
	journal_each(j, in_order, &o);
	cr_expect_eq(o.n, quota.journal_entries);
	journal_clear(j);
	cr_expect_eq(journal_bytes(j), empty);
	journal_free(j);
}

static int
first_seq(const struct journal_entry *e, void *arg)
{
	*(uint64_t *)arg = e->seq;
	return (1);
}

Test(journal, a_small_byte_budget_keeps_the_newest_that_fit, .init = quota_save,
    .fini = quota_restore)
{
	struct journal	*j = journal_new(1000);
	struct order	 o = { 0, 0 };
	uint64_t	 first = 0;
	size_t		 i, one, empty = journal_bytes(j);

	quota.journal_bytes = 10000;
	add(j, 100, 1000);
	one = journal_bytes(j) - empty - ALLOC_OVERHEAD -
	    15 * sizeof(struct journal_entry);	/* the ring's first 16 slots */
	for (i = 1; i < 100; i++)
		add(j, 100, 1000);
	cr_expect_eq(journal_count(j), 10000 / one, "%zu entries of %zu bytes",
	    journal_count(j), one);
	journal_each(j, first_seq, &first);
	cr_expect_eq(first, 100 - journal_count(j) + 1, "the oldest went first");
	journal_each(j, in_order, &o);
	cr_expect_eq(o.last, 100);
	journal_free(j);
}

Test(journal, an_entry_larger_than_the_budget_is_not_kept, .init = quota_save,
    .fini = quota_restore)
{
	struct journal	*j = journal_new(10);

	quota.journal_bytes = 4000;
	cr_expect_not_null(add(j, 10, 10));
	cr_expect_null(add(j, 5000, 10), "larger than the budget alone");
	cr_expect_eq(journal_count(j), 1, "what was there stays");
	cr_expect_eq(journal_next_seq(j), 2, "no number is spent on it");
	journal_free(j);
}

Test(journal, a_cap_of_zero_keeps_nothing)
{
	struct journal	*j = journal_new(0);
	size_t		 empty = journal_bytes(j);

	cr_expect_null(add(j, 10, 10));
	cr_expect_eq(journal_count(j), 0);
	cr_expect_eq(journal_bytes(j), empty);
	journal_free(j);
}

Test(journal, bytes_count_strings_and_headers_and_return_after_a_clear)
{
	struct journal		*j = journal_new(10);
	struct journal_entry	*e;
	size_t			 empty = journal_bytes(j), one, two;

	add(j, 10, 10);
	one = journal_bytes(j);
	cr_expect_gt(one, empty + sizeof(struct journal_entry));
	e = add(j, 10, 10);
	two = journal_bytes(j);
	/* The second entry's slot was already counted among the ring's empty ones. */
	cr_expect_eq(two - one, e->bytes - sizeof(struct journal_entry));
	/* A longer path and body, and more headers, weigh more. */
	cr_expect_eq(add(j, 1000, 10)->bytes, e->bytes + 990);
	cr_expect_eq(add(j, 10, 1000)->bytes, e->bytes + 990);
	cr_expect_gt(add_headers(j, "Host\0x\0X-Long\0" "0123456789\0", 26)->bytes,
	    add_headers(j, "Host\0x\0", 8)->bytes + 10);
	journal_clear(j);
	cr_expect_eq(journal_bytes(j), empty);
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

Test(journal, a_body_past_the_capture_is_cut_and_flagged, .init = quota_save,
    .fini = quota_restore)
{
	struct journal	*j = journal_new(4);
	json_t		*o = NULL, *req;

	add(j, 10, 100000);
	journal_each(j, last_json, &o);
	req = json_object_get(o, "request");
	cr_expect(json_is_true(json_object_get(req, "truncated")));
	cr_expect_eq(json_integer_value(json_object_get(req, "body_length")), 100000);
	cr_expect_eq(json_string_length(json_object_get(req, "body")), quota.journal_capture);
	add(j, 10, quota.journal_capture);
	journal_each(j, last_json, &o);
	cr_expect_null(json_object_get(json_object_get(o, "request"), "truncated"));
	/* The capture is the flag's. */
	quota.journal_capture = 16;
	add(j, 10, 17);
	journal_each(j, last_json, &o);
	req = json_object_get(o, "request");
	cr_expect_str_eq(json_string_value(json_object_get(req, "body")), "xxxxxxxxxxxxxxxx");
	cr_expect(json_is_true(json_object_get(req, "truncated")));
	cr_expect_eq(json_integer_value(json_object_get(req, "body_length")), 17);
	quota.journal_capture = 0;
	add(j, 10, 1);
	journal_each(j, last_json, &o);
	req = json_object_get(o, "request");
	cr_expect(json_is_true(json_object_get(req, "truncated")));
	cr_expect_eq(json_integer_value(json_object_get(req, "body_length")), 1);
	json_decref(o);
	journal_free(j);
}

static int
stop_at_seven(const struct journal_entry *e, void *arg)
{
	struct order	*o = arg;

	o->last = e->seq;
	o->n++;
	return (e->seq == 7 ? 42 : 0);
}

Test(journal, a_walk_takes_up_again_where_it_stopped)
{
	struct journal	*j = journal_new(10);
	struct order	 o = { 0, 0 };
	size_t		 i;

	for (i = 0; i < 15; i++)	/* entries 6 to 15 are held, in a wrapped ring */
		add(j, 10, 10);
	cr_expect_eq(journal_next_seq(j), 16);
	cr_expect_eq(journal_each_from(j, 0, stop_at_seven, &o), 42, "what fn stopped with");
	cr_expect_eq(o.n, 2, "6 then 7");
	o.n = 0;
	cr_expect_eq(journal_each_from(j, 8, stop_at_seven, &o), 0, "0 at the end");
	cr_expect_eq(o.n, 8);
	cr_expect_eq(o.last, 15);
	o.n = 0;
	cr_expect_eq(journal_each_from(j, 16, stop_at_seven, &o), 0);
	cr_expect_eq(o.n, 0, "nothing past the newest");
	journal_clear(j);
	cr_expect_eq(journal_each_from(j, 3, stop_at_seven, &o), 0);
	cr_expect_eq(journal_next_seq(j), 16, "numbers run on after a clear");
	journal_free(j);
}

Test(journal, a_drain_drops_the_oldest_in_steps)
{
	struct journal	*j = journal_new(100);
	struct order	 o = { 0 };
	int		 i;

	for (i = 0; i < 10; i++)
		add(j, 4, 4);
	cr_expect_eq(journal_drain(j, 4), 6);
	journal_each(j, in_order, &o);
	cr_expect_eq(o.n, 6);
	cr_expect_eq(journal_drain(j, 10), 0);
	cr_expect_eq(journal_count(j), 0);
	journal_free(j);
}

/* Warnings are listed as [{code, text}], weigh their bytes and are what a count's "warnings" reads. */
Test(journal, warnings_are_listed_weighed_and_matched)
{
	struct journal		*j = journal_new(10);
	struct journal_entry	 e = { .provider = "smartpay", .operation = "refund" };
	const struct journal_entry *with, *without;
	json_t			*o, *mo;
	struct match		 m;
	char			*cause;

	e.method = xstrdup("GET");
	e.path = xstrdup("/");
	e.warnings = headers("missing-origin\0Origin is missing\0", 34);
	with = journal_add(j, &e);
	without = add_headers(j, "\0", 1);
	cr_expect_geq(with->bytes, without->bytes + 33);
	o = journal_entry_json(with);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "warnings"), 0), "code")), "missing-origin");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "warnings"), 0), "text")), "Origin is missing");
	json_decref(o);
	o = journal_entry_json(without);
	cr_expect_null(json_object_get(o, "warnings"));
	json_decref(o);

	mo = json_pack("{sb}", "warnings", 1);
	cr_assert_eq(match_parse(mo, "match", 1, &m, &cause), 0);
	cr_expect(match_entry(&m, with));
	cr_expect_not(match_entry(&m, without));
	match_release(&m);
	json_object_set_new(mo, "warnings", json_false());
	cr_assert_eq(match_parse(mo, "match", 1, &m, &cause), 0);
	cr_expect_not(match_entry(&m, with));
	cr_expect(match_entry(&m, without));
	match_release(&m);
	json_object_set_new(mo, "warnings", json_string("yes"));
	cr_expect_eq(match_parse(mo, "match", 1, &m, &cause), -1);
	cr_expect_str_eq(cause, "match.warnings: must be true or false");
	free(cause);
	json_decref(mo);
	journal_free(j);
}
