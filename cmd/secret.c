#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"
#include "words.h"
#include "xmalloc.h"

/* The child's end of the pipe on which a failed exec reports errno. */
#define SECRET_EXECFD	3

static void __attribute__((noreturn))
secret_child(char *const *argv, int in, int out, int ep)
{
	int	e;

	/* popfetch ignores SIGPIPE; the command should not inherit that. */
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(ep, SECRET_EXECFD) == -1 ||
	    fcntl(SECRET_EXECFD, F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
	closefrom(SECRET_EXECFD + 1);
	execvp(argv[0], argv);
fail:
	e = errno;
	if (write(SECRET_EXECFD, &e, sizeof e) != sizeof e)
		_exit(127);
	_exit(127);
}

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
		secret_child(argv, devnull, out[1], ep[1]);
	close(out[1]);
	out[1] = -1;
	close(ep[1]);
	ep[1] = -1;

	if ((n = secret_read(ep[0], &e, sizeof e)) == sizeof e) {
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

int
secret_resolve(const struct rc_account *ra, char **secret, struct error *err)
{
	const struct account	*a = &ra->acct;

	*secret = NULL;
	if (a->password != NULL) {
		*secret = xstrdup(a->password);
		return (0);
	}
	if (ra->passwordeval.n > 0)
		return (secret_eval(ra->passwordeval.v, secret, err));
	switch (a->auth) {
	case AUTH_AUTO:
	case AUTH_USER:
		err_set(err, ERR_NOPERM, "no password for %s: set password or "
		    "passwordeval in %s", a->name, a->rcfile);
		return (-1);
	default:
		return (0);
	}
}
