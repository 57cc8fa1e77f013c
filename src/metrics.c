/* Metrics: counters kept as the server runs, and the Prometheus text format. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

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

/* Rule firings by action index, every action listed from the start. */
static uint64_t	metrics_fired[METRICS_ACTIONS_MAX];

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
metrics_request(const char *provider, const char *operation, int status)
{
	const char	*op = operation != NULL ? operation : "unknown";

	if (provider == NULL)
		provider = strncmp(op, "admin.", 6) == 0 ? "admin" : "none";
	metrics_count(&metrics_requests, provider, op, NULL, status);
}

void
metrics_refund_created(const char *provider, enum refund_state first,
    enum refund_outcome planned)
{
	metrics_count(&metrics_refunds, provider, refund_state_text(first),
	    txn_outcome_text(planned), 0);
}

void
metrics_rule_fired(size_t action)
{
	metrics_fired[action]++;
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

void
metrics_scalar(struct buf *b, const char *name, const char *type,
    const char *help, uint64_t v)
{
	static const char *const none[METRICS_LABELS] = { NULL };

	metrics_head(b, name, type, help);
	metrics_sample_u64(b, name, none, none, v);
}

void
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
metrics_webhook_text(size_t i)
{
	return (metrics_webhook_names[i]);
}

void
metrics_seconds(struct buf *b, const char *name, const char *type, const char *help,
    int64_t s, int64_t us)
{
	static const char *const none[METRICS_LABELS] = { NULL };
	char			 text[48];

	snprintf(text, sizeof text, "%lld.%06lld", (long long)s, (long long)us);
	metrics_head(b, name, type, help);
	metrics_sample(b, name, none, none, text);
}

void
metrics_render_requests(struct buf *b)
{
	metrics_render_counter(b, &metrics_requests);
	metrics_render_counter(b, &metrics_refunds);
}

void
metrics_render_events(struct buf *b, const char *(*action_text)(size_t),
    size_t nactions)
{
	metrics_render_list(b, "paymock_rules_fired_total", "Scenario rules and "
	    "faults fired since the process started, all sessions together, by "
	    "action.", "action", action_text, metrics_fired, nactions);
	metrics_render_list(b, "paymock_webhook_attempts_total", "Webhook "
	    "attempts ended since the process started, all sessions together, by "
	    "outcome (delivered: a 2xx reply; failed_status: another status; "
	    "error: no reply, as refused, timed out or cut off).", "outcome",
	    metrics_webhook_text, metrics_webhooks, METRICS_WEBHOOK__COUNT);
}
