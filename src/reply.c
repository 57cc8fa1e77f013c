/* A reply under construction: its headers and what it owns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reply.h"
#include "util.h"

void
reply_header(struct reply *r, const char *name, const char *value)
{
	r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrdup(value);
	r->nheaders++;
}

const char *
reply_get_header(const struct reply *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		if (str_casecmp(r->headers[i].name, name) == 0)
			return (r->headers[i].value);
	}
	return (NULL);
}

void
reply_release(struct reply *r)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	free(r->refund_id);
	free(r->note);
	memset(r, 0, sizeof *r);
}

void
reply_date(struct reply *r, int64_t ms)
{
	static const char	days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
				    "Fri", "Sat" };
	static const char	months[][4] = { "Jan", "Feb", "Mar", "Apr", "May",
				    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t			secs = (time_t)(ms / 1000);
	struct tm		tm;
	char			text[40];

	/* By hand, not strftime: %a and %b follow the locale, HTTP's names do not. */
	gmtime_r(&secs, &tm);
	snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
	reply_header(r, "Date", text);
}
