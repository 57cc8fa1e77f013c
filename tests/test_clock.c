/* Virtual time: text round trips, frozen clocks, live clocks over a fake wall. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "clock.h"
#include "util.h"

#define APR9	1775743200000LL		/* 2026-04-09T14:00:00.000Z */

/* The wall clock the live tests see; each test runs in its own process. */
static int64_t	fake_wall_ms;

static int64_t
fake_wall(void)
{
	return (fake_wall_ms);
}

static void
clock_use_fake_wall(void)
{
	fake_wall_ms = 1700000000000LL;
	clock_wall_hook = fake_wall;
}

struct time_case {
	char		text[CLOCK_TEXT_MAX];
	long long	ms;
};

ParameterizedTestParameters(clock, round_trip)
{
	static struct time_case cases[] = {
		{ "1970-01-01T00:00:00.000Z", 0 },
		{ "1969-12-31T23:59:59.999Z", -1 },
		{ "1900-01-01T00:00:00.000Z", -2208988800000LL },
		{ "2000-02-29T23:59:59.999Z", 951868799999LL },
		{ "2024-02-29T12:34:56.789Z", 1709210096789LL },
		{ "2026-04-09T14:00:00.000Z", APR9 },
		{ "2038-01-19T03:14:08.000Z", 2147483648000LL },
		{ "2100-03-01T00:00:00.000Z", 4107542400000LL },
		{ "9999-12-31T23:59:59.999Z", 253402300799999LL },
	};

	return (cr_make_param_array(struct time_case, cases, nitems(cases)));
}

ParameterizedTest(struct time_case *c, clock, round_trip)
{
	char	out[CLOCK_TEXT_MAX];
	int64_t	ms = 42;

	cr_expect_eq(clock_format(c->ms, out), out);
	cr_expect_str_eq(out, c->text, "%lld", c->ms);
	cr_assert_eq(clock_parse(c->text, &ms), 0, "%s", c->text);
	cr_expect_eq(ms, c->ms, "%s parsed as %lld", c->text, (long long)ms);
}

Test(clock, round_trip_every_day)
{
	char	text[CLOCK_TEXT_MAX];
	int64_t	ms, back;

	/* Every day from 1970 to 2200 at an odd time of day. */
	for (ms = 45296789; ms < 7258118400000LL; ms += 86400000) {
		clock_format(ms, text);
		cr_assert_eq(clock_parse(text, &back), 0, "%s", text);
		cr_assert_eq(back, ms, "%s: %lld came back %lld", text,
		    (long long)ms, (long long)back);
	}
}

Test(clock, parse_without_milliseconds)
{
	int64_t	ms;

	cr_assert_eq(clock_parse("2026-04-09T14:00:00Z", &ms), 0);
	cr_expect_eq(ms, APR9);
}

struct bad_case {
	char	text[40];
};

ParameterizedTestParameters(clock, parse_rejects)
{
	static struct bad_case cases[] = {
		{ "2026-04-09T14:00:00.000" },		/* no Z */
		{ "2026-04-09T14:00:00" },
		{ "2026-04-09T14:00:00.000+00:00" },
		{ "2026-04-09T14:00:00.000Zjunk" },
		{ "2026-13-09T14:00:00.000Z" },		/* bad month */
		{ "2026-00-09T14:00:00.000Z" },
		{ "2026-04-00T14:00:00.000Z" },
		{ "2026-04-31T14:00:00.000Z" },		/* April has 30 */
		{ "2026-04-09T25:00:00.000Z" },		/* 25h */
		{ "2026-04-09T24:00:00.000Z" },
		{ "2026-04-09T14:60:00.000Z" },
		{ "2026-04-09T14:00:60.000Z" },
		{ "2026-04-09 14:00:00.000Z" },
		{ "2026-4-09T14:00:00.000Z" },
		{ "2026-04-09T14:00:00.00Z" },
		{ "2026-04-09T14:00:00.0000Z" },
		{ "2026-04-09T14:00:00.Z" },
		{ "26-04-09T14:00:00.000Z" },
		{ "2026-04-09" },
		{ "" },
	};

	return (cr_make_param_array(struct bad_case, cases, nitems(cases)));
}

ParameterizedTest(struct bad_case *c, clock, parse_rejects)
{
	int64_t	ms = 42;

	cr_expect_eq(clock_parse(c->text, &ms), -1, "'%s' accepted as %lld",
	    c->text, (long long)ms);
	cr_expect_eq(ms, 42, "'%s': output written on failure", c->text);
}

/* Only leap years have a 29 February; 1900 and 2100 are not leap years. */
ParameterizedTestParameters(clock, parse_rejects_feb29_of_common_year)
{
	static struct bad_case cases[] = {
		{ "2023-02-29T00:00:00.000Z" },
		{ "2026-02-29T12:00:00Z" },
		{ "1900-02-29T00:00:00.000Z" },
		{ "2100-02-29T00:00:00.000Z" },
	};

	return (cr_make_param_array(struct bad_case, cases, nitems(cases)));
}

ParameterizedTest(struct bad_case *c, clock, parse_rejects_feb29_of_common_year)
{
	int64_t	ms = 42;
	char	back[CLOCK_TEXT_MAX] = "";

	if (clock_parse(c->text, &ms) == 0)
		clock_format(ms, back);
	cr_expect_eq(ms, 42, "'%s' accepted as %s", c->text, back);
}

Test(clock, frozen)
{
	struct clock	*c = clock_new(1, APR9);

	cr_expect(clock_frozen(c));
	cr_expect_eq(clock_now(c), APR9);
	cr_expect_eq(clock_now(c), APR9, "a frozen clock does not move");
	cr_expect_eq(clock_advance(c, 1500), 0);
	cr_expect_eq(clock_now(c), APR9 + 1500);
	cr_expect_eq(clock_advance(c, -500), -1, "a negative advance is refused");
	cr_expect_eq(clock_now(c), APR9 + 1500);
	cr_expect_eq(clock_set(c, 0), CLOCK_BACKWARD);
	cr_expect_eq(clock_now(c), APR9 + 1500, "the clock never goes back");
	cr_expect_eq(clock_set(c, APR9 + 1500), CLOCK_MOVED, "setting now is fine");
	cr_expect_eq(clock_set(c, 4107542400000LL), CLOCK_MOVED);
	cr_expect_eq(clock_now(c), 4107542400000LL);
	clock_reset(c);
	cr_expect_eq(clock_now(c), APR9, "reset returns to the start");
	cr_expect(clock_frozen(c));
	clock_free(c);
}

Test(clock, frozen_ignores_wall, .init = clock_use_fake_wall)
{
	struct clock	*c = clock_new(1, APR9);

	fake_wall_ms += 60000;
	cr_expect_eq(clock_now(c), APR9);
	clock_free(c);
}

Test(clock, wall_uses_hook, .init = clock_use_fake_wall)
{
	cr_expect_eq(clock_wall(), 1700000000000LL);
	fake_wall_ms = 5;
	cr_expect_eq(clock_wall(), 5);
}

Test(clock, live_follows_wall, .init = clock_use_fake_wall)
{
	struct clock	*c = clock_new(0, 0);

	cr_expect_not(clock_frozen(c));
	cr_expect_eq(clock_now(c), fake_wall_ms);
	fake_wall_ms += 1234;
	cr_expect_eq(clock_now(c), fake_wall_ms);
	clock_free(c);
}

Test(clock, live_offset, .init = clock_use_fake_wall)
{
	struct clock	*c = clock_new(0, 0);

	clock_advance(c, 5000);
	cr_expect_eq(clock_now(c), fake_wall_ms + 5000);
	fake_wall_ms += 1000;
	cr_expect_eq(clock_now(c), fake_wall_ms + 5000, "the offset stays");
	clock_set(c, APR9);
	cr_expect_eq(clock_now(c), APR9);
	fake_wall_ms += 250;
	cr_expect_eq(clock_now(c), APR9 + 250, "a set live clock keeps running");
	clock_reset(c);
	cr_expect_eq(clock_now(c), fake_wall_ms, "reset drops the offset");
	clock_free(c);
}

Test(clock, freeze_unfreeze_continuous, .init = clock_use_fake_wall)
{
	struct clock	*c = clock_new(0, 0);
	int64_t		 at;

	clock_advance(c, 7000);
	at = clock_now(c);
	clock_freeze(c);
	cr_expect(clock_frozen(c));
	cr_expect_eq(clock_now(c), at, "freezing does not jump");
	fake_wall_ms += 60000;
	cr_expect_eq(clock_now(c), at, "a frozen clock ignores the wall");
	clock_freeze(c);
	cr_expect_eq(clock_now(c), at, "freezing twice changes nothing");
	clock_advance(c, 100);
	cr_expect_eq(clock_now(c), at + 100);

	clock_unfreeze(c);
	cr_expect_not(clock_frozen(c));
	cr_expect_eq(clock_now(c), at + 100, "unfreezing does not jump");
	fake_wall_ms += 30;
	cr_expect_eq(clock_now(c), at + 130, "and runs again from there");
	clock_unfreeze(c);
	cr_expect_eq(clock_now(c), at + 130, "unfreezing twice changes nothing");

	clock_reset(c);
	cr_expect_not(clock_frozen(c));
	cr_expect_eq(clock_now(c), fake_wall_ms);
	clock_free(c);
}

Test(clock, frozen_start_unfreezes, .init = clock_use_fake_wall)
{
	struct clock	*c = clock_new(1, APR9);

	clock_unfreeze(c);
	cr_expect_eq(clock_now(c), APR9);
	fake_wall_ms += 2000;
	cr_expect_eq(clock_now(c), APR9 + 2000);
	clock_reset(c);
	cr_expect(clock_frozen(c), "reset restores the frozen start");
	cr_expect_eq(clock_now(c), APR9);
	clock_free(c);
}

Test(clock, range_holds)
{
	struct clock	*c = clock_new(1, APR9);
	int		 i;

	/* The 92 advances of 10^17 ms wrapped the clock to a negative year. */
	for (i = 0; i < 92; i++)
		cr_expect_eq(clock_advance(c, 99999999999999999LL), -1);
	cr_expect_eq(clock_advance(c, INT64_MAX), -1);
	cr_expect_eq(clock_advance(c, CLOCK_DURATION_MAX_MS + 1), -1);
	cr_expect_eq(clock_now(c), APR9, "refused advances leave the clock");
	cr_expect_eq(clock_advance(c, CLOCK_DURATION_MAX_MS), 0, "100 years is fine");
	cr_expect_eq(clock_now(c), APR9 + CLOCK_DURATION_MAX_MS);
	cr_expect_eq(clock_set(c, CLOCK_MAX_MS + 1), CLOCK_OUT_OF_RANGE);
	cr_expect_eq(clock_set(c, -1), CLOCK_OUT_OF_RANGE);
	cr_expect_eq(clock_set(c, INT64_MIN), CLOCK_OUT_OF_RANGE);
	cr_expect_eq(clock_set(c, CLOCK_MAX_MS), CLOCK_MOVED);
	cr_expect_eq(clock_advance(c, 1), -1, "nothing after 9999");
	cr_expect_eq(clock_advance(c, 0), 0);
	cr_expect_eq(clock_now(c), CLOCK_MAX_MS);
	clock_reset(c);
	cr_expect_eq(clock_now(c), APR9, "reset starts over");
	clock_free(c);
}

Test(clock, range_bounds_are_the_years)
{
	char	text[CLOCK_TEXT_MAX];

	cr_expect_str_eq(clock_format(CLOCK_MIN_MS, text), "1970-01-01T00:00:00.000Z");
	cr_expect_str_eq(clock_format(CLOCK_MAX_MS, text), "9999-12-31T23:59:59.999Z");
	cr_expect_eq(CLOCK_DURATION_MAX_MS, 36525LL * 86400000, "100 years of 365.25 days");
	cr_expect(clock_in_range(0) && clock_in_range(CLOCK_MAX_MS));
	cr_expect(!clock_in_range(-1) && !clock_in_range(CLOCK_MAX_MS + 1));
	cr_expect(clock_duration_ok(0) && clock_duration_ok(CLOCK_DURATION_MAX_MS));
	cr_expect(!clock_duration_ok(-1) && !clock_duration_ok(CLOCK_DURATION_MAX_MS + 1));
}

Test(clock, live_holds_when_the_wall_steps_back, .init = clock_use_fake_wall)
{
	struct clock	*c = clock_new(0, 0);
	int64_t		 at = fake_wall_ms + 5000;

	cr_expect_eq(clock_advance(c, 5000), 0);
	cr_expect_eq(clock_now(c), at);
	fake_wall_ms -= 60000;
	cr_expect_eq(clock_now(c), at, "the wall went back a minute; the clock waits");
	clock_freeze(c);
	cr_expect_eq(clock_now(c), at, "freezing does not take the step back");
	clock_unfreeze(c);
	cr_expect_eq(clock_now(c), at, "nor does unfreezing");
	fake_wall_ms += 10;
	cr_expect_eq(clock_now(c), at + 10, "and it runs on from there");
	cr_expect_eq(clock_set(c, at), CLOCK_BACKWARD);
	clock_free(c);
}
