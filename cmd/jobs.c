/*
 * -j: accounts fetched at once, each in a child process of its own, so that
 * one account's session, delivery and state never share memory or a
 * descriptor with another's.  A child prints its own lines, each in one
 * write, and tells its exit status by exiting with it.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "jobs.h"
#include "util/intr.h"
#include "util/xmalloc.h"

static int
jobs_status(const int *codes, size_t n, int status)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (codes[i] != 0 && codes[i] != RUN_NOMAIL)
			return (codes[i]);
	}
	if (!status)
		return (0);
	for (i = 0; i < n; i++) {
		if (codes[i] == 0)
			return (0);
	}
	return (RUN_NOMAIL);
}

/* Starts the job of account i; in the parent, returns its pid or -1. */
static pid_t
jobs_start(struct run_acct *accts, size_t n, size_t i,
    const struct run_opts *ro)
{
	pid_t	pid;
	size_t	k;
	int	code;

	/* Nothing buffered may be written twice, once by each process. */
	(void)fflush(stdout);
	(void)fflush(stderr);
	if ((pid = fork()) != 0)
		return (pid);
	/* A job holds no secret but its own account's. */
	for (k = 0; k < n; k++) {
		if (k != i)
			run_free(&accts[k]);
	}
	code = run_fetch(&accts[i], ro);
	if (fflush(stdout) == EOF && (code == 0 || code == RUN_NOMAIL))
		code = EX_IOERR;
	_exit(code);
}

/*
 * The next child to end; -1 when there is none.  A signal that asks us to
 * stop is passed on to the jobs running, which end as the run would.
 */
static pid_t
jobs_wait(const pid_t *pids, size_t n, int *status)
{
	pid_t	pid;
	size_t	i;
	int	passed = 0;

	for (;;) {
		pid = waitpid(-1, status, 0);
		if (pid != -1 || errno != EINTR)
			return (pid);
		if (intr_signo != 0 && !passed) {
			for (i = 0; i < n; i++) {
				if (pids[i] > 0)
					(void)kill(pids[i], intr_signo);
			}
			passed = 1;
		}
	}
}

/* Says that account i was not fetched: a signal asked to stop. */
static int
jobs_stopped(struct run_acct *ra, const struct run_opts *ro)
{
	struct error	err;

	err_clear(&err);
	(void)intr_check(&err);
	return (run_failed(ra, ro, &err));
}

static void
jobs_parallel(struct run_acct *accts, size_t n, u_int jobs,
    const struct run_opts *ro, int *codes)
{
	struct error	 err;
	pid_t		*pids, pid;
	size_t		 i, next = 0;
	u_int		 running = 0;
	int		 status;

	pids = xcalloc(n, sizeof *pids);
	/*
	 * A prompt for a password cannot share the terminal with jobs that
	 * are running: every secret is had first, in order, prompts included.
	 */
	for (i = 0; i < n; i++)
		codes[i] = run_secret(&accts[i], ro);

	for (;;) {
		while (running < jobs && next < n) {
			i = next++;
			if (codes[i] != 0)
				continue;
			if (intr_signo != 0) {
				codes[i] = jobs_stopped(&accts[i], ro);
				continue;
			}
			if ((pids[i] = jobs_start(accts, n, i, ro)) == -1) {
				err_clear(&err);
				err_setsys(&err, ERR_TEMP, "cannot start a "
				    "job: fork");
				err_hint(&err, "try again later, or with fewer "
				    "jobs (-j)");
				codes[i] = run_failed(&accts[i], ro, &err);
				pids[i] = 0;
				continue;
			}
			/* The parent needs the secret no more. */
			run_free(&accts[i]);
			running++;
		}
		if (running == 0)
			break;
		if ((pid = jobs_wait(pids, n, &status)) == -1) {
			err_clear(&err);
			err_setsys(&err, ERR_SOFTWARE, "waitpid");
			for (i = 0; i < n; i++) {
				if (pids[i] > 0)
					codes[i] = run_failed(&accts[i], ro,
					    &err);
			}
			break;
		}
		for (i = 0; i < n && pids[i] != pid; i++)
			;
		if (i == n)
			continue;
		pids[i] = 0;
		running--;
		if (WIFEXITED(status))
			codes[i] = WEXITSTATUS(status);
		else {
			err_clear(&err);
			err_set(&err, ERR_SOFTWARE, "the job fetching this "
			    "account was killed by signal %d (%s)",
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
			codes[i] = run_failed(&accts[i], ro, &err);
		}
	}
	free(pids);
}

int
jobs_run(struct run_acct *accts, size_t n, u_int jobs,
    const struct run_opts *ro)
{
	int	*codes, rv;
	size_t	 i;

	codes = xcalloc(n == 0 ? 1 : n, sizeof *codes);
	if (jobs <= 1 || n <= 1) {
		for (i = 0; i < n; i++)
			codes[i] = intr_signo == 0 ? run_fetch(&accts[i], ro) :
			    jobs_stopped(&accts[i], ro);
	} else
		jobs_parallel(accts, n, jobs, ro, codes);
	rv = jobs_status(codes, n, ro->fetch.status);
	free(codes);
	return (rv);
}
