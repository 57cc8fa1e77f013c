/* Metrics: counters kept as the server runs, and their Prometheus exposition. */
#include <sys/resource.h>
#include <sys/time.h>

#include <dirent.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idem.h"
#include "journal.h"
#include "metrics.h"
#include "quota.h"
#include "session.h"

#define METRICS_LABELS	4

/* One series of a counter: its label values and its count. */
struct metrics_series {
	const char	*v[METRICS_LABELS - 1];	/* v[0] NULL: a free slot */
	int		 code;			/* the numeric label, if any */
	uint64_t	 n;
};

/*
 * A counter whose series appear as they are first counted, in a table
 * keyed by their label values: a request costs a hash and a probe.
 */
struct metrics_counter {
	const char		*name;
	const char		*help;
	const char		*labels[METRICS_LABELS - 1];	/* NULL: unused */
	const char		*code_label;			/* NULL: none */
	struct metrics_series	*slots;
	size_t			 nslots, used;
};

static struct metrics_counter metrics_requests = {
	"paymock_requests_total",
	"Requests answered since the process started, all sessions together, by "
	"provider (admin: the admin API; none: refused before either took it), "
	"operation (the journal's; unknown: no route) and the HTTP status sent "
	"(0: none, the reply was hung, dropped or reset).",
	{ "provider", "operation" }, "status", NULL, 0, 0,
};

static struct metrics_counter metrics_refunds = {
	"paymock_refunds_created_total",
	"Refunds made since the process started, all sessions together, by "
	"provider, state in the first reply and planned outcome (the state the "
	"refund settles in). States now are not counted: each session's clock "
	"moves them.",
	{ "provider", "state", "outcome" }, NULL, NULL, 0, 0,
};

/* Rule firings by action, every action listed from the start. */
static uint64_t	metrics_fired[ACTION__COUNT];

enum metrics_webhook {
	METRICS_WEBHOOK_DELIVERED,
	METRICS_WEBHOOK_FAILED_STATUS,
	METRICS_WEBHOOK_ERROR,
	METRICS_WEBHOOK__COUNT
};
static const char *const metrics_webhook_names[METRICS_WEBHOOK__COUNT] = {
	[METRICS_WEBHOOK_DELIVERED] = "delivered",
	[METRICS_WEBHOOK_FAILED_STATUS] = "failed_status",
	[METRICS_WEBHOOK_ERROR] = "error",
};
static uint64_t	metrics_webhooks[METRICS_WEBHOOK__COUNT];

/* Plans that close the connection without a status line. */
static const int metrics_plan_silent[] = {
	[PLAN_HANG] = 1, [PLAN_DROP] = 1, [PLAN_RESET] = 1,
};

static int
metrics_str_eq(const char *a, const char *b)
{
	return (a == b || (a != NULL && b != NULL && strcmp(a, b) == 0));
}

static uint64_t
metrics_series_hash(const struct metrics_series *k)
{
	uint64_t	h = (uint64_t)k->code;
	size_t		i;

	for (i = 0; i < nitems(k->v) && k->v[i] != NULL; i++)
		h = h * 31 + hash_fnv1a(k->v[i], strlen(k->v[i]));
	return (h);
}

/* The slot of the series with k's labels, or the free slot it would take. */
static struct metrics_series *
metrics_slot(struct metrics_series *slots, size_t nslots,
    const struct metrics_series *k)
{
	size_t	i = metrics_series_hash(k) & (nslots - 1), j;

	for (;; i = (i + 1) & (nslots - 1)) {
		if (slots[i].v[0] == NULL)
			return (&slots[i]);
		for (j = 0; j < nitems(k->v) && metrics_str_eq(slots[i].v[j], k->v[j]);
		    j++)
			;
		if (j == nitems(k->v) && slots[i].code == k->code)
			return (&slots[i]);
	}
}

/* Half full at most, so a probe stays short; the size stays a power of two. */
static void
metrics_grow(struct metrics_counter *c)
{
	size_t			 n = c->nslots > 0 ? c->nslots * 2 : 64, i;
	struct metrics_series	*slots = xcalloc(n, sizeof *slots);

	for (i = 0; i < c->nslots; i++) {
		if (c->slots[i].v[0] != NULL)
			*metrics_slot(slots, n, &c->slots[i]) = c->slots[i];
	}
	free(c->slots);
	c->slots = slots;
	c->nslots = n;
}

static void
metrics_count(struct metrics_counter *c, const char *a, const char *b,
    const char *d, int code)
{
	struct metrics_series	 k = { { a, b, d }, code, 0 }, *s;

	if (2 * (c->used + 1) > c->nslots)
		metrics_grow(c);
	s = metrics_slot(c->slots, c->nslots, &k);
	if (s->v[0] == NULL) {
		*s = k;
		c->used++;
	}
	s->n++;
}

void
metrics_request(const struct dispatch_info *info, const struct reply *rep,
    const struct plan *plan)
{
	const char	*op = info->operation != NULL ? info->operation : "unknown";
	const char	*provider = info->provider;
	int		 silent = (size_t)plan->kind < nitems(metrics_plan_silent) &&
			    metrics_plan_silent[plan->kind];

	if (provider == NULL)
		provider = strncmp(op, "admin.", 6) == 0 ? "admin" : "none";
	metrics_count(&metrics_requests, provider, op, NULL, silent ? 0 : rep->status);
}

void
metrics_refund_created(const char *provider, enum refund_state first,
    enum refund_outcome planned)
{
	metrics_count(&metrics_refunds, provider, refund_state_text(first),
	    txn_outcome_text(planned), 0);
}

void
metrics_rule_fired(enum action_type t)
{
	metrics_fired[t]++;
}

void
metrics_webhook_attempt(int status)
{
	metrics_webhooks[status >= 200 && status < 300 ? METRICS_WEBHOOK_DELIVERED :
	    status != 0 ? METRICS_WEBHOOK_FAILED_STATUS : METRICS_WEBHOOK_ERROR]++;
}

void
metrics_label_escape(struct buf *b, const char *value)
{
	size_t	n;

	while (*value != '\0') {
		n = strcspn(value, "\\\"\n");
		buf_add(b, value, n);
		value += n;
		if (*value == '\0')
			break;
		buf_adds(b, *value == '\\' ? "\\\\" : *value == '"' ? "\\\"" : "\\n");
		value++;
	}
}

/* HELP and TYPE; help texts are ours, with neither backslash nor newline. */
static void
metrics_head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample: name{label="value",...} and the value's text. */
static void
metrics_sample(struct buf *b, const char *name, const char *const *labels,
    const char *const *values, const char *value)
{
	size_t	i;

	buf_adds(b, name);
	for (i = 0; i < METRICS_LABELS && labels[i] != NULL; i++) {
		buf_adds(b, i == 0 ? "{" : ",");
		buf_adds(b, labels[i]);
		buf_adds(b, "=\"");
		metrics_label_escape(b, values[i]);
		buf_adds(b, "\"");
	}
	buf_adds(b, i > 0 ? "} " : " ");
	buf_adds(b, value);
	buf_adds(b, "\n");
}

static void
metrics_sample_u64(struct buf *b, const char *name, const char *const *labels,
    const char *const *values, uint64_t v)
{
	char	text[24];

	snprintf(text, sizeof text, "%" PRIu64, v);
	metrics_sample(b, name, labels, values, text);
}

/* A family of one sample without labels. */
static void
metrics_scalar(struct buf *b, const char *name, const char *type,
    const char *help, uint64_t v)
{
	static const char *const none[METRICS_LABELS] = { NULL };

	metrics_head(b, name, type, help);
	metrics_sample_u64(b, name, none, none, v);
}

static void
metrics_gauge(struct buf *b, const char *name, const char *help, uint64_t v)
{
	metrics_scalar(b, name, "gauge", help, v);
}

static void
metrics_render_counter(struct buf *b, const struct metrics_counter *c)
{
	const char	*labels[METRICS_LABELS + 1] = { NULL }, *values[METRICS_LABELS];
	char		 code[16];
	size_t		 i, n, k;

	for (n = 0; n < nitems(c->labels) && c->labels[n] != NULL; n++)
		labels[n] = c->labels[n];
	labels[n] = c->code_label;
	metrics_head(b, c->name, "counter", c->help);
	for (i = 0; i < c->nslots; i++) {
		if (c->slots[i].v[0] == NULL)
			continue;
		for (k = 0; k < n; k++)
			values[k] = c->slots[i].v[k];
		snprintf(code, sizeof code, "%d", c->slots[i].code);
		values[n] = code;
		metrics_sample_u64(b, c->name, labels, values, c->slots[i].n);
	}
}

/* A counter with one label over a fixed list of values, zeros included. */
static void
metrics_render_list(struct buf *b, const char *name, const char *help,
    const char *label, const char *(*text)(size_t), const uint64_t *counts,
    size_t n)
{
	const char	*labels[METRICS_LABELS] = { label }, *values[1];
	size_t		 i;

	metrics_head(b, name, "counter", help);
	for (i = 0; i < n; i++) {
		values[0] = text(i);
		metrics_sample_u64(b, name, labels, values, counts[i]);
	}
}

static const char *
metrics_action_text(size_t i)
{
	return (action_type_text((enum action_type)i));
}

static const char *
metrics_webhook_text(size_t i)
{
	return (metrics_webhook_names[i]);
}

/* What the sessions hold, summed over all of them: O(sessions). */
struct metrics_sums {
	uint64_t	refunds;
	uint64_t	journal_entries;
	uint64_t	journal_bytes;
	uint64_t	idem_records;
};

static void
metrics_sum(struct session *s, void *arg)
{
	struct metrics_sums	*m = arg;

	m->refunds += ledger_refund_count(s->ledger);
	m->journal_entries += journal_count(s->journal);
	m->journal_bytes += journal_bytes(s->journal);
	m->idem_records += idem_count(s->idem);
}

/* Everything the session registry tallies renders here, so a new tally is one more line. */
static void
metrics_sessions(struct buf *b, const struct sessions *ss)
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
metrics_proc_field(const char *path, int field)
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
metrics_open_fds(void)
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

/* Seconds with 'us' microseconds as the value's text. */
static void
metrics_seconds(struct buf *b, const char *name, const char *type, const char *help,
    int64_t s, int64_t us)
{
	static const char *const none[METRICS_LABELS] = { NULL };
	char			 text[48];

	snprintf(text, sizeof text, "%lld.%06lld", (long long)s, (long long)us);
	metrics_head(b, name, type, help);
	metrics_sample(b, name, none, none, text);
}

/* The process, under the names Prometheus client libraries use. */
static void
metrics_process(struct buf *b, const struct app *app)
{
	int64_t		 page = sysconf(_SC_PAGESIZE), rss, vsz, fds;
	struct rlimit	 rl;
	struct rusage	 ru;

	rss = metrics_proc_field("/proc/self/statm", 1);
	vsz = metrics_proc_field("/proc/self/statm", 0);
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
	if ((fds = metrics_open_fds()) >= 0)
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
metrics_render(const struct app *app, struct buf *b)
{
	struct metrics_sums	m = { 0 };

	sessions_each(app->sessions, metrics_sum, &m);
	metrics_render_counter(b, &metrics_requests);
	metrics_render_counter(b, &metrics_refunds);
	metrics_gauge(b, "paymock_refunds_held", "Refunds held in memory now, all "
	    "sessions together.", m.refunds);
	metrics_sessions(b, app->sessions);
	metrics_gauge(b, "paymock_journal_entries", "Journal entries held now, "
	    "all sessions together.", m.journal_entries);
	metrics_gauge(b, "paymock_journal_bytes", "Bytes the journals hold now, "
	    "all sessions together.", m.journal_bytes);
	metrics_gauge(b, "paymock_idempotency_records", "Idempotency records "
	    "held now, all sessions together.", m.idem_records);
	metrics_render_list(b, "paymock_rules_fired_total", "Scenario rules and "
	    "faults fired since the process started, all sessions together, by "
	    "action.", "action", metrics_action_text, metrics_fired, ACTION__COUNT);
	metrics_render_list(b, "paymock_webhook_attempts_total", "Webhook "
	    "attempts ended since the process started, all sessions together, by "
	    "outcome (delivered: a 2xx reply; failed_status: another status; "
	    "error: no reply, as refused, timed out or cut off).", "outcome",
	    metrics_webhook_text, metrics_webhooks, METRICS_WEBHOOK__COUNT);
	metrics_process(b, app);
}
