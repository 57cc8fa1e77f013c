/* paymock: flags, start-up, signals and the "listening" line. */
#include <arpa/inet.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters.h"
#include "clock.h"
#include "dispatch.h"
#include "fixtures.h"
#include "http.h"
#include "provider.h"
#include "quota.h"
#include "scenario.h"
#include "report_cli.h"
#include "sink.h"
#include "sweep.h"
#include "webhook.h"
#include "session.h"
#include "util.h"
#include "version.h"

/* --provider-port: at most this many, each with its own listener. */
#define MAIN_PROVIDER_PORTS_MAX	8

struct options {
	const char	*bind;
	int		 port;
	const char	*fixtures;
	const char	*scenario_dir;
	uint64_t	 seed;
	int		 clock_frozen;
	int64_t		 clock_start_ms;
	enum http_log	 log;
	int		 idle_timeout_s;
	int		 webhook_timeout_s;
	long long	 max_held;		/* --max-held, or 0 for the default */
	const char	*scenarios[32];
	size_t		 nscenarios;
	struct {
		const char	*provider;	/* static, from the table */
		int		 port;
	}		 pports[MAIN_PROVIDER_PORTS_MAX];
	size_t		 npports;
	const char	*webhooks[8];		/* PROVIDER=URL[,SECRET] */
	size_t		 nwebhooks;
	const char	*allow[16];		/* --webhook-allow */
	size_t		 nallow;
	int		 sink_port;		/* --webhook-sink, or -1 */
	int		 report_at;		/* argv index of "report", or 0 */
	const char	*sink_secret;
	const char	*admin_token;		/* or PAYMOCK_ADMIN_TOKEN */
	int		 no_cors;
};

#define ADMIN_TOKEN_MAX	256
/* Below this the default session and a job's journal would not fit. */
#define MAIN_MEMORY_MIN	(1024 * 1024)

static const char usage_text[] =
"usage: paymock [--bind ADDR] [--port N] [--fixtures PATH] [--scenario-dir DIR]\n"
"               [--scenario FILE]... [--seed N] [--clock live|frozen[:ISO8601]]\n"
"               [--provider-port NAME=PORT]... [--webhook PROVIDER=URL[,SECRET]]...\n"
"               [--webhook-allow HOST]... [--webhook-timeout S]\n"
"               [--admin-token TOKEN] [--no-cors]\n"
"               [--log-format text|json] [--quiet] [--idle-timeout S]\n"
"               [--max-held N] [--session-ttl DURATION] [--max-sessions N]\n"
"               [--max-memory SIZE] [--journal-entries N] [--journal-bytes SIZE]\n"
"               [--journal-capture SIZE] [--max-rules N] [--max-scenario-size SIZE]\n"
"               [--max-rejections N] [--rate-keys N] [--strict]\n"
"               [--version] [--help]\n"
"       paymock --webhook-sink PORT [--webhook-secret SECRET] [--bind ADDR]\n"
"       paymock report --url http://HOST:PORT --session NAME [--fail-on LEVEL]\n"
"                      [--format text|json|junit] (paymock report --help)\n"
"\n"
"A payment-provider refund simulator: each provider's refund API at /PROVIDER,\n"
"the admin API at /__admin.\n"
"\n"
"  --bind ADDR          address to listen on (default 127.0.0.1)\n"
"  --port N             port to listen on; 0 picks a free one (default 8080)\n"
"  --fixtures PATH      fixture file or directory (default fixtures/)\n"
"  --scenario-dir DIR   where named scenarios are found (default scenarios/)\n"
"  --scenario FILE      load this scenario into the default session (repeatable)\n"
"  --seed N             seed for ids and random choices (default 1)\n"
"  --clock MODE         live (wall time) or frozen[:2026-04-09T14:00:00.000Z]\n"
"  --provider-port NAME=PORT\n"
"                       also serve one provider's paths unprefixed on PORT\n"
"  --webhook PROVIDER=URL[,SECRET]\n"
"                       the default session's webhook endpoint for PROVIDER\n"
"                       (secret default " WEBHOOK_DEFAULT_SECRET ")\n"
"  --webhook-allow HOST a host other than loopback that webhooks may call\n"
"  --webhook-timeout S  the most one webhook attempt may take, reply included\n"
"                       (default 10)\n"
"  --admin-token TOKEN  /__admin/* (but health) needs Authorization: Bearer TOKEN;\n"
"                       default: $PAYMOCK_ADMIN_TOKEN, else the admin API is open\n"
"  --no-cors            provider routes answer no CORS preflight and send no\n"
"                       Access-Control-* headers (the admin API never does)\n"
"  --webhook-sink PORT  run a webhook receiver instead: print deliveries and\n"
"                       check their signatures with --webhook-secret\n"
"  --log-format FORMAT  access log on stderr: text (default) or json\n"
"  --quiet              no access log\n"
"  --idle-timeout S     close a connection idle or stalled this long, or whose\n"
"                       request takes longer to arrive; no fault holds one\n"
"                       longer (default 30)\n"
"  --max-held N         at most N connections held by faults; past it the\n"
"                       oldest is closed (default: half the descriptor limit)\n"
"  --session-ttl DURATION\n"
"                       drop a session after this long without requests;\n"
"                       a number with ms, s, m, h or d (none: s); 0: never\n"
"                       (default 24h; the default session never expires)\n"
"  --max-sessions N     at most N live sessions, the default one included; a\n"
"                       new one evicts the least recently seen idle one, or\n"
"                       gets 503 if all are busy (default 10000)\n"
"  --max-memory SIZE    the bytes all sessions may hold, with K, M or G; near\n"
"                       it idle sessions are evicted, past it requests that\n"
"                       add state get 503 (default 1G)\n"
"  --journal-entries N  entries each session's journal keeps; past it the\n"
"                       oldest go (default 10000; 0: none)\n"
"  --journal-bytes SIZE bytes each session's journal may hold; past it the\n"
"                       oldest entries go (default 16M)\n"
"  --journal-capture SIZE\n"
"                       how much of each request and reply body an entry keeps;\n"
"                       longer ones are marked truncated (default 8K, at most 64K)\n"
"  --max-rules N        scenario rules and faults one session may hold; past\n"
"                       it a scenario or fault is refused with 400 (default 256)\n"
"  --max-scenario-size SIZE\n"
"                       the largest scenario, posted or read from a file\n"
"                       (default 64K; posted bodies stop at 64K)\n"
"  --max-rejections N   rejections (422s) each session keeps for its\n"
"                       idempotency keys; past it the oldest go (default 1024)\n"
"  --rate-keys N        rate-limit counters each session keeps in a second;\n"
"                       past it the earliest is forgotten (default 1024)\n"
"  --strict             refuse, with the provider's 400, what would get an\n"
"                       X-Paymock-Warning (per session: POST /__admin/strict)\n"
"  --version            print the version and exit\n"
"  --help               print this help and exit\n"
"\n"
"SIZE is bytes, or a number with K, M or G (powers of 1024).\n";

static void __attribute__((format(printf, 1, 2), noreturn))
main_usage_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fputs("paymock: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(usage_text, stderr);
	exit(2);
}

static int
main_number(const char *s, long long lo, long long hi, long long *out)
{
	char	*end;

	if (*s == '\0')
		return (-1);
	*out = strtoll(s, &end, 10);
	return (*end == '\0' && *out >= lo && *out <= hi ? 0 : -1);
}

static void
main_provider_port(struct options *o, const char *arg)
{
	const struct provider	*p;
	const char		*eq = strchr(arg, '=');
	char			 name[32];
	long long		 port;

	if (eq == NULL || eq - arg >= (ptrdiff_t)sizeof name)
		main_usage_error("--provider-port: '%s' is not NAME=PORT", arg);
	snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
	if ((p = provider_find(name)) == NULL)
		main_usage_error("--provider-port: unknown provider '%s'", name);
	if (main_number(eq + 1, 0, 65535, &port) != 0)
		main_usage_error("--provider-port: '%s' is not a port (0-65535)", eq + 1);
	if (o->npports == nitems(o->pports))
		main_usage_error("--provider-port: at most %zu", nitems(o->pports));
	o->pports[o->npports].provider = p->name;
	o->pports[o->npports++].port = (int)port;
}

/* The bounds' flags: long options only, each sets one quota field. */
enum {
	OPT_QUOTA = 256,
	OPT_MAX_SESSIONS = OPT_QUOTA,
	OPT_MAX_MEMORY,
	OPT_JOURNAL_ENTRIES,
	OPT_JOURNAL_BYTES,
	OPT_JOURNAL_CAPTURE,
	OPT_MAX_RULES,
	OPT_MAX_SCENARIO_SIZE,
	OPT_MAX_REJECTIONS,
	OPT_RATE_KEYS,
	OPT_QUOTA_END,
};

static const struct quota_flag {
	size_t		*field;
	int		 size;		/* SIZE (K, M, G), else a count */
	size_t		 min, max;
	const char	*range;		/* for the message */
} quota_flags[OPT_QUOTA_END - OPT_QUOTA] = {
	[OPT_MAX_SESSIONS - OPT_QUOTA] =
	    { &quota.sessions, 0, 1, 100000000, "1-100000000" },
	/* Below a megabyte one session's journal alone would pass it. */
	[OPT_MAX_MEMORY - OPT_QUOTA] =
	    { &quota.memory, 1, MAIN_MEMORY_MIN, SIZE_MAX,
	      "a size of 1M or more, like 512M or 2G" },
	[OPT_JOURNAL_ENTRIES - OPT_QUOTA] =
	    { &quota.journal_entries, 0, 0, 10000000, "0-10000000" },
	[OPT_JOURNAL_BYTES - OPT_QUOTA] =
	    { &quota.journal_bytes, 1, 0, (size_t)16 << 30, "a size of 0-16G" },
	/* No body is longer than REQUEST_BODY_MAX: a capture past it keeps nothing more. */
	[OPT_JOURNAL_CAPTURE - OPT_QUOTA] =
	    { &quota.journal_capture, 1, 0, REQUEST_BODY_MAX, "a size of 0-64K" },
	[OPT_MAX_RULES - OPT_QUOTA] =
	    { &quota.rules, 0, 0, 10000, "0-10000" },
	/* Only a file can be larger than a request body; it is read whole. */
	[OPT_MAX_SCENARIO_SIZE - OPT_QUOTA] =
	    { &quota.scenario_bytes, 1, 1, 16 << 20, "a size of 1-16M" },
	[OPT_MAX_REJECTIONS - OPT_QUOTA] =
	    { &quota.rejections, 0, 1, 1000000, "1-1000000" },
	[OPT_RATE_KEYS - OPT_QUOTA] =
	    { &quota.rate_keys, 0, 1, 1000000, "1-1000000" },
};

static void
main_quota_flag(const char *name, int ch, const char *arg)
{
	const struct quota_flag	*f = &quota_flags[ch - OPT_QUOTA];
	long long		 n;
	size_t			 v;

	if (f->size ? util_parse_size(arg, f->max, &v) != 0 || v < f->min :
	    main_number(arg, (long long)f->min, (long long)f->max, &n) != 0)
		main_usage_error("--%s: '%s' is not %s", name, arg, f->range);
	*f->field = f->size ? v : (size_t)n;
}

/* What goes after "Bearer " in a header: visible ASCII, no spaces. */
static int
main_admin_token_ok(const char *t)
{
	size_t	n;

	for (n = 0; t[n] != '\0'; n++) {
		if (t[n] <= ' ' || t[n] > '~')
			return (0);
	}
	return (n > 0 && n <= ADMIN_TOKEN_MAX);
}

/* 1 for an address only this machine can reach. */
static int
main_bind_is_loopback(const char *addr)
{
	unsigned char	a[16];

	if (strcmp(addr, "localhost") == 0)
		return (1);
	if (inet_pton(AF_INET, addr, a) == 1)
		return (a[0] == 127);
	if (inet_pton(AF_INET6, addr, a) == 1)
		return (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
	return (0);
}

static void
main_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "fixtures", required_argument, NULL, 'f' },
		{ "scenario-dir", required_argument, NULL, 'd' },
		{ "scenario", required_argument, NULL, 'S' },
		{ "provider-port", required_argument, NULL, 'P' },
		{ "webhook", required_argument, NULL, 'W' },
		{ "webhook-allow", required_argument, NULL, 'A' },
		{ "webhook-sink", required_argument, NULL, 'K' },
		{ "webhook-secret", required_argument, NULL, 'k' },
		{ "webhook-timeout", required_argument, NULL, 'T' },
		{ "admin-token", required_argument, NULL, 'a' },
		{ "no-cors", no_argument, NULL, 'C' },
		{ "seed", required_argument, NULL, 's' },
		{ "clock", required_argument, NULL, 'c' },
		{ "log-format", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "idle-timeout", required_argument, NULL, 't' },
		{ "max-held", required_argument, NULL, 'H' },
		{ "session-ttl", required_argument, NULL, 'L' },
		{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "journal-entries", required_argument, NULL, OPT_JOURNAL_ENTRIES },
		{ "journal-bytes", required_argument, NULL, OPT_JOURNAL_BYTES },
		{ "journal-capture", required_argument, NULL, OPT_JOURNAL_CAPTURE },
		{ "max-rules", required_argument, NULL, OPT_MAX_RULES },
		{ "max-scenario-size", required_argument, NULL, OPT_MAX_SCENARIO_SIZE },
		{ "max-rejections", required_argument, NULL, OPT_MAX_REJECTIONS },
		{ "rate-keys", required_argument, NULL, OPT_RATE_KEYS },
		{ "strict", no_argument, &quota.strict, 1 },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long	n;
	int		ch, longindex;

	opterr = 0;
	/* "+": stop at the first word that is no option, which may be "report". */
	while ((ch = getopt_long(argc, argv, "+:", longopts, &longindex)) != -1) {
		if (ch >= OPT_QUOTA && ch < OPT_QUOTA_END) {
			main_quota_flag(longopts[longindex].name, ch, optarg);
			continue;
		}
		switch (ch) {
		case 'b':
			o->bind = optarg;
			break;
		case 'p':
			if (main_number(optarg, 0, 65535, &n) != 0)
				main_usage_error("--port: '%s' is not a port (0-65535)", optarg);
			o->port = (int)n;
			break;
		case 'f':
			o->fixtures = optarg;
			break;
		case 'd':
			o->scenario_dir = optarg;
			break;
		case 'S':
			if (o->nscenarios == nitems(o->scenarios))
				main_usage_error("--scenario: at most %zu files",
				    nitems(o->scenarios));
			o->scenarios[o->nscenarios++] = optarg;
			break;
		case 'P':
			main_provider_port(o, optarg);
			break;
		case 'W':
			if (o->nwebhooks == nitems(o->webhooks))
				main_usage_error("--webhook: at most %zu", nitems(o->webhooks));
			o->webhooks[o->nwebhooks++] = optarg;
			break;
		case 'A':
			if (o->nallow == nitems(o->allow))
				main_usage_error("--webhook-allow: at most %zu", nitems(o->allow));
			o->allow[o->nallow++] = optarg;
			break;
		case 'K':
			if (main_number(optarg, 0, 65535, &n) != 0)
				main_usage_error("--webhook-sink: '%s' is not a port (0-65535)",
				    optarg);
			o->sink_port = (int)n;
			break;
		case 'k':
			o->sink_secret = optarg;
			break;
		case 'T':
			if (main_number(optarg, 1, WEBHOOK_DEADLINE_MAX_S, &n) != 0)
				main_usage_error("--webhook-timeout: '%s' is not 1-%d seconds",
				    optarg, WEBHOOK_DEADLINE_MAX_S);
			o->webhook_timeout_s = (int)n;
			break;
		case 'a':
			o->admin_token = optarg;
			break;
		case 'C':
			o->no_cors = 1;
			break;
		case 's':
			if (main_number(optarg, 0, INT64_MAX, &n) != 0)
				main_usage_error("--seed: '%s' is not a whole number", optarg);
			o->seed = (uint64_t)n;
			break;
		case 'c':
			if (strcmp(optarg, "live") == 0)
				o->clock_frozen = 0;
			else if (strcmp(optarg, "frozen") == 0)
				o->clock_frozen = 1;
			else if (strncmp(optarg, "frozen:", 7) == 0 &&
			    clock_parse(optarg + 7, &o->clock_start_ms) == 0 &&
			    clock_in_range(o->clock_start_ms))
				o->clock_frozen = 2;
			else
				main_usage_error("--clock: '%s' is not live, frozen or "
				    "frozen:YYYY-MM-DDTHH:MM:SS.mmmZ (1970 to 9999)", optarg);
			break;
		case 'l':
			if (strcmp(optarg, "text") == 0)
				o->log = HTTP_LOG_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->log = HTTP_LOG_JSON;
			else
				main_usage_error("--log-format: '%s' is not text or json", optarg);
			break;
		case 'q':
			o->log = HTTP_LOG_NONE;
			break;
		case 't':
			if (main_number(optarg, 1, 3600, &n) != 0)
				main_usage_error("--idle-timeout: '%s' is not 1-3600 seconds",
				    optarg);
			o->idle_timeout_s = (int)n;
			break;
		case 'H':
			if (main_number(optarg, 1, 1000000, &o->max_held) != 0)
				main_usage_error("--max-held: '%s' is not 1-1000000", optarg);
			break;
		case 'L':
			if (util_parse_duration(optarg, CLOCK_DURATION_MAX_MS,
			    &quota.session_ttl_ms) != 0)
				main_usage_error("--session-ttl: '%s' is not a duration like "
				    "90s, 30m, 24h or 0", optarg);
			break;
		case 'V':
			printf("paymock %s\n", PAYMOCK_VERSION);
			exit(0);
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 0:		/* a flag its longopts row sets itself */
			break;
		case ':':
			main_usage_error("%s needs a value", argv[optind - 1]);
			break;
		default:
			main_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	/* The Docker image's entrypoint puts server flags before "report": they go unused. */
	if (optind < argc && strcmp(argv[optind], "report") == 0) {
		o->report_at = optind;
		return;
	}
	if (optind < argc)
		main_usage_error("unexpected argument '%s'", argv[optind]);
	/* The flag wins; an empty variable (a CI secret not set) means none. */
	if (o->admin_token == NULL && (o->admin_token = getenv("PAYMOCK_ADMIN_TOKEN")) != NULL &&
	    *o->admin_token == '\0')
		o->admin_token = NULL;
	if (o->admin_token != NULL && !main_admin_token_ok(o->admin_token))
		main_usage_error("--admin-token/PAYMOCK_ADMIN_TOKEN: 1 to %d printable "
		    "characters without spaces", ADMIN_TOKEN_MAX);
}

/* --webhook PROVIDER=URL[,SECRET] for the default session. */
static int
main_add_webhook(struct app *app, const char *arg)
{
	const char	*eq = strchr(arg, '='), *comma;
	char		*provider, *url, *cause;
	int		 rc;

	if (eq == NULL) {
		fprintf(stderr, "paymock: --webhook: '%s' is not PROVIDER=URL[,SECRET]\n",
		    arg);
		return (-1);
	}
	comma = strchr(eq, ',');
	provider = xstrndup(arg, (size_t)(eq - arg));
	url = comma != NULL ? xstrndup(eq + 1, (size_t)(comma - eq - 1)) : xstrdup(eq + 1);
	rc = webhooks_set_endpoint(sessions_get(app->sessions, "default")->webhooks,
	    app->webhooks, provider, url, comma != NULL ? comma + 1 : NULL, &cause);
	if (rc != 0) {
		fprintf(stderr, "paymock: --webhook: %s\n", cause);
		free(cause);
	}
	free(provider);
	free(url);
	return (rc);
}

static void
main_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct options	 o = { .bind = "127.0.0.1", .port = 8080,
	    .fixtures = "fixtures", .scenario_dir = "scenarios", .seed = 1,
	    .log = HTTP_LOG_TEXT, .idle_timeout_s = 30, .sink_port = -1,
	    .webhook_timeout_s = WEBHOOK_DEADLINE_S,
	    .sink_secret = WEBHOOK_DEFAULT_SECRET };
	struct app	 app = { 0 };
	struct txn_set	*fixtures;
	struct event_base *base;
	struct event	*sigint, *sigterm;
	struct http	*http, *pphttp[MAIN_PROVIDER_PORTS_MAX] = { NULL };
	struct sweep	*sweep;
	char		*cause;
	int		 port;
	size_t		 i;

	adapters_use();		/* before the flags: --provider-port names one */
	main_options(argc, argv, &o);
	/* A client of a running paymock: none of the server's flags apply. */
	if (o.report_at > 0)
		return (report_cli_run(argc - o.report_at, argv + o.report_at));
	signal(SIGPIPE, SIG_IGN);
	if (o.sink_port >= 0)
		return (sink_run(o.bind, o.sink_port, o.sink_secret));
	if ((fixtures = fixtures_load(o.fixtures, provider_fixture_check,
	    &cause)) == NULL) {
		fprintf(stderr, "paymock: %s\n", cause);
		free(cause);
		return (2);
	}
	if (o.clock_frozen == 1)
		o.clock_start_ms = clock_wall();
	app.fixtures = fixtures;
	app.scenario_dir = o.scenario_dir;
	app.started_ms = clock_wall();
	app.admin_token = o.admin_token;
	app.no_cors = o.no_cors;
	app.sessions = sessions_new(fixtures, o.seed, o.clock_frozen != 0,
	    o.clock_start_ms, quota.journal_entries);

	for (i = 0; i < o.nscenarios; i++) {
		struct scenario *s = scenario_load(o.scenarios[i], o.scenarios[i],
		    &cause);
		if (s != NULL && scenario_nrules(s) > quota.rules -
		    rules_count(sessions_get(app.sessions, "default")->rules)) {
			cause = xasprintf("%s: rules: the default session may hold at "
			    "most %zu rules (--max-rules)", o.scenarios[i], quota.rules);
			scenario_free(s);
			s = NULL;
		}
		if (s == NULL) {
			fprintf(stderr, "paymock: %s\n", cause);
			free(cause);
			sessions_free(app.sessions);
			txn_set_free(fixtures);
			return (2);
		}
		session_install(sessions_get(app.sessions, "default"), s);
	}

	if ((base = event_base_new()) == NULL)
		fatal("event_base_new failed");
	app.webhooks = webhook_engine_new(base, app.sessions);
	sweep = sweep_new(base, app.sessions);
	webhook_engine_set_deadline(app.webhooks, o.webhook_timeout_s);
	for (i = 0; i < o.nallow; i++) {
		if (webhook_engine_allow(app.webhooks, o.allow[i], &cause) != 0) {
			fprintf(stderr, "paymock: %s\n", cause);
			return (2);
		}
	}
	for (i = 0; i < o.nwebhooks; i++) {
		if (main_add_webhook(&app, o.webhooks[i]) != 0)
			return (2);
	}
	if (o.max_held > 0)
		http_set_max_held((size_t)o.max_held);
	http = http_new(base, &app, o.log, o.idle_timeout_s);
	if ((port = http_listen(http, o.bind, o.port, &cause)) < 0) {
		fprintf(stderr, "paymock: %s\n", cause);
		free(cause);
		return (2);
	}
	sigint = evsignal_new(base, SIGINT, main_on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, main_on_signal, base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	for (i = 0; i < o.npports; i++) {
		pphttp[i] = http_new(base, &app, o.log, o.idle_timeout_s);
		http_set_provider(pphttp[i], o.pports[i].provider);
		if ((o.pports[i].port = http_listen(pphttp[i], o.bind, o.pports[i].port,
		    &cause)) < 0) {
			fprintf(stderr, "paymock: %s: %s\n", o.pports[i].provider, cause);
			free(cause);
			return (2);
		}
	}
	if (o.admin_token == NULL && !main_bind_is_loopback(o.bind))
		fprintf(stderr, "paymock: warning: listening on %s with no admin token: "
		    "anyone who can reach port %d can read every session's journal "
		    "and webhook secrets, reset or delete sessions and make paymock "
		    "call loopback ports; set PAYMOCK_ADMIN_TOKEN or --admin-token\n",
		    o.bind, port);
	printf("paymock listening on http://%s:%d\n", o.bind, port);
	for (i = 0; i < o.npports; i++)
		printf("paymock serving %s on http://%s:%d\n", o.pports[i].provider,
		    o.bind, o.pports[i].port);
	fflush(stdout);

	event_base_dispatch(base);

	http_free(http);
	webhook_engine_free(app.webhooks);
	sweep_free(sweep);
	for (i = 0; i < o.npports; i++)
		http_free(pphttp[i]);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(base);
	sessions_free(app.sessions);
	txn_set_free(fixtures);
	libevent_global_shutdown();
	return (0);
}
