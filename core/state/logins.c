#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/logins.h"
#include "state/state.h"
#include "util/mkdirs.h"

/* A login delay longer than a week is not one a server means. */
#define LOGINS_DELAY_MAX	(7 * 86400)

void
logins_read(const char *dir, const char *key, time_t *when, long *delay)
{
	char		 path[PATH_MAX], line[64];
	FILE		*f;
	long long	 w, d;

	*when = 0;
	*delay = 0;
	if (state_path(path, sizeof path, dir, key, ".login") == -1 ||
	    (f = fopen(path, "r")) == NULL)
		return;
	/* A damaged file is as good as none: the next login rewrites it. */
	if (fgets(line, sizeof line, f) != NULL &&
	    sscanf(line, "%lld %lld", &w, &d) == 2 && w > 0 && d >= 0 &&
	    d <= LOGINS_DELAY_MAX) {
		*when = (time_t)w;
		*delay = (long)d;
	}
	fclose(f);
}

int
logins_write(const char *dir, const char *key, time_t when, long delay,
    struct error *err)
{
	char	 path[PATH_MAX], tmp[PATH_MAX], buf[64];
	int	 fd, n;

	if (state_path(path, sizeof path, dir, key, ".login") == -1 ||
	    state_path(tmp, sizeof tmp, dir, key, ".login.tmp") == -1)
		return (err_set(err, ERR_IO, "the state path for %s is too "
		    "long", key));
	if (delay > LOGINS_DELAY_MAX)
		delay = LOGINS_DELAY_MAX;
	if (mkdirs(dir, 0700, err) == -1)
		return (-1);
	n = snprintf(buf, sizeof buf, "%lld %ld\n", (long long)when, delay);
	if (n < 0 || (size_t)n >= sizeof buf)
		return (err_set(err, ERR_SOFTWARE, "login record too long"));
	/* Whatever is there, a link above all, is not written through. */
	if (unlink(tmp) == -1 && errno != ENOENT)
		return (err_setsys(err, ERR_IO, "cannot remove %s", tmp));
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return (err_setsys(err, ERR_IO, "cannot write %s", tmp));
	if (write(fd, buf, (size_t)n) != n) {
		err_setsys(err, ERR_IO, "cannot write %s", tmp);
		(void)close(fd);
		(void)unlink(tmp);
		return (-1);
	}
	if (close(fd) == -1) {
		err_setsys(err, ERR_IO, "cannot write %s", tmp);
		(void)unlink(tmp);
		return (-1);
	}
	if (rename(tmp, path) == -1) {
		err_setsys(err, ERR_IO, "cannot rename %s to %s", tmp, path);
		(void)unlink(tmp);
		return (-1);
	}
	return (0);
}
