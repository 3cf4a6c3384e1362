#include <syslog.h>

#include "sysout.h"

void
sysout_open(void)
{
	openlog("popfetch", LOG_PID, LOG_MAIL);
}

void
sysout_line(int severity, const char *account, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (severity < 0 || severity > SYSOUT_DEBUG)
		severity = SYSOUT_INFO;
	syslog(prio[severity], "%s: %s", account, msg);
}
