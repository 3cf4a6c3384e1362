#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <vis.h>

#include "util/log.h"

static log_handler	 log_fn;
static const char	*log_acct = "popfetch";
static enum log_level	 log_max = LOG_INFO;

void
log_set_handler(log_handler fn)
{
	log_fn = fn;
}

void
log_account(const char *name)
{
	log_acct = name != NULL ? name : "popfetch";
}

void
log_set_level(enum log_level level)
{
	log_max = level;
}

int
log_wants(enum log_level level)
{
	return (log_fn != NULL && level <= log_max);
}

static void
log_vlog(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	char	buf[2048];
	int	saved = errno;
	size_t	len;

	if (!log_wants(level))
		return;
	(void)vsnprintf(buf, sizeof buf, fmt, ap);
	if (with_errno) {
		len = strlen(buf);
		(void)snprintf(buf + len, sizeof buf - len, ": %s",
		    strerror(saved));
	}
	log_fn(level, log_acct, buf);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARN, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARN, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_verbose(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_VERBOSE, 0, fmt, ap);
	va_end(ap);
}

void
log_trace(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_TRACE, 0, fmt, ap);
	va_end(ap);
}

void
log_safe(char *dst, size_t len, const char *src)
{
	char	tmp[512];

	/* strvis may make each byte four: cut the source to fit first. */
	(void)strlcpy(tmp, src, len / 4 < sizeof tmp ? len / 4 : sizeof tmp);
	(void)strvis(dst, tmp, VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_OCTAL);
}
