/*
 * One run per mailbox: two runs fetching the same account at once would
 * each deliver what the other has not recorded yet.  flock() is released by
 * the kernel when the process dies, so a kill -9 never leaves a stale lock.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "state/lock.h"
#include "state/state.h"
#include "util/log.h"
#include "util/mkdirs.h"

#define LOCK_RETRY_MS	100

static long long
lock_now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int
lock_acquire(const char *dir, const char *key, int wait, struct error *err)
{
	char			 path[PATH_MAX];
	struct timespec		 ts = { 0, LOCK_RETRY_MS * 1000000L };
	long long		 deadline;
	int			 fd, logged = 0;

	if (state_path(path, sizeof path, dir, key, ".lock") == -1)
		return (err_set(err, ERR_CONFIG, "state directory %s: path "
		    "too long", dir));
	if (mkdirs(dir, 0700, err) == -1)
		return (-1);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return (err_setsys(err, ERR_IO, "cannot open lock file %s",
		    path));

	deadline = lock_now_ms() + (wait > 0 ? (long long)wait * 1000 : 0);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return (fd);
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			err_setsys(err, ERR_IO, "cannot lock %s", path);
			goto fail;
		}
		if (lock_now_ms() >= deadline)
			break;
		if (!logged) {
			log_verbose("waiting for lock %s", path);
			logged = 1;
		}
		(void)nanosleep(&ts, NULL);
	}
	err_set(err, ERR_TEMP, "another popfetch run is fetching this "
	    "account (lock %s held)", path);
	err_hint(err, "wait for it to finish, or check for a hung popfetch "
	    "process");

fail:
	(void)close(fd);
	return (-1);
}

void
lock_release(int fd)
{
	if (fd != -1)
		(void)close(fd);
}
