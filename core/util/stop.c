#include <signal.h>
#include <string.h>

#include "util/stop.h"

static volatile sig_atomic_t	stop_sig;

void
stop_request(int sig)
{
	stop_sig = sig;
}

int
stop_requested(void)
{
	return (stop_sig);
}

int
stop_check(struct error *err)
{
	int	sig = stop_sig;

	if (sig == 0)
		return (0);
	err_set(err, ERR_TEMP, "stopped by signal %d (%s)", sig,
	    strsignal(sig));
	err_hint(err, "what was delivered is recorded; the rest stays on the "
	    "server for the next run");
	return (-1);
}
