#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

void
err_clear(struct error *err)
{
	err->code = ERR_NONE;
	err->what[0] = '\0';
	err->hint[0] = '\0';
}

int
err_set(struct error *err, enum err_code code, const char *fmt, ...)
{
	va_list	ap;

	err->code = code;
	va_start(ap, fmt);
	/* Truncation of an error message loses only words, never data. */
	(void)vsnprintf(err->what, sizeof err->what, fmt, ap);
	va_end(ap);
	return (-1);
}

int
err_setsys(struct error *err, enum err_code code, const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;
	size_t	len;

	err->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(err->what, sizeof err->what, fmt, ap);
	va_end(ap);
	len = strlen(err->what);
	(void)snprintf(err->what + len, sizeof err->what - len, ": %s",
	    strerror(saved));
	errno = saved;
	return (-1);
}

void
err_hint(struct error *err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(err->hint, sizeof err->hint, fmt, ap);
	va_end(ap);
}
