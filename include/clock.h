/* Virtual time: one clock per session, live (wall time plus an offset) or frozen. */
#ifndef PAYMOCK_CLOCK_H
#define PAYMOCK_CLOCK_H

#include <stdint.h>

/* "2026-04-09T14:00:00.000Z" plus NUL. */
#define CLOCK_TEXT_MAX	48

struct clock;

/*
 * A clock starts live at wall time, or frozen at 'start_ms' (milliseconds
 * since the epoch) when 'frozen'.  clock_reset returns it to that start.
 */
struct clock	*clock_new(int frozen, int64_t start_ms);
void		 clock_free(struct clock *);
void		 clock_reset(struct clock *);
int64_t		 clock_now(const struct clock *);
int		 clock_frozen(const struct clock *);
void		 clock_advance(struct clock *, int64_t ms);
void		 clock_set(struct clock *, int64_t ms);
void		 clock_freeze(struct clock *);
void		 clock_unfreeze(struct clock *);

/* Wall time in ms since the epoch; tests replace it through clock_wall_hook. */
int64_t		 clock_wall(void);
extern int64_t	 (*clock_wall_hook)(void);

/* ISO 8601 UTC with milliseconds. */
char		*clock_format(int64_t ms, char out[CLOCK_TEXT_MAX]);
/* Accepts YYYY-MM-DDTHH:MM:SS[.fff]Z; returns 0, or -1 if malformed. */
int		 clock_parse(const char *text, int64_t *ms);

#endif
