/*
 * A program popfetch runs and feeds on its standard input (a filter):
 * started with an argument vector, never through a shell.
 */
#ifndef CHILD_H
#define CHILD_H

#include <sys/types.h>

#include "util/error.h"

struct child {
	pid_t		 pid;
	int		 in;		/* its stdin; -1 once it stopped reading */
	const char	*name;		/* argv[0], for messages */
	int		 secs;		/* how long it may take; 0: no bound */
	double		 deadline;	/* CLOCK_MONOTONIC */
	int		 timedout;	/* killed at the deadline */
};

/*
 * In a forked child: the given stdin, stdout and (if errfd is not -1)
 * stderr, the write end of an O_CLOEXEC pipe ep as descriptor 3 and nothing
 * else open, default signal handling; then execvp.  If that fails, errno
 * goes down ep for child_execerr() to read.  Never returns.
 */
void	child_exec(char *const *argv, int in, int out, int errfd, int ep)
	    __attribute__((noreturn));
/* In the parent: 0 when the child's exec worked, else its errno. */
int	child_execerr(int ep);
/* Starts it, to read its input and exit within secs seconds (0: no bound). */
int	child_start(struct child *, char *const *argv, int secs,
	    struct error *);
/*
 * Feeds it.  A child that stopped reading is not an error here, nor one that
 * stops taking input until its deadline: it is killed, and the rest dropped.
 * -1 with err: a write error of ours, or a signal asked popfetch to stop.
 */
int	child_write(struct child *, const char *, size_t, struct error *);
/*
 * Closes its stdin and waits until its deadline: its exit status, or -1 with
 * err when it has none (killed by a signal, or by us at the deadline) or a
 * signal asked popfetch to stop (intr_signo set; the child is killed).
 */
int	child_wait(struct child *, struct error *);
/* Kills and reaps it, after an error of ours. */
void	child_kill(struct child *);

#endif
