/*
 * Regressions found by fuzzing (tests/fuzz/), each fed through the path that
 * crashed, and the fuzz corpus replayed through the harnesses' own code: a
 * smoke run of every harness in `make test`, sanitized by check-sanitize.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "e2e.h"
#include "fixtures.h"
#include "jsonx.h"
#include "session.h"
#include "util.h"

/* The harnesses' fuzz paths, compiled in here rather than under libFuzzer. */
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_common.c"
#include "fuzz/fuzz_dispatch.c"
#include "fuzz/fuzz_fixtures.c"
#include "fuzz/fuzz_money.c"
#include "fuzz/fuzz_scenario.c"
#include "fuzz/fuzz_sequence.c"

static struct app	regress_app;

static void
regress_setup(void)
{
	fuzz_init();
	regress_app.fixtures = fuzz_fixtures;
	regress_app.scenario_dir = fuzz_scenario_dir;
	regress_app.started_ms = FUZZ_EPOCH_MS;
	regress_app.sessions = sessions_new(fuzz_fixtures, 1, 1, FUZZ_EPOCH_MS, 100);
}

static void
regress_teardown(void)
{
	sessions_free(regress_app.sessions);
	txn_set_free(fuzz_fixtures);
	fuzz_fixtures = NULL;
}

TestSuite(regress, .init = regress_setup, .fini = regress_teardown, .timeout = 30);

/* One request through dispatch(); the reply's body parsed (NULL if not JSON). */
static json_t *
regress_call(const char *method, const char *path, const char *query,
    const struct header *headers, size_t nheaders, const char *body, size_t len,
    int *status)
{
	struct request		r = { .method = method, .path = path, .query = query,
	    .headers = headers, .nheaders = nheaders, .body = body != NULL ? body : "",
	    .body_len = len };
	struct reply		rep = { 0 };
	struct dispatch_info	info;
	struct plan		plan;
	json_t			*v = NULL;
	char			*cause = NULL;

	dispatch(&regress_app, &r, &rep, &info, &plan);
	work_finish(&plan.work, &regress_app, &rep);
	*status = rep.status;
	if (rep.body != NULL && (v = jsonx_loads(rep.body, strlen(rep.body), &cause)) == NULL)
		free(cause);
	if (plan.idem_key != NULL)
		dispatch_release(&regress_app, info.session, plan.session_id,
		    plan.idem_key);
	free(plan.idem_key);
	reply_release(&rep);
	return (v);
}

/* Replays every file of tests/fuzz/corpus/<harness>/ (seeds and past crashes). */
static void
regress_replay(const char *harness, int (*fn)(const char *, const uint8_t *, size_t),
    const char *target)
{
	const char	*root = getenv("PAYMOCK_FUZZ_CORPUS");
	char		 dir[512], path[1024];
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0;

	snprintf(dir, sizeof dir, "%s/%s", root != NULL ? root : "tests/fuzz/corpus",
	    harness);
	cr_assert_not_null(d = opendir(dir), "no corpus at %s", dir);
	while ((de = readdir(d)) != NULL) {
		FILE		*fp;
		struct buf	 b = { 0 };
		char		 chunk[4096];
		size_t		 got;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		cr_assert_not_null(fp = fopen(path, "rb"), "%s", path);
		while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
			buf_add(&b, chunk, got);
		fclose(fp);
		/* An exact-size copy, so that ASan sees any read past the end. */
		{
			uint8_t *copy = xmalloc(b.len);
			memcpy(copy, b.data != NULL ? b.data : "", b.len);
			fn(target, copy, b.len);
			free(copy);
		}
		buf_release(&b);
		n++;
	}
	closedir(d);
	cr_expect_gt(n, 0, "empty corpus %s", dir);
}

static int
regress_scenario(const char *target, const uint8_t *data, size_t size)
{
	(void)target;
	return (fuzz_scenario_input(data, size));
}

static int
regress_fixtures(const char *target, const uint8_t *data, size_t size)
{
	(void)target;
	return (fuzz_fixtures_input(data, size));
}

static int
regress_money(const char *target, const uint8_t *data, size_t size)
{
	(void)target;
	return (fuzz_money_input(data, size));
}

static int
regress_sequence(const char *target, const uint8_t *data, size_t size)
{
	(void)target;
	return (fuzz_sequence_input(data, size));
}

Test(regress, corpus_smartretry) { regress_replay("smartretry", fuzz_dispatch_input, "smartretry"); }
Test(regress, corpus_smartpay) { regress_replay("smartpay", fuzz_dispatch_input, "smartpay"); }
Test(regress, corpus_utgl) { regress_replay("utgl", fuzz_dispatch_input, "utgl"); }
Test(regress, corpus_accelebit) { regress_replay("accelebit", fuzz_dispatch_input, "accelebit"); }
Test(regress, corpus_payengine) { regress_replay("payengine", fuzz_dispatch_input, "payengine"); }
Test(regress, corpus_admin) { regress_replay("admin", fuzz_dispatch_input, "admin"); }
Test(regress, corpus_scenario) { regress_replay("scenario", regress_scenario, NULL); }
Test(regress, corpus_fixtures) { regress_replay("fixtures", regress_fixtures, NULL); }
Test(regress, corpus_money) { regress_replay("money", regress_money, NULL); }
Test(regress, corpus_sequence) { regress_replay("sequence", regress_sequence, NULL); }

/*
 * fuzz-smartpay and every other provider harness: a path that is not UTF-8
 * went into the 404 message, json_pack refused it, and jsonx_dumps(NULL)
 * called fatal(): one request killed the server (GET /smartpay/%FF).
 */
Test(regress, non_utf8_path_gets_the_providers_404)
{
	static const char *const	 paths[] = {
		"/smartretry/\xff", "/smartpay/\xff\xfe", "/utgl/v1/\xc3",
		"/accelebit/v1/\xed\xa0\x80", "/payengine/\xf4\x90\x80\x80",
		"/__admin/\xff", "/\xff",
	};
	size_t				 i;
	int				 status;

	for (i = 0; i < nitems(paths); i++) {
		json_t *v = regress_call("GET", paths[i], NULL, NULL, 0, NULL, 0, &status);
		cr_expect_eq(status, 404, "%zu", i);
		cr_expect_not_null(v, "%zu: the 404 is not JSON", i);
		json_decref(v);
	}
}

/*
 * The same through a message cut at 1024 bytes in the middle of a valid
 * two-byte character (an unknown path of 'é's).
 */
Test(regress, message_cut_mid_character_is_still_json)
{
	struct buf	path = { 0 };
	int		pad, i, status;

	for (pad = 0; pad < 2; pad++) {
		buf_release(&path);
		buf_adds(&path, pad ? "/smartpay/x" : "/smartpay/");
		for (i = 0; i < 700; i++)
			buf_adds(&path, "\xc3\xa9");
		json_t *v = regress_call("GET", path.data, NULL, NULL, 0, NULL, 0, &status);
		cr_expect_eq(status, 404);
		cr_expect_not_null(v);
		json_decref(v);
	}
	buf_release(&path);
}

/* A header value that is not UTF-8, quoted in an error (SmartRetry's idempotency key). */
Test(regress, non_utf8_header_in_an_error_is_still_json)
{
	const struct header	h[] = {
		{ "x-api-key", "YOUR_API_KEY" }, { "Content-Type", "application/json" },
		{ "Idempotency-Key", "\xff\xfe bad" },
	};
	const char		body[] = "{\"transaction_reference_id\":\"TX8A3F2C\","
	    "\"order_reference_id\":\"OR7B9E1D\",\"merchant_transaction_id\":\"m\","
	    "\"amount\":1.00}";
	int			status;
	json_t			*v = regress_call("POST", "/smartretry/v1/payments/refund/ABC123",
	    NULL, h, nitems(h), body, sizeof body - 1, &status);

	cr_expect(status >= 200 && status < 500, "%d", status);
	cr_expect_not_null(v);
	json_decref(v);
}

/*
 * fuzz-scenario, fuzz-fixtures: a body ending inside a string escape ("\)
 * made jsonx_mark_numbers copy one byte past the end of the body.
 */
Test(regress, json_ending_in_a_backslash_is_not_read_past)
{
	static const char *const	 texts[] = { "\"\\", "n\"\\", "{\"a\":\"\\", "[\"x\\\\\\" };
	size_t				 i;

	for (i = 0; i < nitems(texts); i++) {
		size_t	 len = strlen(texts[i]);
		char	*exact = xmalloc(len), *cause = NULL;

		memcpy(exact, texts[i], len);
		cr_expect_null(jsonx_loads(exact, len, &cause), "%s", texts[i]);
		cr_expect_not_null(cause);
		free(cause);
		free(exact);
	}
}

/*
 * fuzz-admin: GET /__admin/refunds?provider=P leaked the history array of
 * every refund of another provider.  LeakSanitizer reports it here but
 * cannot fail an in-process test (tests/lsan.supp hides every stack through
 * libcriterion); regress_e2e.refunds_filter_leaks_nothing catches it in the
 * server, whose exit status check-sanitize and check-valgrind both check.
 */
Test(regress, refunds_filtered_by_provider_free_the_others)
{
	const struct header	ct = { "Content-Type", "application/json" };
	const char		body[] = "{\"merchantKey\":\"31928de9-1344-469f-b0eb-"
	    "8e5d0fef3d21\",\"transactionId\":\"933a0fab-80a0-42c5-b010-c71174f4ab32\","
	    "\"modificationId\":\"m1\",\"modifiedAmount\":{\"amount\":1.00,"
	    "\"currencyCode\":\"EUR\"}}";
	json_t			*v;
	int			 status;

	json_decref(regress_call("POST", "/smartpay/payment/refund", NULL, &ct, 1, body,
	    sizeof body - 1, &status));
	cr_assert_eq(status, 200);
	v = regress_call("GET", "/__admin/refunds", "provider=accelebit", NULL, 0, NULL, 0,
	    &status);
	cr_expect_eq(status, 200);
	cr_expect_eq(json_array_size(json_object_get(v, "refunds")), 0);
	json_decref(v);
	v = regress_call("GET", "/__admin/refunds", "provider=smartpay", NULL, 0, NULL, 0,
	    &status);
	cr_expect_eq(json_array_size(json_object_get(v, "refunds")), 1);
	json_decref(v);
}

/*
 * A request whose path, header or body is not UTF-8 was journaled but the
 * listing dropped it (json_pack refused the entry): the journal must show
 * every request.
 */
Test(regress, journal_lists_requests_that_are_not_utf8)
{
	const struct header	h[] = { { "X-Odd", "\xff" }, { "Content-Type", "text/plain" } };
	json_t			*v, *e;
	int			 status;

	json_decref(regress_call("GET", "/smartpay/\xff", NULL, NULL, 0, NULL, 0, &status));
	json_decref(regress_call("POST", "/smartpay/payment/refund", NULL, h, nitems(h),
	    "\xff\xfe", 2, &status));
	v = regress_call("GET", "/__admin/journal", NULL, NULL, 0, NULL, 0, &status);
	cr_assert_eq(status, 200);
	cr_assert_eq(json_array_size(json_object_get(v, "entries")), 2);
	e = json_array_get(json_object_get(v, "entries"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(e, "path")), "/smartpay/?");
	e = json_array_get(json_object_get(v, "entries"), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(e,
	    "request"), "headers"), "X-Odd")), "?");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(e, "request"),
	    "body")), "??");
	json_decref(v);
}

/* The same over the wire: the server answers and lives on, with either log format. */
TestSuite(regress_e2e, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

static void
regress_e2e_non_utf8(void)
{
	const char	 req[] = "GET /smartpay/%FF%FE HTTP/1.1\r\nHost: x\r\n"
	    "X-Odd: \xff\r\nConnection: close\r\n\r\n";
	char		*out = e2e_raw(req, sizeof req - 1, 5000);
	struct e2e_resp	*r;

	cr_expect(strncmp(out, "HTTP/1.1 404", 12) == 0, "%.60s", out);
	free(out);
	cr_expect_eq(e2e("GET", "/__admin/health", NULL, NULL)->status, 200);
	r = e2e("GET", "/__admin/journal", NULL, NULL);
	cr_expect_eq(e2e_len(r, "entries"), 1, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "entries[0].path"), "/smartpay/??");
}

Test(regress_e2e, non_utf8_path_does_not_kill_the_server)
{
	regress_e2e_non_utf8();
}

/*
 * The JSON access log packed the path with json_pack, which refused it:
 * the line came out as "(null)" (printf of a NULL string).
 */
Test(regress_e2e, non_utf8_path_with_the_json_log)
{
	const char *const	 args[] = { "--log-format", "json", NULL };
	char			 path[] = "/tmp/paymock-log-XXXXXX", line[1024];
	int			 fd, lines = 0;
	FILE			*fp;

	cr_assert((fd = mkstemp(path)) >= 0);
	e2e_teardown();
	e2e_start_stderr(args, fd);
	close(fd);
	regress_e2e_non_utf8();
	e2e_teardown();
	cr_assert_not_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof line, fp) != NULL) {
		char	*cause = NULL;
		json_t	*v = jsonx_loads(line, strlen(line), &cause);

		cr_expect_not_null(v, "not a JSON log line: %s", line);
		free(cause);
		if (lines++ == 0)
			cr_expect_str_eq(json_string_value(json_object_get(v, "path")),
			    "/smartpay/??");
		json_decref(v);
	}
	fclose(fp);
	unlink(path);
	cr_expect_eq(lines, 3);
}

/* The server exits 0 at teardown: under ASan or valgrind a leak makes that fail. */
Test(regress_e2e, refunds_filter_leaks_nothing)
{
	struct e2e_resp	*r = e2e("POST", "/smartpay/payment/refund", JSON_CT,
	    "{\"merchantKey\":\"31928de9-1344-469f-b0eb-8e5d0fef3d21\",\"transactionId\":"
	    "\"933a0fab-80a0-42c5-b010-c71174f4ab32\",\"modificationId\":\"m1\"}");

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/refunds?provider=accelebit", NULL, NULL),
	    "refunds"), 0);
	cr_expect_eq(e2e_len(e2e("GET", "/__admin/refunds?provider=smartpay", NULL, NULL),
	    "refunds"), 1);
}
