/*
 * --import: another fetcher's rc file turned into fetchrc text, with a
 * comment for each setting that cannot be carried over, saying why.
 *
 * Each format has its own file (import_fetchmail.c, import_mpop.c,
 * import_getmail.c) that reads its syntax and writes through the functions
 * below; import.c runs them and checks that popfetch accepts the result.
 */
#ifndef IMPORT_H
#define IMPORT_H

#include <stdio.h>

#include "util/error.h"

struct import {
	const char	*path;		/* the file read, for comments */
	char		*out;		/* the fetchrc text so far */
	size_t		 len, size;
	char		**names;	/* of the accounts so far */
	size_t		 naccounts;
};

/* Prints the fetchrc for file, read as format; returns the exit status. */
int	 import_run(const char *format, const char *file);
/* The fetchrc text of file (for tests); -1 with err when unreadable. */
int	 import_text(const char *format, const char *file, char **,
	    struct error *);

/*
 * Opens an account; the name is made valid and unique.  parents, when not
 * NULL, is "A, B": the accounts it starts from.
 */
void	 import_account(struct import *, const char *name,
	    const char *parents);
/*
 * A command another fetcher ran with sh -c, as key [sub] ARGS: its words
 * when it is plain words, else sh -c and the command.
 */
void	 import_shell(struct import *, const char *key, const char *sub,
	    const char *cmd);
/*
 * In pairs (a word, then why it cannot be carried over, NULL at the end),
 * the why of key, any case, or NULL.
 */
const char *import_why(const char *const *pairs, const char *key);
/* Opens a defaults block. */
void	 import_defaults(struct import *);
/* A key and its values, each quoted as fetchrc needs; NULL ends them. */
void	 import_key(struct import *, const char *key, ...)
	    __attribute__((sentinel));
/* The same with the values in a NULL-terminated vector. */
void	 import_keyv(struct import *, const char *key, char *const *);
/* "# " and the text: what could not be carried over, and why. */
void	 import_comment(struct import *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Each format's reader: -1 with err when the file cannot be read. */
int	 import_fetchmail(struct import *, FILE *, struct error *);
int	 import_mpop(struct import *, FILE *, struct error *);
int	 import_getmail(struct import *, FILE *, struct error *);

#endif
