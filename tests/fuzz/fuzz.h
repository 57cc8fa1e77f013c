/*
 * The fuzz paths: what each libFuzzer harness runs on one input.  They are
 * plain functions so that tests/test_regress.c replays the corpus and every
 * input that once crashed through the very same code under criterion.
 */
#ifndef PAYMOCK_FUZZ_H
#define PAYMOCK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* 2026-04-09T14:00:00.000Z: the wall clock and every session start here. */
#define FUZZ_EPOCH_MS	1775743200000LL

struct txn_set;
struct session;

/* Loaded by fuzz_init from PAYMOCK_FIXTURES (default FUZZ_FIXTURES). */
extern struct txn_set	*fuzz_fixtures;
extern const char	*fuzz_scenario_dir;

/* Freezes the wall clock and loads the fixtures; exits on a bad fixture. */
void	fuzz_init(void);

/* 'target' is a provider's name or "admin" (records may call any provider). */
int	fuzz_dispatch_input(const char *target, const uint8_t *, size_t);
int	fuzz_scenario_input(const uint8_t *, size_t);
int	fuzz_fixtures_input(const uint8_t *, size_t);
int	fuzz_money_input(const uint8_t *, size_t);
/* Operations on several sessions, with webhooks on the wire (fuzz_sequence.c). */
int	fuzz_sequence_input(const uint8_t *, size_t);

/*
 * For sessions_each: abort unless every transaction of the session is
 * refunded within its amount (and, for the session check, every journal
 * entry can be listed).
 */
void	fuzz_check_ledger(struct session *, void *);
void	fuzz_check_session(struct session *, void *);

#endif
