#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "progress.h"
#include "sysout.h"
#include "util/xmalloc.h"

static int	  output_syslog_all;	/* --syslog */
static char	**output_syslog_names;	/* accounts with syslog on */
static size_t	  output_syslog_n;

/* Whether the lines about account go to syslog. */
static int
output_to_syslog(const char *account)
{
	size_t	i;

	if (output_syslog_all)
		return (1);
	for (i = 0; i < output_syslog_n; i++) {
		if (strcmp(output_syslog_names[i], account) == 0)
			return (1);
	}
	return (0);
}

static void
output_openlog(void)
{
	static int	opened;

	if (!opened)
		sysout_open();
	opened = 1;
}

void
output_syslog(const char *account)
{
	output_openlog();
	if (account == NULL) {
		output_syslog_all = 1;
		return;
	}
	output_syslog_names = xreallocarray(output_syslog_names,
	    output_syslog_n + 1, sizeof *output_syslog_names);
	output_syslog_names[output_syslog_n++] = xstrdup(account);
}

static void
output_log(enum log_level level, const char *account, const char *msg)
{
	static const int severity[] = {
		SYSOUT_ERR, SYSOUT_WARNING, SYSOUT_INFO, SYSOUT_INFO,
		SYSOUT_DEBUG,
	};

	if (output_to_syslog(account)) {
		sysout_line(severity[level], account, msg);
		return;
	}
	progress_clear();
	fprintf(stderr, "%s: %s\n", account, msg);
}

int
output_line(const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(STDOUT_FILENO, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (-1);
		buf += n;
		len -= n;
	}
	return (0);
}

void
output_init(enum log_level level)
{
	log_set_handler(output_log);
	log_set_level(level);
}

void
output_size(char *buf, size_t len, unsigned long long n)
{
	static const char	*units[] = {
	    "KiB", "MiB", "GiB", "TiB", "PiB"
	};
	double			 d = n;
	size_t			 u = 0;

	if (n < 1024) {
		(void)snprintf(buf, len, "%llu B", n);
		return;
	}
	d /= 1024;
	while (d >= 1023.95 && u < sizeof units / sizeof units[0] - 1) {
		d /= 1024;
		u++;
	}
	(void)snprintf(buf, len, "%.1f %s", d, units[u]);
}

static const char *
output_s(u_int n)
{
	return (n == 1 ? "" : "s");
}

/* Messages only: truncation would lose words, never data. */
void
output_summary(char *buf, size_t len, const struct fetch_result *r,
    int dry_run)
{
	char	size[32], skipped[32] = "";

	if (r->skipped > 0)
		(void)snprintf(skipped, sizeof skipped, ", %u skipped",
		    r->skipped);
	output_size(size, sizeof size, r->bytes);
	if (dry_run && (r->fetched > 0 || r->deleted > 0))
		(void)snprintf(buf, len, "dry run: %u new of %u message%s, "
		    "would fetch %u (%s), would delete %u%s, %.2f s", r->new,
		    r->messages, output_s(r->messages), r->fetched, size,
		    r->deleted, skipped, r->seconds);
	else if (r->fetched > 0 || r->deleted > 0 || r->skipped > 0)
		(void)snprintf(buf, len, "%u new of %u message%s, %u fetched "
		    "(%s), %u deleted%s, %.2f s", r->new, r->messages,
		    output_s(r->messages), r->fetched, size, r->deleted,
		    skipped, r->seconds);
	else
		(void)snprintf(buf, len, "%sno new mail (%u message%s), "
		    "%.2f s", dry_run ? "dry run: " : "", r->messages,
		    output_s(r->messages), r->seconds);
}

void
output_error(const char *account, const char *where, const struct error *err)
{
	char	line[sizeof err->what + 1100];

	if (output_to_syslog(account)) {
		if (where != NULL) {
			(void)snprintf(line, sizeof line, "%s: %s", where,
			    err->what);
			sysout_line(SYSOUT_ERR, account, line);
		} else
			sysout_line(SYSOUT_ERR, account, err->what);
		if (err->hint[0] != '\0')
			sysout_line(SYSOUT_ERR, account, err->hint);
		return;
	}
	progress_clear();
	if (where != NULL)
		fprintf(stderr, "%s: %s: %s\n", account, where, err->what);
	else
		fprintf(stderr, "%s: %s\n", account, err->what);
	if (err->hint[0] != '\0')
		fprintf(stderr, "%s: %s\n", account, err->hint);
}
