#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sysout.h"

/*
 * syslog() drops lines without a word when nothing listens on _PATH_LOG
 * (a container, a chroot): so look first, and let the caller keep stderr.
 */
int
sysout_open(void)
{
	struct sockaddr_un	sun;
	int			fd, rv, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, _PATH_LOG, sizeof sun.sun_path) >=
	    sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	rv = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	saved = errno;
	close(fd);
	if (rv == -1) {
		errno = saved;
		return (-1);
	}
	openlog("popfetch", LOG_PID, LOG_MAIL);
	return (0);
}

const char *
sysout_path(void)
{
	return (_PATH_LOG);
}

void
sysout_line(int severity, const char *account, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (severity < 0 || severity > SYSOUT_DEBUG)
		severity = SYSOUT_INFO;
	syslog(prio[severity], "%s: %s", account, msg);
}
