#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "util/child.h"

#define CHILD_EXECFD	3

void
child_exec(char *const *argv, int in, int out, int errfd, int ep)
{
	sigset_t	set;
	int		e;

	/* Ignored signals stay ignored across exec: give back the defaults. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (dup2(in, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    (errfd != -1 && dup2(errfd, STDERR_FILENO) == -1) ||
	    dup2(ep, CHILD_EXECFD) == -1 ||
	    fcntl(CHILD_EXECFD, F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
	closefrom(CHILD_EXECFD + 1);
	execvp(argv[0], argv);
fail:
	e = errno;
	(void)!write(CHILD_EXECFD, &e, sizeof e);
	_exit(127);
}

int
child_execerr(int ep)
{
	ssize_t	n;
	int	e;

	do
		n = read(ep, &e, sizeof e);
	while (n == -1 && errno == EINTR);
	return (n == sizeof e ? e : 0);
}

int
child_start(struct child *c, char *const *argv, struct error *err)
{
	int	fds[2], ep[2], null, e;

	c->pid = -1;
	c->in = -1;
	c->name = argv[0];
	if (pipe2(fds, O_CLOEXEC) == -1)
		return (err_setsys(err, ERR_SOFTWARE, "pipe"));
	if (pipe2(ep, O_CLOEXEC) == -1) {
		close(fds[0]);
		close(fds[1]);
		return (err_setsys(err, ERR_SOFTWARE, "pipe"));
	}
	/* Its stdout must not mix with ours (--json). */
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1 ||
	    (c->pid = fork()) == -1) {
		err_setsys(err, ERR_TEMP, "cannot run %s", c->name);
		if (null != -1)
			close(null);
		close(fds[0]);
		close(fds[1]);
		close(ep[0]);
		close(ep[1]);
		return (-1);
	}
	if (c->pid == 0)
		child_exec(argv, fds[0], null, -1, ep[1]);
	close(null);
	close(fds[0]);
	close(ep[1]);
	c->in = fds[1];
	e = child_execerr(ep[0]);
	close(ep[0]);
	if (e != 0) {
		close(c->in);
		c->in = -1;
		(void)waitpid(c->pid, NULL, 0);
		c->pid = -1;
		errno = e;
		return (err_setsys(err, ERR_CONFIG, "cannot run %s", c->name));
	}
	return (0);
}

int
child_write(struct child *c, const char *buf, size_t len, struct error *err)
{
	ssize_t	n;

	while (len > 0 && c->in != -1) {
		n = write(c->in, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EPIPE) {
			/* It has read what it wanted: that is its right. */
			close(c->in);
			c->in = -1;
			break;
		}
		if (n == -1)
			return (err_setsys(err, ERR_SOFTWARE, "writing to %s",
			    c->name));
		buf += n;
		len -= n;
	}
	return (0);
}

int
child_wait(struct child *c, struct error *err)
{
	int	status;
	pid_t	pid;

	if (c->in != -1) {
		close(c->in);
		c->in = -1;
	}
	do
		pid = waitpid(c->pid, &status, 0);
	while (pid == -1 && errno == EINTR);
	c->pid = -1;
	if (pid == -1)
		return (err_setsys(err, ERR_SOFTWARE, "waitpid %s", c->name));
	if (WIFSIGNALED(status))
		return (err_set(err, ERR_IO, "%s was killed by signal %d",
		    c->name, WTERMSIG(status)));
	return (WEXITSTATUS(status));
}

void
child_kill(struct child *c)
{
	if (c->in != -1) {
		close(c->in);
		c->in = -1;
	}
	if (c->pid > 0) {
		(void)kill(c->pid, SIGTERM);
		(void)waitpid(c->pid, NULL, 0);
		c->pid = -1;
	}
}
