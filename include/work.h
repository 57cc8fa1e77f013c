/*
 * Work too long for one turn of the event loop (listing or counting a full
 * journal): a step function that does a slice of it and is called again on
 * later turns, so one client's large request never stalls everyone else's.
 */
#ifndef PAYMOCK_WORK_H
#define PAYMOCK_WORK_H

#include <stdint.h>

/* How long one step may hold the loop. */
#define WORK_SLICE_US	2000

struct app;
struct reply;

/*
 * 'step' returns 0 while there is more to do, or 1 with the reply made;
 * 'release' frees 'state', done or not (the client may leave first).
 * step == NULL: no work.  Whoever holds it owns 'state'.
 */
struct work {
	int	(*step)(struct app *, void *state, struct reply *);
	void	(*release)(void *state);
	void	 *state;
};

/* Runs the work to its end in one go (callers without a loop), then frees it. */
void	work_finish(struct work *, struct app *, struct reply *);
void	work_release(struct work *);

#endif
