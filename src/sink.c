/* The webhook sink: a receiver for users that prints deliveries and checks signatures. */
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "sink.h"
#include "util.h"
#include "webhook.h"

/* A delivery is a small JSON document: more is not a webhook, and is refused (413). */
#define SINK_BODY_MAX	(1 << 20)

struct sink {
	const char	*secret;
};

/*
 * The MAC a signature header carries and the time it signs, in the scheme of
 * 'w'; -1 when the headers do not parse.
 */
static int
sink_signature(const struct webhook_spec *w, struct evkeyvalq *h, const char *sig,
    long long *t, const char **mac)
{
	const char	*ts;

	switch (w->signature) {
	case WEBHOOK_SIG_T_V1:
		if (sscanf(sig, "t=%lld,", t) != 1 || (*mac = strstr(sig, ",v1=")) == NULL)
			return (-1);
		*mac += strlen(",v1=");
		return (0);
	case WEBHOOK_SIG_SHA256:
		ts = evhttp_find_header(h, w->timestamp_header);
		if (ts == NULL || sscanf(ts, "%lld", t) != 1 ||
		    strncmp(sig, "sha256=", strlen("sha256=")) != 0)
			return (-1);
		*mac = sig + strlen("sha256=");
		return (0);
	}
	return (-1);
}

/* "valid", "INVALID" or "unsigned", by the provider's scheme the headers show. */
static const char *
sink_verify(const struct sink *k, struct evkeyvalq *h, const char *body, size_t len)
{
	const struct webhook_spec	*w;
	const char			*sig, *mac;
	char				 hex[WEBHOOK_SIGN_HEX];
	long long			 t;
	size_t				 i;

	for (i = 0; i < nproviders; i++) {
		w = providers[i]->webhooks;
		if (w == NULL || (sig = evhttp_find_header(h, w->signature_header)) == NULL)
			continue;
		if (sink_signature(w, h, sig, &t, &mac) != 0)
			return ("INVALID");
		webhook_sign(k->secret, t, body, len, hex);
		return (strcmp(mac, hex) == 0 ? "valid" : "INVALID");
	}
	return ("unsigned");
}

static void
sink_handle(struct evhttp_request *req, void *arg)
{
	struct sink	*k = arg;
	struct evbuffer	*in = evhttp_request_get_input_buffer(req), *out;
	size_t		 len = evbuffer_get_length(in);
	char		*body = xstrndup(len > 0 ? (char *)evbuffer_pullup(in, -1) : "", len);
	json_t		*o = json_loads(body, 0, NULL);
	const char	*type = json_string_value(json_object_get(o, "type"));
	const char	*id = json_string_value(json_object_get(o, "id"));

	printf("%s %s event=%s id=%s signature=%s\n%s\n",
	    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" : "OTHER",
	    evhttp_request_get_uri(req), type != NULL ? type : "-", id != NULL ? id : "-",
	    sink_verify(k, evhttp_request_get_input_headers(req), body, len), body);
	fflush(stdout);
	json_decref(o);
	free(body);
	out = evbuffer_new();
	evbuffer_add_printf(out, "{\"received\":true}");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "application/json");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void
sink_stop(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

int
sink_run(const char *bind, int port, const char *secret)
{
	struct sink			 k = { secret };
	struct event_base		*base = event_base_new();
	struct evhttp			*http = evhttp_new(base);
	struct evhttp_bound_socket	*bs;
	struct event			*sigint, *sigterm;
	struct sockaddr_storage		 ss;
	socklen_t			 sl = sizeof ss;

	evhttp_set_gencb(http, sink_handle, &k);
	evhttp_set_max_body_size(http, SINK_BODY_MAX);
	if ((bs = evhttp_bind_socket_with_handle(http, bind, (ev_uint16_t)port)) == NULL) {
		fprintf(stderr, "paymock: cannot listen on %s:%d\n", bind, port);
		evhttp_free(http);
		event_base_free(base);
		return (2);
	}
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl);
	printf("paymock webhook sink listening on http://%s:%d\n", bind,
	    ntohs(((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	sigint = evsignal_new(base, SIGINT, sink_stop, base);
	sigterm = evsignal_new(base, SIGTERM, sink_stop, base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	event_base_dispatch(base);
	event_free(sigint);
	event_free(sigterm);
	evhttp_free(http);
	event_base_free(base);
	libevent_global_shutdown();
	return (0);
}
