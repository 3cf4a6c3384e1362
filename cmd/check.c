/*
 * popfetch --check: what each account would do, and whether what it needs
 * on this machine is there, without touching the network.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "exitcode.h"
#include "output.h"
#include "run.h"
#include "util/xmalloc.h"

/* Fails with "FILE:LINE: what", the line where key was set. */
static int
check_fail(const struct rc_account *ra, const char *key, struct error *err)
{
	char	what[sizeof err->what];
	u_int	line;

	line = key != NULL ? rc_setat(ra, key) : 0;
	if (line == 0)
		line = ra->acct.rcline;
	(void)strlcpy(what, err->what, sizeof what);
	return (err_set(err, ERR_CONFIG, "%s:%u: %s", ra->acct.rcfile, line,
	    what));
}

/* A file we read: there, a regular file, readable. */
static int
check_readable(const char *what, const char *path, struct error *err)
{
	struct stat	sb;

	if (stat(path, &sb) == -1)
		return (err_setsys(err, ERR_CONFIG, "%s %s", what, path));
	if (!S_ISREG(sb.st_mode))
		return (err_set(err, ERR_CONFIG, "%s %s is not a file", what,
		    path));
	if (access(path, R_OK) == -1)
		return (err_setsys(err, ERR_CONFIG, "%s %s", what, path));
	return (0);
}

/*
 * A directory we write in, or may create: the nearest one that exists on
 * its path must be a directory we can write in.
 */
static int
check_dir(const char *what, const char *path, struct error *err)
{
	struct stat	 sb;
	char		 p[PATH_MAX], *slash;

	if (strlcpy(p, path, sizeof p) >= sizeof p)
		return (err_set(err, ERR_CONFIG, "%s %s: too long", what,
		    path));
	while (stat(p, &sb) == -1) {
		if (errno != ENOENT || (slash = strrchr(p, '/')) == NULL)
			return (err_setsys(err, ERR_CONFIG, "%s %s", what,
			    path));
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (!S_ISDIR(sb.st_mode))
		return (err_set(err, ERR_CONFIG, "%s %s: %s is not a "
		    "directory", what, path, p));
	if (access(p, W_OK | X_OK) == -1)
		return (err_setsys(err, ERR_CONFIG, "%s %s: cannot write in "
		    "%s", what, path, p));
	return (0);
}

/* A Maildir, and each of its tmp, new and cur that is already there. */
static int
check_maildir(const char *path, struct error *err)
{
	static const char *const sub[] = { "tmp", "new", "cur" };
	char			 p[PATH_MAX];
	size_t			 i;

	if (check_dir("delivery maildir", path, err) == -1)
		return (-1);
	for (i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		if ((size_t)snprintf(p, sizeof p, "%s/%s", path, sub[i]) >=
		    sizeof p)
			return (err_set(err, ERR_CONFIG, "delivery maildir "
			    "%s: too long", path));
		if (check_dir("delivery maildir", p, err) == -1)
			return (-1);
	}
	return (0);
}

/* A program run by argv: a path that is executable, or found in PATH. */
static int
check_program(const char *what, const char *prog, struct error *err)
{
	const char	*path;
	char		*dirs, *d, *next, full[PATH_MAX];
	int		 found = 0;

	if (strchr(prog, '/') != NULL) {
		if (access(prog, X_OK) == -1)
			return (err_setsys(err, ERR_CONFIG, "%s %s", what,
			    prog));
		return (0);
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/bin:/bin";
	dirs = xstrdup(path);
	for (d = dirs; d != NULL && !found; d = next) {
		if ((next = strchr(d, ':')) != NULL)
			*next++ = '\0';
		if (snprintf(full, sizeof full, "%s/%s", *d != '\0' ? d : ".",
		    prog) < (int)sizeof full && access(full, X_OK) == 0)
			found = 1;
	}
	free(dirs);
	if (!found)
		return (err_set(err, ERR_CONFIG, "%s %s is not in PATH", what,
		    prog));
	return (0);
}

static int
check_account(const struct rc_account *ra, struct error *err)
{
	const struct account	*a = &ra->acct;
	struct stat		 sb;
	char			 deliver[PATH_MAX + 64], keep[64];
	char			 filter[PATH_MAX + 64] = "";
	u_int			 port;

	if (a->tls_trust_file != NULL &&
	    check_readable("tls_trust_file", a->tls_trust_file, err) == -1)
		return (check_fail(ra, "tls_trust_file", err));
	if (a->tls_cert_file != NULL &&
	    check_readable("tls_cert_file", a->tls_cert_file, err) == -1)
		return (check_fail(ra, "tls_cert_file", err));
	if (a->tls_key_file != NULL &&
	    check_readable("tls_key_file", a->tls_key_file, err) == -1)
		return (check_fail(ra, "tls_key_file", err));
	if (ra->passwordeval.n > 0 &&
	    check_program("passwordeval", ra->passwordeval.v[0], err) == -1)
		return (check_fail(ra, "passwordeval", err));
	if (ra->smtp_passwordeval.n > 0 && check_program("smtp_passwordeval",
	    ra->smtp_passwordeval.v[0], err) == -1)
		return (check_fail(ra, "smtp_passwordeval", err));
	if (ra->imap_passwordeval.n > 0 && check_program("imap_passwordeval",
	    ra->imap_passwordeval.v[0], err) == -1)
		return (check_fail(ra, "imap_passwordeval", err));
	if (a->filter != NULL &&
	    check_program("filter", a->filter[0], err) == -1)
		return (check_fail(ra, "filter", err));
	if (check_dir("state_dir", a->state_dir, err) == -1)
		return (check_fail(ra, "state_dir", err));

	switch (a->delivery) {
	case DELIVERY_MAILDIR:
		if (check_maildir(a->delivery_path, err) == -1)
			return (check_fail(ra, "delivery", err));
		(void)snprintf(deliver, sizeof deliver, "maildir %s",
		    a->delivery_path);
		break;
	case DELIVERY_MBOX:
		if (stat(a->delivery_path, &sb) == 0 ? !S_ISREG(sb.st_mode) ||
		    access(a->delivery_path, W_OK) == -1 :
		    check_dir("delivery mbox", a->delivery_path, err) == -1) {
			if (err->code == ERR_NONE)
				err_set(err, ERR_CONFIG, "delivery mbox %s is "
				    "not a file popfetch can write",
				    a->delivery_path);
			return (check_fail(ra, "delivery", err));
		}
		(void)snprintf(deliver, sizeof deliver, "mbox %s",
		    a->delivery_path);
		break;
	case DELIVERY_MDA:
		if (check_program("delivery mda", a->mda_argv[0], err) == -1)
			return (check_fail(ra, "delivery", err));
		(void)snprintf(deliver, sizeof deliver, "mda %s",
		    a->mda_argv[0]);
		break;
	case DELIVERY_LMTP:
	case DELIVERY_SMTP:
		if (a->smtp_host == NULL) {
			if (stat(a->delivery_path, &sb) == -1 ||
			    !S_ISSOCK(sb.st_mode)) {
				err_set(err, ERR_CONFIG, "delivery lmtp %s is "
				    "not a socket", a->delivery_path);
				return (check_fail(ra, "delivery", err));
			}
			(void)snprintf(deliver, sizeof deliver, "lmtp %s to %s",
			    a->delivery_path, a->recipient);
		} else
			(void)snprintf(deliver, sizeof deliver, "%s %s to %s",
			    a->delivery == DELIVERY_LMTP ? "lmtp" : "smtp",
			    a->smtp_host, a->recipient);
		break;
	case DELIVERY_IMAP:
		(void)snprintf(deliver, sizeof deliver, "imap folder %s on %s "
		    "port %u (%s) as %s, auth %s", a->imap_folder, a->imap_host,
		    a->imap_port != 0 ? a->imap_port :
		    a->imap_tls == IMAP_TLS_ON ? 993 : 143,
		    a->imap_tls == IMAP_TLS_ON ? "TLS" :
		    a->imap_tls == IMAP_TLS_STARTTLS ? "STARTTLS" : "no TLS",
		    a->imap_user, rc_auth_word(a->imap_auth));
		break;
	}

	if (a->keep == KEEP_ON)
		(void)strlcpy(keep, "keep on the server", sizeof keep);
	else if (a->keep == KEEP_DURATION)
		(void)snprintf(keep, sizeof keep, "delete %lld s after the "
		    "first fetch", a->keep_secs);
	else
		(void)strlcpy(keep, "delete once delivered", sizeof keep);
	if (a->filter != NULL)
		(void)snprintf(filter, sizeof filter, ", filter %s (%s)",
		    a->filter[0], a->filter_exit == FILTER_EXIT_MPOP ?
		    "filter_exit mpop: 0 fetch, 1 delete, 2 leave" :
		    "0 fetch, 99 delete, 98 leave");
	port = run_port(a);
	printf("%s: %s port %u, %s, auth %s as %s, %s new mail into %s, %s%s\n",
	    a->name, a->host, port, !a->tls ? "no TLS" : a->tls_starttls ?
	    "STLS" : "TLS", rc_auth_word(a->auth), a->user,
	    a->only_new ? "only" : "all", deliver, keep, filter);
	return (0);
}

int
check_run(struct rc_account *const *sel, size_t n)
{
	struct error	err;
	size_t		i;

	for (i = 0; i < n; i++) {
		err_clear(&err);
		if (check_account(sel[i], &err) == -1) {
			fflush(stdout);
			output_error("popfetch", NULL, &err);
			return (exitcode(ERR_CONFIG));
		}
	}
	return (0);
}
