/*
 * Scenarios and faults: rules that match requests (match.h) and choose an
 * action for the transport or the adapter.  Parsing checks everything and
 * names the JSON path of the first problem; a rejected scenario changes
 * nothing.  Each session owns its rule list.
 */
#ifndef PAYMOCK_SCENARIO_H
#define PAYMOCK_SCENARIO_H

#include <jansson.h>
#include <stdint.h>

#include "match.h"
#include "provider.h"
#include "rng.h"
#include "txn.h"

struct rules;

/* A scenario's 'lifecycle' for one provider; unset fields keep the default. */
struct scenario_lifecycle {
	int			has_settle;
	int64_t			settle_after_ms;
	int			has_outcome;
	enum refund_outcome	outcome;
};

enum action_type {
	ACTION_RESPOND,
	ACTION_DELAY,
	ACTION_HANG,
	ACTION_DROP,
	ACTION_RESET,
	ACTION_COMMIT_THEN_DROP,
	ACTION_TRUNCATE,
	ACTION_MALFORMED,
	ACTION_SLOW,
	ACTION_RATE_LIMIT,
	ACTION_DECLINE,
	ACTION_OUTCOME,
	ACTION_WEBHOOK_DROP,
	ACTION_WEBHOOK_DELAY,
	ACTION_WEBHOOK_DUPLICATE,
	ACTION_WEBHOOK_REORDER,
	ACTION_WEBHOOK_BAD_SIGNATURE,
	ACTION__COUNT
};

struct action {
	enum action_type	 type;
	int			 status;	/* respond: 0 = the error's own */
	json_t			*headers;	/* respond: name -> value */
	json_t			*body;		/* respond: raw JSON */
	int			 has_error;
	enum perr		 error;		/* respond: a neutral error */
	int64_t			 ms;		/* delay, hang (0: until the client leaves) */
	int64_t			 min_ms, max_ms; /* delay: a range instead of ms */
	int64_t			 delay_ms;	/* any action: wait this long first */
	int64_t			 bytes;		/* truncate */
	int64_t			 bytes_per_s;	/* slow */
	int64_t			 retry_after_s;	/* rate_limit */
	int			 has_settle;	/* outcome */
	int64_t			 settle_after_ms;
	int			 has_outcome;
	enum refund_outcome	 outcome;
	int64_t			 webhook_delay_ms;
};

struct rule {
	char		*name;
	struct match	 match;
	int64_t		*nth;		/* fire only on these counts, or NULL */
	size_t		 nnth;
	int64_t		 times;		/* fire at most this often; 0: no limit */
	int		 has_probability;
	double		 probability;
	int64_t		 seen;		/* requests the match keys accepted */
	int64_t		 fired;
	struct action	 action;
	json_t		*source;	/* the rule as given, for listing */
	/*
	 * Its scenario's own generator when the scenario has a seed, so its
	 * draws are the same in every session whatever its name; NULL: the
	 * session's.  Owned by the scenario.
	 */
	struct rng	*rng;
};

/* The generator a rule's draws come from: its own, else 'session'. */
struct rng	*rule_rng(const struct rule *, struct rng *session);

struct scenario;
struct rules;

/* A scenario from JSON, or NULL with '*cause' (heap) naming the JSON path. */
struct scenario	*scenario_parse(const json_t *, char **cause);
/*
 * Reads and parses a file of at most quota.scenario_bytes; messages start
 * with 'label' (its path for the operator, its name for a client).
 */
struct scenario	*scenario_load(const char *path, const char *label,
		     char **cause);
void		 scenario_free(struct scenario *);
const char	*scenario_name(const struct scenario *);
/* Its description, or NULL. */
const char	*scenario_description(const struct scenario *);
size_t		 scenario_nrules(const struct scenario *);
/* Its lifecycle for providers[i] (provider.h), or NULL (also past them). */
const struct scenario_lifecycle *scenario_lifecycle(const struct scenario *,
		     size_t i);

/* One rule, as POST /__admin/faults arms it; 'n' names it "fault-n". */
struct rule	*rule_parse(const json_t *, const char *where, unsigned n, char **cause);
void		 rule_free(struct rule *);

/*
 * A session holds at most quota.rules rules, scenario rules and faults
 * together (the callers check before adding): every request is matched
 * against all of them.
 */
struct rules	*rules_new(void);
void		 rules_free(struct rules *);
void		 rules_clear(struct rules *);
int		 rules_empty(const struct rules *);
/* How many rules, scenario rules and faults, the session holds. */
size_t		 rules_count(const struct rules *);
/* What the rules hold, parsed and as given, counted as they are added. */
size_t		 rules_bytes(const struct rules *);
/* Takes ownership.  Faults go first, newest first; scenarios after, in order. */
void		 rules_add_scenario(struct rules *, struct scenario *);
void		 rules_add_fault(struct rules *, struct rule *);
unsigned	 rules_next_fault(struct rules *);
/* Frees the fault named 'name'; -1 if there is none. */
int		 rules_remove_fault(struct rules *, const char *name);
/* Frees the newest scenario named 'name'; -1 if there is none. */
int		 rules_remove_scenario(struct rules *, const char *name);
/* The i-th scenario in the order loaded, or NULL past the last. */
const struct scenario *rules_scenario(const struct rules *, size_t i);
/*
 * Counts the request against every rule whose keys accept it and returns
 * the first live one that fires (nth, times, probability drawn from 'rng'),
 * or NULL.
 */
const struct rule *rules_match(struct rules *, const struct match_subject *,
		     struct rng *);
/* {"scenarios":[…],"faults":[…]} with counts. */
json_t		*rules_json(const struct rules *);

const char	*action_type_text(enum action_type);

#endif
