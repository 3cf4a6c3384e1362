/*
 * When a mailbox was last logged in to, and the least number of seconds the
 * server wants between two logins (RFC 2449 LOGIN-DELAY) as it said then:
 * one line "WHEN DELAY" in KEY.login beside the state file.  Losing it only
 * costs one refused login, so it is replaced by rename but not synced.
 */
#ifndef LOGINS_H
#define LOGINS_H

#include <time.h>

#include "util/error.h"

/* The last login and its delay; both 0 when none is known. */
void	logins_read(const char *dir, const char *key, time_t *when,
	    long *delay);
int	logins_write(const char *dir, const char *key, time_t when,
	    long delay, struct error *);

#endif
