/* `paymock report`: a session's integration report for a person, a machine or CI. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "report_cli.h"
#include "session.h"
#include "util.h"

enum { CLI_OK, CLI_FAILED, CLI_USAGE, CLI_UNREACHABLE };

static const char report_cli_usage[] =
"usage: paymock report --url http://HOST:PORT --session NAME\n"
"                      [--fail-on warning|error] [--format text|json|junit]\n"
"                      [--admin-token TOKEN] [--timeout S]\n"
"\n"
"Fetches GET /__admin/report for the session and prints it; exits 1 when a\n"
"finding is at or above --fail-on (default error), 2 on a usage error, 3 when\n"
"paymock cannot be reached or does not answer with a report.\n"
"\n"
"  --url URL            where paymock listens (its admin API)\n"
"  --session NAME       the session the client under test used\n"
"  --fail-on LEVEL      warning (warnings and errors fail) or error (default)\n"
"  --format FORMAT      text (default), json, or junit (XML for CI test tabs)\n"
"  --admin-token TOKEN  default: $PAYMOCK_ADMIN_TOKEN\n"
"  --timeout S          give up after S seconds (default 10)\n";

/* Severities from the lowest; a finding fails at or above --fail-on. */
static const char *const report_cli_levels[] = { "info", "warning", "error" };

struct report_cli {
	const char	*url, *session, *token, *format;
	int		 fail_on;
	long		 timeout_s;
	/* the exchange */
	struct event_base *base;
	int		 status;
	char		*body;
	size_t		 body_len;
};

static int
report_cli_level(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(report_cli_levels); i++) {
		if (name != NULL && strcmp(report_cli_levels[i], name) == 0)
			return ((int)i);
	}
	return (-1);
}

static void
report_cli_done(struct evhttp_request *req, void *arg)
{
	struct report_cli	*r = arg;
	struct evbuffer		*in;

	if (req != NULL && (r->status = evhttp_request_get_response_code(req)) != 0) {
		in = evhttp_request_get_input_buffer(req);
		r->body_len = evbuffer_get_length(in);
		r->body = xmalloc(r->body_len + 1);
		evbuffer_remove(in, r->body, r->body_len);
		r->body[r->body_len] = '\0';
	}
	event_base_loopexit(r->base, NULL);
}

/* GET /__admin/report; 0 with the reply in 'r', or -1 with the reason printed. */
static int
report_cli_fetch(struct report_cli *r)
{
	struct evhttp_uri		*uri = evhttp_uri_parse(r->url);
	struct evhttp_connection	*conn = NULL;
	struct evhttp_request		*req;
	struct evkeyvalq		*h;
	const char			*host, *path;
	char				*target, *auth;
	int				 port, rc = -1;

	if (uri == NULL || evhttp_uri_get_scheme(uri) == NULL ||
	    strcmp(evhttp_uri_get_scheme(uri), "http") != 0 ||
	    (host = evhttp_uri_get_host(uri)) == NULL) {
		fprintf(stderr, "paymock report: --url '%s' is not http://HOST:PORT\n",
		    r->url);
		goto out;
	}
	port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
	path = evhttp_uri_get_path(uri);
	/* A paymock behind a path prefix keeps it. */
	target = xasprintf("%s/__admin/report", path != NULL &&
	    strcmp(path, "/") != 0 ? path : "");
	r->base = event_base_new();
	conn = evhttp_connection_base_new(r->base, NULL, host, (unsigned short)port);
	evhttp_connection_set_timeout(conn, (int)r->timeout_s);
	evhttp_connection_set_retries(conn, 0);
	req = evhttp_request_new(report_cli_done, r);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", host);
	evhttp_add_header(h, "Accept", "application/json");
	evhttp_add_header(h, "X-Paymock-Session", r->session);
	if (r->token != NULL) {
		auth = xasprintf("Bearer %s", r->token);
		evhttp_add_header(h, "Authorization", auth);
		free(auth);
	}
	if (evhttp_make_request(conn, req, EVHTTP_REQ_GET, target) == 0)
		event_base_dispatch(r->base);
	free(target);
	if (r->status == 0)
		fprintf(stderr, "paymock report: cannot reach %s (refused, or no "
		    "answer within %lds)\n",
		    r->url, r->timeout_s);
	else
		rc = 0;
out:
	if (conn != NULL)
		evhttp_connection_free(conn);
	if (r->base != NULL)
		event_base_free(r->base);
	if (uri != NULL)
		evhttp_uri_free(uri);
	return (rc);
}

static const char *
report_cli_str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

/* "3, 5 and 7" of an array of numbers or strings into 'b'. */
static void
report_cli_list(struct buf *b, const json_t *a)
{
	json_t	*v;
	size_t	 i, n = json_array_size(a);

	json_array_foreach(a, i, v) {
		buf_adds(b, i == 0 ? "" : i + 1 == n ? " and " : ", ");
		if (json_is_integer(v))
			buf_addf(b, "%lld", (long long)json_integer_value(v));
		else
			buf_adds(b, json_string_value(v));
	}
}

/* What proves a finding: "entries 3 and 5; refunds …; transactions …" (heap). */
static char *
report_cli_evidence(const json_t *f)
{
	static const char *const keys[] = { "entries", "refunds", "transactions" };
	struct buf	b = { 0 };
	size_t		i;

	for (i = 0; i < nitems(keys); i++) {
		if (json_array_size(json_object_get(f, keys[i])) == 0)
			continue;
		buf_addf(&b, "%s%s ", b.len > 0 ? "; " : "", keys[i]);
		report_cli_list(&b, json_object_get(f, keys[i]));
	}
	return (b.data != NULL ? buf_steal(&b) : xstrdup("-"));
}

static void
report_cli_text(const struct report_cli *r, const json_t *report)
{
	const json_t	*counts = json_object_get(report, "counts");
	json_t		*f;
	struct buf	 b = { 0 };
	const char	*rule;
	char		*evidence;
	size_t		 i;

	printf("paymock report for session %s at %s\n", r->session, r->url);
	printf("%lld error(s), %lld warning(s), %lld info\n",
	    (long long)json_integer_value(json_object_get(counts, "error")),
	    (long long)json_integer_value(json_object_get(counts, "warning")),
	    (long long)json_integer_value(json_object_get(counts, "info")));
	if (json_array_size(json_object_get(report, "ignored")) > 0) {
		report_cli_list(&b, json_object_get(report, "ignored"));
		printf("ignored in this session: %s\n", b.data);
		buf_release(&b);
	}
	json_array_foreach(json_object_get(report, "findings"), i, f) {
		evidence = report_cli_evidence(f);
		printf("\n%-7s %s %s [%s]\n        %s\n        %s\n",
		    report_cli_str(f, "severity"), report_cli_str(f, "id"),
		    report_cli_str(f, "rule"), report_cli_str(f, "provider"),
		    report_cli_str(f, "message"), evidence);
		free(evidence);
	}
	json_object_foreach((json_t *)json_object_get(report, "omitted"), rule, f)
		printf("\n%lld more %s finding(s), counted above, not listed\n",
		    (long long)json_integer_value(f), rule);
	if (json_array_size(json_object_get(report, "findings")) == 0)
		printf("\nNo findings: nothing in this session's traffic would fail "
		    "in production as far as paymock can tell.\n");
}

/* Prints 's' with XML's five special characters escaped (attributes too). */
static void
report_cli_xml(const char *s)
{
	static const char *const esc[256] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
		['"'] = "&quot;", ['\''] = "&apos;",
	};

	for (; *s != '\0'; s++) {
		if (esc[(unsigned char)*s] != NULL)
			fputs(esc[(unsigned char)*s], stdout);
		else if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
			putchar('?');	/* not allowed in XML 1.0 at all */
		else
			putchar(*s);
	}
}

/* The findings of 'rule' at or above (or below) the failing level, counted. */
static size_t
report_cli_count(const struct report_cli *r, const json_t *report,
    const char *rule, int failing)
{
	json_t	*f;
	size_t	 i, n = 0;

	json_array_foreach(json_object_get(report, "findings"), i, f) {
		if (strcmp(report_cli_str(f, "rule"), rule) == 0 &&
		    (report_cli_level(report_cli_str(f, "severity")) >= r->fail_on) ==
		    failing)
			n++;
	}
	return (n);
}

static int
report_cli_ignored(const json_t *report, const char *rule)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(json_object_get(report, "ignored"), i, v) {
		if (strcmp(json_string_value(v), rule) == 0)
			return (1);
	}
	return (0);
}

/* One finding inside a testcase: a <failure>, or a line of <system-out>. */
static void
report_cli_junit_finding(const json_t *f, int failing)
{
	char	*evidence = report_cli_evidence(f);

	if (failing) {
		printf("      <failure type=\"");
		report_cli_xml(report_cli_str(f, "severity"));
		printf("\" message=\"");
		report_cli_xml(report_cli_str(f, "message"));
		printf("\">");
	}
	report_cli_xml(report_cli_str(f, "id"));
	printf(" [");
	report_cli_xml(report_cli_str(f, "provider"));
	printf("] ");
	report_cli_xml(report_cli_str(f, "message"));
	printf(" (");
	report_cli_xml(evidence);
	printf(")%s\n", failing ? "</failure>" : "");
	free(evidence);
}

/* One testcase per rule: failures for findings at or above --fail-on. */
static void
report_cli_junit(const struct report_cli *r, const json_t *report)
{
	const json_t	*rules = json_object_get(report, "rules");
	json_t		*rule, *f;
	const char	*id;
	size_t		 i, k, failures = 0, skipped = 0, below;

	json_array_foreach(rules, i, rule) {
		failures += report_cli_count(r, report, report_cli_str(rule, "id"), 1) > 0;
		skipped += report_cli_ignored(report, report_cli_str(rule, "id"));
	}
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"paymock report\" tests=\"%zu\" failures=\"%zu\">\n"
	    "  <testsuite name=\"paymock report: ", json_array_size(rules), failures);
	report_cli_xml(r->session);
	printf("\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
	    json_array_size(rules), failures, skipped);
	json_array_foreach(rules, i, rule) {
		id = report_cli_str(rule, "id");
		printf("    <testcase classname=\"paymock.report\" name=\"");
		report_cli_xml(id);
		printf("\">\n");
		if (report_cli_ignored(report, id))
			printf("      <skipped message=\"ignored in this session\"/>\n");
		json_array_foreach(json_object_get(report, "findings"), k, f) {
			if (strcmp(report_cli_str(f, "rule"), id) == 0 &&
			    report_cli_level(report_cli_str(f, "severity")) >= r->fail_on)
				report_cli_junit_finding(f, 1);
		}
		if ((below = report_cli_count(r, report, id, 0)) > 0) {
			printf("      <system-out>");
			json_array_foreach(json_object_get(report, "findings"), k, f) {
				if (strcmp(report_cli_str(f, "rule"), id) == 0 &&
				    report_cli_level(report_cli_str(f, "severity")) <
				    r->fail_on)
					report_cli_junit_finding(f, 0);
			}
			printf("</system-out>\n");
		}
		printf("    </testcase>\n");
	}
	printf("  </testsuite>\n</testsuites>\n");
}

static int
report_cli_options(int argc, char **argv, struct report_cli *r)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "session", required_argument, NULL, 's' },
		{ "fail-on", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'o' },
		{ "admin-token", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char	*end;
	int	 ch;

	optind = 0;	/* glibc: start afresh on this argv, after the server's parse */
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': r->url = optarg; break;
		case 's': r->session = optarg; break;
		case 'o': r->format = optarg; break;
		case 't': r->token = optarg; break;
		case 'f':
			if ((r->fail_on = report_cli_level(optarg)) < 1)
				return (fprintf(stderr, "paymock report: --fail-on: '%s' "
				    "is not warning or error\n", optarg), -1);
			break;
		case 'T':
			r->timeout_s = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || r->timeout_s < 1 ||
			    r->timeout_s > 3600)
				return (fprintf(stderr, "paymock report: --timeout: '%s' "
				    "is not 1-3600 seconds\n", optarg), -1);
			break;
		case 'h':
			fputs(report_cli_usage, stdout);
			exit(CLI_OK);
		default:
			return (fprintf(stderr, "paymock report: %s '%s'\n", ch == ':' ?
			    "a value is needed for" : "unknown option",
			    argv[optind - 1]), -1);
		}
	}
	if (optind < argc)
		return (fprintf(stderr, "paymock report: unexpected argument '%s'\n",
		    argv[optind]), -1);
	if (r->url == NULL || r->session == NULL)
		return (fprintf(stderr, "paymock report: --url and --session are "
		    "required\n"), -1);
	if (!session_name_ok(r->session))
		return (fprintf(stderr, "paymock report: --session: 1 to %d of "
		    "A-Z a-z 0-9 . _ -\n", SESSION_NAME_MAX), -1);
	if (strcmp(r->format, "text") != 0 && strcmp(r->format, "json") != 0 &&
	    strcmp(r->format, "junit") != 0)
		return (fprintf(stderr, "paymock report: --format: '%s' is not text, "
		    "json or junit\n", r->format), -1);
	return (0);
}

/* The worst severity counted, listed or not, as a level; -1 with none. */
static int
report_cli_worst(const json_t *report)
{
	const json_t	*counts = json_object_get(report, "counts");
	int		 l;

	for (l = (int)nitems(report_cli_levels) - 1; l >= 0; l--) {
		if (json_integer_value(json_object_get(counts,
		    report_cli_levels[l])) > 0)
			break;
	}
	return (l);
}

int
report_cli_run(int argc, char **argv)
{
	struct report_cli	 r = { .format = "text", .fail_on = 2, .timeout_s = 10,
				    .token = getenv("PAYMOCK_ADMIN_TOKEN") };
	json_t			*report;
	json_error_t		 err;
	char			*text;
	int			 rc;

	if (report_cli_options(argc, argv, &r) != 0) {
		fputs(report_cli_usage, stderr);
		return (CLI_USAGE);
	}
	if (report_cli_fetch(&r) != 0)
		return (CLI_UNREACHABLE);
	/* jansson's own numbers: the report's are small counts and entry numbers. */
	report = json_loadb(r.body, r.body_len, 0, &err);
	if (r.status != 200 || !json_is_array(json_object_get(report, "findings"))) {
		fprintf(stderr, "paymock report: %s answered %d, not a report: %.300s\n",
		    r.url, r.status, r.body);
		json_decref(report);
		free(r.body);
		return (CLI_UNREACHABLE);
	}
	if (strcmp(r.format, "json") == 0) {
		text = json_dumps(report, JSON_INDENT(2));
		printf("%s\n", text);
		free(text);
	} else if (strcmp(r.format, "junit") == 0)
		report_cli_junit(&r, report);
	else
		report_cli_text(&r, report);
	rc = report_cli_worst(report) >= r.fail_on ? CLI_FAILED : CLI_OK;
	json_decref(report);
	free(r.body);
	return (rc);
}
