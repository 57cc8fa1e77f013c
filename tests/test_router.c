/* Route tables: exact paths, {parameters}, 405 with Allow, and misses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "router.h"
#include "util.h"

static void
router_test_handler(struct call *c)
{
	(void)c;
}

static const struct route routes[] = {
	{ "GET", "/payment/refund", "refund.list", 0, router_test_handler },
	{ "POST", "/payment/refund", "refund.create", 1, router_test_handler },
	{ "GET", "/payment/status/{transactionId}", "refund.status", 0,
	    router_test_handler },
	{ "DELETE", "/payment/status/{transactionId}", "refund.cancel", 0,
	    router_test_handler },
	{ "GET", "/merchants/{merchant}/refunds/{refund}", "refund.get", 0,
	    router_test_handler },
	{ "GET", "/", "root", 0, router_test_handler },
};

/* Matches and returns the route's operation, or NULL. */
static const char *
router_test(const char *method, const char *path, struct route_match *m)
{
	int	rc = router_match(routes, nitems(routes), method, path, m);

	cr_assert_eq(rc, m->route != NULL ? 0 : -1, "%s %s", method, path);
	return (m->route != NULL ? m->route->operation : NULL);
}

Test(router, exact_path)
{
	struct route_match	m;

	cr_expect_str_eq(router_test("POST", "/payment/refund", &m), "refund.create");
	cr_expect_eq(m.route, &routes[1]);
	cr_expect_eq(m.nparams, 0);
	cr_expect(m.path_known);
	cr_expect_str_eq(router_test("GET", "/payment/refund", &m), "refund.list");
	cr_expect_str_eq(router_test("GET", "/", &m), "root");
}

Test(router, params)
{
	struct route_match	m;

	cr_expect_str_eq(router_test("GET", "/payment/status/933a0fab-80a0", &m),
	    "refund.status");
	cr_assert_eq(m.nparams, 1);
	cr_expect_str_eq(m.params[0], "933a0fab-80a0");

	cr_expect_str_eq(router_test("GET", "/merchants/m1/refunds/r%202", &m),
	    "refund.get");
	cr_assert_eq(m.nparams, 2);
	cr_expect_str_eq(m.params[0], "m1");
	cr_expect_str_eq(m.params[1], "r%202");
}

Test(router, method_not_allowed)
{
	struct route_match	m;

	cr_expect_null(router_test("DELETE", "/payment/refund", &m));
	cr_expect(m.path_known);
	cr_expect_str_eq(m.allow, "GET, POST");

	cr_expect_null(router_test("PUT", "/payment/status/abc", &m));
	cr_expect(m.path_known);
	cr_expect_str_eq(m.allow, "GET, DELETE");

	cr_expect_null(router_test("post", "/payment/refund", &m),
	    "methods are case-sensitive");
	cr_expect_str_eq(m.allow, "GET, POST");
}

Test(router, allow_lists_the_other_methods)
{
	struct route_match	m;

	cr_expect_str_eq(router_test("GET", "/payment/refund", &m), "refund.list");
	cr_expect_str_eq(m.allow, "POST");
	cr_expect_str_eq(router_test("GET", "/", &m), "root");
	cr_expect_str_eq(m.allow, "");
}

Test(router, no_match)
{
	static const char *const paths[] = {
		"/nope", "", "/payment", "/payment/refundX", "/payment/refun",
		"/payment/status", "/payment/status/", "/payment/status/a/b",
		"/merchants/m1/refunds", "/merchants//refunds/r1", "//",
		"/payment//refund",
	};
	struct route_match	m;
	size_t			i;

	for (i = 0; i < nitems(paths); i++) {
		cr_expect_null(router_test("GET", paths[i], &m), "'%s'", paths[i]);
		cr_expect_not(m.path_known, "'%s'", paths[i]);
		cr_expect_str_eq(m.allow, "", "'%s'", paths[i]);
	}
}

Test(router, trailing_slash_is_another_path)
{
	struct route_match	m;

	cr_expect_null(router_test("POST", "/payment/refund/", &m));
	cr_expect_not(m.path_known);
	cr_expect_null(router_test("GET", "/payment/status/abc/", &m));
	cr_expect_not(m.path_known);
}

Test(router, param_length)
{
	char			path[64 + ROUTER_PARAM_MAX];
	char			param[ROUTER_PARAM_MAX + 1];
	struct route_match	m;

	memset(param, 'x', ROUTER_PARAM_MAX - 1);
	param[ROUTER_PARAM_MAX - 1] = '\0';
	snprintf(path, sizeof path, "/payment/status/%s", param);
	cr_expect_str_eq(router_test("GET", path, &m), "refund.status",
	    "%d characters fit", ROUTER_PARAM_MAX - 1);
	cr_expect_str_eq(m.params[0], param);

	strcat(param, "x");
	snprintf(path, sizeof path, "/payment/status/%s", param);
	cr_expect_null(router_test("GET", path, &m), "%d characters are too many",
	    ROUTER_PARAM_MAX);
	cr_expect_eq(m.nparams, 0);
}
