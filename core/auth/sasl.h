/*
 * SASL over POP3 (RFC 5034): the AUTH exchange, run for any mechanism that
 * can say what to answer to each challenge.  The mechanisms are in their
 * own files; this one speaks the protocol, base64 and all.
 */
#ifndef SASL_H
#define SASL_H

#include <sys/types.h>

#include "pop3/pop3.h"
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
 * Runs AUTH with c.  0: logged in.  -1 with err set: a local or protocol
 * error, or the server's -ERR (the status line then in *r).  *refused says
 * which: 1 when the server answered -ERR.
 */
int	sasl_auth(struct pop3 *, struct sasl_client *, struct pop3_resp *r,
	    int *refused, struct error *);

/* Copies len bytes to a new response buffer. */
void	sasl_set(struct sasl_buf *, const void *, size_t);
void	sasl_wipe(struct sasl_buf *);

/* A user name for SCRAM and GS2 headers: "=" and "," escaped (RFC 5801). */
char	*sasl_saslname(const char *);

/* base64 through GnuTLS; the results are NUL-terminated and allocated. */
int	sasl_b64_encode(const u_char *, size_t, char **, struct error *);
int	sasl_b64_decode(const char *, u_char **, size_t *, struct error *);

#endif
