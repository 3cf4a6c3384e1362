#ifndef AUTHORIZE_H
#define AUTHORIZE_H

#include "rc.h"

/*
 * popfetch --authorize ACCOUNT: the one-time device authorization of an
 * account with oauth_provider; returns the exit status.
 */
int	authorize_run(const struct rc_account *);

#endif
