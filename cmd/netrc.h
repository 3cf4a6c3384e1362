/*
 * ~/.netrc, as ftp(1) and curl read it: "machine NAME" (or "default")
 * followed by "login NAME" and "password SECRET"; "account" is skipped,
 * and so is a "macdef" up to the next empty line.
 */
#ifndef NETRC_H
#define NETRC_H

#include "util/error.h"

#define NETRC_MAX	(1024 * 1024)	/* a bigger file is not a netrc */

/*
 * The first entry for host whose login is user (or that names no login;
 * any login when user is NULL).  1 with *login (NULL when the entry names
 * none) and *password allocated, 0 when there is no such entry or file,
 * -1 with err: ERR_CONFIG for a file readable by others that holds a
 * password (like fetchrc), or one that cannot be read.
 */
int	netrc_lookup(const char *path, const char *host, const char *user,
	    char **login, char **password, struct error *);

#endif
