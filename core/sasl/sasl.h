/*
 * SASL (RFC 4422), whatever the protocol carrying it: a mechanism says what
 * to answer to each challenge; sasl_start() and sasl_respond() turn that
 * into the base64 lines that POP3's AUTH (auth/) and SMTP's (deliver/)
 * send.  The mechanisms are in mech_*.c.
 */
#ifndef SASL_H
#define SASL_H

#include <sys/types.h>

#include "util/error.h"

/* Who logs in, for the mechanisms; the secret is a password or a token. */
struct sasl_creds {
	const char	*user;
	const char	*secret;
	const char	*host;
	u_int		 port;
};

/* A client response: bytes, wiped and freed by the exchange. */
struct sasl_buf {
	u_char	*data;
	size_t	 len;
};

struct sasl_client {
	const char	*name;		/* as in AUTH NAME */
	int		 initial;	/* has an initial response */
	int		 oneshot;	/* no challenge after it, even to refuse */
	/*
	 * The response to a challenge; in is NULL for the initial response.
	 * On -1 the exchange is cancelled with "*".
	 */
	int		 (*step)(struct sasl_client *, const u_char *in,
			    size_t inlen, struct sasl_buf *out, struct error *);
	/* At +OK: the mechanism may still refuse (an unproven server). */
	int		 (*finish)(struct sasl_client *, struct error *);
	void		 (*free)(void *);	/* frees ctx, may be NULL */
	int		 round;		/* responses given so far */
	void		*ctx;
	char		 detail[256];	/* what the server said, for an error */
};

/*
 * The initial response, in base64 ("" for an empty one), or NULL in *b64
 * when the mechanism has none.  Free it with xfree_secret.
 */
int	sasl_start(struct sasl_client *, char **b64, struct error *);
/*
 * The answer to a challenge as peer (named in errors) sent it, in base64;
 * a challenge that is not base64 is ERR_PROTO.  -1 from the mechanism or
 * here: the exchange is to be cancelled.
 */
int	sasl_respond(struct sasl_client *, const char *peer,
	    const char *challenge, char **b64, struct error *);

/* Whether the list of mechanisms a server offers (words) holds name. */
int	sasl_offered(const char *list, const char *name);

/* Copies len bytes to a new response buffer. */
void	sasl_set(struct sasl_buf *, const void *, size_t);
void	sasl_wipe(struct sasl_buf *);

/* A user name for SCRAM and GS2 headers: "=" and "," escaped (RFC 5801). */
char	*sasl_saslname(const char *);

/* base64 through GnuTLS; the results are NUL-terminated and allocated. */
int	sasl_b64_encode(const u_char *, size_t, char **, struct error *);
int	sasl_b64_decode(const char *, u_char **, size_t *, struct error *);

#endif
