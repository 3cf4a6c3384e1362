/*
 * Delivery to a Maildir: each message is written to tmp/ under a name no
 * other delivery can choose; a sync makes a batch of them durable at once
 * (one syncfs rather than an fsync per file), then renames them into new/
 * and fsyncs new/.  So a message reaches new/ only once its data is on disk.
 * The name is the receipt: after a crash, finding it in new/ (or in cur/,
 * where a mail reader moves what it has seen) proves it was delivered; one
 * left in tmp/ was not, and is removed.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "deliver/deliver.h"
#include "util/log.h"
#include "util/mkdirs.h"
#include "util/xmalloc.h"

#define MAILDIR_BUFSIZE		65536
#define MAILDIR_HOST_MAX	128
struct maildir {
	const char	*path;
	char		 host[MAILDIR_HOST_MAX];
	int		 tmpfd;
	int		 newfd;
	int		 curfd;

	int		 open;		/* a message is under way */
	int		 fd;		/* tmp/name once made, else -1 */
	int		 failed;	/* a write failed: only abort may follow */
	char		 name[DELIVER_RECEIPT_MAX];
	char		*buf;
	size_t		 buflen;

	u_int		 count;		/* messages begun by this process */
	int		 unsynced;	/* renames since the last sync of new/ */
	char		**ready;	/* committed, still in tmp/ */
	size_t		 nready;
	size_t		 sready;
};

/*
 * The host name goes into every file name; the Maildir convention encodes
 * '/' and ':' as octal escapes.  Other bytes outside 0x21-0x7e are escaped
 * too because the name must also fit on one journal line.
 */
static void
maildir_hostname(char *out, size_t len)
{
	char		 host[256];
	size_t		 i, o;
	u_char		 c;

	if (gethostname(host, sizeof host) == -1 || host[0] == '\0')
		(void)strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';

	o = 0;
	for (i = 0; host[i] != '\0'; i++) {
		c = (u_char)host[i];
		if (c == '/' || c == ':' || c == '\\' || c < 0x21 || c > 0x7e) {
			if (o + 4 >= len)
				break;
			(void)snprintf(out + o, len - o, "\\%03o", c);
			o += 4;
		} else {
			if (o + 1 >= len)
				break;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static int
maildir_opendir(struct maildir *md, const char *sub, struct error *err)
{
	char	*path;
	int	 fd;

	xasprintf(&path, "%s/%s", md->path, sub);
	if (mkdirs(path, 0700, err) == -1) {
		free(path);
		return (-1);
	}
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		err_setsys(err, ERR_IO, "cannot open maildir directory %s",
		    path);
	free(path);
	return (fd);
}

static int
maildir_open(struct deliver *d, struct error *err)
{
	struct maildir	*md;

	if (d->acct->delivery_path == NULL || d->acct->delivery_path[0] ==
	    '\0')
		return (err_set(err, ERR_CONFIG, "no maildir directory "
		    "given"));

	md = xcalloc(1, sizeof *md);
	md->path = d->acct->delivery_path;
	md->tmpfd = md->newfd = md->curfd = md->fd = -1;
	maildir_hostname(md->host, sizeof md->host);

	if (mkdirs(md->path, 0700, err) == -1)
		goto fail;
	if ((md->tmpfd = maildir_opendir(md, "tmp", err)) == -1)
		goto fail;
	if ((md->newfd = maildir_opendir(md, "new", err)) == -1)
		goto fail;
	if ((md->curfd = maildir_opendir(md, "cur", err)) == -1)
		goto fail;

	md->buf = xmalloc(MAILDIR_BUFSIZE);
	d->priv = md;
	return (0);

fail:
	if (md->curfd != -1)
		(void)close(md->curfd);
	if (md->newfd != -1)
		(void)close(md->newfd);
	if (md->tmpfd != -1)
		(void)close(md->tmpfd);
	free(md);
	return (-1);
}

static int
maildir_begin(struct deliver *d, const struct deliver_msg *msg, char *receipt,
    size_t len, struct error *err)
{
	struct maildir	*md = d->priv;
	struct timeval	 tv;
	u_char		 rnd[8];
	char		 hex[sizeof rnd * 2 + 1];
	size_t		 i;
	int		 n;

	(void)msg;
	if (md->open)
		return (err_set(err, ERR_SOFTWARE, "maildir: a message is "
		    "already open in %s/tmp", md->path));

	/*
	 * Only the name now: the file is made at the first write, after the
	 * engine wrote the name into the state journal, so that a kill
	 * leaves no file in tmp/ that the next run does not know of.
	 */
	if (gettimeofday(&tv, NULL) == -1)
		return (err_setsys(err, ERR_SOFTWARE, "gettimeofday"));
	hex[0] = '\0';
	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof rnd) == 0) {
		for (i = 0; i < sizeof rnd; i++)
			(void)snprintf(hex + i * 2, sizeof hex - i * 2, "%02x",
			    rnd[i]);
	}
	md->count++;
	n = snprintf(md->name, sizeof md->name, "%lld.M%ldP%ldQ%u%s%s.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), md->count,
	    hex[0] != '\0' ? "R" : "", hex, md->host);
	if (n < 0 || (size_t)n >= sizeof md->name || (size_t)n >= len)
		return (err_set(err, ERR_SOFTWARE, "maildir: file name too "
		    "long"));

	md->open = 1;
	md->fd = -1;
	md->buflen = 0;
	md->failed = 0;
	/* Cannot truncate: the name's length was checked against len. */
	(void)strlcpy(receipt, md->name, len);
	return (0);
}

/*
 * tmp/name, made at the first write.  The name is unique by time, process,
 * count and 64 random bits; one that exists is not ours to overwrite.
 */
static int
maildir_create(struct maildir *md, struct error *err)
{
	md->fd = openat(md->tmpfd, md->name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (md->fd == -1) {
		md->failed = 1;
		err_setsys(err, ERR_IO, "cannot create %s/tmp/%s", md->path,
		    md->name);
		deliver_hint(err, md->path, errno);
		return (-1);
	}
	return (0);
}

static int
maildir_flush(struct maildir *md, const char *buf, size_t len,
    struct error *err)
{
	ssize_t	n;

	if (md->fd == -1 && maildir_create(md, err) == -1)
		return (-1);
	while (len > 0) {
		n = write(md->fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			md->failed = 1;
			err_setsys(err, ERR_IO, "cannot write %s/tmp/%s",
			    md->path, md->name);
			deliver_hint(err, md->path, errno);
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
maildir_write(struct deliver *d, const char *buf, size_t len,
    struct error *err)
{
	struct maildir	*md = d->priv;

	if (!md->open)
		return (err_set(err, ERR_SOFTWARE, "maildir: write without "
		    "an open message in %s", md->path));
	if (md->failed)
		return (err_set(err, ERR_IO, "cannot write %s/tmp/%s: an "
		    "earlier write failed", md->path, md->name));
	if (len == 0)
		return (0);

	if (md->buflen + len > MAILDIR_BUFSIZE) {
		if (maildir_flush(md, md->buf, md->buflen, err) == -1)
			return (-1);
		md->buflen = 0;
		if (len >= MAILDIR_BUFSIZE)
			return (maildir_flush(md, buf, len, err));
	}
	memcpy(md->buf + md->buflen, buf, len);
	md->buflen += len;
	return (0);
}

static void
maildir_abort(struct deliver *d)
{
	struct maildir	*md = d->priv;

	if (!md->open)
		return;
	md->open = 0;
	if (md->fd == -1)
		return;
	(void)close(md->fd);
	md->fd = -1;
	if (unlinkat(md->tmpfd, md->name, 0) == -1 && errno != ENOENT)
		log_warn("cannot remove %s/tmp/%s", md->path, md->name);
}

static int
maildir_commit(struct deliver *d, struct error *err)
{
	struct maildir	*md = d->priv;
	int		 fd;

	if (!md->open)
		return (err_set(err, ERR_SOFTWARE, "maildir: commit without "
		    "an open message in %s", md->path));
	if (md->failed) {
		err_set(err, ERR_IO, "cannot write %s/tmp/%s: an earlier "
		    "write failed", md->path, md->name);
		goto fail;
	}

	/* An empty message still gets its file. */
	if ((md->fd == -1 && maildir_create(md, err) == -1) ||
	    maildir_flush(md, md->buf, md->buflen, err) == -1)
		goto fail;
	md->buflen = 0;
	/* Some file systems (NFS) report a failed write only at close. */
	fd = md->fd;
	md->fd = -1;
	md->open = 0;
	if (close(fd) == -1) {
		err_setsys(err, ERR_IO, "cannot close %s/tmp/%s", md->path,
		    md->name);
		deliver_hint(err, md->path, errno);
		goto fail_unlink;
	}
	if (md->nready == md->sready) {
		md->sready = md->sready == 0 ? 64 : md->sready * 2;
		md->ready = xreallocarray(md->ready, md->sready,
		    sizeof *md->ready);
	}
	md->ready[md->nready++] = xstrdup(md->name);
	return (0);

fail:
	maildir_abort(d);
	return (-1);

fail_unlink:
	(void)unlinkat(md->tmpfd, md->name, 0);
	return (-1);
}

/* The data of every ready file on disk: one syncfs, else fsync each. */
static int
maildir_sync_data(struct maildir *md, struct error *err)
{
	size_t	i;
	int	fd;

	if (syncfs(md->tmpfd) == 0)
		return (0);
	for (i = 0; i < md->nready; i++) {
		fd = openat(md->tmpfd, md->ready[i], O_RDONLY | O_CLOEXEC);
		if (fd == -1 || fsync(fd) == -1) {
			err_setsys(err, ERR_IO, "cannot sync %s/tmp/%s",
			    md->path, md->ready[i]);
			deliver_hint(err, md->path, errno);
			if (fd != -1)
				(void)close(fd);
			return (-1);
		}
		(void)close(fd);
	}
	return (0);
}

static void
maildir_forget_ready(struct maildir *md, size_t from)
{
	size_t	i;

	for (i = from; i < md->nready; i++) {
		(void)unlinkat(md->tmpfd, md->ready[i], 0);
		free(md->ready[i]);
	}
	md->nready = 0;
}

static int
maildir_sync(struct deliver *d, struct error *err)
{
	struct maildir	*md = d->priv;
	size_t		 i;

	if (md->nready > 0) {
		if (maildir_sync_data(md, err) == -1) {
			maildir_forget_ready(md, 0);
			return (-1);
		}
		for (i = 0; i < md->nready; i++) {
			if (renameat(md->tmpfd, md->ready[i], md->newfd,
			    md->ready[i]) == -1) {
				err_setsys(err, ERR_IO, "cannot move "
				    "%s/tmp/%s into new/", md->path,
				    md->ready[i]);
				deliver_hint(err, md->path, errno);
				maildir_forget_ready(md, i);
				return (-1);
			}
			free(md->ready[i]);
			md->unsynced = 1;
		}
		md->nready = 0;
	}
	if (!md->unsynced)
		return (0);
	if (fsync(md->newfd) == -1) {
		err_setsys(err, ERR_IO, "cannot sync %s/new", md->path);
		deliver_hint(err, md->path, errno);
		return (-1);
	}
	md->unsynced = 0;
	return (0);
}

static int
maildir_recover_cur(struct maildir *md, const char *name, struct error *err)
{
	DIR		*dirp;
	struct dirent	*dp;
	size_t		 len;
	int		 fd, found = 0;

	if ((fd = openat(md->curfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (err_setsys(err, ERR_IO, "cannot open %s/cur",
		    md->path));
	if ((dirp = fdopendir(fd)) == NULL) {
		err_setsys(err, ERR_IO, "cannot open %s/cur", md->path);
		(void)close(fd);
		return (-1);
	}
	len = strlen(name);
	for (;;) {
		errno = 0;
		if ((dp = readdir(dirp)) == NULL) {
			if (errno != 0) {
				err_setsys(err, ERR_IO, "cannot read %s/cur",
				    md->path);
				found = -1;
			}
			break;
		}
		if (strncmp(dp->d_name, name, len) == 0 &&
		    (dp->d_name[len] == '\0' || dp->d_name[len] == ':')) {
			found = 1;
			break;
		}
	}
	(void)closedir(dirp);
	return (found);
}

static int
maildir_recover(struct deliver *d, const char *receipt, struct error *err)
{
	struct maildir	*md = d->priv;
	struct stat	 sb;
	int		 found;

	/* The receipt comes from the journal: it must be a bare file name. */
	if (receipt[0] == '\0' || receipt[0] == '.' ||
	    strchr(receipt, '/') != NULL ||
	    strlen(receipt) >= DELIVER_RECEIPT_MAX)
		return (err_set(err, ERR_IO, "maildir: \"%s\" in the state "
		    "journal is not a maildir file name", receipt));

	/*
	 * Its rename may not be durable yet (a sync that failed after it):
	 * new/ is synced before the state records it (deliver_sync).
	 */
	if (fstatat(md->newfd, receipt, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		md->unsynced = 1;
		return (1);
	}
	if (errno != ENOENT)
		return (err_setsys(err, ERR_IO, "cannot look for %s/new/%s",
		    md->path, receipt));
	if ((found = maildir_recover_cur(md, receipt, err)) != 0)
		return (found);

	/* Cut short before it reached new/: it will be fetched again. */
	if (unlinkat(md->tmpfd, receipt, 0) == -1 && errno != ENOENT)
		log_warn("cannot remove %s/tmp/%s", md->path, receipt);
	return (0);
}

static void
maildir_close(struct deliver *d)
{
	struct maildir	*md = d->priv;

	if (md == NULL)
		return;
	maildir_abort(d);
	/* Committed but never synced: not delivered, so not left behind. */
	maildir_forget_ready(md, 0);
	free(md->ready);
	(void)close(md->curfd);
	(void)close(md->newfd);
	(void)close(md->tmpfd);
	free(md->buf);
	free(md);
	d->priv = NULL;
}

const struct deliver_ops deliver_maildir_ops = {
	.name = "maildir",
	.open = maildir_open,
	.begin = maildir_begin,
	.write = maildir_write,
	.commit = maildir_commit,
	.abort = maildir_abort,
	.sync = maildir_sync,
	.recover = maildir_recover,
	.close = maildir_close,
};
