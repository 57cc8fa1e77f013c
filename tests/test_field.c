/* Request body field checks: types, lengths, amounts, currencies and their messages. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "jsonx.h"
#include "util.h"

/* A body parsed the way the server parses it, numbers kept exact. */
static json_t *
field_test_body(const char *text)
{
	char	*cause = NULL;
	json_t	*v = jsonx_loads(text, strlen(text), &cause);

	cr_assert_not_null(v, "'%s': %s", text, cause);
	return (v);
}

static void
field_test_expect_error(const struct field_error *e, enum field_problem problem,
    const char *field, const char *message)
{
	cr_expect_eq(e->problem, problem, "problem %d for '%s'", e->problem,
	    e->message);
	cr_expect_str_eq(e->field, field);
	cr_expect_str_eq(e->message, message);
}

struct string_case {
	char	json[48];
	int	required;
	int	min, max;
	int	rc;
	char	value[16];	/* on success; "" with 'absent' for NULL */
	int	absent;
	int	problem;
	char	message[64];
};

ParameterizedTestParameters(field, string)
{
	static struct string_case cases[] = {
		{ "{\"id\":\"abc\"}", 1, 1, 5, 0, "abc", 0, 0, "" },
		{ "{\"id\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}", 1, 3, 3, 0,
		    "\xc3\xa9\xc3\xa9\xc3\xa9", 0, 0, "" },	/* characters, not bytes */
		{ "{}", 0, 1, 5, 0, "", 1, 0, "" },
		{ "{\"id\":null}", 0, 1, 5, 0, "", 1, 0, "" },
		{ "{\"id\":\"\"}", 0, 0, 5, 0, "", 0, 0, "" },
		{ "{}", 1, 1, 5, -1, "", 0, FIELD_MISSING, "id is required" },
		{ "{\"id\":null}", 1, 1, 5, -1, "", 0, FIELD_MISSING, "id is required" },
		{ "{\"id\":\"\"}", 1, 1, 5, -1, "", 0, FIELD_EMPTY,
		    "id must not be empty" },
		{ "{\"id\":12}", 1, 1, 5, -1, "", 0, FIELD_TYPE,
		    "id must be a string, not number" },
		{ "{\"id\":12.50}", 0, 1, 5, -1, "", 0, FIELD_TYPE,
		    "id must be a string, not number" },
		{ "{\"id\":{}}", 1, 1, 5, -1, "", 0, FIELD_TYPE,
		    "id must be a string, not object" },
		{ "{\"id\":[\"a\"]}", 1, 1, 5, -1, "", 0, FIELD_TYPE,
		    "id must be a string, not array" },
		{ "{\"id\":false}", 1, 1, 5, -1, "", 0, FIELD_TYPE,
		    "id must be a string, not boolean" },
		{ "{\"id\":\"abcdef\"}", 1, 1, 5, -1, "", 0, FIELD_LENGTH,
		    "id must be 1 to 5 characters" },
		{ "{\"id\":\"ab\"}", 1, 3, 5, -1, "", 0, FIELD_LENGTH,
		    "id must be 3 to 5 characters" },
		{ "{\"id\":\"abcd\"}", 1, 3, 3, -1, "", 0, FIELD_LENGTH,
		    "id must be exactly 3 characters" },
	};

	return (cr_make_param_array(struct string_case, cases, nitems(cases)));
}

ParameterizedTest(struct string_case *c, field, string)
{
	json_t			*body = field_test_body(c->json);
	const char		*out = "untouched";
	struct field_error	 e;

	memset(&e, 0, sizeof e);
	cr_assert_eq(field_string(body, "id", c->required, c->min, c->max, &out, &e),
	    c->rc, "%s: %s", c->json, e.message);
	if (c->rc != 0)
		field_test_expect_error(&e, c->problem, "id", c->message);
	else if (c->absent)
		cr_expect_null(out, "%s", c->json);
	else
		cr_expect_str_eq(out, c->value, "%s", c->json);
	json_decref(body);
}

Test(field, dotted_name_looks_up_last_part)
{
	json_t			*body = field_test_body("{\"code\":\"x\"}");
	const char		*out;
	struct field_error	 e;

	cr_expect_eq(field_string(body, "modifiedAmount.code", 1, 1, 8, &out, &e), 0);
	cr_expect_str_eq(out, "x");
	cr_expect_eq(field_string(body, "a.b.missing", 1, 1, 8, &out, &e), -1);
	field_test_expect_error(&e, FIELD_MISSING, "a.b.missing",
	    "a.b.missing is required");
	json_decref(body);
}

Test(field, object)
{
	json_t			*body = field_test_body("{\"m\":{\"a\":1},\"s\":\"x\","
	    "\"l\":[],\"n\":null}");
	const json_t		*out = NULL;
	struct field_error	 e;

	cr_expect_eq(field_object(body, "m", 1, &out, &e), 0);
	cr_expect_eq(out, json_object_get(body, "m"));
	cr_expect_eq(field_object(body, "absent", 0, &out, &e), 0);
	cr_expect_null(out, "missing optional gives NULL");
	cr_expect_eq(field_object(body, "n", 0, &out, &e), 0);
	cr_expect_null(out, "null counts as missing");

	cr_expect_eq(field_object(body, "absent", 1, &out, &e), -1);
	field_test_expect_error(&e, FIELD_MISSING, "absent", "absent is required");
	cr_expect_eq(field_object(body, "s", 1, &out, &e), -1);
	field_test_expect_error(&e, FIELD_TYPE, "s", "s must be an object, not string");
	cr_expect_eq(field_object(body, "x.l", 0, &out, &e), -1);
	field_test_expect_error(&e, FIELD_TYPE, "x.l",
	    "x.l must be an object, not array");
	json_decref(body);
}

#define AMT	"modifiedAmount.amount"

struct amount_case {
	char		json[40];
	int		syntax;
	int		exponent;
	int		required;
	int		rc;
	long long	minor;
	int		present;
	int		problem;
	char		message[96];
};

ParameterizedTestParameters(field, amount)
{
	static struct amount_case cases[] = {
		{ "{\"amount\":25}", AMOUNT_NUMBER, 2, 1, 0, 2500, 1, 0, "" },
		{ "{\"amount\":25.50}", AMOUNT_NUMBER, 2, 1, 0, 2550, 1, 0, "" },
		{ "{\"amount\":1500}", AMOUNT_NUMBER, 0, 1, 0, 1500, 1, 0, "" },
		{ "{\"amount\":12.345}", AMOUNT_NUMBER, 3, 1, 0, 12345, 1, 0, "" },
		{ "{\"amount\":\"25.50\"}", AMOUNT_STRING, 2, 1, 0, 2550, 1, 0, "" },
		{ "{\"amount\":\"25.50\"}", AMOUNT_EITHER, 2, 1, 0, 2550, 1, 0, "" },
		{ "{\"amount\":25.5}", AMOUNT_EITHER, 2, 1, 0, 2550, 1, 0, "" },
		{ "{}", AMOUNT_NUMBER, 2, 0, 0, -1, 0, 0, "" },
		{ "{\"amount\":null}", AMOUNT_EITHER, 2, 0, 0, -1, 0, 0, "" },
		{ "{}", AMOUNT_NUMBER, 2, 1, -1, -1, 0, FIELD_MISSING,
		    AMT " is required" },
		{ "{\"amount\":\"25\"}", AMOUNT_NUMBER, 2, 1, -1, -1, 1, FIELD_TYPE,
		    AMT " must be a number, not string" },
		{ "{\"amount\":25}", AMOUNT_STRING, 2, 1, -1, -1, 1, FIELD_TYPE,
		    AMT " must be a decimal string, not number" },
		{ "{\"amount\":true}", AMOUNT_EITHER, 2, 1, -1, -1, 1, FIELD_TYPE,
		    AMT " must be a number or a decimal string, not boolean" },
		{ "{\"amount\":{}}", AMOUNT_NUMBER, 2, 1, -1, -1, 1, FIELD_TYPE,
		    AMT " must be a number, not object" },
		{ "{\"amount\":0}", AMOUNT_NUMBER, 2, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " must be greater than zero" },
		{ "{\"amount\":\"0.00\"}", AMOUNT_STRING, 2, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " must be greater than zero" },
		{ "{\"amount\":-5}", AMOUNT_NUMBER, 2, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " must be greater than zero" },
		{ "{\"amount\":1.005}", AMOUNT_NUMBER, 2, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " has more decimals than the currency allows" },
		{ "{\"amount\":1.5}", AMOUNT_NUMBER, 0, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " must be a whole number in this currency" },
		/* JSON numbers in any spelling; decimal strings stay plain */
		{ "{\"amount\":1e3}", AMOUNT_NUMBER, 2, 1, 0, 100000, 1, 0, "" },
		{ "{\"amount\":2.5E+1}", AMOUNT_EITHER, 2, 1, 0, 2500, 1, 0, "" },
		{ "{\"amount\":1e-3}", AMOUNT_NUMBER, 2, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " has more decimals than the currency allows" },
		{ "{\"amount\":-0}", AMOUNT_NUMBER, 2, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " must be greater than zero" },
		{ "{\"amount\":1e999999999}", AMOUNT_NUMBER, 2, 1, -1, -1, 1,
		    FIELD_FORMAT, AMT " is too large" },
		{ "{\"amount\":\"1e3\"}", AMOUNT_STRING, 2, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " must be a plain decimal number" },
		{ "{\"amount\":\" 25\"}", AMOUNT_STRING, 2, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " must be a plain decimal number" },
		{ "{\"amount\":\"\"}", AMOUNT_STRING, 2, 1, -1, -1, 1, FIELD_FORMAT,
		    AMT " must not be empty" },
	};

	return (cr_make_param_array(struct amount_case, cases, nitems(cases)));
}

ParameterizedTest(struct amount_case *c, field, amount)
{
	json_t			*body = field_test_body(c->json);
	int64_t			 minor = -1;
	int			 present = -1;
	struct field_error	 e;

	memset(&e, 0, sizeof e);
	cr_assert_eq(field_amount(body, AMT, c->required, c->syntax, c->exponent,
	    &minor, &present, &e), c->rc, "%s: %s", c->json, e.message);
	cr_expect_eq(present, c->present, "%s", c->json);
	if (c->rc != 0)
		field_test_expect_error(&e, c->problem, AMT, c->message);
	else if (c->present)
		cr_expect_eq(minor, c->minor, "%s: %lld", c->json, (long long)minor);
	json_decref(body);
}

struct currency_case {
	char	json[40];
	int	required;
	int	rc;
	char	code[4];	/* "" for NULL */
	int	exponent;
	int	problem;
	char	message[80];
};

ParameterizedTestParameters(field, currency)
{
	static struct currency_case cases[] = {
		{ "{\"currency\":\"EUR\"}", 1, 0, "EUR", 2, 0, "" },
		{ "{\"currency\":\"JPY\"}", 1, 0, "JPY", 0, 0, "" },
		{ "{\"currency\":\"KWD\"}", 1, 0, "KWD", 3, 0, "" },
		{ "{}", 0, 0, "", -7, 0, "" },
		{ "{}", 1, -1, "", 0, FIELD_MISSING, "currency is required" },
		{ "{\"currency\":\"\"}", 1, -1, "", 0, FIELD_EMPTY,
		    "currency must not be empty" },
		{ "{\"currency\":\"eur\"}", 1, -1, "", 0, FIELD_FORMAT,
		    "currency must be 3 uppercase letters (ISO 4217)" },
		{ "{\"currency\":\"E1R\"}", 1, -1, "", 0, FIELD_FORMAT,
		    "currency must be 3 uppercase letters (ISO 4217)" },
		{ "{\"currency\":\"XYZ\"}", 1, -1, "", 0, FIELD_FORMAT,
		    "currency 'XYZ' is not a known ISO 4217 currency" },
		{ "{\"currency\":\"EURO\"}", 1, -1, "", 0, FIELD_LENGTH,
		    "currency must be exactly 3 characters" },
		{ "{\"currency\":978}", 1, -1, "", 0, FIELD_TYPE,
		    "currency must be a string, not number" },
	};

	return (cr_make_param_array(struct currency_case, cases, nitems(cases)));
}

ParameterizedTest(struct currency_case *c, field, currency)
{
	json_t			*body = field_test_body(c->json);
	const char		*code = "untouched";
	int			 exponent = -7;
	struct field_error	 e;

	memset(&e, 0, sizeof e);
	cr_assert_eq(field_currency(body, "currency", c->required, &code, &exponent,
	    &e), c->rc, "%s: %s", c->json, e.message);
	if (c->rc != 0) {
		field_test_expect_error(&e, c->problem, "currency", c->message);
	} else if (c->code[0] == '\0') {
		cr_expect_null(code, "missing optional gives NULL");
		cr_expect_eq(exponent, -7, "exponent set for a missing currency");
	} else {
		cr_expect_str_eq(code, c->code);
		cr_expect_eq(exponent, c->exponent);
	}
	json_decref(body);
}

Test(field, fail_formats_message)
{
	struct field_error	e;

	cr_expect_eq(field_fail(&e, FIELD_FORMAT, "merchantKey", "'%s' is %d", "x",
	    3), -1);
	field_test_expect_error(&e, FIELD_FORMAT, "merchantKey", "merchantKey 'x' is 3");
}
