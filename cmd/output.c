#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "output.h"
#include "progress.h"

static void
output_log(enum log_level level, const char *account, const char *msg)
{
	(void)level;
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
	progress_clear();
	if (where != NULL)
		fprintf(stderr, "%s: %s: %s\n", account, where, err->what);
	else
		fprintf(stderr, "%s: %s\n", account, err->what);
	if (err->hint[0] != '\0')
		fprintf(stderr, "%s: %s\n", account, err->hint);
}
