/*
 * Request matching, shared by scenario rules and journal counts: provider,
 * operation, method, path glob, exact headers and a body subset.
 */
#ifndef PAYMOCK_MATCH_H
#define PAYMOCK_MATCH_H

#include <jansson.h>

struct journal_entry;

/*
 * The longest path glob a rule or a journal count may give.  With the rule
 * cap per session and the server's URL limit it bounds what one request
 * costs: matching is linear in the path plus the pattern.
 */
#define MATCH_PATTERN_MAX	1024

struct match {
	char	*provider;
	char	*operation;
	char	*method;
	char	*path;		/* exact, or a glob over '*' */
	json_t	*headers;	/* name -> exact value */
	json_t	*body;		/* a subset of the request body */
	int	 status;	/* journal counts only; 0: any */
	char	*rule;		/* journal counts only: the rule that fired */
	int	 warnings;	/* journal counts only: 1 with warnings, -1 without, 0 either */
};

/* What a request offers to a match; 'body' may be NULL. */
struct match_subject {
	const char	*provider;
	const char	*operation;
	const char	*method;
	const char	*path;
	const char	*(*header)(const void *arg, const char *name);
	const void	*header_arg;
	const json_t	*body;
	int		 status;
};

/*
 * Reads the keys match_parse knows from 'o' into 'm' ('o' may hold others:
 * 'known' is set to those it took, for the caller's own keys).  'where' is
 * the JSON path for messages ("rules[2].match").  Returns 0, or -1 with
 * '*cause' (heap, caller frees).
 */
int	match_parse(const json_t *o, const char *where, int with_status,
	    struct match *m, char **cause);
/* 1 if 'key' is one match_parse reads. */
int	match_key_known(const char *key, int with_status);
void	match_release(struct match *);
int	match_test(const struct match *, const struct match_subject *);
int	match_entry(const struct match *, const struct journal_entry *);

#endif
