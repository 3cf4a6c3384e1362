/*
 * Logging in: the choice of a mechanism from the account's `auth`, what the
 * server offers and whether the connection is encrypted, and the exchange.
 */
#ifndef AUTH_H
#define AUTH_H

#include "pop3/pop3.h"
#include "util/error.h"

/*
 * The method to log in with: the account's auth, or for auto the strongest
 * the server offers that does not send the password readable over a
 * connection without TLS (tls 0).  ERR_UNAVAILABLE when there is none.
 */
int	auth_choose(const struct pop3 *, int tls, enum auth_method *,
	    struct error *);
/* The method as the protocol names it: "SCRAM-SHA-256", "APOP", "USER". */
const char *auth_name(enum auth_method);

/* Logs in; on success the session is in the TRANSACTION state. */
int	auth_login(struct pop3 *, struct error *);

#endif
