/* JSON with exact numbers: numbers travel as marker strings holding their text. */
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "money.h"
#include "util.h"

/* No parsed string can hold NUL (jsonx_loads refuses \u0000), so this is ours. */
#define JSONX_MARK	"\0#"
#define JSONX_MARKLEN	2
#define JSONX_DUMPMARK	"\"\\u0000#"

static size_t
jsonx_scan_number(const char *s, size_t len, size_t i)
{
	size_t	start = i;

#define DIGITS() while (i < len && s[i] >= '0' && s[i] <= '9') i++
	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && s[i] >= '1' && s[i] <= '9')
		DIGITS();
	else
		return (0);
	if (i < len && s[i] == '.') {
		size_t f = ++i;
		DIGITS();
		if (i == f)
			return (0);
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t e;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		e = i;
		DIGITS();
		if (i == e)
			return (0);
	}
#undef DIGITS
	return (i - start);
}

/* Rewrites every number outside strings into a marker string. */
static int
jsonx_mark_numbers(const char *s, size_t len, struct buf *out, char **cause)
{
	size_t	i = 0, n;

	while (i < len) {
		char c = s[i];
		if (c == '"') {
			size_t start = i++;
			while (i < len && s[i] != '"') {
				if (s[i] == '\\') {
					if (len - i >= 6 && strncmp(s + i, "\\u0000", 6) == 0) {
						*cause = xasprintf("NUL character in a string "
						    "at byte %zu", i);
						return (-1);
					}
					i++;
				}
				i++;
			}
			if (i < len)
				i++;
			buf_add(out, s + start, i - start);
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			if ((n = jsonx_scan_number(s, len, i)) == 0) {
				*cause = xasprintf("invalid number at byte %zu", i);
				return (-1);
			}
			buf_adds(out, JSONX_DUMPMARK);
			buf_add(out, s + i, n);
			buf_add(out, "\"", 1);
			i += n;
		} else {
			buf_add(out, &c, 1);
			i++;
		}
	}
	return (0);
}

json_t *
jsonx_loads(const char *text, size_t len, char **cause)
{
	struct buf	marked = { 0 };
	json_error_t	err;
	json_t		*v;

	*cause = NULL;
	if (memchr(text, '\0', len) != NULL) {
		*cause = xstrdup("NUL byte in body");
		return (NULL);
	}
	if (jsonx_mark_numbers(text, len, &marked, cause) != 0) {
		buf_release(&marked);
		return (NULL);
	}
	v = json_loadb(marked.data != NULL ? marked.data : "", marked.len,
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
	buf_release(&marked);
	if (v == NULL)
		*cause = xasprintf("%s", err.text);
	return (v);
}

static int
jsonx_is_marked(const json_t *v)
{
	return (json_is_string(v) && json_string_length(v) > JSONX_MARKLEN &&
	    memcmp(json_string_value(v), JSONX_MARK, JSONX_MARKLEN) == 0);
}

const char *
jsonx_number_text(const json_t *v)
{
	return (jsonx_is_marked(v) ? json_string_value(v) + JSONX_MARKLEN : NULL);
}

const char *
jsonx_string(const json_t *v)
{
	return (json_is_string(v) && !jsonx_is_marked(v) ? json_string_value(v) : NULL);
}

json_t *
jsonx_number(const char *text)
{
	struct buf	b = { 0 };
	json_t		*v;

	buf_add(&b, JSONX_MARK, JSONX_MARKLEN);
	buf_adds(&b, text);
	v = json_stringn_nocheck(b.data, b.len);
	buf_release(&b);
	return (v);
}

json_t *
jsonx_amount(int64_t minor, int exponent, int decimals)
{
	char	text[MONEY_TEXT_MAX];

	return (jsonx_number(money_format(minor, exponent, decimals, text)));
}

json_t *
jsonx_amount_string(int64_t minor, int exponent, int decimals)
{
	char	text[MONEY_TEXT_MAX];

	return (json_string(money_format(minor, exponent, decimals, text)));
}

int
jsonx_int64(const json_t *v, int64_t *out)
{
	const char	*t = jsonx_number_text(v), *p;
	int64_t		 n = 0;
	int		 neg;

	if (t == NULL)
		return (json_is_integer(v) ? (*out = json_integer_value(v), 0) : -1);
	neg = *t == '-';
	for (p = t + neg; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > (INT64_MAX - (*p - '0')) / 10)
			return (-1);
		n = n * 10 + (*p - '0');
	}
	*out = neg ? -n : n;
	return (0);
}

const char *
jsonx_type_name(const json_t *v)
{
	if (jsonx_is_marked(v) || json_is_number(v))
		return ("number");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return ("object");
	case JSON_ARRAY:
		return ("array");
	case JSON_STRING:
		return ("string");
	case JSON_TRUE:
	case JSON_FALSE:
		return ("boolean");
	default:
		return ("null");
	}
}

int
jsonx_subset(const json_t *pattern, const json_t *v)
{
	const char	*key;
	json_t		*pv;

	if (json_is_object(pattern)) {
		if (!json_is_object(v))
			return (0);
		json_object_foreach((json_t *)pattern, key, pv) {
			if (!jsonx_subset(pv, json_object_get(v, key)))
				return (0);
		}
		return (1);
	}
	return (v != NULL && json_equal((json_t *)pattern, (json_t *)v));
}

char *
jsonx_dumps(const json_t *v, size_t flags)
{
	char	*s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | flags);
	char	*r, *w;
	size_t	 marklen = strlen(JSONX_DUMPMARK);

	if (s == NULL)
		fatal("%s: json_dumps failed", __func__);
	if (strstr(s, JSONX_DUMPMARK) == NULL)
		return (s);
	for (r = w = s; *r != '\0';) {
		if (strncmp(r, JSONX_DUMPMARK, marklen) == 0) {
			r += marklen;
			while (*r != '"')
				*w++ = *r++;
			r++;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (s);
}
