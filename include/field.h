/*
 * Request body field checks that every adapter shares.  A check that fails
 * fills a field_error with the problem and an English message naming the
 * field; the adapter renders it with its own code and status.
 */
#ifndef PAYMOCK_FIELD_H
#define PAYMOCK_FIELD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum field_problem {
	FIELD_MISSING,		/* absent or null */
	FIELD_EMPTY,		/* an empty string */
	FIELD_TYPE,		/* the wrong JSON type */
	FIELD_LENGTH,		/* too short or too long */
	FIELD_FORMAT,		/* the right type, a bad value */
};

struct field_error {
	enum field_problem	problem;
	char			field[64];
	char			message[256];
};

/* How a provider sends amounts. */
enum field_amount_syntax {
	AMOUNT_NUMBER,
	AMOUNT_STRING,
	AMOUNT_EITHER,
};

/*
 * Each returns 0, or -1 with 'e' filled.  An optional field that is absent
 * gives 0 with '*out' NULL (or 'present' 0).  'name' is the path shown in
 * messages ("modifiedAmount.amount"); the member looked up is its last part.
 */
int	field_string(const json_t *obj, const char *name, int required,
	    size_t min, size_t max, const char **out, struct field_error *e);
int	field_object(const json_t *obj, const char *name, int required,
	    const json_t **out, struct field_error *e);
/* A positive amount in minor units at 'exponent'. */
int	field_amount(const json_t *obj, const char *name, int required,
	    enum field_amount_syntax, int exponent, int64_t *out, int *present,
	    struct field_error *e);
/* A 3-letter uppercase code paymock knows; sets the exponent. */
int	field_currency(const json_t *obj, const char *name, int required,
	    const char **out, int *exponent, struct field_error *e);
/* Fills 'e' for a problem the adapter found itself. */
int	field_fail(struct field_error *, enum field_problem, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
