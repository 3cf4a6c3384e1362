#ifndef RUN_H
#define RUN_H

#include "account.h"
#include "rc.h"

/* Fetches one account and says how it went; returns its exit status. */
int	run_account(const struct rc_account *, const struct fetch_opts *);

#endif
