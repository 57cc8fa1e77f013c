/*
 * Fuzz path: money_parse, money_parse_number, money_canonical and
 * money_format.  Byte 0 picks the
 * exponent (0, 2, 3) and the extra places to show, the rest is the text.  An
 * accepted amount formats at its exponent (and with more places) into text
 * that parses back to the same minor units; any int64 formats within
 * MONEY_TEXT_MAX.  A JSON number's own spelling is a fixed point, and
 * money_parse_number agrees with money_parse on it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "money.h"
#include "util.h"

static void
money_fuzz_roundtrip(int64_t minor, int exponent, int decimals)
{
	char		 out[MONEY_TEXT_MAX];
	const char	*why;
	int64_t		 back = -1;

	money_format(minor, exponent, decimals, out);
	if (strlen(out) >= MONEY_TEXT_MAX - 1 && minor >= 0 && minor <= MONEY_MAX_MINOR) {
		fprintf(stderr, "fuzz: %lld at %d/%d formats to '%s' (cut?)\n",
		    (long long)minor, exponent, decimals, out);
		abort();
	}
	if (minor < 0 || minor > MONEY_MAX_MINOR)
		return;
	if (money_parse(out, strlen(out), exponent, &back, &why) != 0 || back != minor) {
		fprintf(stderr, "fuzz: %lld at %d/%d formats to '%s', parses to %lld (%s)\n",
		    (long long)minor, exponent, decimals, out, (long long)back,
		    back == -1 ? why : "");
		abort();
	}
}

static void
money_fuzz_number(const char *text, size_t len, int exponent)
{
	struct buf	 c1 = { 0 }, c2 = { 0 };
	const char	*why;
	int64_t		 a = -1, b = -1;
	int		 ra = money_parse_number(text, len, exponent, &a, &why), rb;

	if (money_canonical(text, len, &c1) != 0) {
		if (ra == 0) {
			fprintf(stderr, "fuzz: '%.*s' no number, parsed %lld\n", (int)len,
			    text, (long long)a);
			abort();
		}
		buf_release(&c1);
		return;
	}
	if (money_canonical(c1.data, c1.len, &c2) != 0 || strcmp(c1.data, c2.data) != 0) {
		fprintf(stderr, "fuzz: '%.*s' spelt '%s', then '%s'\n", (int)len, text,
		    c1.data, c2.data != NULL ? c2.data : "(refused)");
		abort();
	}
	if (c1.data[0] != '-' && strpbrk(c1.data, "eE") == NULL) {
		rb = money_parse(c1.data, c1.len, exponent, &b, &why);
		if (ra != rb || (ra == 0 && a != b)) {
			fprintf(stderr, "fuzz: '%.*s' as a number %d/%lld, as '%s' %d/%lld\n",
			    (int)len, text, ra, (long long)a, c1.data, rb, (long long)b);
			abort();
		}
	}
	buf_release(&c1);
	buf_release(&c2);
}

int
fuzz_money_input(const uint8_t *data, size_t size)
{
	static const int	 exponents[] = { 0, 2, 3 };
	const char		*why = NULL;
	int64_t			 minor = -1, raw;
	int			 exponent, extra;

	if (size < 1)
		return (0);
	exponent = exponents[data[0] % 3];
	extra = (data[0] / 3) % 4;	/* up to 3 more places, as UTGL shows JPY */
	if (money_parse((const char *)data + 1, size - 1, exponent, &minor, &why) == 0) {
		if (minor < 0 || minor > MONEY_MAX_MINOR) {
			fprintf(stderr, "fuzz: parsed %lld\n", (long long)minor);
			abort();
		}
		money_fuzz_roundtrip(minor, exponent, exponent);
		money_fuzz_roundtrip(minor, exponent, exponent + extra);
	} else if (why == NULL) {
		fprintf(stderr, "fuzz: rejected without a reason\n");
		abort();
	}
	money_fuzz_number((const char *)data + 1, size - 1, exponent);
	/* Any 8 bytes as an amount: formatting must stay within its buffer. */
	if (size >= 9) {
		memcpy(&raw, data + 1, sizeof raw);
		money_fuzz_roundtrip(raw, exponent, exponent + extra);
	}
	return (0);
}
