#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "fetch.h"
#include "log.h"
#include "output.h"
#include "run.h"
#include "secret.h"
#include "xmalloc.h"

/*
 * host:port as people write it, [v6]:port for an address with colons; only
 * for messages, where truncation would lose words, never data.
 */
static void
run_where(const struct account *a, char *buf, size_t len)
{
	u_int	port = a->port;

	if (port == 0)
		port = a->tls && !a->tls_starttls ? 995 : 110;
	if (strchr(a->host, ':') != NULL)
		(void)snprintf(buf, len, "[%s]:%u", a->host, port);
	else
		(void)snprintf(buf, len, "%s:%u", a->host, port);
}

int
run_account(const struct rc_account *ra, const struct fetch_opts *opts)
{
	struct account		 a = ra->acct;
	struct fetch_result	 res;
	struct error		 err;
	char			 where[1100], line[256];
	char			*secret = NULL;
	int			 rv;

	err_clear(&err);
	memset(&res, 0, sizeof res);
	log_account(a.name);
	run_where(&a, where, sizeof where);

	if (a.tls && !a.tls_verify)
		log_warnx("warning: tls_verify is off (%s:%u): the server's "
		    "certificate is not checked, so anyone on the path can "
		    "pose as the server", a.rcfile, ra->line[RC_TLS_VERIFY]);
	if (secret_resolve(ra, &secret, &err) == -1) {
		output_error(a.name, NULL, &err);
		rv = exitcode(err.code);
		goto out;
	}
	a.password = secret;
	log_verbose("%s as %s, %s", where, a.user, !a.tls ? "no TLS" :
	    a.tls_starttls ? "STLS" : "TLS");

	if (fetch_account(&a, opts, &res, &err) == -1) {
		/* What did happen before the error is worth knowing too. */
		if (res.fetched > 0 || res.deleted > 0) {
			output_summary(line, sizeof line, &res, opts->dry_run);
			log_info("%s", line);
		}
		output_error(a.name, where, &err);
		rv = exitcode(err.code);
		if (rv == 0)
			rv = exitcode(ERR_SOFTWARE);
		goto out;
	}
	output_summary(line, sizeof line, &res, opts->dry_run);
	log_info("%s", line);
	rv = 0;

out:
	xfree_secret(secret);
	log_account(NULL);
	return (rv);
}
