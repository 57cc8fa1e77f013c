/* A webhook's bytes: the event body and the provider's signature headers. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "jsonx.h"
#include "provider.h"
#include "util.h"
#include "version.h"
#include "webhook_payload.h"

void
webhook_sign(const char *secret, long long t, const char *body, size_t len,
    char hex[WEBHOOK_SIGN_HEX])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0, i;
	struct buf	 msg = { 0 };

	buf_addf(&msg, "%lld.", t);
	buf_add(&msg, body, len);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg.data,
	    msg.len, md, &n);
	buf_release(&msg);
	for (i = 0; i < n && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

char *
webhook_payload_body(const struct webhook_event *ev, const struct refund *r)
{
	const struct webhook_spec	*spec = ev->provider->webhooks;
	char				 at[CLOCK_TEXT_MAX], *text;
	json_t				*o;

	o = json_pack("{ss ss ss so}", "id", ev->id, "type", spec->events[ev->state],
	    spec->created_key, clock_format(ev->at, at), "data", spec->data(r, ev->at));
	text = jsonx_dumps(o, 0);
	json_decref(o);
	return (text);
}

void
webhook_payload_sign(struct webhook_delivery *d, const struct webhook_endpoint *ep,
    const char *body, int64_t at, int bad_signature)
{
	const struct webhook_spec	*spec = ep->provider->webhooks;
	long long			 t = (long long)(at / 1000);
	char				 hex[WEBHOOK_SIGN_HEX], value[128], ts[24];
	char				*secret;
	struct buf			 headers = { 0 };

	/* A wrong secret, as a provider with a key mix-up would sign. */
	secret = xasprintf("%s%s", ep->secret, bad_signature ? "-not-the-secret" : "");
	webhook_sign(secret, t, body, strlen(body), hex);
	free(secret);
	snprintf(ts, sizeof ts, "%lld", t);
	if (spec->signature == WEBHOOK_SIG_T_V1)
		snprintf(value, sizeof value, "t=%s,v1=%s", ts, hex);
	else
		snprintf(value, sizeof value, "sha256=%s", hex);
	buf_adds(&headers, "Content-Type: application/json\n"
	    "User-Agent: paymock-webhooks/" PAYMOCK_VERSION "\n");
	buf_addf(&headers, "%s: %s\n", spec->signature_header, value);
	if (spec->timestamp_header != NULL)
		buf_addf(&headers, "%s: %s\n", spec->timestamp_header, ts);
	d->headers = buf_steal(&headers);
	d->payload = xstrdup(body);
	d->at = at;
	d->provider = ep->provider->name;
}
