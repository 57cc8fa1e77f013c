/* Request body field checks that every adapter shares. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "field.h"
#include "jsonx.h"
#include "money.h"
#include "util.h"

int
field_fail(struct field_error *e, enum field_problem p, const char *name,
    const char *fmt, ...)
{
	va_list	ap;
	char	what[200];

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	e->problem = p;
	snprintf(e->field, sizeof e->field, "%s", name);
	snprintf(e->message, sizeof e->message, "%s %s", name, what);
	return (-1);
}

static const json_t *
field_get(const json_t *obj, const char *name)
{
	const char	*dot = strrchr(name, '.');
	const json_t	*v = json_object_get(obj, dot != NULL ? dot + 1 : name);

	return (json_is_null(v) ? NULL : v);
}

static size_t
field_utf8_len(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return (n);
}

int
field_string(const json_t *obj, const char *name, int required, size_t min,
    size_t max, const char **out, struct field_error *e)
{
	const json_t	*v = field_get(obj, name);
	size_t		 len;

	*out = NULL;
	if (v == NULL)
		return (required ? field_fail(e, FIELD_MISSING, name, "is required") : 0);
	if ((*out = jsonx_string(v)) == NULL)
		return (field_fail(e, FIELD_TYPE, name, "must be a string, not %s",
		    jsonx_type_name(v)));
	len = field_utf8_len(*out);
	if (len == 0 && min > 0)
		return (field_fail(e, FIELD_EMPTY, name, "must not be empty"));
	if (len < min || len > max) {
		if (min == max)
			return (field_fail(e, FIELD_LENGTH, name, "must be exactly "
			    "%zu characters", min));
		return (field_fail(e, FIELD_LENGTH, name, "must be %zu to %zu "
		    "characters", min, max));
	}
	return (0);
}

int
field_object(const json_t *obj, const char *name, int required,
    const json_t **out, struct field_error *e)
{
	const json_t	*v = field_get(obj, name);

	*out = NULL;
	if (v == NULL)
		return (required ? field_fail(e, FIELD_MISSING, name, "is required") : 0);
	if (!json_is_object(v))
		return (field_fail(e, FIELD_TYPE, name, "must be an object, not %s",
		    jsonx_type_name(v)));
	*out = v;
	return (0);
}

int
field_amount(const json_t *obj, const char *name, int required,
    enum field_amount_syntax syntax, int exponent, int64_t *out, int *present,
    struct field_error *e)
{
	const json_t	*v = field_get(obj, name);
	const char	*text = NULL, *why;

	*present = v != NULL;
	if (v == NULL)
		return (required ? field_fail(e, FIELD_MISSING, name, "is required") : 0);
	if (syntax != AMOUNT_STRING)
		text = jsonx_number_text(v);
	if (text == NULL && syntax != AMOUNT_NUMBER)
		text = jsonx_string(v);
	if (text == NULL)
		return (field_fail(e, FIELD_TYPE, name, "must be %s, not %s",
		    syntax == AMOUNT_NUMBER ? "a number" : syntax == AMOUNT_STRING ?
		    "a decimal string" : "a number or a decimal string",
		    jsonx_type_name(v)));
	if ((jsonx_number_text(v) != NULL ? money_parse_number : money_parse)(text,
	    strlen(text), exponent, out, &why) != 0)
		return (field_fail(e, FIELD_FORMAT, name, "%s", why));
	if (*out == 0)
		return (field_fail(e, FIELD_FORMAT, name, "must be greater than zero"));
	return (0);
}

int
field_currency(const json_t *obj, const char *name, int required,
    const char **out, int *exponent, struct field_error *e)
{
	if (field_string(obj, name, required, 3, 3, out, e) != 0)
		return (-1);
	if (*out == NULL)
		return (0);
	if (strspn(*out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
		return (field_fail(e, FIELD_FORMAT, name, "must be 3 uppercase letters "
		    "(ISO 4217)"));
	if ((*exponent = money_exponent(*out)) < 0)
		return (field_fail(e, FIELD_FORMAT, name, "'%s' is not a known "
		    "ISO 4217 currency", *out));
	return (0);
}
