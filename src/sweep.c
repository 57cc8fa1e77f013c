/* Expiry and the freeing of dropped sessions, run from a timer; see sweep.h. */
#include <event2/event.h>
#include <stdlib.h>

#include "clock.h"
#include "quota.h"
#include "session.h"
#include "sweep.h"
#include "util.h"
#include "work.h"

/*
 * Sessions expired per run: dropping one is O(1) (its state is freed in
 * slices after), so a run stays well under a slice; more go on the next
 * run, at once.
 */
#define SWEEP_EXPIRE_MAX	1000
/* How often expiry looks, as a share of the TTL, within these bounds (ms). */
#define SWEEP_TTL_SHARE		4
#define SWEEP_PERIOD_MIN_MS	10
#define SWEEP_PERIOD_MAX_MS	1000

struct sweep {
	struct sessions	*sessions;
	struct event	*timer;
	struct timeval	 period;
};

static void
sweep_arm(struct sweep *w, int now)
{
	struct timeval	zero = { 0, 0 };

	evtimer_add(w->timer, now ? &zero : &w->period);
}

static void
sweep_run(evutil_socket_t fd, short what, void *arg)
{
	struct sweep	*w = arg;
	size_t		 n;
	int		 more;

	(void)fd;
	(void)what;
	n = sessions_expire(w->sessions, clock_mono_us(), SWEEP_EXPIRE_MAX);
	more = sessions_reap(w->sessions, WORK_SLICE_US);
	/* Other clients' events run before the next slice. */
	sweep_arm(w, more || n == SWEEP_EXPIRE_MAX);
}

static void
sweep_kick(void *arg)
{
	sweep_arm(arg, 1);
}

struct sweep *
sweep_new(struct event_base *base, struct sessions *sessions)
{
	struct sweep	*w = xcalloc(1, sizeof *w);
	int64_t		 ms = quota.session_ttl_ms / SWEEP_TTL_SHARE;

	if (ms < SWEEP_PERIOD_MIN_MS)
		ms = SWEEP_PERIOD_MIN_MS;
	if (ms > SWEEP_PERIOD_MAX_MS || quota.session_ttl_ms == 0)
		ms = SWEEP_PERIOD_MAX_MS;
	w->period.tv_sec = ms / 1000;
	w->period.tv_usec = (ms % 1000) * 1000;
	w->sessions = sessions;
	w->timer = evtimer_new(base, sweep_run, w);
	sessions_on_drop(sessions, sweep_kick, w);
	sweep_arm(w, 0);
	return (w);
}

void
sweep_free(struct sweep *w)
{
	if (w == NULL)
		return;
	sessions_on_drop(w->sessions, NULL, NULL);
	event_free(w->timer);
	free(w);
}
