/* Where things live: the home directory, ~/ in paths, XDG base directories. */
#ifndef PATHS_H
#define PATHS_H

#include "util/error.h"

/* $HOME, else the password database. */
int	paths_home(char **, struct error *);
/* $USER, else the password database. */
int	paths_login(char **, struct error *);
/* A copy of path with a leading ~/ replaced by the home directory. */
int	paths_expand(const char *path, char **, struct error *);
/*
 * $env/sub when env names an absolute directory, else ~/fallback/sub, as the
 * XDG base directory specification says.
 */
int	paths_xdg(const char *env, const char *fallback, const char *sub,
	    char **, struct error *);
/* Refused when a directory above path may be written by another user. */
int	paths_safe(const char *path, struct error *);

#endif
