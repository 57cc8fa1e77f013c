/* Virtual time: one clock per session, live (wall time plus an offset) or frozen. */
#ifndef PAYMOCK_CLOCK_H
#define PAYMOCK_CLOCK_H

#include <stdint.h>

/* "2026-04-09T14:00:00.000Z" plus NUL. */
#define CLOCK_TEXT_MAX	48

/*
 * Every clock reading lies in 1970-01-01T00:00:00.000Z ..
 * 9999-12-31T23:59:59.999Z, and every duration (an advance, a settle time, a
 * delay, a TTL) in 0 .. 100 years of 365.25 days.  A time plus a duration
 * then stays far below INT64_MAX, so sums of the two cannot wrap; requests
 * outside these ranges are refused where they are read.
 */
#define CLOCK_MIN_MS		0LL
#define CLOCK_MAX_MS		253402300799999LL
#define CLOCK_DURATION_MAX_MS	3155760000000LL
#define CLOCK_DURATION_MAX_S	(CLOCK_DURATION_MAX_MS / 1000)

struct clock;

/* How a clock_set went. */
enum clock_move {
	CLOCK_MOVED,
	CLOCK_OUT_OF_RANGE,	/* outside CLOCK_MIN_MS .. CLOCK_MAX_MS */
	CLOCK_BACKWARD,		/* before now: the ledger's past is fixed */
};

/*
 * A clock starts live at wall time, or frozen at 'start_ms' (milliseconds
 * since the epoch, in range) when 'frozen'.  It never goes back: not by
 * clock_set, and not when the wall does (it waits for the wall to catch
 * up).  clock_reset alone returns it to its start.
 */
struct clock	*clock_new(int frozen, int64_t start_ms);
void		 clock_free(struct clock *);
void		 clock_reset(struct clock *);
/* Not const: the reading is remembered, so the next one is not earlier. */
int64_t		 clock_now(struct clock *);
int		 clock_frozen(const struct clock *);
/* 0, or -1 (the clock unmoved) if 'ms' is not a duration or now + 'ms' is past the range. */
int		 clock_advance(struct clock *, int64_t ms);
enum clock_move	 clock_set(struct clock *, int64_t ms);
void		 clock_freeze(struct clock *);
void		 clock_unfreeze(struct clock *);
/* True for a time in CLOCK_MIN_MS .. CLOCK_MAX_MS. */
int		 clock_in_range(int64_t ms);
/* True for a duration in 0 .. CLOCK_DURATION_MAX_MS. */
int		 clock_duration_ok(int64_t ms);

/* Wall time in ms since the epoch; tests replace it through clock_wall_hook. */
int64_t		 clock_wall(void);
extern int64_t	 (*clock_wall_hook)(void);

/* ISO 8601 UTC with milliseconds. */
char		*clock_format(int64_t ms, char out[CLOCK_TEXT_MAX]);
/*
 * Accepts YYYY-MM-DDTHH:MM:SS[.fff]Z; returns 0, or -1 if malformed.  Years
 * before 1970 parse (fixtures may show them); clock_in_range says if the
 * clock may take the time.
 */
int		 clock_parse(const char *text, int64_t *ms);

#endif
