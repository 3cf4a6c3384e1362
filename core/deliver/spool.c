#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "deliver/spool.h"
#include "util/log.h"
#include "util/xmalloc.h"

int
spool_open(struct spool *sp, const char *what, const char *dir,
    struct error *err)
{
	char	*path;

	sp->what = what;
	sp->dir = dir;
	sp->size = 0;
	sp->failed = 0;
	envelope_init(&sp->env);
	sp->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (sp->fd != -1)
		return (0);
	/* Not every file system has O_TMPFILE: a name, unlinked at once. */
	xasprintf(&path, "%s/.spool.XXXXXX", dir);
	if ((sp->fd = mkostemp(path, O_CLOEXEC)) == -1) {
		err_setsys(err, ERR_IO, "cannot create a spool file in %s",
		    dir);
		free(path);
		envelope_free(&sp->env);
		return (-1);
	}
	(void)unlink(path);
	free(path);
	return (0);
}

int
spool_write(struct spool *sp, const char *buf, size_t len, struct error *err)
{
	ssize_t	n;

	if (spool_check(sp, err) == -1)
		return (-1);
	(void)envelope_add(&sp->env, buf, len);
	while (len > 0) {
		n = pwrite(sp->fd, buf, len, sp->size);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			sp->failed = 1;
			err_setsys(err, ERR_IO, "cannot write the %s spool "
			    "file in %s", sp->what, sp->dir);
			if (errno == ENOSPC || errno == EDQUOT)
				err_hint(err, "free some space in %s", sp->dir);
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
		sp->size += n;
	}
	return (0);
}

int
spool_check(struct spool *sp, struct error *err)
{
	if (sp->failed)
		return (err_set(err, ERR_IO, "cannot write the %s spool file "
		    "in %s: an earlier write failed", sp->what, sp->dir));
	return (0);
}

ssize_t
spool_read(struct spool *sp, void *buf, size_t len, off_t off,
    struct error *err)
{
	ssize_t	n;

	if (off >= sp->size)
		return (0);
	if ((off_t)len > sp->size - off)
		len = sp->size - off;
	do
		n = pread(sp->fd, buf, len, off);
	while (n == -1 && errno == EINTR);
	if (n <= 0) {
		if (n == 0)
			errno = EIO;
		return (err_setsys(err, ERR_IO, "cannot read the %s spool "
		    "file in %s", sp->what, sp->dir));
	}
	return (n);
}

void
spool_reset(struct spool *sp)
{
	if (ftruncate(sp->fd, 0) == -1)
		log_warn("cannot empty the %s spool file in %s", sp->what,
		    sp->dir);
	sp->size = 0;
	sp->failed = 0;
	envelope_reset(&sp->env);
}

void
spool_close(struct spool *sp)
{
	if (sp->fd != -1)
		(void)close(sp->fd);
	sp->fd = -1;
	envelope_free(&sp->env);
}
