/*
 * A signal that asks popfetch to stop (SIGTERM, SIGINT, SIGHUP): cmd/'s
 * handler records it here, and the engine checks it wherever it waits, so
 * that a run ends as after any error: what was delivered synced and
 * recorded, no QUIT, the lock let go.
 */
#ifndef INTR_H
#define INTR_H

#include <signal.h>

#include "util/error.h"

extern volatile sig_atomic_t	intr_signo;

/* -1 with err set (ERR_TEMP) once a signal asked to stop, else 0. */
int	intr_check(struct error *);

#endif
