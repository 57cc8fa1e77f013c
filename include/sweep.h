/*
 * The sessions' housekeeping on the loop: expiring the sessions unseen for
 * --session-ttl, and freeing dropped sessions' state in slices, so that
 * neither holds the loop for long.
 */
#ifndef PAYMOCK_SWEEP_H
#define PAYMOCK_SWEEP_H

struct event_base;
struct sessions;

struct sweep;

/* 'sessions' is borrowed and must outlive the sweep. */
struct sweep	*sweep_new(struct event_base *, struct sessions *);
void		 sweep_free(struct sweep *);

#endif
