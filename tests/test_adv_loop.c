/*
 * Issue 12, the loop is everyone's: listing or counting a full journal is
 * done in slices, so a bystander's request is answered in between.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "util.h"

#define BIG		"X-Paymock-Session: big\r\n"
#define ENTRIES		1000
#define MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"

TestSuite(adv_loop, .init = e2e_setup, .fini = e2e_teardown, .timeout = 60);

/* ENTRIES rejected SmartPay refunds with about 8 KiB each in session "big". */
static void
fill(void)
{
	struct buf	 body = { 0 };
	struct e2e_resp	*r;
	int		 i;

	buf_adds(&body, "{\"merchantKey\":\"" MERCHANT "\",\"filler\":\"");
	while (body.len < 8000)
		buf_adds(&body, "0123456789abcdef");
	buf_adds(&body, "\"}");
	for (i = 0; i < ENTRIES; i++) {
		r = e2e("POST", "/smartpay/payment/refund", BIG JSON_CT, body.data);
		cr_assert_eq(r->status, 400, "%d %s", r->status, r->body);
	}
	buf_release(&body);
}

/* Sends an admin request in session "big" and leaves its reply unread. */
static int
start(const char *method, const char *path, const char *body)
{
	char	*req = xasprintf("%s %s HTTP/1.1\r\nHost: x\r\n" BIG "Connection: close\r\n"
		    "Content-Length: %zu\r\n\r\n%s", method, path, strlen(body), body);
	int	 fd = e2e_send_raw(req, strlen(req));

	free(req);
	return (fd);
}

/* A bystander is answered while the walk is still under way. */
static void
bystander_goes_first(int fd)
{
	struct pollfd		 p = { .fd = fd, .events = POLLIN };
	struct e2e_resp		*h = e2e("GET", "/__admin/health", NULL, NULL);

	cr_expect_eq(h->status, 200);
	cr_expect_eq(poll(&p, 1, 0), 0, "the walk's reply came before the health check's");
}

/* The reply's JSON body. */
static json_t *
finish(int fd)
{
	char		*out = e2e_read_raw(fd, 20000), *body = strstr(out, "\r\n\r\n");
	json_error_t	 err;
	json_t		*v;

	cr_assert(strncmp(out, "HTTP/1.1 200", 12) == 0, "%.80s", out);
	cr_assert_not_null(body);
	v = json_loads(body + 4, 0, &err);
	cr_assert_not_null(v, "%s", err.text);
	free(out);
	return (v);
}

Test(adv_loop, a_full_journal_is_listed_in_slices)
{
	json_t	*v, *entries;
	int	 fd;

	fill();
	fd = start("GET", "/__admin/journal", "");
	bystander_goes_first(fd);
	v = finish(fd);
	entries = json_object_get(v, "entries");
	cr_expect_eq(json_array_size(entries), ENTRIES);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(entries, 0), "seq")), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(entries, ENTRIES - 1),
	    "seq")), ENTRIES);
	json_decref(v);
}

Test(adv_loop, a_count_over_a_full_journal_is_made_in_slices)
{
	json_t	*v;
	int	 fd;

	fill();
	fd = start("POST", "/__admin/journal/count",
	    "{\"match\":{\"body\":{\"merchantKey\":\"" MERCHANT "\"}}}");
	bystander_goes_first(fd);
	v = finish(fd);
	cr_expect_eq(json_integer_value(json_object_get(v, "count")), ENTRIES);
	json_decref(v);
}

Test(adv_loop, a_session_dropped_mid_listing_ends_it_cleanly)
{
	json_t	*v;
	int	 fd;

	fill();
	fd = start("GET", "/__admin/journal", "");
	cr_expect_eq(e2e("DELETE", "/__admin/sessions/big", NULL, NULL)->status, 200);
	/* What was walked before the session went, as valid JSON. */
	v = finish(fd);
	cr_expect_lt(json_array_size(json_object_get(v, "entries")), ENTRIES);
	json_decref(v);
}

/*
 * Globs are matched against the path, so its length bounds their worst
 * case: past 4 KiB a request target is refused in the provider's shape.
 */
Test(adv_loop, a_request_target_past_4_kib_is_refused)
{
	char		*path = xmalloc(5001);
	struct e2e_resp	*r;

	memcpy(path, "/accelebit/", 11);
	memset(path + 11, 'a', 4989);
	path[5000] = '\0';
	r = e2e("GET", path, NULL, NULL);
	cr_expect_eq(r->status, 414);
	cr_expect_str_eq(e2e_get(r, "error.message"),
	    "the request target is longer than 4096 bytes", "%s", r->body);
	path[4000] = '\0';
	cr_expect_eq(e2e("GET", path, NULL, NULL)->status, 404, "4000 bytes are served");
	free(path);
}

Test(adv_loop, many_sessions_are_listed_in_slices)
{
	enum { SESSIONS = 3000 };
	struct e2e_resp	*r;
	json_t		*v, *list;
	char		 hdr[64];
	int		 i, fd;

	for (i = 0; i < SESSIONS; i++) {
		snprintf(hdr, sizeof hdr, "X-Paymock-Session: s%05d\r\n", i);
		r = e2e("GET", "/__admin/clock", hdr, NULL);
		cr_assert_eq(r->status, 200);
	}
	fd = start("GET", "/__admin/sessions", "");
	bystander_goes_first(fd);
	v = finish(fd);
	list = json_object_get(v, "sessions");
	/* Those there when the listing came, by name: ours and its own "big". */
	cr_expect_eq(json_array_size(list), SESSIONS + 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "name")),
	    "big");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(list, SESSIONS),
	    "name")), "s02999");
	json_decref(v);
}

static void
held_stop(void)
{
	e2e_teardown();
}

TestSuite(adv_loop_held, .fini = held_stop, .timeout = 60);

/* A listing made in slices waits on no fault: it neither counts as held nor evicts one. */
Test(adv_loop_held, a_sliced_listing_evicts_no_held_connection)
{
	const char *const	 args[] = { "--max-held", "1", NULL };
	const char		 hang[] = "POST /smartpay/payment/refund HTTP/1.1\r\nHost: x\r\n"
	    JSON_CT "Content-Length: 2\r\n\r\n{}";
	struct pollfd		 p = { .events = POLLIN };
	struct e2e_resp		*r;
	json_t			*v;
	int			 i;

	e2e_start(args);
	fill();
	r = e2e("POST", "/__admin/faults", NULL,
	    "{\"match\":{\"provider\":\"smartpay\"},\"action\":{\"type\":\"hang\"}}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	p.fd = e2e_send_raw(hang, sizeof hang - 1);
	for (i = 0; i < 500; i++) {	/* until the server holds it */
		r = e2e("POST", "/__admin/journal/count", NULL, "{\"match\":{}}");
		if (strcmp(r->body, "{\"count\":1}") == 0)
			break;
		usleep(10000);
	}
	cr_assert_str_eq(r->body, "{\"count\":1}");
	v = finish(start("GET", "/__admin/journal", ""));
	cr_expect_eq(json_array_size(json_object_get(v, "entries")), ENTRIES);
	json_decref(v);
	cr_expect_eq(poll(&p, 1, 0), 0, "the hang was closed to make room for the listing");
	close(p.fd);
}
