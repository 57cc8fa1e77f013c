/*
 * Adversarial webhooks: late replies after a session is gone, the SSRF guard,
 * and receivers that stall, dribble or flood.  Receivers run on a thread of
 * their own so that paymock and the test can both go on while they hold.
 */
#define _GNU_SOURCE	/* strcasestr */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define AB_PAYMENT	"f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define AB_HEADERS	JSON_CT "X-API-Key: smtgw_sk_test_x\r\nIdempotency-Key: %s\r\n"
#define SR_REFUND	"/smartretry/v1/payments/refund/ABC123"
#define SESSION(n)	"X-Paymock-Session: " n "\r\n"
#define RECV_CONNS	128

TestSuite(adv_webhook, .init = e2e_setup, .fini = e2e_teardown, .timeout = 30);

/* How a receiver answers a complete request. */
enum rmode {
	RECV_OK,		/* 200 at once */
	RECV_LATE,		/* 200 after 'delay_ms' */
	RECV_DRIBBLE,	/* a head promising a body, then a byte every 200 ms */
	RECV_HUGE,		/* a 300 MB body, as fast as it is taken */
};

struct rconn {
	int	 fd;
	char	 buf[8192];
	size_t	 got;
	long	 due;		/* when to answer (ms); 0: request not complete */
	long	 next;		/* the next drip */
	int	 answered;
};

struct receiver {
	int		 lfd, port;
	volatile int	 mode;
	int		 delay_ms;
	volatile int	 stop;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	int		 requests;	/* complete requests seen */
	int		 open, max_open;	/* connections from paymock */
	long		 first_ms;	/* when the first request was complete */
	size_t		 huge_sent;
	int		 closed_by_peer;
	char		 bodies[8192];	/* the bodies seen, one per line */
	struct rconn	 c[RECV_CONNS];
	int		 nc;
};

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The body once the head and Content-Length bytes are in, or NULL. */
static const char *
rconn_complete(struct rconn *k)
{
	const char	*sep = strstr(k->buf, "\r\n\r\n"), *cl;
	size_t		 want;

	if (sep == NULL)
		return (NULL);
	cl = strcasestr(k->buf, "Content-Length:");
	want = (size_t)(sep + 4 - k->buf) + (cl != NULL ? strtoul(cl + 15, NULL, 10) : 0);
	return (k->got >= want ? sep + 4 : NULL);
}

static void
rconn_close(struct receiver *r, int i, int by_peer)
{
	close(r->c[i].fd);
	pthread_mutex_lock(&r->mu);
	r->open--;
	r->closed_by_peer += by_peer;
	pthread_mutex_unlock(&r->mu);
	r->c[i] = r->c[--r->nc];
}

static void
receiver_read(struct receiver *r, int i)
{
	struct rconn	*k = &r->c[i];
	char		 junk[4096];
	const char	*body;
	ssize_t		 n;

	if (k->got < sizeof k->buf - 1)
		n = recv(k->fd, k->buf + k->got, sizeof k->buf - 1 - k->got, 0);
	else
		n = recv(k->fd, junk, sizeof junk, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		rconn_close(r, i, 1);
		return;
	}
	if (n < 0 || k->got >= sizeof k->buf - 1)
		return;
	k->got += (size_t)n;
	k->buf[k->got] = '\0';
	if (k->due != 0 || (body = rconn_complete(k)) == NULL)
		return;
	k->due = now_ms() + (r->mode == RECV_LATE ? r->delay_ms : 0);
	pthread_mutex_lock(&r->mu);
	if (r->requests++ == 0)
		r->first_ms = now_ms();
	if (strlen(r->bodies) + strlen(body) + 2 < sizeof r->bodies) {
		strcat(r->bodies, body);
		strcat(r->bodies, "\n");
	}
	pthread_mutex_unlock(&r->mu);
}

/* Answers (or goes on answering) a complete request by the receiver's mode. */
static void
receiver_answer(struct receiver *r, int i)
{
	static const char	 ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	/* Under the reply cap: only the drip keeps it going. */
	static const char	 drip[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
	static const char	 huge[] = "HTTP/1.1 200 OK\r\nContent-Length: 300000000"
	    "\r\n\r\n";
	static char		 chunk[65536];
	struct rconn		*k = &r->c[i];
	long			 t = now_ms();
	ssize_t			 n;

	if (k->due == 0 || t < k->due)
		return;
	switch (r->mode) {
	case RECV_OK:
	case RECV_LATE:
		send(k->fd, ok, sizeof ok - 1, MSG_NOSIGNAL);
		rconn_close(r, i, 0);
		return;
	case RECV_DRIBBLE:
		if (!k->answered)
			send(k->fd, drip, sizeof drip - 1, MSG_NOSIGNAL);
		else if (t >= k->next)
			send(k->fd, "x", 1, MSG_NOSIGNAL);
		else
			return;
		k->answered = 1;
		k->next = t + 200;
		return;
	case RECV_HUGE:
		if (!k->answered)
			send(k->fd, huge, sizeof huge - 1, MSG_NOSIGNAL);
		k->answered = 1;
		memset(chunk, 'x', sizeof chunk);
		n = send(k->fd, chunk, sizeof chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			pthread_mutex_lock(&r->mu);
			r->huge_sent += (size_t)n;
			pthread_mutex_unlock(&r->mu);
		} else if (errno != EAGAIN)
			rconn_close(r, i, 1);
		return;
	}
}

static void *
receiver_main(void *arg)
{
	struct receiver	*r = arg;
	struct pollfd	 p[RECV_CONNS + 1];
	int		 i, fd, n;

	while (!r->stop) {
		p[0] = (struct pollfd){ r->lfd, POLLIN, 0 };
		for (i = 0; i < r->nc; i++)
			p[i + 1] = (struct pollfd){ r->c[i].fd, POLLIN, 0 };
		n = r->nc;
		if (poll(p, (nfds_t)n + 1, 10) > 0 && (p[0].revents & POLLIN) &&
		    r->nc < RECV_CONNS && (fd = accept(r->lfd, NULL, NULL)) >= 0) {
			fcntl(fd, F_SETFL, O_NONBLOCK);
			memset(&r->c[r->nc], 0, sizeof r->c[r->nc]);
			r->c[r->nc++].fd = fd;
			pthread_mutex_lock(&r->mu);
			if (++r->open > r->max_open)
				r->max_open = r->open;
			pthread_mutex_unlock(&r->mu);
		}
		/* Backwards: closing moves the last connection into slot i. */
		for (i = n - 1; i >= 0; i--) {
			if (p[i + 1].revents != 0)
				receiver_read(r, i);
		}
		for (i = r->nc - 1; i >= 0; i--)
			receiver_answer(r, i);
	}
	for (i = 0; i < r->nc; i++)
		close(r->c[i].fd);
	close(r->lfd);
	return (NULL);
}

/* A receiver on a free port of 'addr' (127.0.0.1 or ::1). */
static struct receiver *
receiver_start(const char *addr, enum rmode mode, int delay_ms)
{
	struct receiver		*r = calloc(1, sizeof *r);
	struct sockaddr_storage	 ss = { 0 };
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	int			 v6 = strchr(addr, ':') != NULL;

	r->mode = mode;
	r->delay_ms = delay_ms;
	pthread_mutex_init(&r->mu, NULL);
	r->lfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (v6) {
		sin6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		sl = sizeof *sin6;
	} else {
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &sin->sin_addr);
		sl = sizeof *sin;
	}
	cr_assert_eq(bind(r->lfd, (struct sockaddr *)&ss, sl), 0, "bind: %s",
	    strerror(errno));
	cr_assert_eq(listen(r->lfd, 256), 0);
	getsockname(r->lfd, (struct sockaddr *)&ss, &sl);
	r->port = ntohs(v6 ? sin6->sin6_port : sin->sin_port);
	pthread_create(&r->thread, NULL, receiver_main, r);
	return (r);
}

static void
receiver_stop(struct receiver *r)
{
	r->stop = 1;
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static int
receiver_requests(struct receiver *r)
{
	int	n;

	pthread_mutex_lock(&r->mu);
	n = r->requests;
	pthread_mutex_unlock(&r->mu);
	return (n);
}

/* Waits (polling, with a deadline) until the receiver saw 'n' requests; 1 if it did. */
static int
receiver_wait(struct receiver *r, int n, int ms)
{
	long	end = now_ms() + ms;
	struct timespec	tick = { 0, 5 * 1000000 };

	while (receiver_requests(r) < n) {
		if (now_ms() > end)
			return (0);
		nanosleep(&tick, NULL);
	}
	return (1);
}

static void
endpoint_at(const char *session, const char *provider, const char *host, int port)
{
	struct e2e_resp	*r = e2ef("POST", "/__admin/webhooks", session,
	    "{\"provider\":\"%s\",\"url\":\"http://%s:%d/hook\"}", provider, host, port);

	cr_assert_eq(r->status, 201, "%s", r->body);
}

static void
accelebit_refund(const char *session, const char *key)
{
	char	h[512];

	snprintf(h, sizeof h, AB_HEADERS "%s", key, session);
	cr_assert_eq(e2ef("POST", "/accelebit/v1/refunds", h, "{\"transactionId\":"
	    "\"" AB_PAYMENT "\",\"amount\":\"1.00\",\"currency\":\"EUR\"}")->status, 201);
}

static void
smartretry_refund(const char *session)
{
	char		 h[256];
	struct e2e_resp	*r;

	snprintf(h, sizeof h, JSON_CT "x-api-key: k\r\n%s", session);
	r = e2e("POST", SR_REFUND, h, "{\"transaction_reference_id\":\"TX8A3F2C\","
	    "\"order_reference_id\":\"OR7B9E1D\",\"amount\":10.00}");
	cr_assert_eq(r->status, 200, "%s", r->body);
}

static int
server_fds(void)
{
	char		 path[64];
	DIR		*d;
	int		 n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", e2e_server_pid());
	if ((d = opendir(path)) == NULL)
		return (-1);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return (n - 2);
}

static void
arm(const char *session, const char *rule)
{
	struct e2e_resp	*r = e2e("POST", "/__admin/faults", session, rule);

	cr_assert_eq(r->status, 201, "%s", r->body);
}

/*
 * Issue 12, failure 2: the old session's late reply must not find the new
 * session of the same name (the crash was a NULL endpoint for its duplicate).
 */
static void
late_reply_after_recreate(int duplicate)
{
	struct receiver	*late = receiver_start("127.0.0.1", RECV_LATE, 600);
	struct e2e_resp	*r;
	size_t		 i, n;

	endpoint_at(SESSION("race"), "accelebit", "127.0.0.1", late->port);
	accelebit_refund(SESSION("race"), "race-1");
	cr_assert(receiver_wait(late, 1, 3000), "the created event never went out");
	cr_assert_eq(e2e("DELETE", "/__admin/sessions/race", NULL, NULL)->status, 200);
	endpoint_at(SESSION("race"), "smartretry", "127.0.0.1", late->port);
	if (duplicate)
		arm(SESSION("race"), "{\"match\":{\"operation\":\"webhook.deliver\"},"
		    "\"action\":{\"type\":\"webhook_duplicate\"}}");
	smartretry_refund(SESSION("race"));
	e2e_advance_in(SESSION("race"), "31");
	/* The old reply lands while the new event is on the wire. */
	cr_assert(receiver_wait(late, 2, 3000), "the new session's event never went out");
	r = e2e_await_deliveries(SESSION("race"), duplicate ? 2 : 1, 5000);
	cr_assert_eq(e2e("GET", "/__admin/health", NULL, NULL)->status, 200);
	n = e2e_len(r, "deliveries");
	cr_expect_eq(n, duplicate ? 2u : 1u, "%s", r->body);
	for (i = 0; i < n; i++) {
		char path[48];
		snprintf(path, sizeof path, "deliveries[%zu].provider", i);
		cr_expect_str_eq(e2e_get(r, path), "smartretry", "an old delivery: %s",
		    r->body);
	}
	receiver_stop(late);
}

Test(adv_webhook, late_reply_after_delete_and_recreate_with_duplicate)
{
	late_reply_after_recreate(1);
}

Test(adv_webhook, late_reply_after_delete_and_recreate_logs_nothing_old)
{
	late_reply_after_recreate(0);
}

Test(adv_webhook, late_reply_after_reset_lands_nowhere)
{
	struct receiver	*late = receiver_start("127.0.0.1", RECV_LATE, 400);
	struct e2e_resp	*r;

	endpoint_at(SESSION("rst"), "accelebit", "127.0.0.1", late->port);
	accelebit_refund(SESSION("rst"), "rst-1");
	cr_assert(receiver_wait(late, 1, 3000));
	cr_assert_eq(e2e("POST", "/__admin/reset", SESSION("rst"), NULL)->status, 200);
	accelebit_refund(SESSION("rst"), "rst-2");
	cr_assert(receiver_wait(late, 2, 3000));
	r = e2e_await_deliveries(SESSION("rst"), 2, 1500);
	cr_expect_eq(e2e_len(r, "deliveries"), 1, "%s", r->body);
	receiver_stop(late);
}

/* Issue 12, failure 5: the host is parsed, not compared by prefix. */
Test(adv_webhook, ssrf_guard_parses_the_host)
{
	static const struct {
		const char	*url;
		int		 status;
		const char	*says;
	} cases[] = {
		{ "http://127.0.0.1.evil.example/x", 400, "not loopback" },
		{ "http://127.attacker.example/", 400, "not loopback" },
		{ "http://localhost.evil.example/", 400, "not loopback" },
		{ "http://0x7f.0.0.1/", 400, "not loopback" },
		{ "http://[::2]/", 400, "not loopback" },
		{ "http://user:pw@127.0.0.1/", 400, "user info" },
		{ "http:///x", 400, "no host" },
		{ "http://127.0.0.1:0/", 400, "port" },
		{ "http://127.0.0.1:99999/", 400, "port" },
		{ "https://127.0.0.1/", 400, "https" },
		{ "http://[::1]/", 201, NULL },
		{ "http://[::1]:9/x?y=1", 201, NULL },
		{ "http://localhost:9/", 201, NULL },
		{ "http://LocalHost/", 201, NULL },
		{ "http://127.9.8.7:9/", 201, NULL },
	};
	struct e2e_resp	*r;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = e2ef("POST", "/__admin/webhooks", NULL,
		    "{\"provider\":\"accelebit\",\"url\":\"%s\"}", cases[i].url);
		cr_expect_eq(r->status, cases[i].status, "%s: %s", cases[i].url, r->body);
		if (cases[i].says != NULL)
			cr_expect(strstr(r->body, cases[i].says) != NULL, "%s: %s",
			    cases[i].url, r->body);
	}
}

Test(adv_webhook, allowed_hosts_match_exactly)
{
	const char	*args[] = { "--webhook-allow", "hooks.example.test",
	    "--webhook-allow", "10.1.2.3", NULL };
	static const struct {
		const char	*url;
		int		 status;
	} cases[] = {
		{ "http://hooks.example.test/x", 201 },
		{ "http://HOOKS.Example.Test:8080/x", 201 },
		{ "http://10.1.2.3/", 201 },
		{ "http://10.1.2.30/", 400 },
		{ "http://x.hooks.example.test/", 400 },
		{ "http://hooks.example.test.evil/", 400 },
		{ "http://hooks.example.tes/", 400 },
	};
	struct e2e_resp	*r;
	size_t		 i;

	e2e_teardown();
	e2e_start(args);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = e2ef("POST", "/__admin/webhooks", NULL,
		    "{\"provider\":\"accelebit\",\"url\":\"%s\"}", cases[i].url);
		cr_expect_eq(r->status, cases[i].status, "%s: %s", cases[i].url, r->body);
	}
}

/* [::1] and localhost are not only accepted: deliveries get there. */
Test(adv_webhook, deliveries_reach_ipv6_loopback_and_localhost)
{
	struct receiver	*v6 = receiver_start("::1", RECV_OK, 0);
	struct receiver	*v4 = receiver_start("127.0.0.1", RECV_OK, 0);

	endpoint_at(SESSION("v6"), "accelebit", "[::1]", v6->port);
	accelebit_refund(SESSION("v6"), "v6-1");
	cr_expect(receiver_wait(v6, 1, 3000), "nothing reached [::1]");
	endpoint_at(SESSION("lh"), "accelebit", "localhost", v4->port);
	accelebit_refund(SESSION("lh"), "lh-1");
	cr_expect(receiver_wait(v4, 1, 3000), "nothing reached localhost");
	receiver_stop(v6);
	receiver_stop(v4);
}

/* One logged delivery in 'session', then its receiver turns to 'mode'. */
static void
one_delivery_then(const char *session, struct receiver *r, enum rmode mode)
{
	endpoint_at(session, "accelebit", "127.0.0.1", r->port);
	accelebit_refund(session, "first");
	cr_assert(receiver_wait(r, 1, 3000));
	cr_assert_eq(e2e_len(e2e_await_deliveries(session, 1, 3000), "deliveries"), 1);
	r->mode = mode;
}

/*
 * Issue 12, failure 6: replays queue behind the session's share; past the
 * queue's cap a 429; the descriptors stay flat and other sessions go on.
 */
Test(adv_webhook, replay_flood_is_queued_and_capped)
{
	struct receiver	*hold = receiver_start("127.0.0.1", RECV_OK, 0);
	struct receiver	*ok = receiver_start("127.0.0.1", RECV_OK, 0);
	struct e2e_resp	*r;
	int		 i, accepted = 0, full = 0, fds;

	one_delivery_then(SESSION("flood"), hold, RECV_DRIBBLE);
	for (i = 0; i < 400; i++) {
		r = e2e("POST", "/__admin/webhooks/deliveries/1/replay", SESSION("flood"),
		    NULL);
		if (r->status == 202)
			accepted++;
		else if (r->status == 429 &&
		    strcmp(e2e_get(r, "error.code"), "replay_queue_full") == 0)
			full++;
	}
	cr_expect(accepted >= 256 && accepted <= 256 + 8, "%d replays accepted", accepted);
	cr_expect_eq(accepted + full, 400, "%d accepted, %d refused as full", accepted, full);
	cr_assert(receiver_wait(hold, 1 + 8, 3000));
	fds = server_fds();
	cr_expect(fds > 0 && fds < 64, "%d descriptors open", fds);
	/* Another session's refund and webhook are not held up. */
	endpoint_at(SESSION("bystander"), "accelebit", "127.0.0.1", ok->port);
	accelebit_refund(SESSION("bystander"), "by-1");
	cr_expect(receiver_wait(ok, 1, 1000), "the bystander's webhook waited");
	pthread_mutex_lock(&hold->mu);
	cr_expect_leq(hold->max_open, 8, "%d attempts of one session at once",
	    hold->max_open);
	pthread_mutex_unlock(&hold->mu);
	receiver_stop(ok);
	receiver_stop(hold);
}

Test(adv_webhook, a_dribbling_receiver_does_not_delay_another_session)
{
	struct receiver	*drip = receiver_start("127.0.0.1", RECV_OK, 0);
	struct receiver	*ok = receiver_start("127.0.0.1", RECV_OK, 0);
	long		 t0;
	int		 i;

	one_delivery_then(SESSION("slow"), drip, RECV_DRIBBLE);
	/* More than every slot there is, all dribbled. */
	for (i = 0; i < 80; i++)
		cr_assert_eq(e2e("POST", "/__admin/webhooks/deliveries/1/replay",
		    SESSION("slow"), NULL)->status, 202);
	cr_assert(receiver_wait(drip, 1 + 8, 3000));
	endpoint_at(SESSION("quick"), "accelebit", "127.0.0.1", ok->port);
	t0 = now_ms();
	accelebit_refund(SESSION("quick"), "q-1");
	cr_assert(receiver_wait(ok, 1, 2000), "the other session's webhook never came");
	pthread_mutex_lock(&ok->mu);
	cr_expect_lt(ok->first_ms - t0, 500, "it came %ld ms late", ok->first_ms - t0);
	pthread_mutex_unlock(&ok->mu);
	receiver_stop(ok);
	receiver_stop(drip);
}

Test(adv_webhook, a_huge_reply_is_cut_at_the_cap)
{
	struct receiver	*huge = receiver_start("127.0.0.1", RECV_HUGE, 0);
	struct e2e_resp	*r;
	long		 end;
	int		 closed = 0;

	endpoint_at(SESSION("huge"), "accelebit", "127.0.0.1", huge->port);
	accelebit_refund(SESSION("huge"), "h-1");
	r = e2e_await_deliveries(SESSION("huge"), 1, 3000);
	cr_assert_eq(e2e_len(r, "deliveries"), 1, "%s", r->body);
	cr_expect_str_eq(e2e_get(r, "deliveries[0].status"), "null");
	cr_expect(strstr(e2e_get(r, "deliveries[0].error"), "65536") != NULL, "%s", r->body);
	for (end = now_ms() + 2000; !closed && now_ms() < end; ) {
		pthread_mutex_lock(&huge->mu);
		closed = huge->closed_by_peer;
		pthread_mutex_unlock(&huge->mu);
	}
	cr_expect(closed, "paymock kept reading");
	/* What the socket buffers took, not the 300 MB. */
	cr_expect_lt(huge->huge_sent, 32u << 20, "%zu bytes sent", huge->huge_sent);
	receiver_stop(huge);
}

Test(adv_webhook, an_attempt_has_a_total_deadline)
{
	const char	*args[] = { "--webhook-timeout", "1", NULL };
	struct receiver	*drip;
	struct e2e_resp	*r;
	long		 t0;

	e2e_teardown();
	e2e_start(args);
	drip = receiver_start("127.0.0.1", RECV_DRIBBLE, 0);
	endpoint_at(SESSION("dl"), "accelebit", "127.0.0.1", drip->port);
	t0 = now_ms();
	accelebit_refund(SESSION("dl"), "dl-1");
	/* A byte every 200 ms would keep an idle timer waiting forever. */
	r = e2e_await_deliveries(SESSION("dl"), 1, 4000);
	cr_assert_eq(e2e_len(r, "deliveries"), 1, "%s", r->body);
	cr_expect(now_ms() - t0 < 2500, "the deadline took %ld ms", now_ms() - t0);
	cr_expect(strstr(e2e_get(r, "deliveries[0].error"), "deadline") != NULL, "%s",
	    r->body);
	receiver_stop(drip);
}

/* An Accelebit refund with 'key' in 'session' on a connection of its own, unread. */
static int
held_refund(const char *session, const char *key)
{
	char	req[1024];
	int	n;

	n = snprintf(req, sizeof req, "POST /accelebit/v1/refunds HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nConnection: close\r\n" AB_HEADERS "%s"
	    "Content-Length: 89\r\n\r\n{\"transactionId\":\"" AB_PAYMENT "\","
	    "\"amount\":\"1.00\",\"currency\":\"EUR\"}", key, session);
	return (e2e_send_raw(req, (size_t)n));
}

/* Waits (over HTTP, with a deadline) until the session journaled 'n' requests. */
static void
journal_wait(const char *session, size_t n)
{
	cr_assert_geq(e2e_len(e2e_await_journal(session, n, 3000), "entries"), n,
	    "the held request never arrived");
}

/*
 * A held reply of a dropped session frees its key in no other session: the
 * re-created session's key stays in flight while its own reply is held.
 */
Test(adv_webhook, held_reply_of_a_dropped_session_frees_no_new_key)
{
	char	*old, *fresh, h[256];
	int	 a, b;

	arm(SESSION("held"), "{\"match\":{\"provider\":\"accelebit\"},\"action\":"
	    "{\"type\":\"delay\",\"ms\":300}}");
	a = held_refund(SESSION("held"), "k1");
	journal_wait(SESSION("held"), 1);
	cr_assert_eq(e2e("DELETE", "/__admin/sessions/held", NULL, NULL)->status, 200);
	arm(SESSION("held"), "{\"match\":{\"provider\":\"accelebit\",\"nth\":1},"
	    "\"action\":{\"type\":\"delay\",\"ms\":1500}}");
	b = held_refund(SESSION("held"), "k1");
	journal_wait(SESSION("held"), 1);
	old = e2e_read_raw(a, 3000);
	cr_expect(strncmp(old, "HTTP/1.1 201", 12) == 0, "%.40s", old);
	/* The old release came; the new key must still be in flight. */
	snprintf(h, sizeof h, AB_HEADERS SESSION("held"), "k1");
	cr_expect_eq(e2e("POST", "/accelebit/v1/refunds", h, "{\"transactionId\":\""
	    AB_PAYMENT "\",\"amount\":\"1.00\",\"currency\":\"EUR\"}")->status, 409);
	fresh = e2e_read_raw(b, 3000);
	cr_expect(strncmp(fresh, "HTTP/1.1 201", 12) == 0, "%.40s", fresh);
}
