#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "progress.h"

#define PROGRESS_MAX	256

/* How wide the line on the terminal is; 0 when none is shown. */
static size_t	progress_width;

/* One write, so that the line never mixes with another process's output. */
static void
progress_write(const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(STDERR_FILENO, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

void
progress_show(void *arg, u_int done, u_int total, unsigned long long bytes)
{
	const char	*account = arg;
	char		 line[PROGRESS_MAX], size[32];
	size_t		 len, width;
	int		 n;

	output_size(size, sizeof size, bytes);
	n = snprintf(line, PROGRESS_MAX, "\r%s: %u/%u message%s, %s", account,
	    done, total, total == 1 ? "" : "s", size);
	if (n < 0)
		return;
	/* A long account name is cut short: the line is only for the eye. */
	len = (size_t)n >= PROGRESS_MAX ? PROGRESS_MAX - 1 : (size_t)n;
	width = len - 1;
	/* Blanks out what is left of a longer line before. */
	while (len - 1 < progress_width)
		line[len++] = ' ';
	progress_write(line, len);
	progress_width = width;
}

void
progress_clear(void)
{
	char	line[PROGRESS_MAX + 2];
	size_t	len = 0;

	if (progress_width == 0)
		return;
	line[len++] = '\r';
	memset(line + len, ' ', progress_width);
	len += progress_width;
	line[len++] = '\r';
	progress_write(line, len);
	progress_width = 0;
}
