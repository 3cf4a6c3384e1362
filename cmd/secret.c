#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readpassphrase.h>

#include "netrc.h"
#include "paths.h"
#include "oauth/oauth.h"
#include "secret.h"
#include "util/child.h"
#include "util/xmalloc.h"
#include "words.h"

/* The child's end of the pipe on which a failed exec reports errno. */

static ssize_t
secret_read(int fd, void *buf, size_t len)
{
	ssize_t	n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return (n);
}

static int
secret_wait(pid_t pid, int *status)
{
	pid_t	r;

	do
		r = waitpid(pid, status, 0);
	while (r == -1 && errno == EINTR);
	return (r == -1 ? -1 : 0);
}

int
secret_eval(char *const *argv, char **secret, struct error *err)
{
	char		 buf[SECRET_MAX], drain[512], *cmd, *nl;
	int		 out[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int		 devnull = -1, status, e, rv = -1, toolong = 0;
	pid_t		 pid = -1;
	size_t		 len = 0;
	ssize_t		 n;

	*secret = NULL;
	cmd = words_join(argv);
	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(ep, O_CLOEXEC) == -1 ||
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		err_setsys(err, ERR_SOFTWARE, "passwordeval %s", cmd);
		goto out;
	}
	if ((pid = fork()) == -1) {
		err_setsys(err, ERR_TEMP, "passwordeval %s: fork", cmd);
		goto out;
	}
	if (pid == 0)
		child_exec(argv, devnull, out[1], -1, ep[1]);
	close(out[1]);
	out[1] = -1;
	close(ep[1]);
	ep[1] = -1;

	if ((e = child_execerr(ep[0])) != 0) {
		errno = e;
		err_setsys(err, ERR_NOPERM, "cannot run passwordeval %s", cmd);
		goto out;
	}

	/* Keep the first SECRET_MAX bytes; drain the rest so it can finish. */
	for (;;) {
		if (len < sizeof buf - 1)
			n = secret_read(out[0], buf + len,
			    sizeof buf - 1 - len);
		else {
			n = secret_read(out[0], drain, sizeof drain);
			if (n > 0 && memchr(buf, '\n', len) == NULL)
				toolong = 1;
		}
		if (n == -1) {
			err_setsys(err, ERR_SOFTWARE, "passwordeval %s: read",
			    cmd);
			goto out;
		}
		if (n == 0)
			break;
		if (len < sizeof buf - 1)
			len += n;
	}
	explicit_bzero(drain, sizeof drain);

	e = secret_wait(pid, &status);
	pid = -1;
	if (e == -1) {
		err_setsys(err, ERR_SOFTWARE, "passwordeval %s: waitpid", cmd);
		goto out;
	}
	if (WIFSIGNALED(status)) {
		err_set(err, ERR_NOPERM, "passwordeval %s was killed by "
		    "signal %d (%s)", cmd, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
		goto out;
	}
	if (WEXITSTATUS(status) != 0) {
		err_set(err, ERR_NOPERM, "passwordeval %s failed with exit "
		    "status %d", cmd, WEXITSTATUS(status));
		goto out;
	}

	buf[len] = '\0';
	if ((nl = memchr(buf, '\n', len)) != NULL)
		*nl = '\0';
	else if (toolong || len == sizeof buf - 1) {
		err_set(err, ERR_NOPERM, "passwordeval %s printed a first "
		    "line of %d bytes or more", cmd, SECRET_MAX - 1);
		goto out;
	}
	len = nl != NULL ? (size_t)(nl - buf) : len;
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (strlen(buf) != len) {
		err_set(err, ERR_NOPERM, "passwordeval %s printed a NUL byte",
		    cmd);
		goto out;
	}
	if (len == 0) {
		err_set(err, ERR_NOPERM, "passwordeval %s printed no password",
		    cmd);
		goto out;
	}
	*secret = xstrdup(buf);
	rv = 0;

out:
	explicit_bzero(buf, sizeof buf);
	if (pid > 0) {
		kill(pid, SIGTERM);
		(void)secret_wait(pid, &status);
	}
	if (devnull != -1)
		close(devnull);
	for (e = 0; e < 2; e++) {
		if (out[e] != -1)
			close(out[e]);
		if (ep[e] != -1)
			close(ep[e]);
	}
	free(cmd);
	return (rv);
}

/* A password or token typed on the terminal, without echo. */
static int
secret_prompt(const char *what, const char *user, const char *host,
    const char *name, char **secret, struct error *err)
{
	char	buf[SECRET_MAX], prompt[512];
	int	rc = -1;

	(void)snprintf(prompt, sizeof prompt, "%s for %s@%s (account %s): ",
	    what, user, host, name);
	if (readpassphrase(prompt, buf, sizeof buf, RPP_REQUIRE_TTY) ==
	    NULL) {
		err_setsys(err, ERR_NOPERM, "cannot read the password for %s "
		    "from the terminal", name);
		goto out;
	}
	if (buf[0] == '\0') {
		err_set(err, ERR_NOPERM, "no password given for %s", name);
		goto out;
	}
	*secret = xstrdup(buf);
	rc = 0;
out:
	explicit_bzero(buf, sizeof buf);
	return (rc);
}

/*
 * ~/.netrc's entry for host and user (any user when NULL, its login then
 * in *login): 1 found, 0 not, -1 error.
 */
static int
secret_netrc(const char *host, const char *user, char **login,
    char **secret, struct error *err)
{
	char	*home = NULL, *path = NULL;
	int	 rc = -1;

	if (paths_home(&home, err) == -1)
		goto out;
	xasprintf(&path, "%s/.netrc", home);
	rc = netrc_lookup(path, host, user, login, secret, err);
out:
	free(path);
	free(home);
	return (rc);
}

int
secret_oauth_conf(const struct rc_account *ra, struct oauth_conf *c,
    char **client_secret, struct error *err)
{
	const struct account	*a = &ra->acct;

	*client_secret = NULL;
	if (a->oauth_client_secret != NULL)
		*client_secret = xstrdup(a->oauth_client_secret);
	else if (a->oauth_client_secret_eval != NULL &&
	    secret_eval(a->oauth_client_secret_eval, client_secret,
	    err) == -1)
		return (-1);
	if (oauth_conf(c, a, *client_secret, err) == -1) {
		xfree_secret(*client_secret);
		*client_secret = NULL;
		return (-1);
	}
	return (0);
}

int
secret_oauth(const struct rc_account *ra, int force, char **token,
    struct error *err)
{
	struct oauth_conf	 c;
	char			*cs;
	int			 refreshed, rv;

	if (secret_oauth_conf(ra, &c, &cs, err) == -1)
		return (-1);
	rv = oauth_access(&c, force, token, &refreshed, err);
	xfree_secret(cs);
	return (rv);
}

int
secret_resolve(const struct rc_account *ra, char **user, char **secret,
    struct error *err)
{
	const struct account	*a = &ra->acct;
	char			*login = NULL;
	int			 rc, named = rc_setat(ra, "user") != 0;

	*user = NULL;
	*secret = NULL;
	/* A client certificate is the credential. */
	if (a->auth == AUTH_EXTERNAL)
		return (0);
	if (a->oauth_provider != OAUTH_NONE)
		return (secret_oauth(ra, 0, secret, err));
	if (a->password != NULL) {
		*secret = xstrdup(a->password);
		return (0);
	}
	if (ra->passwordeval.n > 0)
		return (secret_eval(ra->passwordeval.v, secret, err));
	/* Without a user in fetchrc, the netrc entry's login is the user. */
	rc = secret_netrc(a->host, named ? a->user : NULL, &login, secret,
	    err);
	if (rc == 1 && !named && login != NULL) {
		*user = login;
		login = NULL;
	}
	free(login);
	if (rc != 0)
		return (rc == 1 ? 0 : -1);
	if (isatty(STDIN_FILENO))
		return (secret_prompt(a->auth == AUTH_XOAUTH2 ||
		    a->auth == AUTH_OAUTHBEARER ? "Token" : "Password",
		    a->user, a->host, a->name, secret, err));
	err_set(err, ERR_NOPERM, "no password for %s: set password, "
	    "passwordeval, or a ~/.netrc entry", a->name);
	err_hint(err, "%s has no terminal to ask for it on", getprogname());
	return (-1);
}

int
secret_smtp(const struct rc_account *ra, char **secret, struct error *err)
{
	const struct account	*a = &ra->acct;
	const struct words	*eval = &ra->smtp_passwordeval;
	const char		*proto = "SMTP", *key = "smtp", *host;
	const char		*user = a->smtp_user;
	const char		*password = a->smtp_password;
	enum auth_method	 auth = a->smtp_auth;
	char			*login = NULL, what[32];
	int			 rc;

	*secret = NULL;
	if (a->delivery == DELIVERY_IMAP) {
		eval = &ra->imap_passwordeval;
		proto = "IMAP";
		key = "imap";
		user = a->imap_user;
		password = a->imap_password;
		auth = a->imap_auth;
	}
	if (user == NULL || auth == AUTH_EXTERNAL)
		return (0);
	if (password != NULL) {
		*secret = xstrdup(password);
		return (0);
	}
	if (eval->n > 0)
		return (secret_eval(eval->v, secret, err));
	/* An LMTP socket has no host name for ~/.netrc to know. */
	host = a->delivery == DELIVERY_IMAP ? a->imap_host : a->smtp_host;
	if (host != NULL) {
		rc = secret_netrc(host, user, &login, secret, err);
		free(login);
		if (rc != 0)
			return (rc == 1 ? 0 : -1);
	} else
		host = "localhost";
	if (isatty(STDIN_FILENO)) {
		(void)snprintf(what, sizeof what, "%s %s", proto,
		    auth == AUTH_XOAUTH2 || auth == AUTH_OAUTHBEARER ?
		    "token" : "password");
		return (secret_prompt(what, user, host, a->name, secret, err));
	}
	err_set(err, ERR_NOPERM, "no password for %s's %s login as %s: set "
	    "%s_password, %s_passwordeval, or a ~/.netrc entry for %s",
	    a->name, proto, user, key, key, host);
	err_hint(err, "%s has no terminal to ask for it on", getprogname());
	return (-1);
}
