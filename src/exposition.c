/* The exposition: the counters, with gauges of the sessions and the process. */
#include <sys/resource.h>
#include <sys/time.h>

#include <dirent.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exposition.h"
#include "idem.h"
#include "journal.h"
#include "metrics.h"
#include "scenario.h"
#include "session.h"

_Static_assert(ACTION__COUNT <= METRICS_ACTIONS_MAX,
    "metrics.h counts fewer actions than scenario.h defines");

static const char *
exposition_action_text(size_t i)
{
	return (action_type_text((enum action_type)i));
}

/* What the sessions hold, summed over all of them: O(sessions). */
struct exposition_sums {
	uint64_t	refunds;
	uint64_t	journal_entries;
	uint64_t	journal_bytes;
	uint64_t	idem_records;
};

static void
exposition_sum(struct session *s, void *arg)
{
	struct exposition_sums	*m = arg;

	m->refunds += ledger_refund_count(s->ledger);
	m->journal_entries += journal_count(s->journal);
	m->journal_bytes += journal_bytes(s->journal);
	m->idem_records += idem_count(s->idem);
}

/* Everything the session registry tallies renders here, so a new tally is one more line. */
static void
exposition_sessions(struct buf *b, const struct sessions *ss)
{
	struct sessions_stats	st;

	sessions_stats(ss, &st);
	metrics_gauge(b, "paymock_sessions", "Sessions alive now, the default one "
	    "included.", st.live);
	metrics_scalar(b, "paymock_sessions_created_total", "counter", "Sessions "
	    "made since the process started (a reset makes none).", st.created);
	metrics_scalar(b, "paymock_sessions_expired_total", "counter", "Sessions "
	    "dropped after --session-ttl without requests.", st.expired);
	metrics_scalar(b, "paymock_sessions_evicted_total", "counter", "Idle "
	    "sessions dropped to make room, under --max-sessions or --max-memory.",
	    st.evicted);
	metrics_gauge(b, "paymock_memory_tracked_bytes", "Bytes the sessions hold "
	    "(ledgers, idempotency stores, journals, counters, rules, webhooks), "
	    "as counted against the memory budget.", st.tracked_bytes);
	metrics_gauge(b, "paymock_memory_budget_bytes", "The memory budget "
	    "(--max-memory).", st.max_bytes);
}

/* A number in a small /proc file ('field' from 0, space-separated); -1 if unreadable. */
static int64_t
exposition_proc_field(const char *path, int field)
{
	char		 text[256], *p = text, *end;
	ssize_t		 n;
	long long	 v;
	int		 fd, i;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (-1);
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	text[n] = '\0';
	for (i = 0; i < field && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return (-1);
	v = strtoll(p, &end, 10);
	return (end == p ? -1 : (int64_t)v);
}

/* Descriptors open, the directory's own left out; -1 if /proc cannot say. */
static int64_t
exposition_open_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*e;
	int64_t		 n = 0;

	if (d == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			n++;
	}
	closedir(d);
	return (n);
}

/* The process, under the names Prometheus client libraries use. */
static void
exposition_process(struct buf *b, const struct app *app)
{
	int64_t		 page = sysconf(_SC_PAGESIZE), rss, vsz, fds;
	struct rlimit	 rl;
	struct rusage	 ru;

	rss = exposition_proc_field("/proc/self/statm", 1);
	vsz = exposition_proc_field("/proc/self/statm", 0);
	if (rss >= 0 && vsz >= 0 && page > 0) {
		metrics_gauge(b, "process_resident_memory_bytes", "Resident memory "
		    "size in bytes.", (uint64_t)(rss * page));
		metrics_gauge(b, "process_virtual_memory_bytes", "Virtual memory "
		    "size in bytes.", (uint64_t)(vsz * page));
	}
#ifdef __GLIBC__
	{
		struct mallinfo2	mi = mallinfo2();

		metrics_gauge(b, "paymock_heap_in_use_bytes", "Bytes malloc has "
		    "handed out and not had back: the tracked bytes, and what is "
		    "not counted against the budget (connections, requests in "
		    "flight, fixtures). RSS above it is free memory malloc keeps.",
		    mi.uordblks + mi.hblkhd);
	}
#endif
	if ((fds = exposition_open_fds()) >= 0)
		metrics_gauge(b, "process_open_fds", "Number of open file "
		    "descriptors.", (uint64_t)fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		metrics_gauge(b, "process_max_fds", "Maximum number of open file "
		    "descriptors.", (uint64_t)rl.rlim_cur);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		metrics_seconds(b, "process_cpu_seconds_total", "counter", "Total "
		    "user and system CPU time spent in seconds.",
		    (int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000000,
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) % 1000000);
	metrics_seconds(b, "process_start_time_seconds", "gauge", "Start time of "
	    "the process since unix epoch in seconds.", app->started_ms / 1000,
	    app->started_ms % 1000 * 1000);
}

void
exposition_render(const struct app *app, struct buf *b)
{
	struct exposition_sums	m = { 0 };

	sessions_each(app->sessions, exposition_sum, &m);
	metrics_render_requests(b);
	metrics_gauge(b, "paymock_refunds_held", "Refunds held in memory now, all "
	    "sessions together.", m.refunds);
	exposition_sessions(b, app->sessions);
	metrics_gauge(b, "paymock_journal_entries", "Journal entries held now, "
	    "all sessions together.", m.journal_entries);
	metrics_gauge(b, "paymock_journal_bytes", "Bytes the journals hold now, "
	    "all sessions together.", m.journal_bytes);
	metrics_gauge(b, "paymock_idempotency_records", "Idempotency records "
	    "held now, all sessions together.", m.idem_records);
	metrics_render_events(b, exposition_action_text, ACTION__COUNT);
	exposition_process(b, app);
}
