#ifndef RUN_H
#define RUN_H

#include <time.h>

#include "account.h"
#include "rc.h"
#include "util/error.h"

/* The exit status of -s when no account has new mail. */
#define RUN_NOMAIL	1

/* What the command line asks of every account. */
struct run_opts {
	struct fetch_opts	 fetch;		/* progress hook set by run */
	int			 json;		/* --json */
	int			 progress;	/* show the progress line */
};

/* One account of the run, and its secret once resolved. */
struct run_acct {
	const struct rc_account	*ra;
	char			*user;		/* from ~/.netrc, or NULL */
	char			*secret;
	char			*smtp_secret;	/* the relay's or IMAP server's, or NULL */
	int			 ready;		/* user and secret resolved */
	time_t			 next_login;	/* deferred until, or 0 */
};

/*
 * Gets the account's secret; when there is none to be had, says why and
 * returns the account's exit status, else 0.
 */
int	run_secret(struct run_acct *, const struct run_opts *);
/*
 * Fetches one account (getting its secret first unless run_secret did) and
 * says how it went; returns its exit status, which with -s is 0 when it has
 * new mail and RUN_NOMAIL when not.
 */
int	run_fetch(struct run_acct *, const struct run_opts *);
/* Says that the account failed without running; returns its exit status. */
int	run_failed(struct run_acct *, const struct run_opts *,
	    const struct error *);
void	run_free(struct run_acct *);
/* The port the account connects to: its own, or 995 or 110 by TLS mode. */
u_int	run_port(const struct account *);

#endif
