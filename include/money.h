/* Money: ISO 4217 exponents, decimal text <-> integer minor units, formatting. */
#ifndef PAYMOCK_MONEY_H
#define PAYMOCK_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* The largest amount paymock holds, in minor units: 10^17 - 1. */
#define MONEY_MAX_MINOR	99999999999999999LL
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

/* Writes 'minor' with exactly 'decimals' places (>= exponent); returns 'out'. */
char	*money_format(int64_t minor, int exponent, int decimals,
	    char out[MONEY_TEXT_MAX]);

#endif
