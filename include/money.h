/* Money: ISO 4217 exponents, decimal text <-> integer minor units, formatting. */
#ifndef PAYMOCK_MONEY_H
#define PAYMOCK_MONEY_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* The largest amount paymock holds, in minor units: 10^17 - 1. */
#define MONEY_MAX_MINOR	99999999999999999LL
#define MONEY_DIGITS_MAX	17
/* Room for any formatted amount: sign, 17 digits, point, NUL. */
#define MONEY_TEXT_MAX	24

/* The currency's ISO 4217 exponent (0, 2 or 3), or -1 if paymock does not know it. */
int	money_exponent(const char *code);

/*
 * Parses decimal text ("25", "25.5", "1.005") into minor units at 'exponent'.
 * Only digits with at most one point; no sign, exponent or blanks.  Zeros
 * beyond the exponent are accepted (25.000 EUR is 2500), other digits there
 * are not.  Returns 0, or -1 with '*why' set to a static reason.
 */
int	money_parse(const char *text, size_t len, int exponent, int64_t *minor,
	    const char **why);

/*
 * money_parse for the text of a JSON number: any spelling of an exact
 * decimal ("2.5E+1", "1e1", "1.50e0"), in bounded work whatever its
 * exponent, with money_parse's reasons.
 */
int	money_parse_number(const char *text, size_t len, int exponent,
	    int64_t *minor, const char **why);

/*
 * Appends to 'out' the one spelling of a JSON number's value: plain decimal
 * without redundant zeros or sign ("25", "0.001", "-1.5", "0" for -0), or
 * digits and an exponent ("1e-70") past 64 places.  An exponent beyond 10^9
 * leaves the text as it is.  0, or -1 if 'text' is not a JSON number.
 */
int	money_canonical(const char *text, size_t len, struct buf *out);

/* Writes 'minor' with exactly 'decimals' places (>= exponent); returns 'out'. */
char	*money_format(int64_t minor, int exponent, int decimals,
	    char out[MONEY_TEXT_MAX]);

#endif
