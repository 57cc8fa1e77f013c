/* Virtual time: one clock per session, live (wall time plus an offset) or frozen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "util.h"

struct clock {
	int	start_frozen;
	int64_t	start_ms;
	int	frozen;
	int64_t	at_ms;		/* frozen: now; live: offset from wall time */
	int64_t	seen_ms;	/* the latest reading; none may be earlier */
};

static int64_t
clock_wall_real(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int64_t (*clock_wall_hook)(void) = clock_wall_real;

int64_t
clock_wall(void)
{
	return (clock_wall_hook());
}

int
clock_in_range(int64_t ms)
{
	return (ms >= CLOCK_MIN_MS && ms <= CLOCK_MAX_MS);
}

int
clock_duration_ok(int64_t ms)
{
	return (ms >= 0 && ms <= CLOCK_DURATION_MAX_MS);
}

struct clock *
clock_new(int frozen, int64_t start_ms)
{
	struct clock	*c = xcalloc(1, sizeof *c);

	c->start_frozen = frozen;
	c->start_ms = start_ms;
	clock_reset(c);
	return (c);
}

void
clock_free(struct clock *c)
{
	free(c);
}

void
clock_reset(struct clock *c)
{
	c->frozen = c->start_frozen;
	c->at_ms = c->frozen ? c->start_ms : 0;
	c->seen_ms = CLOCK_MIN_MS;
}

int64_t
clock_now(struct clock *c)
{
	int64_t	now = c->at_ms;

	/* A wall clock stepped back (NTP) holds this one, never turns it back. */
	if (!c->frozen && __builtin_add_overflow(clock_wall(), c->at_ms, &now))
		now = CLOCK_MAX_MS;
	if (now < c->seen_ms)
		now = c->seen_ms;
	if (now > CLOCK_MAX_MS)
		now = CLOCK_MAX_MS;
	c->seen_ms = now;
	return (now);
}

int
clock_frozen(const struct clock *c)
{
	return (c->frozen);
}

/* Makes the clock read 'ms' from now on; 'ms' is in range and not before now. */
static void
clock_put(struct clock *c, int64_t ms)
{
	c->at_ms = c->frozen ? ms : ms - clock_wall();
	c->seen_ms = ms;
}

int
clock_advance(struct clock *c, int64_t ms)
{
	int64_t	to;

	if (!clock_duration_ok(ms) ||
	    __builtin_add_overflow(clock_now(c), ms, &to) || !clock_in_range(to))
		return (-1);
	clock_put(c, to);
	return (0);
}

enum clock_move
clock_set(struct clock *c, int64_t ms)
{
	if (!clock_in_range(ms))
		return (CLOCK_OUT_OF_RANGE);
	if (ms < clock_now(c))
		return (CLOCK_BACKWARD);
	clock_put(c, ms);
	return (CLOCK_MOVED);
}

void
clock_freeze(struct clock *c)
{
	if (!c->frozen) {
		c->at_ms = clock_now(c);
		c->frozen = 1;
	}
}

void
clock_unfreeze(struct clock *c)
{
	if (c->frozen) {
		c->frozen = 0;
		clock_put(c, c->at_ms);
	}
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t
clock_days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (int64_t)doe - 719468);
}

char *
clock_format(int64_t ms, char out[CLOCK_TEXT_MAX])
{
	int64_t		days = ms / 86400000, rem = ms % 86400000, era, y;
	unsigned	doe, yoe, doy, mp, d, m;

	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(out, CLOCK_TEXT_MAX, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
	    (long long)y, m, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
	    (int)(rem / 1000 % 60), (int)(rem % 1000));
	return (out);
}

static int
clock_digits(const char **p, int n, int *out)
{
	int	v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return (-1);
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return (0);
}

int
clock_parse(const char *s, int64_t *ms)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int			y, mo, d, h, mi, sec, frac = 0;

	if (clock_digits(&s, 4, &y) || *s++ != '-' ||
	    clock_digits(&s, 2, &mo) || *s++ != '-' ||
	    clock_digits(&s, 2, &d) || *s++ != 'T' ||
	    clock_digits(&s, 2, &h) || *s++ != ':' ||
	    clock_digits(&s, 2, &mi) || *s++ != ':' ||
	    clock_digits(&s, 2, &sec))
		return (-1);
	if (*s == '.') {
		s++;
		if (clock_digits(&s, 3, &frac))
			return (-1);
	}
	if (strcmp(s, "Z") != 0)
		return (-1);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 59)
		return (-1);
	if (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)))
		return (-1);
	*ms = (clock_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec) * 1000 + frac;
	return (0);
}
