/* Money: ISO 4217 exponents, decimal text <-> integer minor units, formatting. */
#include <stdio.h>
#include <string.h>

#include "money.h"
#include "util.h"

static const struct {
	char	code[4];
	int	exponent;
} money_currencies[] = {
	{ "AED", 2 }, { "AUD", 2 }, { "BHD", 3 }, { "BRL", 2 }, { "CAD", 2 },
	{ "CHF", 2 }, { "CLP", 0 }, { "CNY", 2 }, { "CZK", 2 }, { "DKK", 2 },
	{ "EUR", 2 }, { "GBP", 2 }, { "HKD", 2 }, { "HUF", 2 }, { "IDR", 2 },
	{ "ILS", 2 }, { "INR", 2 }, { "ISK", 0 }, { "JOD", 3 }, { "JPY", 0 },
	{ "KRW", 0 }, { "KWD", 3 }, { "LYD", 3 }, { "MXN", 2 }, { "NOK", 2 },
	{ "NZD", 2 }, { "OMR", 3 }, { "PLN", 2 }, { "RON", 2 }, { "SAR", 2 },
	{ "SEK", 2 }, { "SGD", 2 }, { "THB", 2 }, { "TND", 3 }, { "TRY", 2 },
	{ "TWD", 2 }, { "UGX", 0 }, { "USD", 2 }, { "VND", 0 }, { "XAF", 0 },
	{ "XOF", 0 }, { "ZAR", 2 },
};

int
money_exponent(const char *code)
{
	size_t	i;

	for (i = 0; i < nitems(money_currencies); i++) {
		if (strcmp(money_currencies[i].code, code) == 0)
			return (money_currencies[i].exponent);
	}
	return (-1);
}

int
money_parse(const char *s, size_t len, int exponent, int64_t *minor,
    const char **why)
{
	int64_t	v = 0;
	size_t	i = 0, intdigits = 0;
	int	frac = 0, point = 0;

	if (len == 0) {
		*why = "must not be empty";
		return (-1);
	}
	if (s[0] == '-') {
		*why = "must be greater than zero";
		return (-1);
	}
	for (; i < len; i++) {
		char c = s[i];
		if (c == '.' && !point) {
			point = 1;
			continue;
		}
		if (c < '0' || c > '9') {
			*why = "must be a plain decimal number";
			return (-1);
		}
		if (!point) {
			intdigits++;
		} else if (frac >= exponent) {
			if (c != '0') {
				*why = exponent == 0 ?
				    "must be a whole number in this currency" :
				    "has more decimals than the currency allows";
				return (-1);
			}
			continue;
		} else
			frac++;
		if (v > MONEY_MAX_MINOR / 10) {
			*why = "is too large";
			return (-1);
		}
		v = v * 10 + (c - '0');
	}
	if (intdigits == 0 || (point && s[len - 1] == '.')) {
		*why = "must be a plain decimal number";
		return (-1);
	}
	for (; frac < exponent; frac++) {
		if (v > MONEY_MAX_MINOR / 10) {
			*why = "is too large";
			return (-1);
		}
		v *= 10;
	}
	if (v > MONEY_MAX_MINOR) {
		*why = "is too large";
		return (-1);
	}
	*minor = v;
	return (0);
}

/*
 * Beyond this many places either side of the point a value is written in
 * exponent form: no amount comes near it, and "1e999999999" must not make
 * a gigabyte of zeros.
 */
#define MONEY_PLAIN_PLACES	64
/* Exponents past this are not told apart: bounded arithmetic, no overflow. */
#define MONEY_EXP_MAX		1000000000LL

/*
 * The parts of a JSON number: its significant digits d[0..n) (no leading or
 * trailing zeros; n == 0 for zero) and the power of ten they are scaled by.
 * An exponent past MONEY_EXP_MAX counts as MONEY_EXP_MAX, with '*huge' set.
 * 0, or -1 if the text is not a JSON number.
 */
static int
money_split(const char *s, size_t len, struct buf *d, int *neg, int64_t *scale,
    int *huge)
{
	size_t		i, intdigits = 0, fracdigits = 0, lead;
	int64_t		exp = 0;
	int		eneg = 0;

	*huge = 0;
	*neg = len > 0 && s[0] == '-';
	for (i = (size_t)*neg; i < len && s[i] >= '0' && s[i] <= '9'; i++, intdigits++)
		buf_add(d, s + i, 1);
	if (intdigits == 0 || (intdigits > 1 && s[i - intdigits] == '0'))
		return (-1);
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, fracdigits++)
			buf_add(d, s + i, 1);
		if (fracdigits == 0)
			return (-1);
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		if (i == len)
			return (-1);
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if ((exp = exp * 10 + (s[i] - '0')) > MONEY_EXP_MAX) {
				*huge = 1;
				exp = MONEY_EXP_MAX;
			}
		}
	}
	if (i != len)
		return (-1);
	*scale = (eneg ? -exp : exp) - (int64_t)fracdigits;
	while (d->len > 0 && d->data[d->len - 1] == '0') {
		d->data[--d->len] = '\0';
		(*scale)++;
	}
	lead = strspn(d->data, "0");
	memmove(d->data, d->data + lead, d->len - lead + 1);
	d->len -= lead;
	return (0);
}

/* Writes digits d (non-empty) scaled by 10^scale as plain decimal text. */
static void
money_plain(const struct buf *d, int64_t scale, struct buf *out)
{
	int64_t	n = (int64_t)d->len, k;

	if (scale >= 0) {
		buf_add(out, d->data, d->len);
		for (k = 0; k < scale; k++)
			buf_add(out, "0", 1);
	} else if (-scale < n) {
		buf_add(out, d->data, (size_t)(n + scale));
		buf_add(out, ".", 1);
		buf_add(out, d->data + n + scale, (size_t)-scale);
	} else {
		buf_adds(out, "0.");
		for (k = 0; k < -scale - n; k++)
			buf_add(out, "0", 1);
		buf_add(out, d->data, d->len);
	}
}

int
money_canonical(const char *s, size_t len, struct buf *out)
{
	struct buf	d = { 0 };
	int64_t		scale;
	int		neg, huge;

	if (money_split(s, len, &d, &neg, &scale, &huge) != 0) {
		buf_release(&d);
		return (-1);
	}
	if (d.len == 0)
		buf_add(out, "0", 1);	/* -0 and 0e99999999999 are 0 */
	else if (huge)
		buf_add(out, s, len);	/* exact, if not by value */
	else {
		if (neg)
			buf_add(out, "-", 1);
		if (scale > MONEY_PLAIN_PLACES || scale < -MONEY_PLAIN_PLACES)
			buf_addf(out, "%se%lld", d.data, (long long)scale);
		else
			money_plain(&d, scale, out);
	}
	buf_release(&d);
	return (0);
}

int
money_parse_number(const char *s, size_t len, int exponent, int64_t *minor,
    const char **why)
{
	struct buf	d = { 0 };
	int64_t		scale, v = 0;
	size_t		i;
	int		neg, huge, rc = -1;

	if (money_split(s, len, &d, &neg, &scale, &huge) != 0)
		*why = "must be a plain decimal number";
	else if (d.len > 0 && neg)
		*why = "must be greater than zero";
	else if (d.len > 0 && scale + exponent < 0)
		*why = exponent == 0 ? "must be a whole number in this currency" :
		    "has more decimals than the currency allows";
	else if (d.len > 0 && (int64_t)d.len + scale + exponent > MONEY_DIGITS_MAX)
		*why = "is too large";
	else {
		for (i = 0; i < d.len; i++)
			v = v * 10 + (d.data[i] - '0');
		for (scale += exponent; d.len > 0 && scale > 0; scale--)
			v *= 10;
		*minor = v;
		rc = 0;
	}
	buf_release(&d);
	return (rc);
}

char *
money_format(int64_t minor, int exponent, int decimals, char out[MONEY_TEXT_MAX])
{
	static const uint64_t	 pow10[] = { 1, 10, 100, 1000 };
	char			 frac[8];
	uint64_t		 mag = minor < 0 ? -(uint64_t)minor : (uint64_t)minor;

	/* UTGL shows two places for every currency: pad, or drop zero places. */
	snprintf(frac, sizeof frac, "%0*llu000", exponent,
	    (unsigned long long)(mag % pow10[exponent]));
	if (exponent == 0)
		memmove(frac, frac + 1, strlen(frac));
	snprintf(out, MONEY_TEXT_MAX, "%s%llu%s%.*s", minor < 0 ? "-" : "",
	    (unsigned long long)(mag / pow10[exponent]), decimals > 0 ? "." : "",
	    decimals, frac);
	return (out);
}
