#ifndef SECRET_H
#define SECRET_H

#include "error.h"
#include "rc.h"

/* The longest output of passwordeval read, first line and all. */
#define SECRET_MAX	4096

/*
 * The account's password: password, else the output of passwordeval.  Sets
 * *secret to an allocated string (free it with xfree_secret), or to NULL when
 * the account's auth method needs none.  ERR_NOPERM when it cannot be had.
 */
int	secret_resolve(const struct rc_account *, char **secret,
	    struct error *);
/*
 * Runs argv without a shell, stdin from /dev/null, no descriptor above 2
 * open; the first line of its output (without CR LF) is the secret.
 */
int	secret_eval(char *const *argv, char **secret, struct error *);

#endif
