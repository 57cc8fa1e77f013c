/*
 * The OpenAPI documents paymock serves (docs/openapi/<name>.yaml, compiled in
 * by tools/openapi2c.py): each is JSON, OpenAPI 3.1, and lists exactly the
 * routes its provider's table (src/provider-<name>.c) or the admin API's
 * answers.  What each provider does is docs/providers/<name>.md.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "e2e.h"
#include "openapi.h"
#include "provider.h"
#include "router.h"
#include "util.h"

#define TOKEN	"openapi-test-token"

TestSuite(openapi, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

static const char *const openapi_methods[] = { "get", "put", "post", "delete",
    "options", "head", "patch", "trace" };

/* "/a/{x}/b" as "/a/{}/b" (heap): a spec may name a path parameter otherwise. */
static char *
openapi_shape(const char *path)
{
	char	*out = xstrdup(path), *o = out;

	while (*path != '\0') {
		*o++ = *path;
		if (*path++ == '{')
			path += strcspn(path, "}");
	}
	*o = '\0';
	return (out);
}

/* 1 if the route table has 'method' (any case) on a path shaped as 'path'. */
static int
openapi_routed(const struct route *routes, size_t n, const char *method,
    const char *path)
{
	char	*want = openapi_shape(path), *have;
	size_t	 i;
	int	 found = 0;

	for (i = 0; i < n && !found; i++) {
		have = openapi_shape(routes[i].pattern);
		found = strcasecmp(routes[i].method, method) == 0 &&
		    strcmp(have, want) == 0;
		free(have);
	}
	free(want);
	return (found);
}

/* The spec's operation for 'method' on a path shaped as 'path', or NULL. */
static json_t *
openapi_operation(json_t *paths, const char *prefix, const char *method,
    const char *path)
{
	char		*want = openapi_shape(path), *have, lower[16];
	const char	*key;
	json_t		*item, *op = NULL;
	size_t		 i;

	for (i = 0; method[i] != '\0' && i < sizeof lower - 1; i++)
		lower[i] = (char)tolower((unsigned char)method[i]);
	lower[i] = '\0';
	json_object_foreach(paths, key, item) {
		if (strncmp(key, prefix, strlen(prefix)) == 0)
			key += strlen(prefix);
		have = openapi_shape(key);
		if (strcmp(have, want) == 0 && op == NULL)
			op = json_object_get(item, lower);
		free(have);
	}
	free(want);
	return (op);
}

/*
 * Every operation of the spec is a route and every route an operation;
 * 'prefix' is left off spec paths that carry the mount point (/__admin).
 */
static void
openapi_match_routes(const char *name, const json_t *doc, const char *prefix,
    const struct route *routes, size_t n)
{
	json_t		*paths = json_object_get(doc, "paths"), *item;
	const char	*key, *p;
	size_t		 i, ops = 0;

	cr_assert(json_is_object(paths), "%s: the spec has no paths object", name);
	json_object_foreach(paths, key, item) {
		p = strncmp(key, prefix, strlen(prefix)) == 0 ? key + strlen(prefix) : key;
		for (i = 0; i < nitems(openapi_methods); i++) {
			if (json_object_get(item, openapi_methods[i]) == NULL)
				continue;
			ops++;
			/* dispatch serves it beside every provider's routes. */
			if (strcmp(p, "/openapi.json") == 0 && strcmp(openapi_methods[i], "get") == 0)
				continue;
			cr_expect(openapi_routed(routes, n, openapi_methods[i], p),
			    "%s: the spec has %s %s, which paymock does not route",
			    name, openapi_methods[i], key);
		}
	}
	for (i = 0; i < n; i++)
		cr_expect_not_null(openapi_operation(paths, prefix, routes[i].method,
		    routes[i].pattern), "%s: %s %s is routed but not in the spec", name,
		    routes[i].method, routes[i].pattern);
	cr_log_info("openapi %s: %zu operations for %zu routes", name, ops, n);
}

/* The served document of 'name' at 'path': 200, application/json, OpenAPI 3.1. */
static json_t *
openapi_served(const char *name, const char *path, const char *headers)
{
	struct e2e_resp	*r = e2e("GET", path, headers, NULL);
	const char	*version;

	cr_assert_eq(r->status, 200, "%s: %d %s", path, r->status, r->body);
	cr_assert_str_eq(e2e_header(r, "Content-Type"), "application/json");
	cr_assert_not_null(r->json, "%s is not JSON", path);
	cr_assert_eq(r->body_len, openapi_find(name)->len);
	version = e2e_get(r, "openapi");
	cr_assert(version != NULL && strncmp(version, "3.1.", 4) == 0,
	    "%s: openapi is %s, not 3.1.x", path, version != NULL ? version : "absent");
	return (r->json);
}

/*
 * Every provider: its spec when one is compiled in, matched against its
 * routes; else the provider's own 404, the one any unknown path gets.
 */
Test(openapi, providers)
{
	struct e2e_resp	*spec, *unknown;
	const char	*url;
	char		 path[96], want[96];
	size_t		 i, served = 0;

	for (i = 0; i < nproviders; i++) {
		snprintf(path, sizeof path, "/%s/openapi.json", providers[i]->name);
		if (openapi_find(providers[i]->name) == NULL) {
			spec = e2e("GET", path, NULL, NULL);
			snprintf(path, sizeof path, "/%s/no-such-endpoint", providers[i]->name);
			unknown = e2e("GET", path, NULL, NULL);
			cr_expect_eq(spec->status, 404, "%s", path);
			cr_expect_eq(json_object_size(spec->json), json_object_size(unknown->json));
			fprintf(stderr, "openapi %s: no docs/openapi/%s.yaml compiled in: 404 checked\n",
			    providers[i]->name, providers[i]->name);
			continue;
		}
		json_t *doc = openapi_served(providers[i]->name, path, NULL);

		snprintf(want, sizeof want, "http://127.0.0.1:8080/%s", providers[i]->name);
		url = json_string_value(json_object_get(json_array_get(
		    json_object_get(doc, "servers"), 0), "url"));
		cr_expect(url != NULL && strcmp(url, want) == 0, "%s: servers[0].url %s",
		    providers[i]->name, url != NULL ? url : "absent");
		openapi_match_routes(providers[i]->name, doc, "", providers[i]->routes,
		    providers[i]->nroutes);
		served++;
	}
	cr_log_info("openapi: %zu of %zu providers have a spec", served, nproviders);
}

/* Every compiled-in spec is the admin API's or a provider's: none is dropped unseen. */
Test(openapi, names)
{
	size_t	i;

	for (i = 0; i < openapi_nspecs; i++)
		cr_expect(strcmp(openapi_specs[i].name, "admin") == 0 ||
		    provider_find(openapi_specs[i].name) != NULL,
		    "docs/openapi/%s.yaml names no provider", openapi_specs[i].name);
}

Test(openapi, admin)
{
	struct e2e_resp	*r;

	if (openapi_find("admin") == NULL) {
		r = e2e("GET", "/__admin/openapi.json", NULL, NULL);
		cr_assert_eq(r->status, 404);
		cr_assert_str_eq(e2e_get(r, "error.code"), "not_found");
		fprintf(stderr, "openapi admin: no docs/openapi/admin.yaml compiled in: 404 checked\n");
		return;
	}
	openapi_match_routes("admin", openapi_served("admin", "/__admin/openapi.json",
	    NULL), "/__admin", admin_routes, admin_nroutes);
}

/*
 * A spec read touches no session: it is not journaled and makes none, and a
 * provider's needs no credentials.
 */
Test(openapi, no_session_state)
{
	struct e2e_resp	*r;
	char		 path[96];
	size_t		 i, read = 0;

	for (i = 0; i < nproviders; i++) {
		if (openapi_find(providers[i]->name) == NULL)
			continue;	/* its 404 is a provider call like any other */
		snprintf(path, sizeof path, "/%s/openapi.json", providers[i]->name);
		r = e2e("GET", path, "X-Paymock-Session: openapi-reader\r\n", NULL);
		cr_assert_eq(r->status, 200, "%s without credentials", path);
		read++;
	}
	r = e2e("GET", "/__admin/sessions", NULL, NULL);
	cr_assert_null(strstr(r->body, "openapi-reader"), "%s", r->body);
	cr_log_info("openapi: %zu specs read without a session", read);
}

/* Only GET reads a spec: another method is the provider's 404 or 405. */
Test(openapi, get_only)
{
	struct e2e_resp	*r;
	size_t		 i;

	for (i = 0; i < nproviders; i++) {
		char	path[96];

		snprintf(path, sizeof path, "/%s/openapi.json", providers[i]->name);
		r = e2e("POST", path, JSON_CT, "{}");
		cr_expect(r->status == 404 || r->status == 405 || r->status == 401,
		    "POST %s: %d", path, r->status);
	}
}

static void
openapi_token_setup(void)
{
	const char *const	args[] = { "--admin-token", TOKEN, NULL };

	e2e_start(args);
}

TestSuite(openapi_token, .init = openapi_token_setup, .fini = e2e_teardown, .timeout = 30);

/* The admin API's spec is behind the token like every admin call but health. */
Test(openapi_token, admin)
{
	struct e2e_resp		*r;
	int			 want = openapi_find("admin") != NULL ? 200 : 404;

	r = e2e("GET", "/__admin/openapi.json", NULL, NULL);
	cr_assert_eq(r->status, 401);
	r = e2e("GET", "/__admin/openapi.json", "Authorization: Bearer " TOKEN "\r\n", NULL);
	cr_assert_eq(r->status, want);
}

/*
 * The generator reads YAML as 1.2 does, as the linter and Prism do: `yes`,
 * `on` and dates stay strings in the served JSON.
 */
Test(openapi_gen, yaml12)
{
	char	out[4096], *cmd, *cut;
	char	dir[] = "/tmp/paymock-openapi-XXXXXX";

	cr_assert_not_null(mkdtemp(dir));
	cmd = xasprintf("printf 'openapi: 3.1.0\\ninfo: {title: t, version: \"1\"}\\n"
	    "paths: {}\\nx-words: [yes, on, 2026-04-09, true]\\n' >%s/demo.yaml && "
	    "/usr/bin/python3 tools/openapi2c.py %s/out.c %s/demo.yaml && cat %s/out.c; "
	    "rm -rf %s", dir, dir, dir, dir, dir);
	cr_assert_eq(e2e_run(cmd, out, sizeof out), 0, "%s", out);
	free(cmd);
	/* The literal is cut into pieces of 100 bytes: join them. */
	while ((cut = strstr(out, "\"\n\t    \"")) != NULL)
		memmove(cut, cut + 8, strlen(cut + 8) + 1);
	cr_assert_not_null(strstr(out, "[\\\"yes\\\",\\\"on\\\",\\\"2026-04-09\\\",true]"),
	    "%s", out);
	cr_assert_not_null(strstr(out, "{ \"demo\","), "%s", out);
}
