#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/child.h"
#include "util/intr.h"

#define CHILD_EXECFD	3
/* A child still running is looked at again after 1, 2, 4 ... this many ms. */
#define CHILD_STEP_MAX	50

static double
child_clock(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Milliseconds until its deadline, 0 once past it, -1 with no deadline. */
static int
child_left(const struct child *c)
{
	double	left;

	if (c->secs == 0)
		return (-1);
	left = (c->deadline - child_clock()) * 1000;
	if (left <= 0)
		return (0);
	return (left > INT_MAX ? INT_MAX : (int)left + 1);
}

/* Past its deadline: killed (reaped by child_wait), its input dropped. */
static void
child_expire(struct child *c)
{
	if (c->in != -1) {
		close(c->in);
		c->in = -1;
	}
	if (c->pid > 0)
		(void)kill(c->pid, SIGKILL);
	c->timedout = 1;
}

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
child_start(struct child *c, char *const *argv, int secs, struct error *err)
{
	int	fds[2], ep[2], null, e;

	c->pid = -1;
	c->in = -1;
	c->name = argv[0];
	c->secs = secs;
	c->deadline = child_clock() + secs;
	c->timedout = 0;
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
	/* A child that takes no input must not hold us past its deadline. */
	if (secs > 0 && fcntl(c->in, F_SETFL, O_NONBLOCK) == -1) {
		err_setsys(err, ERR_SOFTWARE, "fcntl");
		child_kill(c);
		return (-1);
	}
	return (0);
}

int
child_write(struct child *c, const char *buf, size_t len, struct error *err)
{
	struct pollfd	pfd;
	ssize_t		n;
	int		left;

	while (len > 0 && c->in != -1) {
		if (intr_signo != 0) {
			child_kill(c);
			return (intr_check(err));
		}
		n = write(c->in, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if ((left = child_left(c)) == 0) {
				child_expire(c);
				break;
			}
			pfd.fd = c->in;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, left);
			continue;
		}
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
	int	status, step = 1, left;
	pid_t	pid;

	if (c->in != -1) {
		close(c->in);
		c->in = -1;
	}
	/*
	 * Looked at in growing steps rather than waited for: the deadline
	 * and a signal that stops popfetch need no SIGCHLD handler, and a
	 * child that ends at once costs a millisecond or two.
	 */
	for (;;) {
		pid = waitpid(c->pid, &status, WNOHANG);
		if (pid == c->pid)
			break;
		if (pid == -1 && errno != EINTR) {
			c->pid = -1;
			return (err_setsys(err, ERR_SOFTWARE, "waitpid %s",
			    c->name));
		}
		if (intr_signo != 0) {
			child_kill(c);
			return (intr_check(err));
		}
		left = child_left(c);
		if (left == 0 && !c->timedout)
			child_expire(c);
		(void)poll(NULL, 0, left > 0 && left < step ? left : step);
		if (step < CHILD_STEP_MAX)
			step *= 2;
	}
	c->pid = -1;
	if (c->timedout)
		return (err_set(err, ERR_IO, "%s did not end within %d seconds",
		    c->name, c->secs));
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
		/* SIGKILL: one that ignored SIGTERM would hang the run. */
		(void)kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) == -1 && errno == EINTR)
			;
		c->pid = -1;
	}
}
