/*
 * The progress line on standard error, rewritten in place with a carriage
 * return: one per process, cleared before any other line is printed.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <sys/types.h>

/* The hook of struct fetch_opts; arg is the account name. */
void	progress_show(void *arg, u_int done, u_int total,
	    unsigned long long bytes);
/* Blanks the line, if one is shown. */
void	progress_clear(void);

#endif
