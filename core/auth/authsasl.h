/*
 * SASL over POP3 (RFC 5034): the AUTH exchange, run for any mechanism of
 * sasl/.
 */
#ifndef AUTHSASL_H
#define AUTHSASL_H

#include "pop3/pop3.h"
#include "sasl/sasl.h"
#include "util/error.h"

/*
 * Runs AUTH with c.  0: logged in.  -1 with err set: a local or protocol
 * error, or the server's -ERR (the status line then in *r).  *refused says
 * which: 1 when the server answered -ERR.
 */
int	authsasl_run(struct pop3 *, struct sasl_client *, struct pop3_resp *r,
	    int *refused, struct error *);

#endif
