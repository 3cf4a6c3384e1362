#ifndef CMD_SERVERINFO_H
#define CMD_SERVERINFO_H

#include "rc.h"

/* popfetch -S: prints what the account's server offers; an exit status. */
int	serverinfo_run(const struct rc_account *);

#endif
