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
int	child_start(struct child *, char *const *argv, struct error *);
/* Feeds it; a child that stopped reading is not an error here. */
int	child_write(struct child *, const char *, size_t, struct error *);
/* Closes its stdin and waits: its exit status, or -1 with err (a signal). */
int	child_wait(struct child *, struct error *);
/* Kills and reaps it, after an error of ours. */
void	child_kill(struct child *);

#endif
