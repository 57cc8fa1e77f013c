/* Work done in slices across loop turns; see work.h. */
#include <stddef.h>

#include "work.h"

void
work_finish(struct work *w, struct app *app, struct reply *r)
{
	if (w->step != NULL)
		while (w->step(app, w->state, r) == 0)
			continue;
	work_release(w);
}

void
work_release(struct work *w)
{
	if (w->step != NULL)
		w->release(w->state);
	w->step = NULL;
	w->release = NULL;
	w->state = NULL;
}
