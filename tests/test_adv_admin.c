/*
 * Issue 12, failure 12: the admin API behind a token.  With --admin-token
 * (or PAYMOCK_ADMIN_TOKEN) every /__admin call but the health check needs
 * "Authorization: Bearer TOKEN"; a refused call changes nothing; provider
 * routes stay open; the token never shows in a journal or the access log;
 * a server that listens beyond loopback with no token says so at start-up.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "util.h"

#define TOKEN		"s3cret-Tok3n_for.adv~admin"
#define BEARER		"Authorization: Bearer " TOKEN "\r\n"
#define AB_REFUND	"/accelebit/v1/refunds"
#define AB_HEADERS	JSON_CT "X-API-Key: smtgw_sk_test_your_secret_key\r\n" \
	"Idempotency-Key: k1\r\n"
#define AB_REFUND_BODY	"{\"transactionId\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\"," \
	"\"amount\":\"5.00\",\"currency\":\"EUR\"}"
#define SP_REFUND_BODY	"{\"merchantKey\":\"31928de9-1344-469f-b0eb-8e5d0fef3d21\"," \
	"\"transactionId\":\"933a0fab-80a0-42c5-b010-c71174f4ab32\",\"modificationId\":\"m1\"}"

static void
adv_admin_setup(void)
{
	const char *const	args[] = { "--admin-token", TOKEN, NULL };

	e2e_start(args);
}

TestSuite(adv_admin, .init = adv_admin_setup, .fini = e2e_teardown, .timeout = 30);

static void
adv_admin_expect_401(const struct e2e_resp *r, const char *what)
{
	cr_expect_eq(r->status, 401, "%s: %d %s", what, r->status, r->body);
	cr_expect_str_eq(e2e_get(r, "error.code"), "unauthorized", "%s", what);
	cr_expect_not_null(e2e_header(r, "WWW-Authenticate"), "%s", what);
	if (e2e_header(r, "WWW-Authenticate") != NULL)
		cr_expect_str_eq(e2e_header(r, "WWW-Authenticate"), "Bearer realm=\"paymock\"");
	cr_expect_null(strstr(r->body, TOKEN), "%s: the token is echoed", what);
}

Test(adv_admin, no_token_or_a_wrong_one_gets_401)
{
	static const char *const	 wrong[] = {
		NULL,
		"Authorization: Bearer nope\r\n",
		"Authorization: Bearer " TOKEN "x\r\n",
		"Authorization: Bearer s3cret-Tok3n_for.adv~admi\r\n",
		"Authorization: Basic " TOKEN "\r\n",
		"Authorization: " TOKEN "\r\n",
		"Authorization: Bearer\r\n",
		"X-Admin-Token: " TOKEN "\r\n",
	};
	size_t				 i;

	for (i = 0; i < nitems(wrong); i++) {
		adv_admin_expect_401(e2e("GET", "/__admin/journal", wrong[i], NULL),
		    wrong[i] != NULL ? wrong[i] : "none");
		adv_admin_expect_401(e2e("GET", "/__admin/nowhere", wrong[i], NULL), "404");
	}
	/* Before the session name is looked at, too. */
	adv_admin_expect_401(e2e("GET", "/__admin/sessions",
	    "X-Paymock-Session: not a name\r\n", NULL), "bad session");
}

Test(adv_admin, the_right_token_gets_through)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/sessions", BEARER, NULL);

	cr_expect_eq(r->status, 200, "%s", r->body);
	r = e2e("GET", "/__admin/journal", "authorization: bearer   " TOKEN "\r\n", NULL);
	cr_expect_eq(r->status, 200, "scheme is case-insensitive: %s", r->body);
	r = e2e("POST", "/__admin/clock/advance", BEARER JSON_CT, "{\"seconds\":1}");
	cr_expect_eq(r->status, 200, "%s", r->body);
}

/* Probes (Docker HEALTHCHECK, Kubernetes) need no secret: health stays open. */
Test(adv_admin, health_stays_open)
{
	struct e2e_resp	*r = e2e("GET", "/__admin/health", NULL, NULL);

	cr_expect_eq(r->status, 200, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "status"), "ok");
}

/* A refused call leaves no trace: no session made, reset, deleted or advanced. */
Test(adv_admin, refused_calls_change_nothing)
{
	const char	*in_s = "X-Paymock-Session: s\r\n";
	struct e2e_resp	*r;

	cr_assert_eq(e2e("POST", "/smartpay/payment/refund", JSON_CT "X-Paymock-Session: s\r\n",
	    SP_REFUND_BODY)->status, 200);
	adv_admin_expect_401(e2e("POST", "/__admin/reset", in_s, NULL), "reset");
	adv_admin_expect_401(e2e("DELETE", "/__admin/sessions/s", NULL, NULL), "delete");
	adv_admin_expect_401(e2e("POST", "/__admin/clock/advance",
	    "X-Paymock-Session: s\r\n" JSON_CT, "{\"seconds\":60}"), "advance");
	adv_admin_expect_401(e2e("GET", "/__admin/clock", "X-Paymock-Session: new\r\n",
	    NULL), "get in a new session");
	r = e2e("GET", "/__admin/sessions", BEARER, NULL);
	cr_assert_eq(r->status, 200);
	cr_expect_eq(e2e_len(r, "sessions"), 2, "default and s only: %s", r->body);
	cr_expect_str_eq(e2e_get(r, "sessions[1].name"), "s");
	cr_expect_str_eq(e2e_get(r, "sessions[1].refunds"), "1");
	cr_expect_str_eq(e2e_get(r, "sessions[1].now"), E2E_EPOCH);
}

Test(adv_admin, provider_routes_stay_open)
{
	struct e2e_resp	*r = e2e("POST", "/smartpay/payment/refund", JSON_CT, SP_REFUND_BODY);

	cr_expect_eq(r->status, 200, "%s", r->body);
	/* Whatever Authorization a provider call carries is not the admin's business. */
	r = e2e("POST", AB_REFUND, AB_HEADERS "Authorization: Bearer nope\r\n", AB_REFUND_BODY);
	cr_expect_eq(r->status, 201, "%s", r->body);
}

/* A client that sends the token on every call finds it nowhere. */
Test(adv_admin, the_token_is_not_journaled_or_logged)
{
	const char *const	 args[] = { "--admin-token", TOKEN, "--log-format", "text", NULL };
	char			 path[] = "/tmp/paymock-adv-admin-XXXXXX", buf[65536];
	struct e2e_resp		*r;
	ssize_t			 n;
	int			 fd;

	cr_assert((fd = mkstemp(path)) >= 0);
	e2e_teardown();
	e2e_start_stderr(args, fd);
	r = e2e("POST", AB_REFUND, AB_HEADERS BEARER "X-Echo: token=" TOKEN ";\r\n",
	    AB_REFUND_BODY);
	cr_expect_eq(r->status, 201, "%s", r->body);
	r = e2e("GET", "/__admin/journal", BEARER, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_expect_eq(e2e_len(r, "entries"), 1, "%s", r->body);
	cr_expect_null(strstr(r->body, TOKEN), "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "entries[0].request.headers.Authorization"), "[redacted]");
	adv_admin_expect_401(e2e("GET", "/__admin/journal",
	    "Authorization: Bearer " TOKEN "-near-miss\r\n", NULL), "near miss");
	e2e_teardown();
	n = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	unlink(path);
	cr_assert_gt(n, 0, "no access log");
	buf[n] = '\0';
	cr_expect_not_null(strstr(buf, "/__admin/journal"), "%s", buf);
	cr_expect_null(strstr(buf, TOKEN), "the log shows the token: %s", buf);
}

/* PAYMOCK_ADMIN_TOKEN works alone; --admin-token wins over it. */
Test(adv_admin, the_environment_gives_the_token_and_the_flag_wins)
{
	const char *const	 args[] = { "--admin-token", "from-the-flag", NULL };

	e2e_teardown();
	setenv("PAYMOCK_ADMIN_TOKEN", "from-the-env", 1);
	e2e_start(NULL);
	adv_admin_expect_401(e2e("GET", "/__admin/sessions", NULL, NULL), "env, none");
	cr_expect_eq(e2e("GET", "/__admin/sessions", "Authorization: Bearer from-the-env\r\n",
	    NULL)->status, 200);
	e2e_teardown();
	e2e_start(args);
	adv_admin_expect_401(e2e("GET", "/__admin/sessions",
	    "Authorization: Bearer from-the-env\r\n", NULL), "flag wins");
	cr_expect_eq(e2e("GET", "/__admin/sessions", "Authorization: Bearer from-the-flag\r\n",
	    NULL)->status, 200);
	e2e_teardown();
	/* Empty is unset: a CI secret that is not defined leaves the API open. */
	setenv("PAYMOCK_ADMIN_TOKEN", "", 1);
	e2e_start(NULL);
	cr_expect_eq(e2e("GET", "/__admin/sessions", NULL, NULL)->status, 200);
	unsetenv("PAYMOCK_ADMIN_TOKEN");
}

/*
 * Runs paymock with 'args' until it says it listens, then stops it; returns
 * what it wrote on stderr (and its exit status), for start-up messages.
 */
static char *
adv_admin_startup_stderr(const char *const *args, int *status)
{
	const char	*bin = getenv("PAYMOCK_BIN"), *fixtures = getenv("PAYMOCK_FIXTURES");
	const char	*argv[16];
	char		 line[256], *err;
	int		 out[2], errp[2];
	size_t		 n = 0, len = 0;
	ssize_t		 got;
	FILE		*fp;
	pid_t		 pid;

	argv[n++] = bin != NULL ? bin : "build/paymock";
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--quiet";
	argv[n++] = "--fixtures";
	argv[n++] = fixtures != NULL ? fixtures : "fixtures";
	for (; *args != NULL && n < nitems(argv) - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cr_assert(pipe(out) == 0 && pipe(errp) == 0);
	if ((pid = fork()) == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		close(out[0]);
		close(errp[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	fp = fdopen(out[0], "r");
	/* stderr is unbuffered: what came before the listening line is in the pipe. */
	if (fgets(line, sizeof line, fp) != NULL)
		kill(pid, SIGTERM);
	waitpid(pid, status, 0);
	fclose(fp);
	err = xmalloc(65536);
	while (len < 65535 && (got = read(errp[0], err + len, 65535 - len)) > 0)
		len += (size_t)got;
	err[len] = '\0';
	close(errp[0]);
	return (err);
}

Test(adv_admin_startup, warns_when_listening_beyond_loopback_without_a_token,
    .timeout = 30)
{
	static const char *const	 open_all[] = { "--bind", "0.0.0.0", NULL };
	static const char *const	 with_token[] = { "--bind", "0.0.0.0",
		"--admin-token", TOKEN, NULL };
	static const char *const	 loopback[] = { "--bind", "127.0.0.1", NULL };
	char				*err;
	int				 status;

	unsetenv("PAYMOCK_ADMIN_TOKEN");
	err = adv_admin_startup_stderr(open_all, &status);
	cr_expect_not_null(strstr(err, "warning: listening on 0.0.0.0 with no admin token"),
	    "%s", err);
	cr_expect_not_null(strstr(err, "PAYMOCK_ADMIN_TOKEN"), "%s", err);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	free(err);
	err = adv_admin_startup_stderr(with_token, &status);
	cr_expect_null(strstr(err, "warning"), "%s", err);
	cr_expect_null(strstr(err, TOKEN), "%s", err);
	free(err);
	err = adv_admin_startup_stderr(loopback, &status);
	cr_expect_str_eq(err, "");
	free(err);
}

Test(adv_admin_startup, a_token_that_cannot_be_sent_is_refused, .timeout = 30)
{
	static const char *const	 spaced[] = { "--admin-token", "two words", NULL };
	char				*err;
	int				 status;

	err = adv_admin_startup_stderr(spaced, &status);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d", status);
	cr_expect_not_null(strstr(err, "--admin-token"), "%s", err);
	free(err);
}
