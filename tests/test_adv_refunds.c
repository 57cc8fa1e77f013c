/*
 * Issue 12, the loop is everyone's, for refunds: the admin listing of a
 * session with thousands of refunds is made in slices, so a bystander is
 * answered in between; a transaction takes at most LEDGER_REFUNDS_PER_TXN_MAX
 * refunds, which bounds every provider GET that lists them.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e.h"
#include "ledger.h"
#include "util.h"

#define BIG		"X-Paymock-Session: big\r\n"
#define TXNS		40
#define FILL		(LEDGER_REFUNDS_PER_TXN_MAX - 1)
#define UTGL_AUTH	"Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n"
#define UTGL_REFUND	"/utgl/v1/partner-connect/transactions/refund"
#define ACC_PAYMENT	"f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define ACC_KEY		"X-API-Key: smtgw_sk_test_your_secret_key\r\n"

TestSuite(adv_refunds, .init = e2e_setup, .fini = e2e_teardown, .timeout = 60);

/* The i-th big UTGL transaction's id. */
static const char *
txn_id(int i, char *buf, size_t len)
{
	snprintf(buf, len, "07000000-0000-4000-8000-0000000000%02x", 0xb0 + i);
	return (buf);
}

/* Adds TXNS UTGL transactions of 99999999.00 to session "big". */
static void
add_txns(void)
{
	char	id[40];
	int	i;

	for (i = 0; i < TXNS; i++)
		cr_assert_eq(e2ef("POST", "/__admin/transactions", BIG,
		    "{\"provider\":\"utgl\",\"id\":\"%s\",\"amount\":\"99999999.00\","
		    "\"currency\":\"USD\",\"card_id\":\"%s\",\"ref_id\":\"UTGLBIG%03d\"}",
		    txn_id(i, id, sizeof id), id, i)->status, 201);
}

/*
 * A JSON POST on a keep-alive connection (thousands of refunds in a fraction
 * of a second); returns the status once the reply is read whole.
 */
static int
keep_alive(int fd, const char *path, const char *headers, const char *body)
{
	char	*req = xasprintf("POST %s HTTP/1.1\r\nHost: x\r\n%s" JSON_CT
		    "Content-Length: %zu\r\n\r\n%s", path, headers, strlen(body), body);
	struct buf	 in = { 0 };
	char		 chunk[4096], *end, *cl;
	ssize_t		 n;
	int		 status = 0;

	cr_assert_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	free(req);
	for (;;) {
		n = recv(fd, chunk, sizeof chunk, 0);
		cr_assert_gt(n, 0, "the server closed a keep-alive connection");
		buf_add(&in, chunk, (size_t)n);
		buf_add(&in, "", 1);
		in.len--;
		if ((end = strstr(in.data, "\r\n\r\n")) == NULL)
			continue;
		/* evhttp spells it so. */
		cl = strstr(in.data, "\r\nContent-Length:");
		cr_assert(cl != NULL && cl < end);
		if (in.len >= (size_t)(end + 4 - in.data) + strtoul(cl + 17, NULL, 10))
			break;
	}
	sscanf(in.data, "HTTP/1.1 %d", &status);
	buf_release(&in);
	return (status);
}

/* 'n' UTGL refunds of 0.01 on the 'i'-th big transaction, over one connection. */
static void
utgl_refunds(int i, int n)
{
	char	*body, id[40];
	int	 fd = e2e_send_raw("", 0), k;

	body = xasprintf("{\"transactionId\":\"%s\",\"amount\":0.01,\"currency\":"
	    "\"USD\",\"reason\":\"r\",\"description\":\"d\"}", txn_id(i, id, sizeof id));
	for (k = 0; k < n; k++)
		cr_assert_eq(keep_alive(fd, UTGL_REFUND, BIG UTGL_AUTH, body), 200);
	free(body);
	close(fd);
}

static size_t
refund_count(const char *session)
{
	return (e2e_len(e2e("GET", "/__admin/refunds", session, NULL), "refunds"));
}

Test(adv_refunds, a_large_refund_listing_is_made_in_slices)
{
	struct pollfd	 p;
	const char	*req = "GET /__admin/refunds HTTP/1.1\r\nHost: x\r\n" BIG
			    "Connection: close\r\n\r\n";
	char		*out, *body, id[40];
	json_t		*v, *refunds;
	int		 i, fd;

	/* One short of the cap each, so one more fits while it is listed. */
	add_txns();
	for (i = 0; i < TXNS; i++)
		utgl_refunds(i, FILL);
	fd = e2e_send_raw(req, strlen(req));
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	cr_expect_eq(e2e("GET", "/__admin/health", NULL, NULL)->status, 200);
	cr_expect_eq(poll(&p, 1, 0), 0, "the listing came before the health check");
	/* Added while the listing is under way: after its start, so not in it. */
	utgl_refunds(0, 1);
	out = e2e_read_raw(fd, 20000);
	cr_assert(strncmp(out, "HTTP/1.1 200", 12) == 0, "%.80s", out);
	cr_assert_not_null(body = strstr(out, "\r\n\r\n"));
	cr_assert_not_null(v = json_loads(body + 4, 0, NULL));
	refunds = json_object_get(v, "refunds");
	cr_expect_eq(json_array_size(refunds), TXNS * FILL);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(refunds,
	    TXNS * FILL - 1), "transaction_id")),
	    txn_id(TXNS - 1, id, sizeof id));
	cr_expect_eq(refund_count(BIG), TXNS * FILL + 1);
	json_decref(v);
	free(out);
}

Test(adv_refunds, a_session_reset_mid_listing_ends_it_cleanly)
{
	const char	*req = "GET /__admin/refunds HTTP/1.1\r\nHost: x\r\n" BIG
			    "Connection: close\r\n\r\n";
	char		*out, *body;
	json_t		*v;
	int		 i, fd;

	add_txns();
	for (i = 0; i < TXNS; i++)
		utgl_refunds(i, FILL);
	fd = e2e_send_raw(req, strlen(req));
	cr_expect_eq(e2e("POST", "/__admin/reset", BIG, NULL)->status, 200);
	out = e2e_read_raw(fd, 20000);
	cr_assert(strncmp(out, "HTTP/1.1 200", 12) == 0, "%.80s", out);
	cr_assert_not_null(body = strstr(out, "\r\n\r\n"));
	cr_assert_not_null(v = json_loads(body + 4, 0, NULL), "%s", body + 4);
	cr_expect_lt(json_array_size(json_object_get(v, "refunds")), TXNS * FILL);
	json_decref(v);
	free(out);
}

Test(adv_refunds, utgl_refuses_a_refund_past_the_cap_and_records_nothing)
{
	struct e2e_resp	*r;
	char		 id[40], sum[32];

	add_txns();
	utgl_refunds(0, LEDGER_REFUNDS_PER_TXN_MAX);
	r = e2ef("POST", UTGL_REFUND, BIG UTGL_AUTH JSON_CT, "{\"transactionId\":\"%s\","
	    "\"amount\":0.01,\"currency\":\"USD\",\"reason\":\"r\",\"description\":\"d\"}",
	    txn_id(0, id, sizeof id));
	cr_assert_eq(r->status, 422, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "error.code"), "REFUND_LIMIT_EXCEEDED");
	cr_expect_not_null(strstr(e2e_get(r, "error.message"), "already has"));
	cr_expect_eq(refund_count(BIG), LEDGER_REFUNDS_PER_TXN_MAX);
	r = e2e("GET", "/__admin/transactions?provider=utgl", BIG, NULL);
	/* 0.01 a refund, in cents. */
	snprintf(sum, sizeof sum, "%d.%02d", LEDGER_REFUNDS_PER_TXN_MAX / 100,
	    LEDGER_REFUNDS_PER_TXN_MAX % 100);
	cr_expect_str_eq(e2e_get(r, "transactions[9].refunded"), sum);
	/* Another transaction still takes refunds. */
	utgl_refunds(1, 1);
}

Test(adv_refunds, accelebit_refuses_a_refund_past_the_cap_in_its_own_shape)
{
	struct e2e_resp	*r;
	int		 fd = e2e_send_raw("", 0), k;

	for (k = 0; k < LEDGER_REFUNDS_PER_TXN_MAX; k++) {
		char *headers = xasprintf(ACC_KEY "Idempotency-Key: k%d\r\n", k);
		cr_assert_eq(keep_alive(fd, "/accelebit/v1/refunds", headers,
		    "{\"transactionId\":\"" ACC_PAYMENT "\",\"amount\":\"0.01\","
		    "\"currency\":\"EUR\"}"), 201);
		free(headers);
	}
	close(fd);
	r = e2e("POST", "/accelebit/v1/refunds", ACC_KEY JSON_CT
	    "Idempotency-Key: one-more\r\n", "{\"transactionId\":\""
	    ACC_PAYMENT "\",\"amount\":\"0.01\",\"currency\":\"EUR\"}");
	cr_assert_eq(r->status, 422, "%s", r->body);
	cr_expect_not_null(strstr(r->body, "RefundLimitExceededError"), "%s", r->body);
	cr_expect_eq(refund_count(NULL), LEDGER_REFUNDS_PER_TXN_MAX);
}
