/*
 * JSON with exact numbers.  jansson keeps no number text and turns decimals
 * into doubles, which money must never pass through; so a body's numbers are
 * carried as marker strings holding their exact text, and jsonx_dumps writes
 * them back as bare numbers.  Code reading a parsed body uses these helpers,
 * never json_is_string/json_is_number on its values.
 */
#ifndef PAYMOCK_JSONX_H
#define PAYMOCK_JSONX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parses 'len' bytes of JSON; duplicate keys, NUL characters and invalid
 * UTF-8 are errors.  Returns a new reference, or NULL with '*cause' set to a
 * heap string (the caller frees it).
 */
json_t		*jsonx_loads(const char *text, size_t len, char **cause);

/* The exact text of a number value, or NULL if 'v' is not a number. */
const char	*jsonx_number_text(const json_t *);
/*
 * The number's value in one spelling (money_canonical's: "25" for 2.5E+1,
 * "0.001" for 1e-3), or NULL if 'v' is not a number; the caller frees.
 */
char		*jsonx_number_value(const json_t *);
/* The value of a string that is not a number, or NULL. */
const char	*jsonx_string(const json_t *);
/* A JSON number with this exact text (the caller vouches for its syntax). */
json_t		*jsonx_number(const char *text);
/* A JSON number showing 'minor' with exactly 'decimals' places. */
json_t		*jsonx_amount(int64_t minor, int exponent, int decimals);
/* A JSON string holding the amount's text, for providers that send strings. */
json_t		*jsonx_amount_string(int64_t minor, int exponent, int decimals);
/* A number whose value is whole ("200", "2e2", "200.0") and fits in int64; 0 or -1. */
int		 jsonx_int64(const json_t *, int64_t *);
/* The type a provider's message names: "string", "number", "object", ... */
const char	*jsonx_type_name(const json_t *);

/*
 * 1 if 'pattern' is contained in 'v': objects by their keys (recursively),
 * everything else by equality, numbers by their value (1, 1.00 and 1e0
 * are equal, in arrays too).
 */
int		 jsonx_subset(const json_t *pattern, const json_t *v);

/* Compact text of 'v' (JSON_SORT_KEYS allowed in 'flags'); the caller frees. */
char		*jsonx_dumps(const json_t *v, size_t flags);
/*
 * The one text of 'v' by value, for fingerprints: keys sorted, numbers
 * spelt as money_canonical spells them, so 1, 1.00 and 1e0 are one body.
 * The caller frees.
 */
char		*jsonx_canonical(const json_t *v);

/*
 * About what jansson holds for 'v' and everything in it, by the sizes of its
 * structures (2.14, 64-bit) plus ALLOC_OVERHEAD per allocation: enough to
 * weigh headers, rules and bodies against a byte budget.  Shared values
 * count once per reference.
 */
size_t		 jsonx_bytes(const json_t *v);

#endif
