#ifndef FETCH_H
#define FETCH_H

#include <time.h>

#include "account.h"
#include "util/error.h"

/*
 * Fetches one account: connect, log in, deliver what is new, record it,
 * delete what should go, QUIT.  Returns 0 or -1 with err set; res is filled
 * in as far as the run got either way.
 */
int	fetch_account(const struct account *, const struct fetch_opts *,
	    struct fetch_result *, struct error *);

/*
 * Whether the server's LOGIN-DELAY, as it announced it at the last login,
 * forbids a login at now; *next is when one is allowed again.
 */
int	fetch_deferred(const struct account *, time_t now, time_t *next);

#endif
