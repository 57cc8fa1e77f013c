/*
 * Transactions: the captured (or not) payments refunds are made against,
 * their state and refund-outcome names, and the one container that holds
 * them, for the fixtures every session starts with and for those a session
 * adds at run time.
 */
#ifndef PAYMOCK_TXN_H
#define PAYMOCK_TXN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum txn_state {
	TXN_CAPTURED,
	TXN_AUTHORIZED,
	TXN_VOIDED,
	TXN_LOCKED,
};

/* What a transaction's refunds do. */
enum refund_outcome {
	OUTCOME_SUCCEEDED,
	OUTCOME_DECLINED,
	OUTCOME_STUCK,
	OUTCOME_FAILED,
};

/* A payment; read-only once in a set. */
struct txn {
	char			*provider;
	char			*id;
	int64_t			 amount;
	char			 currency[4];
	int			 exponent;
	enum txn_state		 state;
	int64_t			 refunded;	/* before paymock started */
	enum refund_outcome	 outcome;	/* what its refunds do */
	json_t			*fixture;	/* the whole fixture object: extras */
};

const char	*txn_state_text(enum txn_state);
int		 txn_state_parse(const char *, enum txn_state *);
const char	*txn_outcome_text(enum refund_outcome);
int		 txn_outcome_parse(const char *, enum refund_outcome *);

/* 'provider' and 'id' are copied, 'fixture' (or NULL) gains a reference. */
struct txn	*txn_new(const char *provider, const char *id, json_t *fixture);
void		 txn_free(struct txn *);

/*
 * Transactions found by (provider, id), kept in the order they came.  The
 * set owns them: txn_set_free and txn_set_drain free them.
 */
struct txn_set;

struct txn_set	*txn_set_new(void);
void		 txn_set_free(struct txn_set *);
/* Takes ownership; -1 (not taken) if (provider, id) is already there. */
int		 txn_set_add(struct txn_set *, struct txn *);
const struct txn *txn_set_find(const struct txn_set *, const char *provider,
		     const char *id);
size_t		 txn_set_count(const struct txn_set *);
/* The i-th added, i < txn_set_count: a cursor that stays valid as it grows. */
const struct txn *txn_set_at(const struct txn_set *, size_t i);
/* Frees up to 'max' transactions, the newest first; returns how many are left. */
size_t		 txn_set_drain(struct txn_set *, size_t max);
/*
 * The bytes the set allocated, its transactions' included, as alloc_bytes
 * (util.h) counts them; O(1).
 */
size_t		 txn_set_bytes(const struct txn_set *);

#endif
