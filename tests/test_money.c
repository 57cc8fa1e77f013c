/* Money: exponents, decimal text -> minor units, minor units -> text. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "money.h"
#include "util.h"

struct exponent_case {
	char	code[8];
	int	exponent;
};

ParameterizedTestParameters(money, exponent)
{
	static struct exponent_case cases[] = {
		{ "USD", 2 }, { "EUR", 2 }, { "GBP", 2 }, { "CHF", 2 }, { "SEK", 2 },
		{ "JPY", 0 }, { "KWD", 3 }, { "BHD", 3 },
		{ "XYZ", -1 }, { "usd", -1 }, { "", -1 }, { "EURO", -1 },
	};

	return (cr_make_param_array(struct exponent_case, cases, nitems(cases)));
}

ParameterizedTest(struct exponent_case *c, money, exponent)
{
	cr_expect_eq(money_exponent(c->code), c->exponent, "'%s'", c->code);
}

struct parse_case {
	char		text[32];
	int		exponent;
	long long	minor;		/* -1: rejected */
	char		why[48];	/* part of the reason, when rejected */
};

ParameterizedTestParameters(money, parse)
{
	static struct parse_case cases[] = {
		{ "25", 2, 2500, "" },
		{ "25.5", 2, 2550, "" },
		{ "25.50", 2, 2550, "" },
		{ "25.000", 2, 2500, "" },
		{ "0.01", 2, 1, "" },
		{ "007", 2, 700, "" },
		{ "0", 2, 0, "" },
		{ "1500", 0, 1500, "" },
		{ "1500.0", 0, 1500, "" },
		{ "12.345", 3, 12345, "" },
		{ "12.3", 3, 12300, "" },
		{ "99999999999999999", 0, MONEY_MAX_MINOR, "" },
		{ "999999999999999.99", 2, MONEY_MAX_MINOR, "" },
		{ "1.005", 2, -1, "more decimals" },
		{ "0.001", 2, -1, "more decimals" },
		{ "1.5", 0, -1, "whole number" },
		{ "12.3456", 3, -1, "more decimals" },
		{ "-1", 2, -1, "greater than zero" },
		{ "", 2, -1, "empty" },
		{ "1e5", 2, -1, "plain decimal" },
		{ "abc", 2, -1, "plain decimal" },
		{ "1.", 2, -1, "plain decimal" },
		{ ".5", 2, -1, "plain decimal" },
		{ " 1", 2, -1, "plain decimal" },
		{ "1 ", 2, -1, "plain decimal" },
		{ "+1", 2, -1, "plain decimal" },
		{ "1.2.3", 2, -1, "plain decimal" },
		{ "1,50", 2, -1, "plain decimal" },
		{ "12345678901234567890", 2, -1, "too large" },
		{ "100000000000000000", 0, -1, "too large" },
		{ "1000000000000000", 2, -1, "too large" },
		{ "99999999999999999", 2, -1, "too large" },
	};

	return (cr_make_param_array(struct parse_case, cases, nitems(cases)));
}

/* Checks a parse's outcome against the case; 'minor' was -42 before it. */
static void
money_expect(const struct parse_case *c, int rc, int64_t minor, const char *why)
{
	if (c->minor >= 0) {
		cr_assert_eq(rc, 0, "'%s' at %d: %s", c->text, c->exponent, why);
		cr_expect_eq(minor, c->minor, "'%s' at %d: %lld", c->text,
		    c->exponent, (long long)minor);
	} else {
		cr_assert_eq(rc, -1, "'%s' at %d accepted as %lld", c->text,
		    c->exponent, (long long)minor);
		cr_assert_not_null(why, "'%s': no reason", c->text);
		cr_expect_not_null(strstr(why, c->why), "'%s': reason '%s', "
		    "wanted '%s'", c->text, why, c->why);
		cr_expect_eq(minor, -42, "'%s': output written on failure", c->text);
	}
}

ParameterizedTest(struct parse_case *c, money, parse)
{
	int64_t		 minor = -42;
	const char	*why = NULL;
	int		 rc;

	rc = money_parse(c->text, strlen(c->text), c->exponent, &minor, &why);
	money_expect(c, rc, minor, why);
}

Test(money, parse_uses_len_not_nul)
{
	int64_t		 minor;
	const char	*why = NULL;

	cr_assert_eq(money_parse("25.50xyz", 5, 2, &minor, &why), 0, "%s", why);
	cr_expect_eq(minor, 2550);
}

/* JSON numbers: every spelling of an exact decimal, never through double. */
ParameterizedTestParameters(money, parse_number)
{
	static struct parse_case cases[] = {
		{ "2.5E+1", 2, 2500, "" },
		{ "1e1", 2, 1000, "" },
		{ "1.50e0", 2, 150, "" },
		{ "1E2", 0, 100, "" },
		{ "12345e-3", 3, 12345, "" },
		{ "1e-2", 2, 1, "" },
		{ "100e-2", 0, 1, "" },
		{ "0.0100e1", 2, 10, "" },
		{ "25", 2, 2500, "" },
		{ "25.000", 2, 2500, "" },
		{ "0", 2, 0, "" },
		{ "-0", 2, 0, "" },
		{ "0e999999999999999999999", 2, 0, "" },
		{ "0.000e-999999999999", 2, 0, "" },
		{ "9.9999999999999999e16", 0, MONEY_MAX_MINOR, "" },
		{ "99999999999999999e-2", 2, MONEY_MAX_MINOR, "" },
		{ "1e-3", 2, -1, "more decimals" },
		{ "15e-1", 0, -1, "whole number" },
		{ "1.0001e2", 1, -1, "more decimals" },
		{ "1e-999999999", 2, -1, "more decimals" },
		{ "1e-99999999999999999999", 2, -1, "more decimals" },
		{ "1e17", 0, -1, "too large" },
		{ "1e15", 2, -1, "too large" },
		{ "1e999999999", 2, -1, "too large" },
		{ "1E+99999999999999999999", 2, -1, "too large" },
		{ "-1e1", 2, -1, "greater than zero" },
		{ "-0.5", 2, -1, "greater than zero" },
		{ "01", 2, -1, "plain decimal" },
		{ "1e", 2, -1, "plain decimal" },
		{ "1e+", 2, -1, "plain decimal" },
		{ "1.e1", 2, -1, "plain decimal" },
		{ "+1", 2, -1, "plain decimal" },
		{ "", 2, -1, "plain decimal" },
	};

	return (cr_make_param_array(struct parse_case, cases, nitems(cases)));
}

ParameterizedTest(struct parse_case *c, money, parse_number)
{
	int64_t		 minor = -42;
	const char	*why = NULL;
	int		 rc;

	rc = money_parse_number(c->text, strlen(c->text), c->exponent, &minor, &why);
	money_expect(c, rc, minor, why);
}

struct canonical_case {
	char	text[40];
	char	want[80];	/* "": not a JSON number */
};

ParameterizedTestParameters(money, canonical)
{
	static struct canonical_case cases[] = {
		{ "1", "1" }, { "1.00", "1" }, { "1e0", "1" }, { "10e-1", "1" },
		{ "0.1e1", "1" }, { "2.5E+1", "25" }, { "25", "25" },
		{ "-0", "0" }, { "0.000", "0" }, { "0e5", "0" }, { "-0e-5", "0" },
		{ "1e-3", "0.001" }, { "-1.50", "-1.5" }, { "120", "120" },
		{ "1.2e2", "120" }, { "12345e-2", "123.45" },
		{ "1e64", "10000000000000000000000000000000000000000000000000000000000000000" },
		{ "1e65", "1e65" }, { "1e-65", "1e-65" }, { "-15e-70", "-15e-70" }, { "150.0e-71", "15e-70" },
		{ "1e99999999999", "1e99999999999" },
		{ "01", "" }, { "1.", "" }, { "1e", "" }, { "- 1", "" }, { "x", "" },
	};

	return (cr_make_param_array(struct canonical_case, cases, nitems(cases)));
}

ParameterizedTest(struct canonical_case *c, money, canonical)
{
	struct buf	out = { 0 };
	int		rc = money_canonical(c->text, strlen(c->text), &out);

	if (c->want[0] == '\0')
		cr_expect_eq(rc, -1, "'%s' taken as '%s'", c->text, out.data);
	else {
		cr_assert_eq(rc, 0, "'%s' refused", c->text);
		cr_expect_str_eq(out.data, c->want, "'%s'", c->text);
	}
	buf_release(&out);
}

struct format_case {
	long long	minor;
	int		exponent;
	int		decimals;
	char		want[MONEY_TEXT_MAX];
};

ParameterizedTestParameters(money, format)
{
	static struct format_case cases[] = {
		/* decimals equal to the exponent */
		{ 0, 0, 0, "0" },
		{ 1500, 0, 0, "1500" },
		{ 2500, 2, 2, "25.00" },
		{ 5, 2, 2, "0.05" },
		{ 12345, 3, 3, "12.345" },
		{ 5, 3, 3, "0.005" },
		{ MONEY_MAX_MINOR, 2, 2, "999999999999999.99" },
		/* more places than the exponent: padded */
		{ 1500, 0, 2, "1500.00" },
		{ 2550, 2, 3, "25.500" },
		/* fewer places: trailing zeros dropped */
		{ 12350, 3, 2, "12.35" },
		{ 1000, 3, 0, "1" },
		/* negative amounts */
		{ -2500, 2, 2, "-25.00" },
		{ -5, 2, 2, "-0.05" },
		{ -1500, 0, 0, "-1500" },
		{ -1500, 0, 2, "-1500.00" },
		{ -1, 3, 3, "-0.001" },
		{ -MONEY_MAX_MINOR, 3, 3, "-99999999999999.999" },
	};

	return (cr_make_param_array(struct format_case, cases, nitems(cases)));
}

ParameterizedTest(struct format_case *c, money, format)
{
	char	out[MONEY_TEXT_MAX];

	cr_expect_eq(money_format(c->minor, c->exponent, c->decimals, out), out);
	cr_expect_str_eq(out, c->want, "%lld at exponent %d, %d places",
	    c->minor, c->exponent, c->decimals);
}

/* Formats 'minor' with 'decimals' places and parses it back at 'exponent'. */
static void
money_round_trip(int64_t minor, int exponent, int decimals)
{
	char		 text[MONEY_TEXT_MAX];
	int64_t		 back = -1;
	const char	*why = NULL;

	money_format(minor, exponent, decimals, text);
	cr_assert_eq(money_parse(text, strlen(text), exponent, &back, &why), 0,
	    "%lld at %d as '%s': %s", (long long)minor, exponent, text, why);
	cr_assert_eq(back, minor, "%lld at %d as '%s' came back %lld",
	    (long long)minor, exponent, text, (long long)back);
}

Test(money, round_trip)
{
	static const int	exponents[] = { 0, 2, 3 };
	uint64_t		x = 88172645463325252ULL;
	size_t			e;
	int			i;

	for (e = 0; e < nitems(exponents); e++) {
		int exp = exponents[e];
		money_round_trip(0, exp, exp);
		money_round_trip(MONEY_MAX_MINOR, exp, exp);
		for (i = 1; i < 100000; i *= 3) {
			money_round_trip(i, exp, exp);
			money_round_trip(i, exp, 3);	/* zeros beyond the exponent */
		}
		for (i = 0; i < 5000; i++) {
			/* xorshift64: values of every magnitude up to the maximum */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			money_round_trip((int64_t)(x % (uint64_t)MONEY_MAX_MINOR) >>
			    (i % 57), exp, exp);
		}
	}
}
