#ifndef STOP_H
#define STOP_H

#include "util/error.h"

/*
 * A run asked to end (SIGTERM, SIGINT, SIGHUP) finishes the message it is
 * delivering or drops it, records what landed, and leaves without QUIT.
 * The handler only calls stop_request(); core/ asks stop_check() at the
 * points where it can stop cleanly.
 */
void	stop_request(int);		/* async-signal-safe */
int	stop_requested(void);		/* the signal, or 0 */
/* -1 with ERR_TEMP naming the signal once one came, else 0. */
int	stop_check(struct error *);

#endif
