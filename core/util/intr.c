#include <string.h>

#include "util/intr.h"

volatile sig_atomic_t	intr_signo;

int
intr_check(struct error *err)
{
	if (intr_signo == 0)
		return (0);
	err_set(err, ERR_TEMP, "stopped by signal %d (%s)", (int)intr_signo,
	    strsignal(intr_signo));
	err_hint(err, "what was delivered is recorded; the rest stays on the "
	    "server for the next run");
	return (-1);
}
