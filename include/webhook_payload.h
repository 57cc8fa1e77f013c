/*
 * A webhook's bytes: the event body an adapter's spec shapes, and the
 * headers that sign it as the provider does.  No state, no I/O.
 */
#ifndef PAYMOCK_WEBHOOK_PAYLOAD_H
#define PAYMOCK_WEBHOOK_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "webhook_store.h"

/* A hex HMAC-SHA256 and its NUL. */
#define WEBHOOK_SIGN_HEX	(2 * 32 + 1)

/* Hex HMAC-SHA256 of "<t>.<body>" with 'secret' into 'hex'. */
void		 webhook_sign(const char *secret, long long t, const char *body,
		     size_t len, char hex[WEBHOOK_SIGN_HEX]);
/* The JSON text (heap) of 'ev' for refund 'r', as its provider's spec shapes it. */
char		*webhook_payload_body(const struct webhook_event *ev,
		     const struct refund *r);
/*
 * Fills the headers, payload (a copy of 'body'), time and provider of 'd'
 * for sending 'body' to 'ep' at virtual time 'at' ms; 'bad_signature' signs
 * with a wrong secret.
 */
void		 webhook_payload_sign(struct webhook_delivery *d,
		     const struct webhook_endpoint *ep, const char *body, int64_t at,
		     int bad_signature);

#endif
