/*
 * Logging in: the choice of a mechanism from the account's `auth`, what the
 * server offers and whether the connection is encrypted, and the exchange.
 */
#ifndef AUTH_H
#define AUTH_H

#include "error.h"
#include "pop3.h"

/* Logs in; on success the session is in the TRANSACTION state. */
int	auth_login(struct pop3 *, struct error *);

#endif
