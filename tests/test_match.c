/* Request matching: path globs against a reference, their cost, their limits. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonx.h"
#include "match.h"

/* The obvious exponential definition, the judge of the fast one. */
static int
reference_glob(const char *p, const char *s)
{
	if (*p == '\0')
		return (*s == '\0');
	if (*p == '*')
		return (reference_glob(p + 1, s) || (*s != '\0' && reference_glob(p, s + 1)));
	return (*s == *p && reference_glob(p + 1, s + 1));
}

static void
path_match(const char *pattern, struct match *m)
{
	json_t	*o = json_pack("{ss}", "path", pattern);
	char	*cause = NULL;

	cr_assert_eq(match_parse(o, "match", 0, m, &cause), 0, "%s", cause);
	json_decref(o);
}

static int
glob(const struct match *m, const char *path)
{
	struct match_subject	s = { .path = path };

	return (match_test(m, &s));
}

Test(match, globs_agree_with_the_reference)
{
	static const char	alphabet[] = "ab*";
	char			p[9], s[11];
	struct match		m;
	unsigned		seed = 12;
	int			i, j, n;

	for (i = 0; i < 20000; i++) {
		n = rand_r(&seed) % 8;
		for (j = 0; j < n; j++)
			p[j] = alphabet[rand_r(&seed) % 3];
		p[n] = '\0';
		n = rand_r(&seed) % 10;
		for (j = 0; j < n; j++)
			s[j] = alphabet[rand_r(&seed) % 2];
		s[n] = '\0';
		path_match(p, &m);
		cr_assert_eq(glob(&m, s), reference_glob(p, s), "'%s' on '%s'", p, s);
		match_release(&m);
	}
}

Test(match, globs_with_borders_in_their_runs)
{
	static const struct {
		const char	*pattern, *path;
		int		 want;
	} cases[] = {
		{ "/v1/*/refund", "/v1/abc/refund", 1 },
		{ "*aab*", "xaaab", 1 },
		{ "*abab*c", "ababaabababc", 1 },
		{ "*abab*c", "abababab", 0 },
		{ "a*a", "a", 0 },
		{ "a*a", "aa", 1 },
		{ "**", "", 1 },
		{ "/exact", "/exact", 1 },
		{ "/exact", "/exactly", 0 },
		{ "*x*y*z*", "zyxxyz", 1 },
	};
	struct match	m;
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		path_match(cases[i].pattern, &m);
		cr_expect_eq(glob(&m, cases[i].path), cases[i].want, "'%s' on '%s'",
		    cases[i].pattern, cases[i].path);
		match_release(&m);
	}
}

/* The worst pattern the limit allows, on a path at the URL limit: linear time. */
Test(match, adversarial_globs_cost_linear_time)
{
	char		*p = malloc(MATCH_PATTERN_MAX + 1), *s = malloc(16 * 1024 + 1);
	struct match	 m;
	struct timespec	 t0, t1;
	double		 ms;
	int		 i;

	p[0] = '*';
	memset(p + 1, 'a', MATCH_PATTERN_MAX - 3);
	memcpy(p + MATCH_PATTERN_MAX - 2, "b*", 3);
	memset(s, 'a', 16 * 1024);
	s[16 * 1024] = '\0';
	path_match(p, &m);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 256; i++)
		cr_assert_eq(glob(&m, s), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_expect_lt(ms, 200.0, "256 matches took %.1f ms", ms);
	match_release(&m);
	free(p);
	free(s);
}

Test(match, a_pattern_past_the_limit_is_refused_by_its_path)
{
	char		*p = malloc(MATCH_PATTERN_MAX + 2), *cause = NULL;
	json_t		*o;
	struct match	 m;

	memset(p, '*', MATCH_PATTERN_MAX + 1);
	p[MATCH_PATTERN_MAX + 1] = '\0';
	o = json_pack("{ss}", "path", p);
	cr_assert_eq(match_parse(o, "rules[3].match", 0, &m, &cause), -1);
	cr_expect(strstr(cause, "rules[3].match.path") == cause, "%s", cause);
	free(cause);
	json_decref(o);
	free(p);
}
