/* APOP (RFC 1939): MD5 of the greeting's timestamp and the password. */
#ifndef APOP_H
#define APOP_H

#include "util/error.h"

#define APOP_DIGEST_LEN	33	/* 32 hex digits and a NUL */

int	apop_digest(const char *timestamp, const char *secret,
	    char out[APOP_DIGEST_LEN], struct error *);

#endif
