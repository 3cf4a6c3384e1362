#ifndef SECRET_H
#define SECRET_H

#include "rc.h"
#include "util/error.h"

/* The longest output of passwordeval read, first line and all. */
#define SECRET_MAX	4096

/*
 * The account's password or token: password, else the output of
 * passwordeval, else ~/.netrc, else a prompt on the terminal when stdin is
 * one.  Sets *secret to an allocated string (free it with xfree_secret), or
 * to NULL when the auth method needs none (external).  Sets *user to the
 * netrc entry's login when fetchrc names no user, else to NULL.
 * ERR_NOPERM when there is no secret to be had, ERR_CONFIG for a ~/.netrc
 * readable by others.
 */
int	secret_resolve(const struct rc_account *, char **user, char **secret,
	    struct error *);
/*
 * The password of the account's SMTP/LMTP login, found the same way from
 * smtp_password, smtp_passwordeval, ~/.netrc (machine: the SMTP host) and
 * the terminal; NULL in *secret when there is no login or it needs none.
 * For delivery imap, the IMAP login's, from the imap_* keys.
 */
int	secret_smtp(const struct rc_account *, char **secret, struct error *);
/*
 * Runs argv without a shell, stdin from /dev/null, no descriptor above 2
 * open; the first line of its output (without CR LF) is the secret.
 */
int	secret_eval(char *const *argv, char **secret, struct error *);

struct oauth_conf;
/* The OAuth endpoints and client secret of an account with oauth_provider. */
int	secret_oauth_conf(const struct rc_account *, struct oauth_conf *,
	    char **client_secret, struct error *);
/* Its access token, refreshed when due, or always with force. */
int	secret_oauth(const struct rc_account *, int force, char **token,
	    struct error *);

#endif
