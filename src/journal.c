/* The journal: every provider request and its reply, a bounded ring per session. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "journal.h"
#include "jsonx.h"
#include "quota.h"
#include "util.h"

/*
 * The ring grows as entries come, up to 'cap': a session that makes few
 * requests does not hold 10,000 empty slots (a megabyte, which glibc may
 * have to clear).  The byte budget may move 'head' before the ring is
 * full, so growing puts the entries back in order from slot 0.
 */
#define JOURNAL_FIRST_SLOTS	16

struct journal {
	struct journal_entry	*ring;
	size_t			 cap, head, count;
	size_t			 slots;		/* allocated, <= cap */
	size_t			 bytes;		/* held by the entries */
	uint64_t		 next_seq;
};

struct journal *
journal_new(size_t cap)
{
	struct journal	*j = xcalloc(1, sizeof *j);

	j->cap = cap;
	j->next_seq = 1;
	return (j);
}

static void
journal_entry_release(const struct journal_entry *e)
{
	free(e->method);
	free(e->path);
	free(e->req_headers);
	free(e->resp_headers);
	free(e->req_body);
	free(e->resp_body);
	free(e->rule);
	free(e->action);
	free(e->refund_id);
	free(e->note);
	free(e->warnings);
}

void
journal_clear(struct journal *j)
{
	size_t	i;

	for (i = 0; i < j->count; i++)
		journal_entry_release(&j->ring[(j->head + i) % j->slots]);
	j->head = j->count = j->bytes = 0;
	free(j->ring);
	j->ring = NULL;
	j->slots = 0;
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	journal_clear(j);
	free(j);
}

/* The packed headers' length, the final NUL included; 0 for NULL. */
static size_t
journal_headers_len(const char *h)
{
	const char	*p = h;

	if (h == NULL)
		return (0);
	while (*p != '\0')
		p += strlen(p) + 1;
	return ((size_t)(p - h) + 1);
}

/* The pair at '*p' of a packed list (NULL: empty), moving past it; 0 at the end. */
static int
journal_pair_next(const char **p, const char **name, const char **value)
{
	if (*p == NULL || **p == '\0')
		return (0);
	*name = *p;
	*value = *name + strlen(*name) + 1;
	*p = *value + strlen(*value) + 1;
	return (1);
}

const char *
journal_header(const struct journal_entry *e, const char *name)
{
	const char	*p = e->req_headers, *n, *value, *found = NULL;

	while (journal_pair_next(&p, &n, &value)) {
		if (str_casecmp(n, name) == 0)
			found = value;
	}
	return (found);
}

static json_t *
journal_headers_json(const char *p)
{
	json_t		*o = json_object();
	const char	*name, *value;

	while (journal_pair_next(&p, &name, &value))
		json_object_set_new(o, name, json_string(value));
	return (o);
}

/* [{"code", "text"}] of the packed warnings. */
static json_t *
journal_warnings_json(const char *p)
{
	json_t		*a = json_array();
	const char	*code, *text;

	while (journal_pair_next(&p, &code, &text))
		json_array_append_new(a, json_pack("{ss ss}", "code", code,
		    "text", text));
	return (a);
}

/* What an entry holds: its slot, strings and packed headers. */
static size_t
journal_entry_bytes(const struct journal_entry *e)
{
	return (sizeof *e + str_bytes(e->method) + str_bytes(e->path) +
	    str_bytes(e->req_body) + str_bytes(e->resp_body) +
	    str_bytes(e->rule) + str_bytes(e->action) +
	    str_bytes(e->refund_id) + str_bytes(e->note) +
	    alloc_bytes(journal_headers_len(e->req_headers)) +
	    alloc_bytes(journal_headers_len(e->resp_headers)) +
	    alloc_bytes(journal_headers_len(e->warnings)));
}

static void
journal_drop_oldest(struct journal *j)
{
	j->bytes -= j->ring[j->head].bytes;
	journal_entry_release(&j->ring[j->head]);
	j->head = (j->head + 1) % j->slots;
	j->count--;
}

static void
journal_grow(struct journal *j)
{
	size_t	slots = j->slots == 0 ? JOURNAL_FIRST_SLOTS : j->slots * 2;

	if (slots > j->cap)
		slots = j->cap;
	j->ring = ring_grow(j->ring, sizeof *j->ring, j->head, j->count, j->slots,
	    slots);
	j->slots = slots;
	j->head = 0;
}

size_t
journal_drain(struct journal *j, size_t max)
{
	for (; max > 0 && j->count > 0; max--)
		journal_drop_oldest(j);
	return (j->count);
}

struct journal_entry *
journal_add(struct journal *j, const struct journal_entry *e)
{
	struct journal_entry	*slot;
	size_t			 bytes = journal_entry_bytes(e);

	/* Evicting everything would not make room: keep what is there. */
	if (j->cap == 0 || bytes > quota.journal_bytes) {
		journal_entry_release(e);
		return (NULL);
	}
	while (j->count > 0 &&
	    (j->count == j->cap || j->bytes + bytes > quota.journal_bytes))
		journal_drop_oldest(j);
	if (j->count == j->slots)
		journal_grow(j);
	slot = &j->ring[(j->head + j->count) % j->slots];
	*slot = *e;
	slot->seq = j->next_seq++;
	slot->bytes = bytes;
	j->bytes += bytes;
	j->count++;
	return (slot);
}

size_t
journal_count(const struct journal *j)
{
	return (j->count);
}

size_t
journal_bytes(const struct journal *j)
{
	/* Entries count their slots; the ring's empty ones are the rest. */
	return (sizeof *j + ALLOC_OVERHEAD + j->bytes +
	    (j->slots > 0 ? (j->slots - j->count) * sizeof *j->ring +
	    ALLOC_OVERHEAD : 0));
}

uint64_t
journal_next_seq(const struct journal *j)
{
	return (j->next_seq);
}

struct journal_entry *
journal_find(struct journal *j, uint64_t seq)
{
	uint64_t	first;

	if (j->count == 0)
		return (NULL);
	first = j->ring[j->head].seq;
	if (seq < first || seq - first >= j->count)
		return (NULL);
	return (&j->ring[(j->head + (size_t)(seq - first)) % j->slots]);
}

void
journal_each(const struct journal *j, int (*fn)(const struct journal_entry *, void *),
    void *arg)
{
	journal_each_from(j, 0, fn, arg);
}

int
journal_each_from(const struct journal *j, uint64_t seq,
    int (*fn)(const struct journal_entry *, void *), void *arg)
{
	size_t	i = 0;
	int	rc;

	/* Sequence numbers run on without gaps from the oldest entry held. */
	if (j->count > 0 && seq > j->ring[j->head].seq)
		i = seq - j->ring[j->head].seq < j->count ?
		    (size_t)(seq - j->ring[j->head].seq) : j->count;
	for (; i < j->count; i++) {
		if ((rc = fn(&j->ring[(j->head + i) % j->slots], arg)) != 0)
			return (rc);
	}
	return (0);
}

char *
journal_capture(const char *body, size_t len)
{
	if (body == NULL)
		return (NULL);
	return (xstrndup(body, len < quota.journal_capture ? len :
	    quota.journal_capture));
}

static json_t *
journal_body_json(const char *body)
{
	json_t	*v;
	char	*cause, *copy;

	if (body == NULL)
		return (json_null());
	/* Bodies that parse are shown as JSON, others as the text they were. */
	if ((v = jsonx_loads(body, strlen(body), &cause)) != NULL)
		return (v);
	free(cause);
	/* Not even UTF-8 perhaps: json_string would refuse it and lose the entry. */
	copy = utf8_scrub(xstrdup(body));
	v = json_string(copy);
	free(copy);
	return (v);
}

static json_t *
journal_str(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

/* {"status"?, "headers"?, "body", and "truncated"/"body_length" when cut}. */
static json_t *
journal_message_json(json_t *o, const char *body, size_t len)
{
	json_object_set_new(o, "body", journal_body_json(body));
	if (len > quota.journal_capture) {
		json_object_set_new(o, "truncated", json_true());
		json_object_set_new(o, "body_length", json_integer((json_int_t)len));
	}
	return (o);
}

json_t *
journal_entry_json(const struct journal_entry *e)
{
	char	 at[CLOCK_TEXT_MAX];
	json_t	*o;

	o = json_pack("{sI ss ss ss ss ss so so so so so so sb so}",
	    "seq", (json_int_t)e->seq,
	    "at", clock_format(e->at_ms, at),
	    "provider", e->provider,
	    "operation", e->operation,
	    "method", e->method,
	    "path", e->path,
	    "request", journal_message_json(json_pack("{so}", "headers",
	    journal_headers_json(e->req_headers)), e->req_body, e->req_body_len),
	    "response", journal_message_json(json_pack("{si so}", "status", e->status,
	    "headers", journal_headers_json(e->resp_headers)), e->resp_body,
	    e->resp_body_len),
	    "rule", journal_str(e->rule),
	    "action", journal_str(e->action),
	    "refund_id", journal_str(e->refund_id),
	    "note", journal_str(e->note),
	    "reply_lost", e->reply_lost,
	    "retry_after", e->retry_after_s > 0 ?
	    json_integer((json_int_t)e->retry_after_s) : json_null());
	if (e->warnings != NULL)
		json_object_set_new(o, "warnings", journal_warnings_json(e->warnings));
	return (o);
}
