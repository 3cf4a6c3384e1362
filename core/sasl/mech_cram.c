/* CRAM-MD5 (RFC 2195): the user and HMAC-MD5 of the challenge, in hex. */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "sasl/mech.h"
#include "util/xmalloc.h"

#define CRAM_MD5_LEN	16

static int
mech_cram_step(struct sasl_client *c, const u_char *in, size_t inlen,
    struct sasl_buf *out, struct error *err)
{
	const struct sasl_creds	*cr = c->ctx;
	u_char			 mac[CRAM_MD5_LEN];
	char			*resp;
	size_t			 ulen = strlen(cr->user), i;
	int			 r;

	if (in == NULL || c->round > 0)
		return (err_set(err, ERR_PROTO, "the server sent a second "
		    "CRAM-MD5 challenge"));
	if (inlen == 0)
		return (err_set(err, ERR_PROTO, "the server sent an empty "
		    "CRAM-MD5 challenge"));
	if ((r = gnutls_hmac_fast(GNUTLS_MAC_MD5, cr->secret,
	    strlen(cr->secret), in, inlen, mac)) < 0)
		return (err_set(err, ERR_SOFTWARE, "HMAC-MD5: %s",
		    gnutls_strerror(r)));
	resp = xmalloc(ulen + 1 + 2 * CRAM_MD5_LEN + 1);
	memcpy(resp, cr->user, ulen);
	resp[ulen] = ' ';
	for (i = 0; i < CRAM_MD5_LEN; i++)
		(void)snprintf(resp + ulen + 1 + 2 * i, 3, "%02x", mac[i]);
	sasl_set(out, resp, ulen + 1 + 2 * CRAM_MD5_LEN);
	explicit_bzero(mac, sizeof mac);
	xfree_secret(resp);
	return (0);
}

void
mech_cram_md5(struct sasl_client *c, const struct sasl_creds *cr)
{
	memset(c, 0, sizeof *c);
	c->name = "CRAM-MD5";
	c->step = mech_cram_step;
	c->ctx = (void *)cr;
}
