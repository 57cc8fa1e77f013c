/* The flag parsers: sizes with K/M/G, durations with ms/s/m/h/d, and what they refuse. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define MIB	((size_t)1024 * 1024)

static const struct {
	const char	*text;
	size_t		 max;
	int		 rc;
	size_t		 want;
} size_cases[] = {
	{ "0", 100, 0, 0 },
	{ "100", 100, 0, 100 },
	{ "101", 100, -1, 0 },
	{ "8K", 64 * 1024, 0, 8 * 1024 },
	{ "8k", 64 * 1024, 0, 8 * 1024 },
	{ "64K", 64 * 1024, 0, 64 * 1024 },
	{ "65K", 64 * 1024, -1, 0 },
	{ "16M", SIZE_MAX, 0, 16 * MIB },
	{ "1G", SIZE_MAX, 0, 1024 * MIB },
	{ "3g", SIZE_MAX, 0, 3 * 1024 * MIB },
	{ "", SIZE_MAX, -1, 0 },
	{ "K", SIZE_MAX, -1, 0 },
	{ "-1", SIZE_MAX, -1, 0 },
	{ "+1", SIZE_MAX, -1, 0 },
	{ " 1", SIZE_MAX, -1, 0 },
	{ "1 ", SIZE_MAX, -1, 0 },
	{ "1KB", SIZE_MAX, -1, 0 },
	{ "1T", SIZE_MAX, -1, 0 },
	{ "1.5M", SIZE_MAX, -1, 0 },
	{ "0x10", SIZE_MAX, -1, 0 },
	/* Past 64 bits, alone or once scaled: refused, never wrapped. */
	{ "18446744073709551616", SIZE_MAX, -1, 0 },
	{ "18014398509481984K", SIZE_MAX, -1, 0 },
};

Test(util, parse_size)
{
	size_t	i, got;

	for (i = 0; i < nitems(size_cases); i++) {
		got = 12345;
		cr_expect_eq(util_parse_size(size_cases[i].text, size_cases[i].max, &got),
		    size_cases[i].rc, "'%s'", size_cases[i].text);
		if (size_cases[i].rc == 0)
			cr_expect_eq(got, size_cases[i].want, "'%s': %zu", size_cases[i].text,
			    got);
		else
			cr_expect_eq(got, 12345, "'%s': changed on failure", size_cases[i].text);
	}
}

#define DAY_MS	(24 * 3600 * 1000LL)

static const struct {
	const char	*text;
	int64_t		 max;
	int		 rc;
	int64_t		 want;
} duration_cases[] = {
	{ "0", DAY_MS, 0, 0 },
	{ "90", DAY_MS, 0, 90 * 1000 },
	{ "90s", DAY_MS, 0, 90 * 1000 },
	{ "250ms", DAY_MS, 0, 250 },
	{ "250MS", DAY_MS, 0, 250 },
	{ "5m", DAY_MS, 0, 5 * 60 * 1000 },
	{ "24h", DAY_MS, 0, DAY_MS },
	{ "1d", DAY_MS, 0, DAY_MS },
	{ "2d", DAY_MS, -1, 0 },
	{ "25h", DAY_MS, -1, 0 },
	{ "", DAY_MS, -1, 0 },
	{ "h", DAY_MS, -1, 0 },
	{ "-1s", DAY_MS, -1, 0 },
	{ "1.5h", DAY_MS, -1, 0 },
	{ "1w", DAY_MS, -1, 0 },
	{ "1 h", DAY_MS, -1, 0 },
	{ "10y", INT64_MAX, -1, 0 },
	{ "9223372036854775807ms", INT64_MAX, 0, INT64_MAX },
	{ "9223372036854775807s", INT64_MAX, -1, 0 },
	{ "1s", -1, -1, 0 },
};

Test(util, parse_duration)
{
	size_t	i;
	int64_t	got;

	for (i = 0; i < nitems(duration_cases); i++) {
		got = 12345;
		cr_expect_eq(util_parse_duration(duration_cases[i].text,
		    duration_cases[i].max, &got), duration_cases[i].rc, "'%s'",
		    duration_cases[i].text);
		if (duration_cases[i].rc == 0)
			cr_expect_eq(got, duration_cases[i].want, "'%s': %lld",
			    duration_cases[i].text, (long long)got);
		else
			cr_expect_eq(got, 12345, "'%s': changed on failure",
			    duration_cases[i].text);
	}
}

/* A file of exactly 'max' bytes is read; one byte more is refused, as is none. */
Test(util, read_file)
{
	char	 path[] = "/tmp/paymock-read-XXXXXX";
	int	 fd = mkstemp(path);
	char	*text;
	size_t	 len;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "{\"a\":1}", 7), 7);
	close(fd);
	cr_assert_not_null(text = util_read_file(path, 7, &len));
	cr_expect_eq(len, 7);
	cr_expect_str_eq(text, "{\"a\":1}");
	free(text);
	cr_expect_null(util_read_file(path, 6, &len));
	cr_expect_gt(len, 6);
	unlink(path);
	cr_expect_null(util_read_file(path, 7, &len));
	cr_expect_eq(len, 0);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	cr_assert_not_null(text = util_read_file(path, 7, &len), "an empty file is read");
	cr_expect_eq(len, 0);
	cr_expect_str_eq(text, "");
	free(text);
	unlink(path);
}

/* headers_each: what stored header text yields, garbage included. */

static void
util_headers_add(const char *name, const char *value, void *arg)
{
	char	*out = arg;

	snprintf(out + strlen(out), 256 - strlen(out), "[%s|%s]", name, value);
}

Test(util, headers_each_reads_lines_and_skips_garbage)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ NULL, "" },
		{ "", "" },
		{ "A: 1\nB: two words\n", "[A|1][B|two words]" },
		{ "A: 1\nB: 2", "[A|1][B|2]" },		/* no final newline */
		{ "A: \n", "[A|]" },
		{ "no colon\nA: 1\n", "[A|1]" },
		{ ": nameless\n", "" },
		{ "A:1\n", "" },
		{ "A\nB: 2\n", "[B|2]" },		/* ": " on the next line is not A's */
		{ "A: x: y\n", "[A|x: y]" },
		{ "\n\n", "" },
	};
	char	out[256];
	size_t	i;

	for (i = 0; i < nitems(cases); i++) {
		out[0] = '\0';
		headers_each(cases[i].text, util_headers_add, out);
		cr_expect_str_eq(out, cases[i].want, "case %zu", i);
	}
}
