#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "exitcode.h"
#include "json.h"
#include "output.h"
#include "progress.h"
#include "run.h"
#include "secret.h"
#include "session/fetch.h"
#include "util/log.h"
#include "util/xmalloc.h"

u_int
run_port(const struct account *a)
{
	if (a->port != 0)
		return (a->port);
	return (a->tls && !a->tls_starttls ? 995 : 110);
}

/*
 * host:port as people write it, [v6]:port for an address with colons; only
 * for messages, where truncation would lose words, never data.
 */
static void
run_where(const struct account *a, char *buf, size_t len)
{
	if (strchr(a->host, ':') != NULL)
		(void)snprintf(buf, len, "[%s]:%u", a->host, run_port(a));
	else
		(void)snprintf(buf, len, "%s:%u", a->host, run_port(a));
}

/*
 * The --json line of an account: its counts as far as it got, and the
 * error, if any, as "what; hint".  A line that cannot be written turns
 * success into EX_IOERR.
 */
static int
run_json(const struct account *a, const struct fetch_result *res,
    const struct error *err, int code, int deferred)
{
	struct json	 j;
	char		 msg[sizeof err->what + sizeof err->hint + 2];

	json_init(&j);
	json_open(&j);
	json_string(&j, "account", a->name);
	json_string(&j, "host", a->host);
	json_uint(&j, "port", run_port(a));
	json_string(&j, "status", err != NULL ? "error" : deferred ?
	    "deferred" : "ok");
	json_uint(&j, "exit", code);
	json_uint(&j, "messages", res->messages);
	json_uint(&j, "new", res->new);
	json_uint(&j, "fetched", res->fetched);
	json_uint(&j, "deleted", res->deleted);
	json_uint(&j, "skipped", res->skipped);
	json_uint(&j, "unconfirmed", res->unconfirmed);
	json_uint(&j, "bytes", res->bytes);
	json_seconds(&j, "seconds", res->seconds);
	if (err == NULL)
		json_string(&j, "error", NULL);
	else {
		/* msg holds both whole: no truncation. */
		if (err->hint[0] != '\0')
			(void)snprintf(msg, sizeof msg, "%s; %s", err->what,
			    err->hint);
		else
			(void)snprintf(msg, sizeof msg, "%s", err->what);
		json_string(&j, "error", msg);
	}
	json_close(&j);
	if (output_line(j.buf, j.len) == -1 &&
	    (code == 0 || code == RUN_NOMAIL))
		code = EX_IOERR;
	json_free(&j);
	return (code);
}

/* How the account went, in words or in JSON; returns its exit status. */
static int
run_report(const struct account *a, const struct run_opts *ro,
    const struct fetch_result *res, const struct error *err,
    const char *where, int code)
{
	char	line[256];

	if (err != NULL) {
		/* What did happen before the error is worth knowing too. */
		if (!ro->json && (res->fetched > 0 || res->deleted > 0)) {
			output_summary(line, sizeof line, res,
			    ro->fetch.dry_run);
			log_info("%s", line);
		}
		output_error(a->name, where, err);
	} else if (!ro->json && ro->fetch.status)
		log_info("%u new of %u message%s", res->new, res->messages,
		    res->messages == 1 ? "" : "s");
	else if (!ro->json) {
		output_summary(line, sizeof line, res, ro->fetch.dry_run);
		log_info("%s", line);
	}
	if (ro->json)
		code = run_json(a, res, err, code, 0);
	return (code);
}

/*
 * The server's LOGIN-DELAY forbade a login when run_secret looked: the
 * account is skipped, quietly, for cron runs more frequent than the server
 * allows.
 */
static int
run_deferred(struct run_acct *ra, const struct run_opts *ro)
{
	const struct account	*a = &ra->ra->acct;
	struct fetch_result	 res;
	struct tm		*tm;
	char			 at[32];
	time_t			 now = time(NULL);
	int			 code;

	if ((tm = localtime(&ra->next_login)) == NULL ||
	    strftime(at, sizeof at, "%H:%M:%S", tm) == 0)
		(void)strlcpy(at, "later", sizeof at);
	log_verbose("skipped: the server allows the next login at %s, in %lld "
	    "s (LOGIN-DELAY)", at, (long long)(ra->next_login - now));
	code = ro->fetch.status ? RUN_NOMAIL : 0;
	if (ro->json) {
		memset(&res, 0, sizeof res);
		code = run_json(a, &res, NULL, code, 1);
	}
	return (code);
}

int
run_failed(struct run_acct *ra, const struct run_opts *ro,
    const struct error *err)
{
	struct fetch_result	res;
	int			rv;

	memset(&res, 0, sizeof res);
	log_account(ra->ra->acct.name);
	rv = run_report(&ra->ra->acct, ro, &res, err, NULL,
	    exitcode(err->code));
	log_account(NULL);
	return (rv);
}

static void
run_wipe(struct run_acct *ra)
{
	xfree_secret(ra->secret);
	ra->secret = NULL;
	xfree_secret(ra->smtp_secret);
	ra->smtp_secret = NULL;
}

int
run_secret(struct run_acct *ra, const struct run_opts *ro)
{
	const struct account	*a = &ra->ra->acct;
	struct error		 err;
	int			 rv = 0;

	err_clear(&err);
	log_account(a->name);
	/* No password is asked for an account that is not fetched. */
	if (fetch_deferred(a, time(NULL), &ra->next_login)) {
		log_account(NULL);
		return (0);
	}
	if (a->tls && !a->tls_verify)
		log_warnx("warning: tls_verify is off (%s:%u): the server's "
		    "certificate is not checked, so anyone on the path can "
		    "pose as the server", a->rcfile,
		    rc_setat(ra->ra, "tls_verify"));
	/* -s and -n deliver nothing: the relay's password is not asked. */
	if (secret_resolve(ra->ra, &ra->user, &ra->secret, &err) == -1 ||
	    (!ro->fetch.status && !ro->fetch.dry_run &&
	    secret_smtp(ra->ra, &ra->smtp_secret, &err) == -1))
		rv = run_failed(ra, ro, &err);
	else
		ra->ready = 1;
	log_account(NULL);
	return (rv);
}

int
run_fetch(struct run_acct *ra, const struct run_opts *ro)
{
	struct account		 a = ra->ra->acct;
	struct fetch_opts	 opts = ro->fetch;
	struct fetch_result	 res;
	struct error		 err;
	char			 where[1100];
	int			 rv, failed;

	if (!ra->ready && (rv = run_secret(ra, ro)) != 0)
		return (rv);
	err_clear(&err);
	log_account(a.name);
	if (!ra->ready) {
		rv = run_deferred(ra, ro);
		log_account(NULL);
		return (rv);
	}
	run_where(&a, where, sizeof where);
	a.password = ra->secret;
	a.smtp_password = ra->smtp_secret;
	a.imap_password = ra->smtp_secret;
	if (ra->user != NULL)
		a.user = ra->user;
	log_verbose("%s as %s, %s", where, a.user, !a.tls ? "no TLS" :
	    a.tls_starttls ? "STLS" : "TLS");
	if (ro->progress) {
		opts.progress = progress_show;
		opts.progress_arg = a.name;
	}

	failed = fetch_account(&a, &opts, &res, &err) == -1;
	if (failed && err.code == ERR_NOPERM && a.oauth_provider != OAUTH_NONE) {
		/* A token that should be good was refused: once more, fresh. */
		log_verbose("the server refused the access token (%s); "
		    "refreshing it and trying once more", err.what);
		xfree_secret(ra->secret);
		ra->secret = NULL;
		err_clear(&err);
		if (secret_oauth(ra->ra, 1, &ra->secret, &err) == 0) {
			a.password = ra->secret;
			failed = fetch_account(&a, &opts, &res, &err) == -1;
		}
	}
	if (failed) {
		progress_clear();
		rv = exitcode(err.code);
		if (rv == 0)
			rv = exitcode(ERR_SOFTWARE);
		rv = run_report(&a, ro, &res, &err, where, rv);
	} else {
		progress_clear();
		rv = ro->fetch.status && res.new == 0 ? RUN_NOMAIL : 0;
		rv = run_report(&a, ro, &res, NULL, where, rv);
	}
	/* The secrets are not needed any more: wiped now, not at exit. */
	run_wipe(ra);
	log_account(NULL);
	return (rv);
}

void
run_free(struct run_acct *ra)
{
	run_wipe(ra);
	free(ra->user);
	ra->user = NULL;
}
