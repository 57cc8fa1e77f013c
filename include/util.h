/* Small helpers every module uses: allocation that cannot fail, fatal, strings. */
#ifndef PAYMOCK_UTIL_H
#define PAYMOCK_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

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
/*
 * Replaces in place every byte that is not part of valid UTF-8 with '?', so
 * that text from the wire (a path, a header, a message cut by snprintf) can
 * go into JSON, which jansson refuses otherwise; returns 's'.
 */
char	*utf8_scrub(char *s);

/* FNV-1a, 64 bits: map keys, fingerprints, seeds. */
uint64_t hash_fnv1a(const void *, size_t);

/*
 * Grows a ring of 'count' elements of 'size' bytes, the oldest at 'head' of
 * 'slots', to 'new_slots' (at least 'count'): returns the new array with
 * the elements in order from 0, and frees the old one.
 */
void	*ring_grow(void *ring, size_t size, size_t head, size_t count, size_t slots,
	    size_t new_slots);

/* Bytes: digits with an optional K, M or G (powers of 1024); 0, or -1. */
int	 util_parse_size(const char *, size_t *bytes);
/* Milliseconds: digits with an optional ms, s, m, h or d (none: s); 0, or -1. */
int	 util_parse_duration(const char *, int64_t *ms);

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
