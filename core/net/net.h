#ifndef NET_H
#define NET_H

#include "util/error.h"

/*
 * Connects to host:port over TCP, trying each address in turn, each attempt
 * bounded by timeout seconds.  Returns the socket, with read and write
 * timeouts set, or -1 with err set.
 */
int	net_connect(const char *host, u_int port, int timeout, struct error *);
/* A stream socket at path (an LMTP server's). */
int	net_connect_unix(const char *path, int timeout, struct error *);
/* Whether host is a loopback address or name: no TLS needed there. */
int	net_loopback(const char *host);

#endif
