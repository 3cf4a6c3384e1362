#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>

#include "rc.h"

/*
 * popfetch --check: prints what each account would do; the exit status is
 * 78 at the first thing missing or wrong, named with its file and line.
 */
int	check_run(struct rc_account *const *, size_t);

#endif
