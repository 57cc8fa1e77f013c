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
