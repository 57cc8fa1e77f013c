/*
 * The ledger: captured transactions and the refunds against them.  A refund's
 * life is planned when it is created (a few dated steps) and its visible
 * state is computed from the session's 'now', so moving the clock needs no
 * timers.  Amounts are integer minor units.
 */
#ifndef PAYMOCK_LEDGER_H
#define PAYMOCK_LEDGER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "txn.h"

/*
 * Refunds one transaction may have.  Every provider GET of a transaction
 * renders all of its refunds in one go (SmartPay's status takes 20 to 40 us
 * a refund), so this bounds how long one such request holds the loop to a
 * few milliseconds; real providers cap partial refunds too.
 */
#define LEDGER_REFUNDS_PER_TXN_MAX	100

enum refund_state {
	REFUND_CREATED,
	REFUND_PENDING,
	REFUND_SUCCEEDED,
	REFUND_DECLINED,
	REFUND_FAILED,
};

struct refund_step {
	enum refund_state	state;
	int64_t			at_ms;
};

/* How a new refund lives; see ledger_refund_add. */
struct lifecycle {
	int			synchronous;	/* final state at once */
	int			show_created;	/* a 'created' step before 'pending' */
	int64_t			pending_after_ms;
	int64_t			settle_after_ms;
	enum refund_outcome	outcome;
};

/*
 * A refund; read-only outside the ledger.  One allocation holds it, its id
 * and the adapter's own fields as compact JSON text (refund_data): a jansson
 * object and its table would cost more than the rest of the refund.
 */
struct refund {
	const struct txn	*txn;
	struct refund		*next;		/* the transaction's next refund */
	int64_t			 amount;
	int64_t			 created_ms;
	struct refund_step	 steps[3];
	int			 nsteps;
	uint32_t		 seq;		/* its index: ledger_refund_nth(seq) */
	uint32_t		 data_len;	/* of the text after the id; 0: none */
	char			 id[];		/* the provider's refund id, then the data */
};

struct ledger;

const char	*refund_state_text(enum refund_state);

/* 'base' (the fixtures) is borrowed: it must outlive the ledger. */
struct ledger	*ledger_new(const struct txn_set *base);
void		 ledger_free(struct ledger *);
/*
 * Frees up to 'max' refunds and run-time transactions of a ledger about to
 * be freed, so a big one goes in slices; returns how many are left.  Past
 * the first call the ledger may only be drained again or freed.
 */
size_t		 ledger_drain(struct ledger *, size_t max);
/* Back to the fixtures: refunds and transactions added at run time go. */
void		 ledger_reset(struct ledger *);

const struct txn *ledger_txn(const struct ledger *, const char *provider, const char *id);
/* Takes ownership of 'txn'; -1 (and the txn is not taken) if its id exists. */
int		 ledger_add_txn(struct ledger *, struct txn *);
/*
 * Fixtures first, then those added at run time; 'provider' NULL for all.
 * The order only grows until a reset, so an index is a cursor a walk can
 * take up again after other requests added transactions.
 */
size_t		 ledger_txn_count(const struct ledger *);
const struct txn *ledger_txn_nth(const struct ledger *, size_t i);
void		 ledger_txn_each(const struct ledger *, const char *provider,
		     void (*fn)(const struct txn *, void *), void *arg);

/*
 * What is still refundable, and what is refunded or held by pending refunds,
 * at 'now'.  O(log n) from the latest refund and question on; an earlier
 * instant walks the transaction's refunds.  Asking changes no later answer.
 */
int64_t		 ledger_refundable(const struct ledger *, const struct txn *, int64_t now);
int64_t		 ledger_refunded(const struct ledger *, const struct txn *, int64_t now);

/*
 * Records a refund of 'amount' created at 'now'.  'id' is copied; 'data' (an
 * object, or NULL) is taken, and dropped once its compact text is kept (none
 * when it is empty).  Returns NULL if 'amount' is above what is refundable, 'now'
 * is before the transaction's latest refund, the transaction has
 * LEDGER_REFUNDS_PER_TXN_MAX refunds already, 'id' is taken, or the plan
 * breaks the state machine or its dates overflow.  So refunded <= amount
 * holds at every instant (sums are checked, never wrap).
 */
struct refund	*ledger_refund_add(struct ledger *, const struct txn *, const char *id,
		     int64_t amount, int64_t now, const struct lifecycle *, json_t *data);
struct refund	*ledger_refund(const struct ledger *, const char *provider, const char *id);
/* True while 't' can take one more refund (see LEDGER_REFUNDS_PER_TXN_MAX). */
int		 ledger_refund_room(const struct ledger *, const struct txn *);
/* The transaction's refunds, oldest first (follow ->next). */
struct refund	*ledger_refunds_of(const struct ledger *, const struct txn *);
size_t		 ledger_refund_count(const struct ledger *);
/*
 * The bytes the ledger allocated beyond the borrowed fixtures: structs,
 * strings, table slots, array capacity, heaps, each with ALLOC_OVERHEAD
 * (util.h); kept as it grows, O(1).
 */
size_t		 ledger_bytes(const struct ledger *);
/*
 * The i-th refund made, oldest first; i < ledger_refund_count.  Like a
 * transaction's index, a cursor that stays valid until a reset.
 */
struct refund	*ledger_refund_nth(const struct ledger *, size_t i);

/* The adapter's fields: a new object (empty when none); the caller drops it. */
json_t		*refund_data(const struct refund *);
enum refund_state refund_state_at(const struct refund *, int64_t now);
/* Steps reached by 'now', oldest first; returns their number. */
int		 refund_history(const struct refund *, int64_t now,
		     const struct refund_step **steps);
/* When the last visible change happened. */
int64_t		 refund_updated_at(const struct refund *, int64_t now);
/* True for a final state that gives the amount back (declined, failed). */
int		 refund_state_returns(enum refund_state);

#endif
