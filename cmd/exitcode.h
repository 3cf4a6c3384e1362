#ifndef EXITCODE_H
#define EXITCODE_H

#include "util/error.h"

/* The exit status (sysexits.h) that tells a script what kind of failure. */
int	exitcode(enum err_code);

#endif
