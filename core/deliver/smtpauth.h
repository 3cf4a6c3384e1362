/*
 * The choice of a SASL mechanism for an SMTP or LMTP login (RFC 4954),
 * or an IMAP one (RFC 3501 AUTHENTICATE, proto "imap"):
 * what the server's EHLO offers, what the account names, and whether the
 * link may carry a password readable.
 */
#ifndef SMTPAUTH_H
#define SMTPAUTH_H

#include "account.h"
#include "sasl/sasl.h"
#include "util/error.h"

/*
 * The mechanism for want (AUTH_AUTO: the strongest offered, and without
 * a safe link none that sends the secret readable) among offered, the
 * words after AUTH in the EHLO reply.  Sets up *c for the exchange with the
 * credentials cr, which must outlive it; proto ("smtp", "imap") names
 * the fetchrc keys in errors.  ERR_UNAVAILABLE naming peer when
 * there is none, ERR_CONFIG for a method SMTP does not have.
 */
int	smtpauth_choose(const char *offered, enum auth_method want,
	    int safe, const char *peer, const char *proto,
	    const struct sasl_creds *cr,
	    struct sasl_client *c, struct error *);

#endif
