/* JSON with exact numbers: parsing, refusals, dumping back, helpers. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "util.h"

/* Parses 'text', which must be valid. */
static json_t *
jsonx_test_load(const char *text)
{
	char	*cause = NULL;
	json_t	*v = jsonx_loads(text, strlen(text), &cause);

	cr_assert_not_null(v, "'%s': %s", text, cause);
	cr_assert_null(cause, "'%s': cause '%s' on success", text, cause);
	return (v);
}

/* Dumps 'v' with sorted keys and compares, then drops 'v'. */
static void
jsonx_expect_dump(json_t *v, const char *want)
{
	char	*s = jsonx_dumps(v, JSON_SORT_KEYS);

	cr_expect_str_eq(s, want);
	free(s);
	json_decref(v);
}

Test(jsonx, keeps_number_text)
{
	json_t	*v = jsonx_test_load("{\"a\":25.00,\"b\":1e400,\"c\":-0.5,"
	    "\"d\":0,\"e\":-0,\"f\":1E+2,\"g\":12345678901234567890123}");

	cr_expect_str_eq(jsonx_number_text(json_object_get(v, "a")), "25.00");
	cr_expect_str_eq(jsonx_number_text(json_object_get(v, "b")), "1e400");
	cr_expect_str_eq(jsonx_number_text(json_object_get(v, "c")), "-0.5");
	cr_expect_str_eq(jsonx_number_text(json_object_get(v, "d")), "0");
	cr_expect_str_eq(jsonx_number_text(json_object_get(v, "e")), "-0");
	cr_expect_str_eq(jsonx_number_text(json_object_get(v, "f")), "1E+2");
	cr_expect_str_eq(jsonx_number_text(json_object_get(v, "g")),
	    "12345678901234567890123");
	json_decref(v);
}

Test(jsonx, strings_and_numbers_differ)
{
	json_t	*v = jsonx_test_load("{\"n\":25.00,\"s\":\"25.00\",\"e\":\"\","
	    "\"t\":true,\"z\":null,\"o\":{},\"a\":[]}");
	json_t	*n = json_object_get(v, "n"), *s = json_object_get(v, "s");

	cr_expect_null(jsonx_string(n));
	cr_expect_str_eq(jsonx_number_text(n), "25.00");
	cr_expect_null(jsonx_number_text(s));
	cr_expect_str_eq(jsonx_string(s), "25.00");
	cr_expect_str_eq(jsonx_string(json_object_get(v, "e")), "");
	cr_expect_null(jsonx_number_text(json_object_get(v, "e")));
	cr_expect_null(jsonx_string(json_object_get(v, "t")));
	cr_expect_null(jsonx_number_text(json_object_get(v, "z")));
	cr_expect_null(jsonx_string(NULL));
	cr_expect_null(jsonx_number_text(NULL));

	cr_expect_str_eq(jsonx_type_name(n), "number");
	cr_expect_str_eq(jsonx_type_name(s), "string");
	cr_expect_str_eq(jsonx_type_name(json_object_get(v, "t")), "boolean");
	cr_expect_str_eq(jsonx_type_name(json_object_get(v, "z")), "null");
	cr_expect_str_eq(jsonx_type_name(json_object_get(v, "o")), "object");
	cr_expect_str_eq(jsonx_type_name(json_object_get(v, "a")), "array");
	json_decref(v);
}

Test(jsonx, numbers_inside_strings_stay_strings)
{
	json_t	*v = jsonx_test_load("[\"-1\",\"a 2 b\",\"\\\"3\\\"\",4]");

	cr_expect_str_eq(jsonx_string(json_array_get(v, 0)), "-1");
	cr_expect_str_eq(jsonx_string(json_array_get(v, 1)), "a 2 b");
	cr_expect_str_eq(jsonx_string(json_array_get(v, 2)), "\"3\"");
	cr_expect_str_eq(jsonx_number_text(json_array_get(v, 3)), "4");
	json_decref(v);
}

struct refuse_case {
	char	text[64];
	char	cause[32];	/* part of the cause, or "" for any */
};

ParameterizedTestParameters(jsonx, refuses)
{
	static struct refuse_case cases[] = {
		{ "{\"a\":\"x\\u0000y\"}", "NUL" },
		{ "{\"a\\u0000\":1}", "NUL" },
		{ "[\"\\\\\\u0000\"]", "NUL" },		/* \\ then \u0000 */
		{ "{\"a\":1,\"a\":2}", "" },
		{ "{\"a\":1,\"\\u0061\":2}", "" },	/* the same key, escaped */
		{ "{\"a\":\"\xff\"}", "" },
		{ "{\"a\":\"\xc3\"}", "" },
		{ "{\"a\":\"\xc0\xaf\"}", "" },		/* overlong '/' */
		{ "{\"a\":\"\xed\xa0\x80\"}", "" },	/* a lone surrogate */
		{ "[01]", "" },
		{ "[1.]", "invalid number" },
		{ "[-]", "invalid number" },
		{ "[-a]", "invalid number" },
		{ "[.5]", "" },
		{ "[+1]", "" },
		{ "[1e]", "invalid number" },
		{ "[1e+]", "invalid number" },
		{ "[1 2]", "" },
		{ "{\"a\":}", "" },
		{ "{\"a\":1", "" },
		{ "[NaN]", "" },
		{ "", "" },
	};

	return (cr_make_param_array(struct refuse_case, cases, nitems(cases)));
}

ParameterizedTest(struct refuse_case *c, jsonx, refuses)
{
	char	*cause = NULL;
	json_t	*v = jsonx_loads(c->text, strlen(c->text), &cause);

	cr_expect_null(v, "'%s' accepted", c->text);
	cr_assert_not_null(cause, "'%s': no cause", c->text);
	cr_expect_neq(cause[0], '\0');
	cr_expect_not_null(strstr(cause, c->cause), "'%s': cause '%s', wanted '%s'",
	    c->text, cause, c->cause);
	json_decref(v);
	free(cause);
}

Test(jsonx, refuses_raw_nul)
{
	static const char	text[] = "{\"a\":\"x\0y\"}";
	char			*cause = NULL;
	json_t			*v = jsonx_loads(text, sizeof text - 1, &cause);

	cr_expect_null(v);
	cr_assert_not_null(cause);
	cr_expect_not_null(strstr(cause, "NUL"), "%s", cause);
	json_decref(v);
	free(cause);
}

/* A nest 'depth' deep of 'open'/'close' around 1. */
static char *
jsonx_test_nest(size_t depth, const char *open, const char *close)
{
	struct buf	b = { 0 };
	size_t		i;

	for (i = 0; i < depth; i++)
		buf_adds(&b, open);
	buf_adds(&b, "1");
	for (i = 0; i < depth; i++)
		buf_adds(&b, close);
	return (buf_steal(&b));
}

Test(jsonx, deep_nesting)
{
	char	*shallow = jsonx_test_nest(100, "{\"a\":[", "]}");
	char	*deep = jsonx_test_nest(200000, "[", "]");
	char	*cause = NULL;
	json_t	*v;

	v = jsonx_loads(shallow, strlen(shallow), &cause);
	cr_expect_not_null(v, "100 levels: %s", cause);
	json_decref(v);
	free(cause);

	cause = NULL;
	v = jsonx_loads(deep, strlen(deep), &cause);
	cr_expect_null(v, "200000 levels accepted");
	cr_expect_not_null(cause);
	json_decref(v);
	free(cause);
	free(deep);
	free(shallow);
}

Test(jsonx, dumps_numbers_bare)
{
	static const char	text[] = "{\"amount\":25.00,\"big\":1e400,"
	    "\"list\":[-0.5,0,{\"x\":10}],\"s\":\"25.00\",\"t\":true}";

	jsonx_expect_dump(jsonx_test_load(text), text);
	jsonx_expect_dump(jsonx_test_load("-12.50"), "-12.50");
	jsonx_expect_dump(jsonx_test_load("\"12.50\""), "\"12.50\"");
}

Test(jsonx, builds_numbers)
{
	json_t	*o = json_object();

	json_object_set_new(o, "a", jsonx_amount(2500, 2, 2));
	json_object_set_new(o, "b", jsonx_amount(1500, 0, 2));
	json_object_set_new(o, "c", jsonx_amount(12345, 3, 3));
	json_object_set_new(o, "d", jsonx_amount_string(2500, 2, 2));
	json_object_set_new(o, "e", jsonx_number("1e400"));
	json_object_set_new(o, "f", jsonx_amount(-5, 2, 2));
	cr_expect_str_eq(jsonx_number_text(json_object_get(o, "a")), "25.00");
	cr_expect_str_eq(jsonx_string(json_object_get(o, "d")), "25.00");
	jsonx_expect_dump(o, "{\"a\":25.00,\"b\":1500.00,\"c\":12.345,"
	    "\"d\":\"25.00\",\"e\":1e400,\"f\":-0.05}");
	jsonx_expect_dump(jsonx_amount(2500, 2, 2), "25.00");
}

/* Text that looks like the number marker must come back as the user sent it. */
struct mark_case {
	char	text[64];
	char	value[32];	/* the string as parsed */
};

ParameterizedTestParameters(jsonx, marker_lookalike_round_trip)
{
	static struct mark_case cases[] = {
		{ "{\"s\":\"\\\\u0000#\"}", "\\u0000#" },
		{ "{\"s\":\"\\\\u0000#25\"}", "\\u0000#25" },
		{ "{\"s\":\"a\\\"\\\\u0000#1\"}", "a\"\\u0000#1" },
		{ "{\"s\":\"\\\\\\\\u0000#\"}", "\\\\u0000#" },
		{ "[\"\\\\u0000#\",7]", "\\u0000#" },
		{ "{\"\\\\u0000#k\":\"\\\\u0000#\"}", "\\u0000#" },
	};

	return (cr_make_param_array(struct mark_case, cases, nitems(cases)));
}

ParameterizedTest(struct mark_case *c, jsonx, marker_lookalike_round_trip)
{
	json_t		*v = jsonx_test_load(c->text);
	const json_t	*s;
	const char	*key;

	if (json_is_array(v))
		s = json_array_get(v, 0);
	else {
		key = json_object_iter_key(json_object_iter(v));
		s = json_object_get(v, key);
	}
	cr_expect_null(jsonx_number_text(s), "'%s' read as a number", c->text);
	cr_expect_str_eq(jsonx_string(s), c->value);
	jsonx_expect_dump(v, c->text);
}

struct int64_case {
	char		text[32];
	int		rc;
	long long	value;
};

ParameterizedTestParameters(jsonx, int64)
{
	static struct int64_case cases[] = {
		{ "42", 0, 42 },
		{ "0", 0, 0 },
		{ "-0", 0, 0 },
		{ "-7", 0, -7 },
		{ "99999999999999999", 0, 99999999999999999LL },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "-9223372036854775807", 0, -INT64_MAX },
		{ "9223372036854775808", -1, 0 },
		{ "99999999999999999999", -1, 0 },
		/* whole by value, as JSON Schema's integer (OpenAPI 3.1) */
		{ "1.0", 0, 1 },
		{ "25.00", 0, 25 },
		{ "1e3", 0, 1000 },
		{ "2E+2", 0, 200 },
		{ "2000e-1", 0, 200 },
		{ "-5e0", 0, -5 },
		{ "2.5", -1, 0 },
		{ "2e-1", -1, 0 },
		{ "1e999999999", -1, 0 },
		{ "1e9999999999999", -1, 0 },
		{ "\"42\"", -1, 0 },
		{ "true", -1, 0 },
		{ "null", -1, 0 },
	};

	return (cr_make_param_array(struct int64_case, cases, nitems(cases)));
}

ParameterizedTest(struct int64_case *c, jsonx, int64)
{
	json_t	*v = jsonx_test_load(c->text);
	int64_t	n = 12345;
	int	rc = jsonx_int64(v, &n);

	json_decref(v);
	cr_assert_eq(rc, c->rc, "'%s'", c->text);
	if (c->rc == 0)
		cr_expect_eq(n, c->value, "'%s' read as %lld", c->text, (long long)n);
	else
		cr_expect_eq(n, 12345, "'%s': output written on failure", c->text);
}

Test(jsonx, int64_of_plain_jansson)
{
	json_t	*i = json_integer(-99), *r = json_real(1.0);
	int64_t	 n = 0;

	cr_expect_eq(jsonx_int64(i, &n), 0);
	cr_expect_eq(n, -99);
	cr_expect_eq(jsonx_int64(r, &n), -1);
	json_decref(i);
	json_decref(r);
}

/* Fingerprints: one text per body by value, keys sorted. */
Test(jsonx, canonical_by_value)
{
	static const char *const same[] = {
		"{\"b\":[1,{\"x\":2.5E+1}],\"a\":\"1.00\"}",
		"{\"a\":\"1.00\",\"b\":[1.00,{\"x\":25}]}",
		"{\"a\":\"1.00\",\"b\":[1e0,{\"x\":250e-1}]}",
	};
	json_t	*v;
	char	*s;
	size_t	 i;

	for (i = 0; i < nitems(same); i++) {
		v = jsonx_test_load(same[i]);
		s = jsonx_canonical(v);
		/* The string "1.00" is no number: its spelling stays. */
		cr_expect_str_eq(s, "{\"a\":\"1.00\",\"b\":[1,{\"x\":25}]}", "%s", same[i]);
		free(s);
		/* The body itself keeps the client's text. */
		s = jsonx_dumps(v, 0);
		cr_expect_str_eq(s, same[i]);
		free(s);
		json_decref(v);
	}
	v = jsonx_test_load("{\"a\":\"1\"}");
	s = jsonx_canonical(v);
	cr_expect_str_eq(s, "{\"a\":\"1\"}");
	free(s);
	json_decref(v);
}

struct subset_case {
	char	pattern[64];
	char	value[64];
	int	want;
};

ParameterizedTestParameters(jsonx, subset)
{
	static struct subset_case cases[] = {
		{ "{}", "{\"a\":1}", 1 },
		{ "{\"a\":1}", "{\"a\":1,\"b\":2}", 1 },
		{ "{\"a\":{\"x\":\"y\"}}", "{\"a\":{\"x\":\"y\",\"z\":0},\"b\":2}", 1 },
		{ "{\"a\":[1,2]}", "{\"a\":[1,2]}", 1 },
		{ "{\"a\":null}", "{\"a\":null}", 1 },
		{ "{\"a\":25.00}", "{\"a\":25.00}", 1 },
		{ "\"x\"", "\"x\"", 1 },
		{ "{\"a\":1}", "{\"a\":2}", 0 },
		{ "{\"a\":1}", "{\"b\":1}", 0 },
		{ "{\"a\":null}", "{}", 0 },
		{ "{\"a\":1.0}", "{\"a\":1}", 1 },	/* numbers by value */
		{ "{\"a\":25}", "{\"a\":2.5E+1}", 1 },
		{ "{\"a\":[1.0,{\"x\":2e0}]}", "{\"a\":[1,{\"x\":2}]}", 1 },
		{ "{\"a\":[{\"x\":2}]}", "{\"a\":[{\"x\":2,\"y\":3}]}", 0 },
		{ "{\"a\":1.5}", "{\"a\":1.50001}", 0 },
		{ "{\"a\":\"1\"}", "{\"a\":1}", 0 },
		{ "{\"a\":1}", "{\"a\":\"1\"}", 0 },
		{ "{\"a\":[1]}", "{\"a\":[1,2]}", 0 },	/* arrays whole */
		{ "{\"a\":{\"x\":1}}", "{\"a\":{\"y\":1}}", 0 },
		{ "{\"a\":{}}", "{\"a\":[]}", 0 },
		{ "{}", "[]", 0 },
	};

	return (cr_make_param_array(struct subset_case, cases, nitems(cases)));
}

ParameterizedTest(struct subset_case *c, jsonx, subset)
{
	json_t	*p = jsonx_test_load(c->pattern), *v = jsonx_test_load(c->value);

	cr_expect_eq(!!jsonx_subset(p, v), c->want, "%s in %s", c->pattern,
	    c->value);
	json_decref(p);
	json_decref(v);
}

/* Numbers are marked inside; no parse error may quote a marker back. */
Test(jsonx, parse_errors_quote_no_marker_and_place_the_original_byte)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "{\"amount\":01}", "'}' expected at byte 12" },
		{ "{\"a\":1,}", "string or '}' expected at byte 8" },
		{ "[1, 2 3]", "']' expected at byte 7" },
		{ "{\"a\":\"x\" \"b\"}", "'}' expected at byte 12" },
		{ "{\"a\" 1}", "':' expected at byte 6" },
	};
	char	*cause;
	size_t	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_null(jsonx_loads(cases[i].text, strlen(cases[i].text), &cause));
		cr_expect_str_eq(cause, cases[i].want, "%s", cases[i].text);
		cr_expect_null(strstr(cause, "\\u0000"), "%s", cause);
		free(cause);
	}
}
