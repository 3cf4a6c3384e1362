#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deliver/received.h"

int
received_make(char *buf, size_t len, const struct account *a, int fd,
    int tls, time_t now)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	struct tm		 tm;
	char			 addr[NI_MAXHOST], local[256], date[64];
	int			 n;

	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, addr, sizeof addr,
	    NULL, 0, NI_NUMERICHOST) != 0)
		(void)strlcpy(addr, "unknown", sizeof addr);
	if (gethostname(local, sizeof local) == -1 || local[0] == '\0')
		(void)strlcpy(local, "localhost", sizeof local);
	local[sizeof local - 1] = '\0';
	/* The C locale is in force: English names, as RFC 5322 wants. */
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		return (-1);
	n = snprintf(buf, len, "Received: from %s (%s [%s])\n"
	    "\tby %s with %s (popfetch %s)\n"
	    "\tfor <%s>; %s\n",
	    a->host, a->host, addr, local, tls ? "POP3S" : "POP3",
	    POPFETCH_VERSION, a->user, date);
	return (n < 0 || (size_t)n >= len ? -1 : n);
}
