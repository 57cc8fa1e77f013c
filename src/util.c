/* Small helpers every module uses: allocation that cannot fail, fatal, strings. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fputs("paymock: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return (p);
}

void *
xrealloc(void *old, size_t n)
{
	void	*p = realloc(old, n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return (p);
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

char *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

static void	buf_vaddf(struct buf *, const char *, va_list);

char *
xasprintf(const char *fmt, ...)
{
	struct buf	b = { 0 };
	va_list		ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return (buf_steal(&b));
}

int
str_casecmp(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		int d = tolower((unsigned char)*a) - tolower((unsigned char)*b);
		if (d != 0)
			return (d);
	}
	return (tolower((unsigned char)*a) - tolower((unsigned char)*b));
}

size_t
str_bytes(const char *s)
{
	return (s != NULL ? strlen(s) + 1 + ALLOC_OVERHEAD : 0);
}

/* The length of the valid UTF-8 sequence at 's', or 0 (as jansson checks it). */
static size_t
utf8_seq(const unsigned char *s)
{
	size_t		n, i;
	unsigned	lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return (0);
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < n; i++, lo = 0x80, hi = 0xbf) {
		if (s[i] < lo || s[i] > hi)
			return (0);
	}
	return (n);
}

char *
utf8_scrub(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 n;

	while (*p != '\0') {
		if ((n = utf8_seq(p)) == 0)
			*p++ = '?';
		else
			p += n;
	}
	return (s);
}

/* A suffix a number may carry, and what one of it is worth. */
struct util_unit {
	const char	*suffix;
	uint64_t	 scale;
};

static const struct util_unit util_size_units[] = {
	{ "", 1 },
	{ "K", 1024 },
	{ "M", 1024 * 1024 },
	{ "G", 1024 * 1024 * 1024 },
};

static const struct util_unit util_duration_units[] = {
	{ "", 1000 },
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 3600 * 1000 },
	{ "d", 24 * 3600 * 1000 },
};

/* Digits and one of 'units' (case aside), scaled; 0, or -1 if not or past 'max'. */
static int
util_parse_scaled(const char *s, const struct util_unit *units, size_t nunits,
    uint64_t max, uint64_t *out)
{
	unsigned long long	 n;
	char			*end;
	size_t			 i;

	/* strtoull would take spaces, a sign and wrap "-1" around. */
	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return (-1);
	for (i = 0; i < nunits && str_casecmp(end, units[i].suffix) != 0; i++)
		continue;
	if (i == nunits || n > max / units[i].scale)
		return (-1);
	*out = n * units[i].scale;
	return (0);
}

int
util_parse_size(const char *s, size_t max, size_t *out)
{
	uint64_t	n;

	if (util_parse_scaled(s, util_size_units, nitems(util_size_units), max,
	    &n) != 0)
		return (-1);
	*out = (size_t)n;
	return (0);
}

int
util_parse_duration(const char *s, int64_t max_ms, int64_t *out)
{
	uint64_t	n;

	if (max_ms < 0 || util_parse_scaled(s, util_duration_units,
	    nitems(util_duration_units), (uint64_t)max_ms, &n) != 0)
		return (-1);
	*out = (int64_t)n;
	return (0);
}

uint64_t
hash_fnv1a(const void *p, size_t n)
{
	const unsigned char	*s = p;
	uint64_t		 h = 14695981039346656037ULL;

	while (n-- > 0) {
		h ^= *s++;
		h *= 1099511628211ULL;
	}
	return (h);
}

static void
buf_grow(struct buf *b, size_t more)
{
	size_t	need = b->len + more + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	copy;
	int	n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		fatal("%s: bad format '%s'", __func__, fmt);
	buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *
buf_steal(struct buf *b)
{
	char	*s = b->data != NULL ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return (s);
}

void
buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void *
ring_grow(void *ring, size_t size, size_t head, size_t count, size_t slots,
    size_t new_slots)
{
	char	*to = xmalloc(new_slots * size);
	size_t	 first = count < slots - head ? count : slots - head;

	if (count > 0) {
		memcpy(to, (char *)ring + head * size, first * size);
		memcpy(to + first * size, ring, (count - first) * size);
	}
	free(ring);
	return (to);
}

char *
util_read_file(const char *path, size_t max, size_t *len)
{
	FILE		*fp = fopen(path, "r");
	struct buf	 text = { 0 };
	char		 chunk[8192];
	size_t		 n;

	*len = 0;
	if (fp == NULL)
		return (NULL);
	while (text.len <= max && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&text, chunk, n);
	fclose(fp);
	*len = text.len;
	if (text.len > max) {
		buf_release(&text);
		return (NULL);
	}
	return (buf_steal(&text));
}

void
headers_each(const char *text,
    void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
	const char	*line, *end, *colon;
	char		*name, *value;

	for (line = text; line != NULL && *line != '\0'; line = end) {
		if ((end = strchr(line, '\n')) == NULL)
			end = line + strlen(line);
		/* ": " within this line only. */
		for (colon = line; colon + 1 < end &&
		    (colon[0] != ':' || colon[1] != ' '); colon++)
			;
		if (colon > line && colon + 1 < end) {
			name = xstrndup(line, (size_t)(colon - line));
			value = xstrndup(colon + 2, (size_t)(end - colon - 2));
			fn(name, value, arg);
			free(name);
			free(value);
		}
		if (*end == '\n')
			end++;
	}
}
