#ifndef JOBS_H
#define JOBS_H

#include <stddef.h>

#include "run.h"

#define JOBS_MAX	64

/*
 * Runs the accounts in order, up to jobs of them at once, each in a child
 * process when more than one may run.  Returns the exit status of the run:
 * that of the first account in run order that failed; else, with -s, 0 when
 * some account has new mail and RUN_NOMAIL when none has; else 0.
 */
int	jobs_run(struct run_acct *, size_t n, u_int jobs,
	    const struct run_opts *);

#endif
