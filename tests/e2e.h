/* End-to-end test harness: the real server on port 0, spoken to over raw sockets. */
#ifndef PAYMOCK_E2E_H
#define PAYMOCK_E2E_H

#include <jansson.h>
#include <stddef.h>

/* The frozen instant every worked example starts at. */
#define E2E_EPOCH	"2026-04-09T14:00:00.000Z"
#define JSON_CT		"Content-Type: application/json\r\n"

struct e2e_resp {
	int	 status;
	char	*head;		/* status line and headers */
	char	*body;
	size_t	 body_len;
	json_t	*json;		/* the body parsed with jsonx, or NULL */
};

/*
 * Starts build/paymock (PAYMOCK_BIN) with a frozen clock at E2E_EPOCH, the
 * default fixtures and 'args' (NULL-terminated, may be NULL); for .init.
 */
void		 e2e_start(const char *const *args);
/* The same with the server's stderr (its access log and warnings) on 'fd'. */
void		 e2e_start_stderr(const char *const *args, int fd);
void		 e2e_setup(void);
/* SIGTERM, and asserts a clean exit 0; for .fini. */
void		 e2e_teardown(void);
int		 e2e_port(void);
/* The server's pid (for /proc/PID/status), or -1 when none runs. */
int		 e2e_server_pid(void);
/* Sends later requests to 'port' (a --provider-port) instead. */
void		 e2e_use_port(int port);
/* The server's next line on stdout; lives until the next call. */
const char	*e2e_next_line(void);

/*
 * One request on a new connection; 'headers' are extra CRLF-ended lines.
 * The response lives until teardown.
 */
struct e2e_resp	*e2e(const char *method, const char *path, const char *headers,
		     const char *body);
/* e2e with a printf-formatted body. */
struct e2e_resp	*e2ef(const char *method, const char *path, const char *headers,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Raw bytes on a new connection; returns everything read until close or timeout. */
char		*e2e_raw(const char *bytes, size_t len, int timeout_ms);

/* What a raw exchange saw on the socket. */
struct e2e_wire {
	char	*data;		/* everything read (NUL-terminated) */
	size_t	 len;
	int	 err;		/* 0 at a clean close; ECONNRESET; EAGAIN at the timeout */
	long	 ms;		/* how long until then */
};

/* Sends one request and reads until close, error or 'timeout_ms'; data lives until teardown. */
void		 e2e_exchange(const char *method, const char *path, const char *headers,
		     const char *body, int timeout_ms, struct e2e_wire *);
/*
 * A new connection to the server, reads and writes timing out after 'timeout_ms'
 * (0: never); for requests sent before any reply is read.
 */
int		 e2e_connect(int timeout_ms);
/*
 * Runs the shell command 'cmd', its standard output into 'out' (at most
 * 'len' - 1 bytes, NUL-terminated); its exit status, or -1 if it did not exit.
 */
int		 e2e_run(const char *cmd, char *out, size_t len);
/* A socket listening on loopback 'port' (0: a free one), its port in '*bound'. */
int		 e2e_listen(int port, int *bound);
/*
 * A webhook receiver's turn: accepts one request on 'listener' within 'ms',
 * reads it whole and answers 'status' with no body; its head (without the
 * blank line) and body into 'head' and 'body' when not NULL, cut to their
 * sizes.  1 if one came.
 */
int		 e2e_answer(int listener, int ms, int status, char *head, size_t head_len,
		     char *body, size_t body_len);
/* Sends bytes on a new connection and returns it unread; e2e_read_raw reads and closes. */
int		 e2e_send_raw(const char *bytes, size_t len);
char		*e2e_read_raw(int fd, int timeout_ms);
/* Milliseconds since 't0' (CLOCK_MONOTONIC), and a wait of 'ms' (real I/O only). */
struct timespec;
long		 e2e_ms_since(const struct timespec *t0);
void		 e2e_sleep_ms(long ms);
/* The scenario directory the server was started with. */
const char	*e2e_scenario_dir(void);

/* POST /__admin/clock/advance {"seconds":S} (extra 'headers' may name a session). */
void		 e2e_advance_in(const char *headers, const char *seconds);
void		 e2e_advance(const char *seconds);
/*
 * Wait on real I/O (a held reply, a webhook delivery) by polling paymock's own
 * record: GET /__admin/journal (or /__admin/webhooks/deliveries) until it holds
 * at least 'n' entries or 'ms' pass; the last reply.
 */
struct e2e_resp	*e2e_await_journal(const char *headers, size_t n, long ms);
struct e2e_resp	*e2e_await_deliveries(const char *headers, size_t n, long ms);
/* POSTs a 70,000-byte JSON object, past the providers' 64 KiB body limit, to 'path'. */
struct e2e_resp	*e2e_post_oversize(const char *path, const char *headers);
/* How many refunds GET /__admin/refunds lists in the default session. */
size_t		 e2e_refund_count(void);

/* A header's value (case-insensitive name), or NULL. */
const char	*e2e_header(const struct e2e_resp *, const char *name);
/*
 * The value at a dotted path ("modification.statusHistory[1].status") as
 * text: a string's value or a number's exact text; NULL if absent.
 */
const char	*e2e_get(const struct e2e_resp *, const char *path);
json_t		*e2e_node(const struct e2e_resp *, const char *path);
size_t		 e2e_len(const struct e2e_resp *, const char *path);

#endif
