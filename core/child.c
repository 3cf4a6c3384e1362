#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "child.h"

int
child_start(struct child *c, char *const *argv, struct error *err)
{
	int	fds[2], errpipe[2], e, null;
	ssize_t	n;

	c->pid = -1;
	c->in = -1;
	c->name = argv[0];
	if (pipe2(fds, O_CLOEXEC) == -1)
		return (err_setsys(err, ERR_SOFTWARE, "pipe"));
	/* Tells the parent whether execvp worked. */
	if (pipe2(errpipe, O_CLOEXEC) == -1) {
		close(fds[0]);
		close(fds[1]);
		return (err_setsys(err, ERR_SOFTWARE, "pipe"));
	}
	switch (c->pid = fork()) {
	case -1:
		err_setsys(err, ERR_TEMP, "cannot run %s: fork", c->name);
		close(fds[0]);
		close(fds[1]);
		close(errpipe[0]);
		close(errpipe[1]);
		return (-1);
	case 0:
		signal(SIGPIPE, SIG_DFL);
		if (dup2(fds[0], STDIN_FILENO) == -1)
			_exit(127);
		/* Its stdout must not mix with ours (--json, one day). */
		if ((null = open("/dev/null", O_WRONLY)) == -1 ||
		    dup2(null, STDOUT_FILENO) == -1)
			_exit(127);
		/* Only the exec-error pipe survives, closed by exec itself. */
		if (errpipe[1] != STDERR_FILENO + 1 &&
		    (dup2(errpipe[1], STDERR_FILENO + 1) == -1 ||
		    fcntl(STDERR_FILENO + 1, F_SETFD, FD_CLOEXEC) == -1))
			_exit(127);
		closefrom(STDERR_FILENO + 2);
		execvp(argv[0], argv);
		e = errno;
		(void)!write(STDERR_FILENO + 1, &e, sizeof e);
		_exit(127);
	}
	close(fds[0]);
	close(errpipe[1]);
	c->in = fds[1];
	do
		n = read(errpipe[0], &e, sizeof e);
	while (n == -1 && errno == EINTR);
	close(errpipe[0]);
	if (n == sizeof e) {
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
