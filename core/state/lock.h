#ifndef LOCK_H
#define LOCK_H

#include "util/error.h"

/*
 * Takes the lock of key under dir, waiting up to wait seconds for another run
 * to let go; ERR_TEMP when it does not.  Returns the lock descriptor.
 */
int	lock_acquire(const char *dir, const char *key, int wait,
	    struct error *);
void	lock_release(int);

#endif
