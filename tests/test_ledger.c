/* The ledger: refundable balances, planned refund lives, history, reset. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "jsonx.h"
#include "ledger.h"
#include "util.h"

#define T0	1775743200000LL		/* 2026-04-09T14:00:00.000Z */
#define SETTLE	2000
#define FOREVER	(T0 + 100LL * 365 * 86400000)

static struct txn_set	*fx;
static struct ledger	*lg;

/* A captured 50.00 EUR smartpay payment refunding with 'outcome'. */
static struct txn *
ledger_test_txn(const char *id, int64_t refunded, enum refund_outcome outcome)
{
	struct txn	*t = txn_new("smartpay", id, NULL);

	t->amount = 5000;
	memcpy(t->currency, "EUR", 4);
	t->exponent = 2;
	t->state = TXN_CAPTURED;
	t->refunded = refunded;
	t->outcome = outcome;
	return (t);
}

static void
ledger_test_setup(void)
{
	fx = txn_set_new();
	cr_assert_eq(txn_set_add(fx, ledger_test_txn("fresh", 0,
	    OUTCOME_SUCCEEDED)), 0);
	cr_assert_eq(txn_set_add(fx, ledger_test_txn("part", 1000,
	    OUTCOME_SUCCEEDED)), 0);
	cr_assert_eq(txn_set_add(fx, ledger_test_txn("full", 5000,
	    OUTCOME_SUCCEEDED)), 0);
	lg = ledger_new(fx);
}

static void
ledger_test_teardown(void)
{
	ledger_free(lg);
	txn_set_free(fx);
}

TestSuite(ledger, .init = ledger_test_setup, .fini = ledger_test_teardown);

static const struct txn *
txn(const char *id)
{
	const struct txn	*t = ledger_txn(lg, "smartpay", id);

	cr_assert_not_null(t, "no transaction '%s'", id);
	return (t);
}

static struct lifecycle
lifecycle(enum refund_outcome outcome)
{
	return ((struct lifecycle){ .settle_after_ms = SETTLE, .outcome = outcome });
}

/* A refund that must be accepted. */
static struct refund *
refund(const struct txn *t, const char *id, int64_t amount, int64_t now,
    struct lifecycle lc)
{
	struct refund	*r = ledger_refund_add(lg, t, id, amount, now, &lc, NULL);

	cr_assert_not_null(r, "refund '%s' of %lld refused", id, (long long)amount);
	return (r);
}

static void
expect_balance(const struct txn *t, int64_t now, int64_t refunded)
{
	cr_expect_eq(ledger_refunded(lg, t, now), refunded, "%s at +%lld: refunded %lld",
	    t->id, (long long)(now - T0), (long long)ledger_refunded(lg, t, now));
	cr_expect_eq(ledger_refundable(lg, t, now), t->amount - refunded,
	    "%s at +%lld: refundable %lld", t->id, (long long)(now - T0),
	    (long long)ledger_refundable(lg, t, now));
}

/* The state, the number of steps seen and when the last came, at 'now'. */
static void
expect_at(const struct refund *r, int64_t now, enum refund_state state,
    int nsteps, int64_t updated)
{
	const struct refund_step	*steps = NULL;

	cr_expect_eq(refund_state_at(r, now), state, "+%lld: %s, wanted %s",
	    (long long)(now - T0), refund_state_text(refund_state_at(r, now)),
	    refund_state_text(state));
	cr_expect_eq(refund_history(r, now, &steps), nsteps, "+%lld: history",
	    (long long)(now - T0));
	cr_expect_eq(steps, r->steps);
	cr_expect_eq(refund_updated_at(r, now), updated, "+%lld: updated at +%lld",
	    (long long)(now - T0), (long long)(refund_updated_at(r, now) - T0));
}

static void
expect_step(const struct refund *r, int i, enum refund_state state, int64_t at)
{
	cr_assert_gt(r->nsteps, i);
	cr_expect_eq(r->steps[i].state, state, "step %d: %s", i,
	    refund_state_text(r->steps[i].state));
	cr_expect_eq(r->steps[i].at_ms, at, "step %d at +%lld", i,
	    (long long)(r->steps[i].at_ms - T0));
}

Test(ledger, balances_before_any_refund)
{
	expect_balance(txn("fresh"), T0, 0);
	expect_balance(txn("part"), T0, 1000);
	expect_balance(txn("full"), T0, 5000);
	cr_expect_null(ledger_txn(lg, "smartpay", "nope"));
	cr_expect_null(ledger_txn(lg, "accelebit", "fresh"), "ids are per provider");
	cr_expect_eq(ledger_refund_count(lg), 0);
}

Test(ledger, refund_respects_limit)
{
	const struct txn	*t = txn("part");
	struct lifecycle	 lc = lifecycle(OUTCOME_SUCCEEDED);

	cr_expect_null(ledger_refund_add(lg, t, "r1", 4001, T0, &lc, NULL));
	cr_expect_null(ledger_refund_add(lg, t, "r1", 0, T0, &lc, NULL));
	cr_expect_null(ledger_refund_add(lg, t, "r1", -1, T0, &lc, NULL));
	cr_expect_eq(ledger_refund_count(lg), 0, "a refused refund leaves no trace");
	cr_expect_null(ledger_refund(lg, "smartpay", "r1"));
	cr_expect_null(ledger_refunds_of(lg, t));
	expect_balance(t, T0, 1000);

	refund(t, "r1", 4000, T0, lc);
	expect_balance(t, T0, 5000);
	cr_expect_null(ledger_refund_add(lg, t, "r2", 1, T0 + SETTLE, &lc, NULL));
	cr_expect_eq(ledger_refund_count(lg), 1);
	cr_expect_null(ledger_refund_add(lg, txn("full"), "r3", 1, T0, &lc, NULL));
}

Test(ledger, refund_id_is_unique)
{
	struct lifecycle	lc = lifecycle(OUTCOME_SUCCEEDED);
	json_t			*data = json_object();

	refund(txn("fresh"), "r1", 100, T0, lc);
	cr_expect_null(ledger_refund_add(lg, txn("part"), "r1", 100, T0, &lc, data));
	expect_balance(txn("part"), T0, 1000);
	cr_expect_eq(ledger_refund_count(lg), 1);
}

Test(ledger, partial_refunds_sum)
{
	const struct txn	*t = txn("fresh");
	struct lifecycle	 lc = lifecycle(OUTCOME_SUCCEEDED);

	refund(t, "r1", 1000, T0, lc);
	expect_balance(t, T0, 1000);
	refund(t, "r2", 1500, T0 + 10, lc);
	expect_balance(t, T0 + 10, 2500);
	refund(t, "r3", 2500, T0 + SETTLE + 20, lc);
	expect_balance(t, T0 + SETTLE + 20, 5000);
	expect_balance(t, FOREVER, 5000);
	cr_expect_null(ledger_refund_add(lg, t, "r4", 1, FOREVER, &lc, NULL));
	cr_expect_eq(ledger_refund_count(lg), 3);
}

/* The refund's data as refund_data gives it back, in compact text. */
static void
expect_data(const struct refund *r, const char *want)
{
	json_t	*data = refund_data(r);
	char	*text = jsonx_dumps(data, 0);

	cr_expect_str_eq(text, want);
	free(text);
	json_decref(data);
}

Test(ledger, refund_fields)
{
	const struct txn	*t = txn("fresh");
	json_t			*data = json_pack("{s:s}", "reference", "abc");
	struct lifecycle	 lc = lifecycle(OUTCOME_SUCCEEDED);
	struct refund		*r = ledger_refund_add(lg, t, "r1", 1234, T0, &lc, data);

	cr_assert_not_null(r);
	cr_expect_str_eq(r->id, "r1");
	cr_expect_eq(r->txn, t);
	cr_expect_eq(r->amount, 1234);
	cr_expect_eq(r->created_ms, T0);
	expect_data(r, "{\"reference\":\"abc\"}");
	cr_expect_eq(ledger_refund(lg, "smartpay", "r1"), r);
	cr_expect_null(ledger_refund(lg, "accelebit", "r1"));
}

Test(ledger, async_default)
{
	const struct txn	*t = txn("fresh");
	struct refund		*r = refund(t, "r1", 2000, T0, lifecycle(OUTCOME_SUCCEEDED));

	cr_expect_eq(r->nsteps, 2);
	expect_step(r, 0, REFUND_PENDING, T0);
	expect_step(r, 1, REFUND_SUCCEEDED, T0 + SETTLE);
	expect_at(r, T0, REFUND_PENDING, 1, T0);
	expect_at(r, T0 + SETTLE - 1, REFUND_PENDING, 1, T0);
	expect_at(r, T0 + SETTLE, REFUND_SUCCEEDED, 2, T0 + SETTLE);
	expect_at(r, FOREVER, REFUND_SUCCEEDED, 2, T0 + SETTLE);
	expect_balance(t, T0, 2000);
	expect_balance(t, FOREVER, 2000);
}

Test(ledger, before_creation_shows_first_step)
{
	struct refund	*r = refund(txn("fresh"), "r1", 100, T0,
	    lifecycle(OUTCOME_SUCCEEDED));

	expect_at(r, T0 - 60000, REFUND_PENDING, 1, T0);
}

Test(ledger, show_created)
{
	struct lifecycle	 lc = lifecycle(OUTCOME_SUCCEEDED);
	struct refund		*r;

	lc.show_created = 1;
	lc.pending_after_ms = 500;
	r = refund(txn("fresh"), "r1", 100, T0, lc);
	cr_expect_eq(r->nsteps, 3);
	expect_step(r, 0, REFUND_CREATED, T0);
	expect_step(r, 1, REFUND_PENDING, T0 + 500);
	expect_step(r, 2, REFUND_SUCCEEDED, T0 + SETTLE);
	expect_at(r, T0, REFUND_CREATED, 1, T0);
	expect_at(r, T0 + 499, REFUND_CREATED, 1, T0);
	expect_at(r, T0 + 500, REFUND_PENDING, 2, T0 + 500);
	expect_at(r, T0 + SETTLE - 1, REFUND_PENDING, 2, T0 + 500);
	expect_at(r, T0 + SETTLE, REFUND_SUCCEEDED, 3, T0 + SETTLE);
}

Test(ledger, show_created_pending_no_later_than_settle)
{
	struct lifecycle	 lc = lifecycle(OUTCOME_DECLINED);
	struct refund		*r;

	lc.show_created = 1;
	lc.pending_after_ms = SETTLE * 5;
	r = refund(txn("fresh"), "r1", 100, T0, lc);
	expect_step(r, 1, REFUND_PENDING, T0 + SETTLE);
	expect_step(r, 2, REFUND_DECLINED, T0 + SETTLE);
	expect_at(r, T0 + SETTLE - 1, REFUND_CREATED, 1, T0);
	expect_at(r, T0 + SETTLE, REFUND_DECLINED, 3, T0 + SETTLE);
}

Test(ledger, stuck)
{
	const struct txn	*t = txn("fresh");
	struct refund		*r = refund(t, "r1", 3000, T0, lifecycle(OUTCOME_STUCK));

	cr_expect_eq(r->nsteps, 1);
	expect_at(r, T0, REFUND_PENDING, 1, T0);
	expect_at(r, T0 + SETTLE, REFUND_PENDING, 1, T0);
	expect_at(r, FOREVER, REFUND_PENDING, 1, T0);
	expect_balance(t, FOREVER, 3000);
}

Test(ledger, stuck_show_created)
{
	struct lifecycle	 lc = lifecycle(OUTCOME_STUCK);
	struct refund		*r;

	lc.show_created = 1;
	lc.pending_after_ms = SETTLE * 5;	/* no settle to cap it */
	r = refund(txn("fresh"), "r1", 100, T0, lc);
	cr_expect_eq(r->nsteps, 2);
	expect_at(r, T0 + SETTLE, REFUND_CREATED, 1, T0);
	expect_at(r, T0 + SETTLE * 5, REFUND_PENDING, 2, T0 + SETTLE * 5);
	expect_at(r, FOREVER, REFUND_PENDING, 2, T0 + SETTLE * 5);
}

struct giveback_case {
	int	outcome;	/* enum refund_outcome */
	int	final;		/* enum refund_state */
};

ParameterizedTestParameters(ledger, gives_back_at_settle)
{
	static struct giveback_case cases[] = {
		{ OUTCOME_DECLINED, REFUND_DECLINED },
		{ OUTCOME_FAILED, REFUND_FAILED },
	};

	return (cr_make_param_array(struct giveback_case, cases, nitems(cases)));
}

ParameterizedTest(struct giveback_case *c, ledger, gives_back_at_settle)
{
	const struct txn	*t = txn("part");	/* 4000 left */
	struct lifecycle	 lc = lifecycle(c->outcome);
	struct refund		*r = refund(t, "r1", 3000, T0, lc);

	cr_expect(refund_state_returns(c->final));
	expect_step(r, 1, c->final, T0 + SETTLE);
	expect_at(r, T0 + SETTLE - 1, REFUND_PENDING, 1, T0);
	expect_balance(t, T0, 4000);
	expect_balance(t, T0 + SETTLE - 1, 4000);	/* still held */
	cr_expect_null(ledger_refund_add(lg, t, "r2", 1001, T0 + SETTLE - 1, &lc, NULL),
	    "the held amount is not refundable before settle");

	expect_at(r, T0 + SETTLE, c->final, 2, T0 + SETTLE);
	expect_balance(t, T0 + SETTLE, 1000);		/* given back exactly then */
	expect_balance(t, FOREVER, 1000);
	refund(t, "r2", 4000, T0 + SETTLE, lifecycle(OUTCOME_SUCCEEDED));
	expect_balance(t, T0 + SETTLE, 5000);
}

Test(ledger, synchronous)
{
	const struct txn	*t = txn("fresh");
	struct lifecycle	 lc = lifecycle(OUTCOME_SUCCEEDED);
	struct refund		*r;

	lc.synchronous = 1;
	r = refund(t, "ok", 1000, T0, lc);
	cr_expect_eq(r->nsteps, 1);
	expect_at(r, T0, REFUND_SUCCEEDED, 1, T0);
	expect_balance(t, T0, 1000);

	lc.outcome = OUTCOME_DECLINED;
	r = refund(t, "no", 4000, T0, lc);
	expect_at(r, T0, REFUND_DECLINED, 1, T0);
	expect_balance(t, T0, 1000);

	lc.outcome = OUTCOME_FAILED;
	r = refund(t, "failed", 4000, T0, lc);
	expect_at(r, T0, REFUND_FAILED, 1, T0);
	expect_balance(t, T0, 1000);

	lc.outcome = OUTCOME_STUCK;
	cr_expect_null(ledger_refund_add(lg, t, "stuck", 100, T0, &lc, NULL),
	    "a synchronous refund cannot stay pending");
	cr_expect_null(ledger_refund(lg, "smartpay", "stuck"));
	cr_expect_eq(ledger_refund_count(lg), 3);
	expect_balance(t, T0, 1000);
}

/* refunded <= amount at each instant from 'from' to 'to' where anything changes. */
static void
expect_bounded(const struct txn *t, int64_t from, int64_t to)
{
	const struct refund	*r;
	int64_t			 at;

	for (at = from; at <= to; at += SETTLE / 2) {
		cr_expect_leq(ledger_refunded(lg, t, at), t->amount, "+%lld: %lld > %lld",
		    (long long)(at - T0), (long long)ledger_refunded(lg, t, at),
		    (long long)t->amount);
		cr_expect_geq(ledger_refundable(lg, t, at), 0);
	}
	for (r = ledger_refunds_of(lg, t); r != NULL; r = r->next) {
		cr_expect_leq(ledger_refunded(lg, t, r->created_ms - 1), t->amount);
		cr_expect_leq(ledger_refunded(lg, t, r->created_ms), t->amount);
	}
}

/* Issue 12: 95 declined refunds of 999999999999999.99 wrapped 'refunded'. */
Test(ledger, huge_declined_refunds_never_wrap)
{
	struct txn		*big = ledger_test_txn("big", 0, OUTCOME_DECLINED);
	struct lifecycle	 lc = lifecycle(OUTCOME_DECLINED);
	char			 id[16];
	int			 i;

	big->amount = 99999999999999999LL;
	cr_assert_eq(ledger_add_txn(lg, big), 0);
	for (i = 0; i < 95; i++) {
		snprintf(id, sizeof id, "d%d", i);
		refund(big, id, big->amount, T0 + i * SETTLE, lc);
		cr_expect_null(ledger_refund_add(lg, big, "more", 1, T0 + i * SETTLE, &lc,
		    NULL), "#%d: the pending refund still holds it all", i);
	}
	expect_bounded(big, T0 - SETTLE, T0 + 96 * SETTLE);
	expect_balance(big, T0 + 95 * SETTLE, 0);
	cr_expect_null(ledger_refund_add(lg, big, "late", big->amount, T0, &lc, NULL),
	    "a refund dated before the latest one is refused");
	lc.outcome = OUTCOME_SUCCEEDED;
	refund(big, "d95", big->amount, T0 + 95 * SETTLE, lc);
	cr_expect_null(ledger_refund_add(lg, big, "d96", 1, T0 + 96 * SETTLE, &lc, NULL));
	expect_bounded(big, T0 - SETTLE, T0 + 100 * SETTLE);
	expect_balance(big, FOREVER, big->amount);
}

/* Issue 12: declined, then succeeded 10 s later; the past shows one refund held. */
Test(ledger, declined_then_succeeded_at_every_instant)
{
	const struct txn	*t = txn("fresh");
	struct lifecycle	 lc = lifecycle(OUTCOME_DECLINED);

	refund(t, "no", 5000, T0, lc);
	lc.outcome = OUTCOME_SUCCEEDED;
	refund(t, "yes", 5000, T0 + 10000, lc);
	expect_balance(t, T0, 5000);
	expect_balance(t, T0 + SETTLE, 0);
	expect_balance(t, T0 + 10000, 5000);
	expect_bounded(t, T0 - SETTLE, T0 + 20000);
}

/* What 't' holds at 'now', counted the slow, obvious way. */
static int64_t
brute_refunded(const struct txn *t, int64_t now)
{
	const struct refund	*r;
	int64_t			 sum = t->refunded;

	for (r = ledger_refunds_of(lg, t); r != NULL; r = r->next) {
		if (r->created_ms <= now && !refund_state_returns(refund_state_at(r, now)))
			sum += r->amount;
	}
	return (sum);
}

/* Random refunds in time order: the balance is exact and bounded at every instant. */
Test(ledger, random_sequences_stay_bounded)
{
	static const enum refund_outcome outcomes[] = { OUTCOME_SUCCEEDED,
	    OUTCOME_DECLINED, OUTCOME_FAILED, OUTCOME_STUCK };
	const struct txn	*t = txn("part");
	uint64_t		 seed = 42, x;
	int64_t			 now = T0, at, left;
	char			 id[16];
	int			 i, made = 0;

	for (i = 0; i < 2000; i++) {
		struct lifecycle lc;
		/* A transaction as 'part' takes the next refunds once one is full. */
		if (!ledger_refund_room(lg, t)) {
			snprintf(id, sizeof id, "part%d", i);
			cr_assert_eq(ledger_add_txn(lg, ledger_test_txn(id, 1000,
			    OUTCOME_SUCCEEDED)), 0);
			t = txn(id);
		}
		/* splitmix64: every bit of 'x' random, unlike a bare LCG's low bits */
		x = seed += 0x9e3779b97f4a7c15ULL;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
		x ^= x >> 31;
		lc = (struct lifecycle){ .settle_after_ms = (int64_t)(x >> 33) % 5000,
		    .outcome = outcomes[(x >> 20) % 4], .show_created = (x >> 10) & 1,
		    .pending_after_ms = (int64_t)(x >> 40) % 3000 };
		now += (int64_t)(x >> 45) % 700;
		/* Asking about the future must not change what the present says. */
		if ((x >> 5) & 1) {
			at = now + (int64_t)(x >> 36) % 6000;
			cr_assert_eq(ledger_refunded(lg, t, at), brute_refunded(t, at));
		}
		left = (x >> 6) & 1 ? ledger_refundable(lg, t, now) : 3000;
		snprintf(id, sizeof id, "r%d", i);
		/* Small amounts; all that is left now and then, if it comes back. */
		if (left > 0 && ledger_refund_add(lg, t, id, (x >> 8) % 4 == 0 &&
		    (lc.outcome == OUTCOME_DECLINED || lc.outcome == OUTCOME_FAILED) ?
		    left : 1 + (int64_t)(x >> 24) % 15, now, &lc, NULL) != NULL)
			made++;
		left = ledger_refundable(lg, t, now);
		cr_assert_eq(left, t->amount - brute_refunded(t, now), "#%d", i);
		cr_expect_null(ledger_refund_add(lg, t, "x", left + 1, now, &lc, NULL));
	}
	cr_expect_gt(made, 500, "only %d refunds made", made);
	for (at = T0 - 1; at <= now + 10000; at += 37) {
		cr_assert_eq(ledger_refunded(lg, t, at), brute_refunded(t, at), "+%lld",
		    (long long)(at - T0));
		cr_assert_leq(ledger_refunded(lg, t, at), t->amount, "+%lld",
		    (long long)(at - T0));
	}
}

/* The settle_after_s of 99999999999999.999 planned a date past int64. */
Test(ledger, plan_past_int64_refused)
{
	const struct txn	*t = txn("fresh");
	struct lifecycle	 lc = lifecycle(OUTCOME_SUCCEEDED);

	lc.settle_after_ms = INT64_MAX - T0 + 1;
	cr_expect_null(ledger_refund_add(lg, t, "r1", 100, T0, &lc, NULL));
	lc.settle_after_ms = SETTLE;
	lc.show_created = 1;
	lc.pending_after_ms = INT64_MAX;
	cr_expect_null(ledger_refund_add(lg, t, "r1", 100, T0, &lc, NULL));
	cr_expect_eq(ledger_refund_count(lg), 0, "refused plans leave no trace");
	expect_balance(t, T0, 0);
}

Test(ledger, refunds_of_in_order)
{
	static const char *const want[] = { "a", "b", "c" };
	static const char *const made[] = { "a", "x", "b", "c" };
	const struct txn	*t = txn("fresh"), *other = txn("part");
	struct lifecycle	 lc = lifecycle(OUTCOME_SUCCEEDED);
	const struct refund	*r;
	size_t			 i;

	refund(t, "a", 100, T0, lc);
	refund(other, "x", 100, T0 + 1, lc);
	refund(t, "b", 100, T0 + 2, lc);
	refund(t, "c", 100, T0 + 3, lc);

	for (i = 0, r = ledger_refunds_of(lg, t); r != NULL; r = r->next, i++) {
		cr_assert_lt(i, nitems(want));
		cr_expect_str_eq(r->id, want[i]);
		cr_expect_eq(r->txn, t);
	}
	cr_expect_eq(i, nitems(want));
	r = ledger_refunds_of(lg, other);
	cr_assert_not_null(r);
	cr_expect_str_eq(r->id, "x");
	cr_expect_null(r->next);
	cr_expect_null(ledger_refunds_of(lg, txn("full")));

	cr_assert_eq(ledger_refund_count(lg), nitems(made));
	for (i = 0; i < nitems(made); i++)
		cr_expect_str_eq(ledger_refund_nth(lg, i)->id, made[i]);
}

Test(ledger, add_txn)
{
	struct txn	*added = ledger_test_txn("added", 0, OUTCOME_SUCCEEDED);
	struct txn	*again = ledger_test_txn("added", 0, OUTCOME_SUCCEEDED);
	struct txn	*fixture = ledger_test_txn("fresh", 0, OUTCOME_SUCCEEDED);
	struct txn	*elsewhere = txn_new("accelebit", "fresh", NULL);

	cr_expect_eq(ledger_add_txn(lg, added), 0);
	cr_expect_eq(ledger_txn(lg, "smartpay", "added"), added);
	cr_expect_eq(ledger_add_txn(lg, again), -1, "an added id again");
	cr_expect_eq(ledger_add_txn(lg, fixture), -1, "a fixture's id");
	cr_expect_neq(ledger_txn(lg, "smartpay", "fresh"), fixture);
	cr_expect_eq(ledger_add_txn(lg, elsewhere), 0, "same id, other provider");
	txn_free(again);	/* refused: still ours */
	txn_free(fixture);
}

struct txn_list {
	char	ids[256];
};

static void
ledger_test_list(const struct txn *t, void *arg)
{
	struct txn_list	*l = arg;

	strcat(l->ids, t->id);
	strcat(l->ids, " ");
}

Test(ledger, txn_each_fixtures_first)
{
	struct txn_list	 all = { "" }, acc = { "" };

	ledger_add_txn(lg, ledger_test_txn("added", 0, OUTCOME_SUCCEEDED));
	ledger_add_txn(lg, txn_new("accelebit", "acc", NULL));
	ledger_txn_each(lg, NULL, ledger_test_list, &all);
	cr_expect_str_eq(all.ids, "fresh part full added acc ");
	ledger_txn_each(lg, "accelebit", ledger_test_list, &acc);
	cr_expect_str_eq(acc.ids, "acc ");
}

Test(ledger, reset)
{
	struct lifecycle	lc = lifecycle(OUTCOME_STUCK);
	struct txn		*added = ledger_test_txn("added", 0, OUTCOME_SUCCEEDED);
	struct txn_list		all = { "" };

	cr_assert_eq(ledger_add_txn(lg, added), 0);
	refund(txn("fresh"), "r1", 5000, T0, lc);
	refund(added, "r2", 100, T0, lc);
	ledger_reset(lg);

	cr_expect_eq(ledger_refund_count(lg), 0);
	cr_expect_null(ledger_refund(lg, "smartpay", "r1"));
	cr_expect_null(ledger_refunds_of(lg, txn("fresh")));
	cr_expect_null(ledger_txn(lg, "smartpay", "added"), "run-time txns go");
	expect_balance(txn("fresh"), T0, 0);
	expect_balance(txn("part"), T0, 1000);
	ledger_txn_each(lg, NULL, ledger_test_list, &all);
	cr_expect_str_eq(all.ids, "fresh part full ");

	/* Usable again, and the old ids are free. */
	cr_expect_eq(ledger_add_txn(lg, ledger_test_txn("added", 0,
	    OUTCOME_SUCCEEDED)), 0);
	refund(txn("fresh"), "r1", 5000, T0, lc);
	cr_expect_eq(ledger_refund_count(lg), 1);
}

struct name_case {
	char	text[16];
	int	value;
};

static const struct name_case txn_states[] = {
	{ "captured", TXN_CAPTURED }, { "authorized", TXN_AUTHORIZED },
	{ "voided", TXN_VOIDED }, { "locked", TXN_LOCKED },
};
static const struct name_case outcomes[] = {
	{ "succeeded", OUTCOME_SUCCEEDED }, { "declined", OUTCOME_DECLINED },
	{ "stuck", OUTCOME_STUCK }, { "failed", OUTCOME_FAILED },
};

Test(ledger, names)
{
	enum txn_state		s;
	enum refund_outcome	o;
	size_t			i;

	for (i = 0; i < nitems(txn_states); i++) {
		cr_expect_str_eq(txn_state_text(txn_states[i].value), txn_states[i].text);
		cr_expect_eq(txn_state_parse(txn_states[i].text, &s), 0);
		cr_expect_eq((int)s, txn_states[i].value);
	}
	for (i = 0; i < nitems(outcomes); i++) {
		cr_expect_str_eq(txn_outcome_text(outcomes[i].value), outcomes[i].text);
		cr_expect_eq(txn_outcome_parse(outcomes[i].text, &o), 0);
		cr_expect_eq((int)o, outcomes[i].value);
	}
	cr_expect_eq(txn_state_parse("settled", &s), -1);
	cr_expect_eq(txn_state_parse("Captured", &s), -1);
	cr_expect_eq(txn_outcome_parse("pending", &o), -1);
	cr_expect_eq(txn_outcome_parse("", &o), -1);
	cr_expect_str_eq(refund_state_text(REFUND_CREATED), "created");
	cr_expect_str_eq(refund_state_text(REFUND_PENDING), "pending");
	cr_expect_str_eq(refund_state_text(REFUND_FAILED), "failed");
	cr_expect_not(refund_state_returns(REFUND_SUCCEEDED));
	cr_expect_not(refund_state_returns(REFUND_PENDING));
}

Test(ledger, refunds_per_transaction_are_capped)
{
	const struct txn	*t = txn("fresh");
	struct lifecycle	 lc = lifecycle(OUTCOME_DECLINED);
	char			 id[32];
	int			 i;

	/* Declined refunds give back, so the amount is never what stops them. */
	for (i = 0; i < LEDGER_REFUNDS_PER_TXN_MAX; i++) {
		cr_assert(ledger_refund_room(lg, t));
		snprintf(id, sizeof id, "r%d", i);
		refund(t, id, 5000, T0 + (int64_t)i * SETTLE, lc);
	}
	cr_expect_not(ledger_refund_room(lg, t));
	cr_expect_null(ledger_refund_add(lg, t, "one-more", 1, FOREVER, &lc, NULL));
	cr_expect_eq(ledger_refund_count(lg), LEDGER_REFUNDS_PER_TXN_MAX);
	cr_expect(ledger_refund_room(lg, txn("part")), "the cap is per transaction");
}

Test(ledger, txn_nth_is_the_each_order)
{
	cr_assert_eq(ledger_add_txn(lg, ledger_test_txn("added", 0, OUTCOME_SUCCEEDED)), 0);
	cr_assert_eq(ledger_txn_count(lg), 4);
	cr_expect_str_eq(ledger_txn_nth(lg, 0)->id, "fresh");
	cr_expect_str_eq(ledger_txn_nth(lg, 3)->id, "added");
}

/* Data comes back as sent, byte for byte: exact numbers, nesting, escapes. */
Test(ledger, data_is_kept_as_text_and_renders_the_same)
{
	static const char	 sent[] = "{\"n\":1.10,\"big\":123456789012345678901234,"
	    "\"o\":{\"z\":[1,\"\\u00e9\\n\",null,true],\"a\":{}},\"s\":\"\\\"\"}";
	struct lifecycle	 lc = lifecycle(OUTCOME_SUCCEEDED);
	char			*cause = NULL;
	json_t			*data = jsonx_loads(sent, strlen(sent), &cause);
	struct refund		*r;

	cr_assert_not_null(data, "%s", cause);
	r = ledger_refund_add(lg, txn("fresh"), "r1", 1, T0, &lc, data);
	cr_assert_not_null(r);
	cr_expect_gt(r->data_len, 0);
	expect_data(r, "{\"n\":1.10,\"big\":123456789012345678901234,"
	    "\"o\":{\"z\":[1,\"\u00e9\\n\",null,true],\"a\":{}},\"s\":\"\\\"\"}");
	/* None, or an empty object: no text at all. */
	r = ledger_refund_add(lg, txn("fresh"), "r2", 1, T0, &lc, json_object());
	cr_expect_eq(r->data_len, 0);
	expect_data(r, "{}");
	r = ledger_refund_add(lg, txn("fresh"), "r3", 1, T0, &lc, NULL);
	expect_data(r, "{}");
	cr_expect_eq(r->seq, 2, "its index in the ledger's order");
	cr_expect_eq(ledger_refund_nth(lg, r->seq), r);
}

/* What malloc holds for the process now (arena and mmapped chunks). */
static size_t
ledger_test_heap(void)
{
	struct mallinfo2	mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

/*
 * ledger_bytes counts what the ledger allocates: back to the empty value
 * after a reset, and within a quarter of what malloc says the same refunds
 * took (transactions added at run time, data, declines in the heap).
 */
Test(ledger, bytes_follow_the_allocations)
{
	struct lifecycle	 lc = lifecycle(OUTCOME_SUCCEEDED);
	struct lifecycle	 declined = lifecycle(OUTCOME_DECLINED);
	size_t			 empty = ledger_bytes(lg), heap0, bytes0, heap, bytes;
	char			 id[64];
	struct txn		*t;
	json_t			*fixture;
	int			 i, j;

	cr_expect_geq(empty, sizeof(struct refund));
	heap0 = ledger_test_heap();
	bytes0 = ledger_bytes(lg);
	for (i = 0; i < 50; i++) {
		snprintf(id, sizeof id, "bulk-%d", i);
		/* A fixture of its own, as the admin API gives one: counted too. */
		fixture = json_pack("{ss ss ss s{ss si} s[ii]}", "provider", "smartpay",
		    "id", id, "merchant_key", "31928de9-1344-469f-b0eb-8e5d0fef3d21",
		    "device", "model", "x", "n", 1, "list", 1, 2);
		t = txn_new("smartpay", id, fixture);
		json_decref(fixture);
		t->amount = 1000000;
		memcpy(t->currency, "EUR", 4);
		t->exponent = 2;
		cr_assert_eq(ledger_add_txn(lg, t), 0);
		for (j = 0; j < LEDGER_REFUNDS_PER_TXN_MAX; j++) {
			snprintf(id, sizeof id, "%08d-4a1b-4c2d-8e3f-%012d", i, j);
			cr_assert_not_null(ledger_refund_add(lg, t, id, 1, T0 + j,
			    j % 3 == 0 ? &declined : &lc,
			    json_pack("{ss}", "reason", "customer request")));
		}
	}
	heap = ledger_test_heap() - heap0;
	bytes = ledger_bytes(lg) - bytes0;
	/* mallinfo2 knows glibc's malloc only, not a sanitizer's (then it says 0). */
	cr_expect(heap == 0 || (bytes > heap * 3 / 4 && bytes < heap * 5 / 4),
	    "counted %zu, malloc says %zu", bytes, heap);
	cr_expect_lt(bytes / 5000, 256, "%zu bytes a refund", bytes / 5000);
	ledger_reset(lg);
	cr_expect_eq(ledger_bytes(lg), empty, "a reset gives it all back");
}

Test(ledger, a_drain_frees_in_steps_then_the_ledger_goes)
{
	struct ledger	*l = ledger_new(fx);
	char		 id[16];
	int		 i;

	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof id, "t%d", i);
		cr_assert_eq(ledger_add_txn(l, ledger_test_txn(id, 0, OUTCOME_SUCCEEDED)), 0);
	}
	for (i = 0; i < 20; i++) {
		struct lifecycle lc = lifecycle(OUTCOME_SUCCEEDED);
		snprintf(id, sizeof id, "r%d", i);
		cr_assert_not_null(ledger_refund_add(l, ledger_txn(l, "smartpay", "t1"),
		    id, 10, 0, &lc, NULL));
	}
	cr_expect_eq(ledger_drain(l, 8), 17);
	cr_expect_eq(ledger_drain(l, 8), 9);
	cr_expect_eq(ledger_drain(l, 6), 3);
	cr_expect_eq(ledger_drain(l, 8), 0);
	cr_expect_eq(ledger_drain(l, 8), 0);
	ledger_free(l);
}
