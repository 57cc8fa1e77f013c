/*
 * bench-client: the loads wrk cannot make, for `make bench-hang`,
 * `make bench-sessions` and `make bench-startup`.
 *
 *   bench-client hang PORT N PATH SESSION SECONDS
 *	opens N connections to 127.0.0.1:PORT, each sending "GET PATH" in
 *	SESSION (whose armed fault holds it without a reply), prints
 *	"held N" once all are sent, keeps them open SECONDS (or until stdin
 *	closes), then closes them and prints how many the server had closed.
 *   bench-client sessions PORT NSESSIONS NREFUNDS WORKERS [PREFIX]
 *	NSESSIONS sessions (PREFIX-0...), NREFUNDS Accelebit refunds in each,
 *	WORKERS processes with one keep-alive connection each; every answer
 *	must be 201.  Prints requests, seconds and req/s.
 *   bench-client touch PORT NSESSIONS [PREFIX]
 *	one GET /__admin/health in each session: creates it and nothing else.
 *   bench-client startup RUNS PAYMOCK [ARGS...]
 *	RUNS times: fork+exec PAYMOCK ARGS --port P (P free), poll-connect
 *	every 100 us, GET /__admin/health; prints the time from exec to the
 *	first 200 (min, median, p90, max, in ms).
 *
 * Plain blocking sockets, no dependencies.  Exits non-zero on any failure.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BODY	"{\"transactionId\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\"," \
		"\"amount\":\"55.00\",\"currency\":\"EUR\",\"reason\":\"Customer requested refund\"}"

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
die(const char *what)
{
	fprintf(stderr, "bench-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
connect_to(int port, int must)
{
	struct sockaddr_in	sa;
	int			fd, one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (must)
			die("connect");
		close(fd);
		return (-1);
	}
	return (fd);
}

static void
send_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) <= 0)
			die("send");
		p += w;
		n -= (size_t)w;
	}
}

/* Reads one response on a keep-alive connection; returns its status. */
static int
read_response(int fd, char *buf, size_t cap, size_t *have)
{
	char	*end, *cl;
	size_t	 head, body = 0, want;
	ssize_t	 r;
	int	 status;

	for (;;) {
		buf[*have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
		if (*have + 1 >= cap)
			return (-1);
		if ((r = recv(fd, buf + *have, cap - 1 - *have, 0)) <= 0)
			return (-1);
		*have += (size_t)r;
	}
	head = (size_t)(end - buf) + 4;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return (-1);
	if ((cl = strcasestr(buf, "\r\nContent-Length:")) != NULL && cl < end)
		body = strtoul(cl + 17, NULL, 10);
	want = head + body;
	while (*have < want) {
		if (want >= cap)
			return (-1);
		if ((r = recv(fd, buf + *have, cap - 1 - *have, 0)) <= 0)
			return (-1);
		*have += (size_t)r;
	}
	memmove(buf, buf + want, *have - want);
	*have -= want;
	return (status);
}

static int
cmd_hang(int argc, char **argv)
{
	int	 port, n, i, *fds, closed = 0, seconds;
	char	 req[512];
	double	 t0, until;

	if (argc != 7)
		return (2);
	port = atoi(argv[2]);
	n = atoi(argv[3]);
	seconds = atoi(argv[6]);
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "X-API-Key: sk_test_bench\r\nX-Paymock-Session: %s\r\n\r\n", argv[4], argv[5]);
	if ((fds = calloc((size_t)n, sizeof *fds)) == NULL)
		die("calloc");
	t0 = now_s();
	for (i = 0; i < n; i++) {
		/*
		 * Paced: the listen backlog is 128 (evhttp's), and a connection
		 * past it loses its SYN and waits a second to try again.
		 */
		if (i % 50 == 49)
			usleep(3000);
		fds[i] = connect_to(port, 1);
		send_all(fds[i], req, strlen(req));
	}
	printf("held %d (opened and sent in %.2f s)\n", n, now_s() - t0);
	fflush(stdout);
	until = now_s() + seconds;
	while (now_s() < until) {
		struct pollfd	p = { 0, POLLIN, 0 };
		if (poll(&p, 1, 200) > 0) {
			char c;
			if (read(0, &c, 1) <= 0)
				break;
		}
	}
	/* Any connection the server closed (or answered) reads something now. */
	for (i = 0; i < n; i++) {
		char	c;
		ssize_t	r = recv(fds[i], &c, 1, MSG_DONTWAIT);
		if (r >= 0)
			closed++;
		close(fds[i]);
	}
	printf("server closed or answered %d of %d before the end\n", closed, n);
	free(fds);
	return (0);
}

static int
cmd_sessions(int argc, char **argv)
{
	int	 port, nsess, nref, workers, w, s, i, status, bad = 0;
	const char *prefix = argc > 6 ? argv[6] : "bench";
	double	 t0;

	if (argc < 6)
		return (2);
	port = atoi(argv[2]);
	nsess = atoi(argv[3]);
	nref = atoi(argv[4]);
	workers = atoi(argv[5]);
	t0 = now_s();
	for (w = 0; w < workers; w++) {
		pid_t	pid = fork();
		if (pid < 0)
			die("fork");
		if (pid > 0)
			continue;
		{
			static char	buf[65536];
			char		req[1024];
			size_t		have = 0;
			int		fd = connect_to(port, 1);

			for (s = w; s < nsess; s += workers) {
				for (i = 0; i < nref; i++) {
					int n = snprintf(req, sizeof req,
					    "POST /accelebit/v1/refunds HTTP/1.1\r\n"
					    "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
					    "X-API-Key: sk_test_bench\r\nX-Paymock-Session: %s-%d\r\n"
					    "Idempotency-Key: r-%d\r\nContent-Length: %zu\r\n\r\n%s",
					    prefix, s, i, strlen(BODY), BODY);
					send_all(fd, req, (size_t)n);
					if ((status = read_response(fd, buf, sizeof buf, &have)) != 201) {
						fprintf(stderr, "bench-client: session %d refund %d: "
						    "status %d\n", s, i, status);
						_exit(1);
					}
				}
			}
			_exit(0);
		}
	}
	for (w = 0; w < workers; w++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	printf("%d sessions x %d refunds = %ld requests in %.2f s (%.0f req/s)%s\n",
	    nsess, nref, (long)nsess * nref, now_s() - t0,
	    (double)nsess * nref / (now_s() - t0), bad ? ", FAILED" : "");
	return (bad ? 1 : 0);
}

static int
cmd_touch(int argc, char **argv)
{
	static char	buf[65536];
	char		req[512];
	size_t		have = 0;
	int		port, n, s, fd, st;
	const char	*prefix = argc > 4 ? argv[4] : "bench";

	if (argc < 4)
		return (2);
	port = atoi(argv[2]);
	n = atoi(argv[3]);
	fd = connect_to(port, 1);
	for (s = 0; s < n; s++) {
		int k = snprintf(req, sizeof req, "GET /__admin/health HTTP/1.1\r\n"
		    "Host: 127.0.0.1\r\nX-Paymock-Session: %s-%d\r\n\r\n", prefix, s);
		send_all(fd, req, (size_t)k);
		if ((st = read_response(fd, buf, sizeof buf, &have)) != 200) {
			fprintf(stderr, "bench-client: touch %d: status %d\n", s, st);
			return (1);
		}
	}
	close(fd);
	return (0);
}

static int
free_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		sl = sizeof sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		die("free port");
	port = ntohs(sa.sin_port);
	close(fd);
	return (port);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static int
cmd_startup(int argc, char **argv)
{
	static const char get[] = "GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	int	 runs, r, i, fd, status;
	double	*ms, t0;
	char	 portarg[16], buf[4096];
	size_t	 have;
	char	**args;

	if (argc < 4)
		return (2);
	runs = atoi(argv[2]);
	ms = calloc((size_t)runs, sizeof *ms);
	args = calloc((size_t)argc + 4, sizeof *args);
	for (r = 0; r < runs; r++) {
		int	port = free_port();
		pid_t	pid;

		snprintf(portarg, sizeof portarg, "%d", port);
		for (i = 3; i < argc; i++)
			args[i - 3] = argv[i];
		args[argc - 3] = (char *)"--port";
		args[argc - 2] = portarg;
		args[argc - 1] = NULL;
		t0 = now_s();
		if ((pid = fork()) < 0)
			die("fork");
		if (pid == 0) {
			int devnull = open("/dev/null", O_WRONLY);
			dup2(devnull, 1);
			dup2(devnull, 2);
			execv(args[0], args);
			_exit(127);
		}
		for (;;) {
			if ((fd = connect_to(port, 0)) >= 0)
				break;
			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "bench-client: paymock exited at start\n");
				return (1);
			}
			usleep(100);
		}
		send_all(fd, get, sizeof get - 1);
		have = 0;
		if ((status = read_response(fd, buf, sizeof buf, &have)) != 200) {
			fprintf(stderr, "bench-client: health answered %d\n", status);
			return (1);
		}
		ms[r] = (now_s() - t0) * 1000;
		close(fd);
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
	printf("start-up to first 200 on /__admin/health, %d runs: min %.2f ms, "
	    "median %.2f ms, p90 %.2f ms, max %.2f ms\n", runs, ms[0], ms[runs / 2],
	    ms[(runs * 9) / 10 < runs ? (runs * 9) / 10 : runs - 1], ms[runs - 1]);
	free(ms);
	free(args);
	return (0);
}

int
main(int argc, char **argv)
{
	int	rc = 2;

	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "hang") == 0)
		rc = cmd_hang(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "sessions") == 0)
		rc = cmd_sessions(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "touch") == 0)
		rc = cmd_touch(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "startup") == 0)
		rc = cmd_startup(argc, argv);
	if (rc == 2)
		fprintf(stderr, "usage: bench-client hang PORT N PATH SESSION SECONDS\n"
		    "       bench-client sessions PORT NSESSIONS NREFUNDS WORKERS [PREFIX]\n"
		    "       bench-client touch PORT NSESSIONS [PREFIX]\n"
		    "       bench-client startup RUNS PAYMOCK [ARGS...]\n");
	return (rc);
}
