/*
 * Bytes per refund in steady state, journal excluded (make
 * bench-refund-memory): N refunds, each with an idempotency key, through
 * dispatch() (everything but the socket) in one session per provider (UTGL
 * and PayEngine take no key: theirs is the ledger's share alone), on
 * N/100 transactions added through the admin API.  What malloc holds
 * (mallinfo2: arena and mmapped chunks) is read before and after the
 * refunds, with the journal cleared every batch so that it holds no
 * refund's bytes, and set against what ledger_bytes and idem_bytes count.
 * Then the first BENCH_REPLAYS keys are sent again: replays rendered from
 * their refunds, timed in process against the creates; and, with the
 * journal full of those replays, the session is dropped: the longest step
 * of freeing it is how long a drop can hold the loop.
 *
 *	refund-memory [N [provider ...]]	(default 100000; all five)
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dispatch.h"
#include "fixtures.h"
#include "idem.h"
#include "journal.h"
#include "ledger.h"
#include "session.h"
#include "util.h"

#define BENCH_EPOCH_MS		1775743200000LL
#define BENCH_PER_TXN		LEDGER_REFUNDS_PER_TXN_MAX
#define BENCH_BATCH		1000
#define BENCH_REPLAYS		10000
#define BENCH_SP_MERCHANT	"31928de9-1344-469f-b0eb-8e5d0fef3d21"

/* How one provider is driven: a transaction to add, a keyed refund of it. */
struct bench_provider {
	const char	*name;
	const char	*txn_fmt;	/* the admin body: %s is the id */
	const char	*path;
	const char	*auth;		/* a header line's name and value, or NULL */
	const char	*key_header;	/* NULL: the key is in the body */
	const char	*body_fmt;	/* %s the transaction, %s the key */
	int		 uuid_ids;	/* else "TX" and 6 digits */
	int		 keyed;		/* a request sent again is a replay */
};

static const struct bench_provider bench_providers[] = {
	{ "accelebit", "{\"provider\":\"accelebit\",\"id\":\"%s\",\"amount\":"
	  "\"1000.00\",\"currency\":\"EUR\",\"state\":\"captured\"}",
	  "/accelebit/v1/refunds", "X-API-Key: sk_test_bench", "Idempotency-Key",
	  "{\"transactionId\":\"%s\",\"amount\":\"1.00\",\"currency\":\"EUR\","
	  "\"reason\":\"customer request\"%.0s}", 1, 1 },
	{ "smartretry", "{\"provider\":\"smartretry\",\"id\":\"%1$s\",\"amount\":"
	  "\"1000.00\",\"currency\":\"USD\",\"state\":\"captured\",\"terminal\":"
	  "\"BENCH1\",\"order_id\":\"OR%1$.6s\"}",
	  "/smartretry/v1/payments/refund/BENCH1", "x-api-key: bench",
	  "Idempotency-Key", "{\"transaction_reference_id\":\"%1$s\","
	  "\"order_reference_id\":\"OR%1$.6s\",\"amount\":1.00,"
	  "\"merchant_transaction_id\":\"mt-%2$s\"}", 0, 1 },
	{ "smartpay", "{\"provider\":\"smartpay\",\"id\":\"%s\",\"amount\":"
	  "\"1000.00\",\"currency\":\"EUR\",\"state\":\"captured\",\"merchant_key\":"
	  "\"" BENCH_SP_MERCHANT "\"}", "/smartpay/payment/refund", NULL, NULL,
	  "{\"merchantKey\":\"" BENCH_SP_MERCHANT "\",\"transactionId\":\"%s\","
	  "\"modificationId\":\"%s\",\"modifiedAmount\":{\"amount\":1.00,"
	  "\"currencyCode\":\"EUR\"}}", 1, 1 },
	/* No idempotency: the ledger's share alone. */
	{ "utgl", "{\"provider\":\"utgl\",\"id\":\"%1$s\",\"amount\":\"1000.00\","
	  "\"currency\":\"USD\",\"state\":\"captured\",\"card_id\":\"%1$s\","
	  "\"ref_id\":\"UTGLBENCH0\"}", "/utgl/v1/partner-connect/transactions/refund",
	  "Authorization: Basic cGFydG5lcjpzZWNyZXQ=", NULL,
	  "{\"transactionId\":\"%s\",\"amount\":1.00,\"currency\":\"USD\","
	  "\"reason\":\"customer request\",\"description\":\"bench\"%.0s}", 1, 0 },
	{ "payengine", "{\"provider\":\"payengine\",\"id\":\"%s\",\"amount\":"
	  "\"1000.00\",\"currency\":\"USD\",\"state\":\"captured\",\"merchant_id\":"
	  "\"b1e4c7a2-93d5-4f08-a6e1-5c2d8f9b0a34\",\"token\":\"card_bench\"}",
	  "/payengine/api/payment/refund", "Authorization: Basic sk_test_bench", NULL,
	  "{\"id\":\"%s\",\"amount\":1.00,\"reason\":\"customer request\"%.0s}", 1, 0 },
};

static size_t
bench_heap(void)
{
	struct mallinfo2	mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

/* One request through dispatch; returns its status. */
static int
bench_call(struct app *app, const char *method, const char *path,
    const struct header *extra, size_t nextra, const char *body)
{
	struct header		headers[4];
	struct request		req = { 0 };
	struct reply		rep = { 0 };
	struct dispatch_info	info;
	struct plan		plan = { 0 };
	size_t			n = 0, i;
	int			status;

	headers[n++] = (struct header){ "X-Paymock-Session", "bench" };
	headers[n++] = (struct header){ "Content-Type", "application/json" };
	for (i = 0; i < nextra; i++)
		headers[n++] = extra[i];
	req.method = method;
	req.path = path;
	req.headers = headers;
	req.nheaders = n;
	req.body = body;
	req.body_len = strlen(body);
	dispatch(app, &req, &rep, &info, &plan);
	if ((status = rep.status) / 100 != 2)
		fprintf(stderr, "%s %s: %d %s\n", method, path, status, rep.body);
	free(plan.idem_key);
	reply_release(&rep);
	return (status);
}

static void
bench_txn_id(const struct bench_provider *p, size_t i, char *out, size_t len)
{
	if (p->uuid_ids)
		snprintf(out, len, "be%06zx-0000-4000-8000-000000000000", i);
	else
		snprintf(out, len, "TX%06zu", i);
}

/* Sends refund request 'i' (again, for a replay); exits unless it is a 2xx. */
static void
bench_refund(struct app *app, const struct bench_provider *p, size_t i,
    struct header *extra, size_t nextra)
{
	char	id[64], key[64], *body;
	int	st;

	bench_txn_id(p, i / BENCH_PER_TXN, id, sizeof id);
	snprintf(key, sizeof key, "key-%08zu-%s", i, p->name);
	if (p->key_header != NULL)
		extra[nextra++] = (struct header){ p->key_header, key };
	body = xasprintf(p->body_fmt, id, key);
	if ((st = bench_call(app, "POST", p->path, extra, nextra, body)) / 100 != 2)
		fatal("%s: refund %zu: %d", p->name, i, st);
	free(body);
}

/* The mean microseconds a request of refunds [0, n) took, the journal kept small. */
static double
bench_refunds(struct app *app, struct session *s, const struct bench_provider *p,
    size_t n, struct header *extra, size_t nextra)
{
	int64_t	start = clock_mono_us();
	size_t	i;

	for (i = 0; i < n; i++) {
		bench_refund(app, p, i, extra, nextra);
		if (i % BENCH_BATCH == BENCH_BATCH - 1)
			journal_clear(s->journal);
	}
	journal_clear(s->journal);
	return ((double)(clock_mono_us() - start) / (double)n);
}

/* Drops "bench" and frees it step by step: the steps and the longest. */
static const char *
bench_drop(struct sessions *r)
{
	static char	text[64];
	int64_t		start = clock_mono_us(), t, longest = 0;
	size_t		steps = 0;
	int		more;

	sessions_drop(r, "bench");
	do {
		t = clock_mono_us();
		more = sessions_reap(r, 1);
		if ((t = clock_mono_us() - t) > longest)
			longest = t;
		steps++;
	} while (more);
	snprintf(text, sizeof text, "%zu steps in %.1f ms, the longest %.2f ms",
	    steps, (double)(clock_mono_us() - start) / 1000, (double)longest / 1000);
	return (text);
}

static void
bench_run(const struct bench_provider *p, size_t n)
{
	struct app		 app = { 0 };
	struct fixtures		*fx = fixtures_new();
	struct session		*s;
	struct header		 extra[2];
	char			 id[64], auth_name[32], *body;
	const char		*colon;
	size_t			 i, nextra = 0, heap0, heap1, counted0, counted1;
	size_t			 nreplay = n < BENCH_REPLAYS ? n : BENCH_REPLAYS;
	double			 create_us, replay_us = 0;
	int			 st;

	app.fixtures = fx;
	app.started_ms = BENCH_EPOCH_MS;
	app.sessions = sessions_new(fx, 1, 1, BENCH_EPOCH_MS, 10000);
	s = sessions_get(app.sessions, "bench");
	for (i = 0; i < (n + BENCH_PER_TXN - 1) / BENCH_PER_TXN; i++) {
		bench_txn_id(p, i, id, sizeof id);
		body = xasprintf(p->txn_fmt, id);
		if ((st = bench_call(&app, "POST", "/__admin/transactions", NULL, 0,
		    body)) != 201)
			fatal("%s: adding %s: %d", p->name, id, st);
		free(body);
	}
	if (p->auth != NULL) {
		colon = strchr(p->auth, ':');
		snprintf(auth_name, sizeof auth_name, "%.*s", (int)(colon - p->auth),
		    p->auth);
		extra[nextra++] = (struct header){ auth_name, colon + 2 };
	}
	journal_clear(s->journal);
	heap0 = bench_heap();
	counted0 = ledger_bytes(s->ledger) + idem_bytes(s->idem);
	create_us = bench_refunds(&app, s, p, n, extra, nextra);
	heap1 = bench_heap();
	counted1 = ledger_bytes(s->ledger) + idem_bytes(s->idem);
	if (p->keyed)
		replay_us = bench_refunds(&app, s, p, nreplay, extra, nextra);
	if (ledger_refund_count(s->ledger) != n)
		fatal("%s: a replay made a refund", p->name);
	for (i = 0; p->keyed && i < nreplay; i++)
		bench_refund(&app, p, i, extra, nextra);
	printf("%-10s %8zu refunds %6zu bytes/refund (malloc) %6zu counted; "
	    "%.1f us a create, %.1f us a replay; drop: %s\n", p->name, n,
	    (heap1 - heap0) / n, (counted1 - counted0) / n, create_us, replay_us,
	    bench_drop(app.sessions));
	fflush(stdout);
	sessions_free(app.sessions);
	fixtures_free(fx);
}

int
main(int argc, char **argv)
{
	size_t	n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, i;
	int	a;

	if (n == 0)
		fatal("usage: refund-memory [N [provider ...]]");
	for (i = 0; i < nitems(bench_providers); i++) {
		for (a = 2; a < argc && strcmp(argv[a], bench_providers[i].name) != 0; a++)
			;
		if (argc <= 2 || a < argc)
			bench_run(&bench_providers[i], n);
	}
	return (0);
}
