/*
 * Logging from core/ goes through a handler that cmd/ installs: core/ decides
 * what is worth saying, cmd/ decides whether and where to print it.  Every
 * line carries the account name set with log_account().
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum log_level {
	LOG_ERROR,	/* always shown */
	LOG_WARN,	/* always shown */
	LOG_INFO,	/* hidden by -q */
	LOG_VERBOSE,	/* -v */
	LOG_TRACE,	/* -vv: protocol trace */
};

typedef void	(*log_handler)(enum log_level, const char *account,
		    const char *msg);

void	log_set_handler(log_handler);
void	log_account(const char *);
int	log_wants(enum log_level);	/* is anybody listening at this level */
void	log_set_level(enum log_level);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_verbose(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_trace(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * Text from a server made safe to show: control and 8-bit bytes escaped,
 * cut to fit len.
 */
void	log_safe(char *, size_t, const char *);

#endif
