#ifndef MKDIRS_H
#define MKDIRS_H

#include <sys/types.h>

#include "util/error.h"

/*
 * Creates path and any missing parents with mode, like mkdir -p; each
 * directory it creates is made durable in its parent.  ERR_IO on failure.
 */
int	mkdirs(const char *path, mode_t mode, struct error *);
/*
 * Fsyncs the directory that holds path, so that a file just made there
 * outlives a power cut; -1 with errno set on failure.
 */
int	mkdirs_syncparent(const char *path);

#endif
