#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net/net.h"
#include "util/error.h"
#include "util/log.h"

static int
net_try(const struct addrinfo *ai, int timeout, int *saved_errno)
{
	struct timeval	tv;
	struct pollfd	pfd;
	socklen_t	len;
	int		fd, flags, error, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd == -1)
		goto fail;
	/* Non-blocking connect, so that the attempt can time out. */
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		switch (poll(&pfd, 1, timeout * 1000)) {
		case -1:
			goto fail;
		case 0:
			errno = ETIMEDOUT;
			goto fail;
		}
		len = sizeof error;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
			goto fail;
		if (error != 0) {
			errno = error;
			goto fail;
		}
	}
	if (fcntl(fd, F_SETFL, flags) == -1)
		goto fail;

	/* Every later read and write is bounded by the same timeout. */
	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1)
		goto fail;
	/* Commands are small and answered at once: do not delay them. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return (fd);

fail:
	*saved_errno = errno;
	if (fd != -1)
		close(fd);
	return (-1);
}

int
net_connect(const char *host, u_int port, int timeout, struct error *err)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 serv[16], addr[NI_MAXHOST];
	int		 fd = -1, rc, last = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	(void)snprintf(serv, sizeof serv, "%u", port);

	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_FAIL) {
		err_set(err, ERR_NOHOST, "host not found: %s", host);
		err_hint(err, "check the host name in the account's "
		    "'host' line");
		return (-1);
	}
	if (rc != 0) {
		err_set(err, ERR_TEMP, "cannot look up %s: %s", host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		err_hint(err, "check the network and DNS, then try again");
		return (-1);
	}

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr,
		    NULL, 0, NI_NUMERICHOST) != 0)
			(void)strlcpy(addr, "?", sizeof addr);
		log_verbose("connecting to %s port %u (%s)", host, port, addr);
		if ((fd = net_try(ai, timeout, &last)) != -1)
			break;
		log_verbose("connecting to %s: %s", addr, strerror(last));
	}
	freeaddrinfo(res);
	if (fd != -1)
		return (fd);

	if (last == ETIMEDOUT) {
		err_set(err, ERR_TEMP, "connection to port %u timed out after "
		    "%d s", port, timeout);
		err_hint(err, "the server or the network is slow or down; "
		    "try again later, or raise 'timeout'");
	} else {
		errno = last;
		err_setsys(err, ERR_TEMP, "cannot connect to port %u", port);
		err_hint(err, "is the server up, and is the port right "
		    "(995 for implicit TLS, 110 for STLS or no TLS)?");
	}
	return (-1);
}

int
net_connect_unix(const char *path, int timeout, struct error *err)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path)
		return (err_set(err, ERR_CONFIG, "socket path too long: %s",
		    path));
	log_verbose("connecting to %s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (err_setsys(err, ERR_TEMP, "socket"));
	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		err_setsys(err, ERR_TEMP, "cannot connect to %s", path);
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

/* Whether host is a loopback address or name: no TLS needed there. */
int
net_loopback(const char *host)
{
	struct in_addr	a4;
	struct in6_addr	a6;

	if (strcasecmp(host, "localhost") == 0)
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}
