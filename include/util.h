/* Small helpers every module uses: allocation that cannot fail, fatal, strings. */
#ifndef PAYMOCK_UTIL_H
#define PAYMOCK_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/*
 * What malloc keeps beside each block (glibc: a size word, and rounding to
 * 16): byte counts add it per allocation, so many small strings weigh what
 * they cost.
 */
#define ALLOC_OVERHEAD	16
/* What an allocation of 'n' bytes costs, as byte counts add it up. */
#define alloc_bytes(n)	((size_t)(n) + ALLOC_OVERHEAD)

/* Out-of-memory and programming errors only; bad input never gets here. */
void	 fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Returns a heap string the caller frees. */
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int	 str_casecmp(const char *, const char *);
/* What a heap copy of 's' costs: its bytes, its NUL, ALLOC_OVERHEAD; 0 for NULL. */
size_t	 str_bytes(const char *s);
/*
 * Replaces in place every byte that is not part of valid UTF-8 with '?', so
 * that text from the wire (a path, a header, a message cut by snprintf) can
 * go into JSON, which jansson refuses otherwise; returns 's'.
 */
char	*utf8_scrub(char *s);

/*
 * A size for a flag: bytes, or a number with K, M or G (powers of 1024,
 * either case).  0, or -1 if 's' is not one or exceeds 'max'.
 */
int	 util_parse_size(const char *s, size_t max, size_t *out);
/*
 * A duration for a flag, in milliseconds: a number of seconds, or a number
 * with ms, s, m, h or d.  0, or -1 if 's' is not one or exceeds 'max_ms'.
 */
int	 util_parse_duration(const char *s, int64_t max_ms, int64_t *out);

/*
 * The whole file at 'path', NUL-terminated, in a heap string the caller
 * frees, its length in '*len'.  NULL if it cannot be opened ('*len' 0) or
 * holds more than 'max' bytes ('*len' above 'max': reading stops there).
 */
char	*util_read_file(const char *path, size_t max, size_t *len);

/* FNV-1a, 64 bits: map keys, fingerprints, seeds. */
uint64_t hash_fnv1a(const void *, size_t);

/*
 * Grows a ring of 'count' elements of 'size' bytes, the oldest at 'head' of
 * 'slots', to 'new_slots' (at least 'count'): returns the new array with
 * the elements in order from 0, and frees the old one.
 */
void	*ring_grow(void *ring, size_t size, size_t head, size_t count, size_t slots,
	    size_t new_slots);

/*
 * Calls 'fn' with each "Name: value" line of 'text' ("\n" ends a line, the
 * last may lack it), as stored for logged and replayed replies.  NULL text
 * has none; a line without ": " or with an empty name is skipped, so stored
 * text that went wrong never reads past its end.  'name' and 'value' are
 * NUL-terminated and live only during the call.
 */
void	 headers_each(const char *text,
	    void (*fn)(const char *name, const char *value, void *arg), void *arg);


/* A growable byte buffer, always NUL-terminated. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addf(struct buf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the contents to the caller, who frees them; the buf is empty after. */
char	*buf_steal(struct buf *);
void	 buf_release(struct buf *);

#endif
