/*
 * What popfetch says on stderr.  Every line starts with the account it is
 * about, or with "popfetch" when it is about no account.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stddef.h>

#include "account.h"
#include "util/error.h"
#include "util/log.h"

/* Installs the log handler and shows messages up to level. */
void	output_init(enum log_level level);
/*
 * Sends the lines about account to syslog (facility mail, the level as the
 * priority), or every line with NULL (--syslog).
 */
void	output_syslog(const char *account);
/* A size for people: 512 B, 48.2 KiB, 3.0 MiB. */
void	output_size(char *, size_t, unsigned long long);
/* The summary of a run, without the account name. */
void	output_summary(char *, size_t, const struct fetch_result *,
	    int dry_run);
/*
 * Writes a whole line on standard output with one write, so that lines of
 * jobs running at once never mix.
 */
int	output_line(const char *, size_t);
/* An error, and its hint on a second line; where may be NULL. */
void	output_error(const char *account, const char *where,
	    const struct error *);

#endif
