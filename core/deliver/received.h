#ifndef RECEIVED_H
#define RECEIVED_H

#include <stddef.h>
#include <time.h>

#include "account.h"

/*
 * The Received: trace header for a message fetched from the server at the
 * other end of fd (RFC 5322 section 3.6.7), folded, with a final LF.
 */
int	received_make(char *, size_t, const struct account *, int fd, int tls,
	    time_t);

#endif
