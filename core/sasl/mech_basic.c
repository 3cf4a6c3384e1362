/* PLAIN (RFC 4616), LOGIN and EXTERNAL (RFC 4422): no state worth a file. */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "sasl/mech.h"
#include "util/xmalloc.h"

static int
mech_plain_step(struct sasl_client *c, const u_char *in, size_t inlen,
    struct sasl_buf *out, struct error *err)
{
	const struct sasl_creds	*cr = c->ctx;
	size_t			 ulen = strlen(cr->user);
	size_t			 plen = strlen(cr->secret);
	u_char			*buf;

	(void)inlen;
	if (in != NULL)
		return (err_set(err, ERR_PROTO, "the server sent a challenge "
		    "after the PLAIN response"));
	/* No authorization identity: the server derives it from the user. */
	buf = xmalloc(ulen + plen + 2);
	buf[0] = '\0';
	memcpy(buf + 1, cr->user, ulen);
	buf[1 + ulen] = '\0';
	memcpy(buf + 2 + ulen, cr->secret, plen);
	sasl_set(out, buf, ulen + plen + 2);
	explicit_bzero(buf, ulen + plen + 2);
	free(buf);
	return (0);
}

void
mech_plain(struct sasl_client *c, const struct sasl_creds *cr)
{
	memset(c, 0, sizeof *c);
	c->name = "PLAIN";
	c->initial = 1;
	c->oneshot = 1;
	c->step = mech_plain_step;
	c->ctx = (void *)cr;
}

/*
 * LOGIN's challenges are "Username:" and "Password:" by custom, not by
 * standard: the round decides, not the words.
 */
static int
mech_login_step(struct sasl_client *c, const u_char *in, size_t inlen,
    struct sasl_buf *out, struct error *err)
{
	const struct sasl_creds	*cr = c->ctx;

	(void)in;
	(void)inlen;
	switch (c->round) {
	case 0:
		sasl_set(out, cr->user, strlen(cr->user));
		return (0);
	case 1:
		sasl_set(out, cr->secret, strlen(cr->secret));
		return (0);
	default:
		return (err_set(err, ERR_PROTO, "the server sent a third "
		    "LOGIN challenge"));
	}
}

void
mech_login(struct sasl_client *c, const struct sasl_creds *cr)
{
	memset(c, 0, sizeof *c);
	c->name = "LOGIN";
	c->step = mech_login_step;
	c->ctx = (void *)cr;
}

static int
mech_external_step(struct sasl_client *c, const u_char *in, size_t inlen,
    struct sasl_buf *out, struct error *err)
{
	(void)c;
	(void)inlen;
	if (in != NULL)
		return (err_set(err, ERR_PROTO, "the server sent a challenge "
		    "after the EXTERNAL response"));
	/* Empty: the identity is the one the client certificate proves. */
	sasl_set(out, "", 0);
	return (0);
}

void
mech_external(struct sasl_client *c, const struct sasl_creds *cr)
{
	memset(c, 0, sizeof *c);
	c->name = "EXTERNAL";
	c->initial = 1;
	c->oneshot = 1;
	c->step = mech_external_step;
	c->ctx = (void *)cr;
}

void
mech_free(struct sasl_client *c)
{
	if (c->free != NULL && c->ctx != NULL)
		c->free(c->ctx);
	c->ctx = NULL;
}
