/* JSON with exact numbers: numbers travel as marker strings holding their text. */
#include <sys/types.h>

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

/*
 * Rewrites every number outside strings into a marker string.  The text is
 * copied in runs, and only once a number is seen: 'out' stays empty (NULL
 * data) when there is none, and the caller parses 's' itself.
 */
static int
jsonx_mark_numbers(const char *s, size_t len, struct buf *out, char **cause)
{
	size_t	i = 0, n, done = 0;

	while (i < len) {
		char c = s[i];
		if (c == '"') {
			i++;
			while (i < len && s[i] != '"') {
				if (s[i] == '\\') {
					if (len - i >= 6 && strncmp(s + i, "\\u0000", 6) == 0) {
						*cause = xasprintf("NUL character in a string "
						    "at byte %zu", i);
						return (-1);
					}
					/* A body may end inside an escape. */
					if (++i == len)
						break;
				}
				i++;
			}
			if (i < len)
				i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			if ((n = jsonx_scan_number(s, len, i)) == 0) {
				*cause = xasprintf("invalid number at byte %zu", i);
				return (-1);
			}
			buf_add(out, s + done, i - done);
			buf_adds(out, JSONX_DUMPMARK);
			buf_add(out, s + i, n);
			buf_add(out, "\"", 1);
			i += n;
			done = i;
		} else
			i++;
	}
	if (done > 0)
		buf_add(out, s + done, len - done);
	return (0);
}

/*
 * A fast parser for the plain documents requests carry: it builds the very
 * tree jansson would build from the marked text (numbers as marker strings,
 * keys in document order), and gives up (NULL) on anything it does not take
 * on itself: bytes above 0x7f, \u escapes, a duplicate key, deep nesting,
 * long strings, or any syntax error.  The full path then parses (or
 * refuses) the text as before, with its own messages.
 */
#define JSONX_FAST_DEPTH	32
#define JSONX_FAST_STR		1024

struct jsonx_in {
	const char	*p, *end;
	const char	*start;
	int		 depth;
};

static void
jsonx_fast_ws(struct jsonx_in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' ||
	    *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

/* The string at in->p (its opening quote) into 'buf'; its length, or -1. */
static ssize_t
jsonx_fast_string(struct jsonx_in *in, char *buf)
{
	const char	*p = in->p + 1;
	size_t		 n = 0;
	char		 c;

	for (; p < in->end && n < JSONX_FAST_STR; p++) {
		c = *p;
		if (c == '"') {
			in->p = p + 1;
			return ((ssize_t)n);
		}
		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x80)
			return (-1);
		if (c == '\\') {
			if (++p == in->end)
				return (-1);
			switch (*p) {
			case '"': case '\\': case '/': c = *p; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			default: return (-1);	/* \u and bad escapes: the full path */
			}
		}
		buf[n++] = c;
	}
	return (-1);
}

static json_t	*jsonx_fast_value(struct jsonx_in *);

static json_t *
jsonx_fast_container(struct jsonx_in *in, int object)
{
	json_t	*v = object ? json_object() : json_array(), *item;
	char	 key[JSONX_FAST_STR];
	ssize_t	 klen = 0;

	in->p++;
	jsonx_fast_ws(in);
	if (in->p < in->end && *in->p == (object ? '}' : ']')) {
		in->p++;
		return (v);
	}
	for (;;) {
		if (object) {
			if (in->p == in->end || *in->p != '"' ||
			    (klen = jsonx_fast_string(in, key)) < 0 ||
			    json_object_getn(v, key, (size_t)klen) != NULL)
				goto fail;
			jsonx_fast_ws(in);
			if (in->p == in->end || *in->p++ != ':')
				goto fail;
			jsonx_fast_ws(in);
		}
		if ((item = jsonx_fast_value(in)) == NULL)
			goto fail;
		if (object)
			json_object_setn_new_nocheck(v, key, (size_t)klen, item);
		else
			json_array_append_new(v, item);
		jsonx_fast_ws(in);
		if (in->p == in->end)
			goto fail;
		if (*in->p == (object ? '}' : ']')) {
			in->p++;
			return (v);
		}
		if (*in->p++ != ',')
			goto fail;
		jsonx_fast_ws(in);
	}
fail:
	json_decref(v);
	return (NULL);
}

static json_t *
jsonx_fast_value(struct jsonx_in *in)
{
	char	buf[JSONX_FAST_STR + JSONX_MARKLEN];
	size_t	left = (size_t)(in->end - in->p), n;
	ssize_t	slen;
	json_t	*v;

	if (left == 0)
		return (NULL);
	switch (*in->p) {
	case '{':
	case '[':
		if (++in->depth > JSONX_FAST_DEPTH)
			return (NULL);
		v = jsonx_fast_container(in, *in->p == '{');
		in->depth--;
		return (v);
	case '"':
		if ((slen = jsonx_fast_string(in, buf)) < 0)
			return (NULL);
		return (json_stringn_nocheck(buf, (size_t)slen));
	case 't':
		if (left < 4 || memcmp(in->p, "true", 4) != 0)
			return (NULL);
		in->p += 4;
		return (json_true());
	case 'f':
		if (left < 5 || memcmp(in->p, "false", 5) != 0)
			return (NULL);
		in->p += 5;
		return (json_false());
	case 'n':
		if (left < 4 || memcmp(in->p, "null", 4) != 0)
			return (NULL);
		in->p += 4;
		return (json_null());
	default:
		if (*in->p != '-' && (*in->p < '0' || *in->p > '9'))
			return (NULL);
		n = jsonx_scan_number(in->start, (size_t)(in->end - in->start),
		    (size_t)(in->p - in->start));
		if (n == 0 || n > JSONX_FAST_STR)
			return (NULL);
		/* A marker string, as jsonx_mark_numbers then jansson make it. */
		memcpy(buf, JSONX_MARK, JSONX_MARKLEN);
		memcpy(buf + JSONX_MARKLEN, in->p, n);
		in->p += n;
		return (json_stringn_nocheck(buf, JSONX_MARKLEN + n));
	}
}

static json_t *
jsonx_fast_loads(const char *text, size_t len)
{
	struct jsonx_in	 in = { text, text + len, text, 0 };
	json_t		*v;

	jsonx_fast_ws(&in);
	if ((v = jsonx_fast_value(&in)) == NULL)
		return (NULL);
	jsonx_fast_ws(&in);
	if (in.p != in.end) {
		json_decref(v);
		return (NULL);
	}
	return (v);
}

/*
 * jansson's message, about the client's own text: the token it quotes
 * ("near '...'") may be a marker, so the place is told as a byte offset in
 * the original instead, the marked bytes before it taken away.
 */
static char *
jsonx_error(const json_error_t *err, const struct buf *marked)
{
	size_t	pos = err->position > 0 ? (size_t)err->position : 0;
	size_t	at = pos, i, marklen = strlen(JSONX_DUMPMARK), cut;

	for (i = 0; marked->data != NULL && i < pos && i < marked->len; i++) {
		if (marked->len - i < marklen ||
		    memcmp(marked->data + i, JSONX_DUMPMARK, marklen) != 0)
			continue;
		at -= pos - i < marklen ? pos - i : marklen;
		for (i += marklen; i < marked->len && marked->data[i] != '"'; i++)
			;
		if (i < pos)
			at--;	/* the marker's closing quote */
	}
	cut = strstr(err->text, " near ") != NULL ?
	    (size_t)(strstr(err->text, " near ") - err->text) : strlen(err->text);
	return (xasprintf("%.*s at byte %zu", (int)cut, err->text, at));
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
	if ((v = jsonx_fast_loads(text, len)) != NULL)
		return (v);
	if (jsonx_mark_numbers(text, len, &marked, cause) != 0) {
		buf_release(&marked);
		return (NULL);
	}
	/* Without numbers there is nothing marked: the text is parsed as it is. */
	v = json_loadb(marked.data != NULL ? marked.data : text,
	    marked.data != NULL ? marked.len : len,
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
	if (v == NULL)
		*cause = jsonx_error(&err, &marked);
	buf_release(&marked);
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
	char		*t, *p;
	int64_t		 n = 0;
	int		 neg, rc = 0;

	if (jsonx_number_text(v) == NULL)
		return (json_is_integer(v) ? (*out = json_integer_value(v), 0) : -1);
	/* 2e2 is 200: the value's own spelling has no point or exponent then. */
	if ((t = jsonx_number_value(v)) == NULL)
		return (-1);
	neg = *t == '-';
	for (p = t + neg; *p != '\0' && rc == 0; p++) {
		if (*p < '0' || *p > '9' || n > (INT64_MAX - (*p - '0')) / 10)
			rc = -1;
		else
			n = n * 10 + (*p - '0');
	}
	free(t);
	if (rc == 0)
		*out = neg ? -n : n;
	return (rc);
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

char *
jsonx_number_value(const json_t *v)
{
	const char	*t = jsonx_number_text(v);
	struct buf	 canon = { 0 };

	if (t == NULL || money_canonical(t, strlen(t), &canon) != 0) {
		buf_release(&canon);
		return (NULL);
	}
	return (buf_steal(&canon));
}

/* Equality by value: numbers as money_canonical spells them, all else as jansson. */
static int
jsonx_same(const json_t *a, const json_t *b)
{
	const char	*key;
	json_t		*item;
	char		*ca, *cb;
	size_t		 i;
	int		 same;

	if (jsonx_is_marked(a) && jsonx_is_marked(b)) {
		ca = jsonx_number_value(a);
		cb = jsonx_number_value(b);
		same = ca != NULL && cb != NULL && strcmp(ca, cb) == 0;
		free(ca);
		free(cb);
		return (same);
	}
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return (0);
		json_array_foreach(a, i, item)
			if (!jsonx_same(item, json_array_get(b, i)))
				return (0);
		return (1);
	}
	if (json_is_object(a) && json_is_object(b)) {
		if (json_object_size(a) != json_object_size(b))
			return (0);
		json_object_foreach((json_t *)a, key, item) {
			const json_t *other = json_object_get(b, key);
			if (other == NULL || !jsonx_same(item, other))
				return (0);
		}
		return (1);
	}
	return (json_equal((json_t *)a, (json_t *)b));
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
	return (v != NULL && jsonx_same(pattern, v));
}

/* A copy of 'v' whose numbers are spelt by their value; a new reference. */
static json_t *
jsonx_by_value(json_t *v)
{
	const char	*key;
	char		*canon;
	json_t		*item, *copy;
	size_t		 i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		copy = json_object();
		json_object_foreach(v, key, item)
			json_object_set_new_nocheck(copy, key, jsonx_by_value(item));
		return (copy);
	case JSON_ARRAY:
		copy = json_array();
		json_array_foreach(v, i, item)
			json_array_append_new(copy, jsonx_by_value(item));
		return (copy);
	default:
		if ((canon = jsonx_number_value(v)) == NULL)
			return (json_incref(v));
		copy = jsonx_number(canon);
		free(canon);
		return (copy);
	}
}

char *
jsonx_canonical(const json_t *v)
{
	json_t	*copy = jsonx_by_value((json_t *)v);
	char	*s = jsonx_dumps(copy, JSON_SORT_KEYS);

	json_decref(copy);
	return (s);
}

/*
 * A compact writer for the common case, byte for byte what jansson writes
 * with JSON_COMPACT (and JSON_SORT_KEYS): jansson's dump goes through a
 * callback per token and decodes every character as UTF-8, several times
 * the cost.  Anything it is not sure to write as jansson would (a real, a
 * byte above 0x7f, a key holding NUL, a text over the buffer, deep nesting)
 * makes it return -1, and jansson writes the whole value instead.
 */
#define JSONX_OUT_MAX	4096
#define JSONX_DEPTH_MAX	64

struct jsonx_out {
	char	buf[JSONX_OUT_MAX];
	size_t	len;
	int	nul;		/* a \u0000 was written: markers to undo */
};

struct jsonx_key {
	const char	*key;
	size_t		 len;
	json_t		*value;
};

static int
jsonx_put(struct jsonx_out *o, const char *p, size_t n)
{
	if (n > sizeof o->buf - o->len)
		return (-1);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return (0);
}

/* As jansson's dump_string: \\ \" \b \f \n \r \t, other controls \u00XX. */
static int
jsonx_put_string(struct jsonx_out *o, const char *s, size_t n)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i, run = 0;
	char			esc[6];
	size_t			elen;

	if (jsonx_put(o, "\"", 1) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
			continue;
		if (c >= 0x80)
			return (-1);	/* jansson checks UTF-8: let it */
		esc[0] = '\\';
		elen = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			o->nul |= c == '\0';
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			elen = 6;
			break;
		}
		if (jsonx_put(o, s + run, i - run) != 0 || jsonx_put(o, esc, elen) != 0)
			return (-1);
		run = i + 1;
	}
	if (jsonx_put(o, s + run, n - run) != 0)
		return (-1);
	return (jsonx_put(o, "\"", 1));
}

/* jansson's order for JSON_SORT_KEYS: bytes, then length. */
static int
jsonx_key_cmp(const void *a, const void *b)
{
	const struct jsonx_key	*k1 = a, *k2 = b;
	size_t			 n = k1->len < k2->len ? k1->len : k2->len;
	int			 r = memcmp(k1->key, k2->key, n);

	if (r != 0)
		return (r);
	return (k1->len < k2->len ? -1 : k1->len > k2->len);
}

static int
jsonx_put_value(struct jsonx_out *o, const json_t *v, size_t flags, int depth)
{
	struct jsonx_key	 keys[32];
	char			 num[24], *p;
	unsigned long long	 u;
	size_t			 i, n;
	void			*it;

	if (v == NULL || depth > JSONX_DEPTH_MAX)
		return (-1);
	switch (json_typeof(v)) {
	case JSON_STRING:
		return (jsonx_put_string(o, json_string_value(v), json_string_length(v)));
	case JSON_INTEGER:
		/* "%lld", as jansson's JSON_INTEGER_FORMAT */
		u = json_integer_value(v) < 0 ? 0ULL - (unsigned long long)json_integer_value(v) :
		    (unsigned long long)json_integer_value(v);
		p = num + sizeof num;
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u != 0);
		if (json_integer_value(v) < 0)
			*--p = '-';
		return (jsonx_put(o, p, (size_t)(num + sizeof num - p)));
	case JSON_TRUE:
		return (jsonx_put(o, "true", 4));
	case JSON_FALSE:
		return (jsonx_put(o, "false", 5));
	case JSON_NULL:
		return (jsonx_put(o, "null", 4));
	case JSON_ARRAY:
		if (jsonx_put(o, "[", 1) != 0)
			return (-1);
		for (i = 0; i < json_array_size(v); i++) {
			if ((i > 0 && jsonx_put(o, ",", 1) != 0) ||
			    jsonx_put_value(o, json_array_get(v, i), flags, depth + 1) != 0)
				return (-1);
		}
		return (jsonx_put(o, "]", 1));
	case JSON_OBJECT:
		if ((n = json_object_size(v)) > nitems(keys))
			return (-1);
		i = 0;
		for (it = json_object_iter((json_t *)v); it != NULL && i < n;
		    it = json_object_iter_next((json_t *)v, it), i++) {
			keys[i].key = json_object_iter_key(it);
			keys[i].len = json_object_iter_key_len(it);
			keys[i].value = json_object_iter_value(it);
			if (strlen(keys[i].key) != keys[i].len)
				return (-1);
		}
		if (i != n || it != NULL)
			return (-1);
		if (flags & JSON_SORT_KEYS)
			qsort(keys, n, sizeof *keys, jsonx_key_cmp);
		if (jsonx_put(o, "{", 1) != 0)
			return (-1);
		for (i = 0; i < n; i++) {
			if ((i > 0 && jsonx_put(o, ",", 1) != 0) ||
			    jsonx_put_string(o, keys[i].key, keys[i].len) != 0 ||
			    jsonx_put(o, ":", 1) != 0 ||
			    jsonx_put_value(o, keys[i].value, flags, depth + 1) != 0)
				return (-1);
		}
		return (jsonx_put(o, "}", 1));
	default:
		return (-1);	/* a real: jansson's own formatting */
	}
}

char *
jsonx_dumps(const json_t *v, size_t flags)
{
	struct jsonx_out	 out;
	char			*s, *r, *w;
	size_t			 marklen = strlen(JSONX_DUMPMARK);

	out.len = 0;
	out.nul = 0;
	if ((flags & ~(size_t)JSON_SORT_KEYS) == 0 &&
	    jsonx_put_value(&out, v, flags, 0) == 0) {
		s = xmalloc(out.len + 1);
		memcpy(s, out.buf, out.len);
		s[out.len] = '\0';
		if (!out.nul)
			return (s);	/* no \u0000, so no marker either */
	} else
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | flags);
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

/* jansson's own structures on 64-bit: a value header (type, refcount) and what follows. */
#define JSONX_SCALAR_BYTES	32	/* a string's pointer and length; a number fits too */
#define JSONX_OBJECT_BYTES	72	/* a hashtable: size, buckets, order, two lists */
#define JSONX_BUCKET_BYTES	16
#define JSONX_PAIR_BYTES	56	/* hash, two links, value, key length; then the key */
#define JSONX_ARRAY_BYTES	40
#define JSONX_FIRST_SLOTS	8	/* buckets and array slots start at 8 and double */

static size_t
jsonx_slots(size_t n)
{
	size_t	slots = JSONX_FIRST_SLOTS;

	while (slots < n)
		slots *= 2;
	return (slots);
}

size_t
jsonx_bytes(const json_t *v)
{
	const char	*key;
	json_t		*item;
	size_t		 i, n;

	if (v == NULL)
		return (0);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		n = JSONX_OBJECT_BYTES + jsonx_slots(json_object_size(v) + 1) *
		    JSONX_BUCKET_BYTES + 2 * ALLOC_OVERHEAD;
		json_object_foreach((json_t *)v, key, item)
			n += JSONX_PAIR_BYTES + strlen(key) + 1 + ALLOC_OVERHEAD +
			    jsonx_bytes(item);
		return (n);
	case JSON_ARRAY:
		n = JSONX_ARRAY_BYTES + jsonx_slots(json_array_size(v)) *
		    sizeof(json_t *) + 2 * ALLOC_OVERHEAD;
		json_array_foreach(v, i, item)
			n += jsonx_bytes(item);
		return (n);
	case JSON_STRING:
		return (JSONX_SCALAR_BYTES + json_string_length(v) + 1 +
		    2 * ALLOC_OVERHEAD);
	case JSON_INTEGER:
	case JSON_REAL:
		return (JSONX_SCALAR_BYTES + ALLOC_OVERHEAD);
	default:
		/* true, false and null are jansson's singletons. */
		return (0);
	}
}
