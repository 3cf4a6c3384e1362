/*
 * Delivery to an mbox file in the mboxrd format: each message is a From_
 * line, the message with every line matching ^>*From  given one more '>',
 * and a blank line.
 *
 * Each message is appended under the locks that mutt, Dovecot and procmail
 * all take: a dot lock (FILE.lock) and then an fcntl lock on the file.  The
 * size before the message is remembered; any failure, or an abort, cuts the
 * file back to it, so the mail already there is never touched and no half
 * message stays.  commit fsyncs before it lets go of the locks.
 *
 * The receipt is "OFFSET:DEV:INO:TIME:MARKER", and a commit, once the
 * message is fsynced, appends MARKER to the commit log (commitlog.h).
 * After a kill -9, recover() finds the marker there (delivered: no
 * duplicate) or not (not delivered: it is fetched again, and the half
 * message at OFFSET is cut off if nothing but it follows; see
 * mbox_recover).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deliver/commitlog.h"
#include "deliver/deliver.h"
#include "deliver/envelope.h"
#include "deliver/mbox.h"
#include "util/log.h"
#include "util/mkdirs.h"
#include "util/xmalloc.h"

#define MBOX_BUFSIZE		65536
#define MBOX_HOST_MAX		256
#define MBOX_DATE_LEN		32

int	mbox_lock_wait = MBOX_LOCK_WAIT;
int	mbox_lock_stale = MBOX_LOCK_STALE;
time_t	mbox_booted = 0;

struct mbox {
	const char	*path;
	char		 lockpath[PATH_MAX];
	char		 host[MBOX_HOST_MAX];

	int		 fd;		/* the mbox, -1 between messages */
	int		 dotlocked;	/* we made lockpath */
	int		 nodotlock;	/* lock files cannot be made there */
	int		 failed;	/* a write failed: only abort may follow */
	off_t		 start;		/* the size before this message */
	time_t		 when;		/* on the From_ line */
	char		 marker[COMMITLOG_MARKER_LEN + 1];

	struct envelope	 env;		/* the header block, until complete */
	int		 started;	/* the From_ line is out */
	int		 bol;		/* in the '>' run at a line's start */
	size_t		 held;		/* bytes of "From " held back */
	char		 last;		/* the last byte put */
	char		*buf;
	size_t		 buflen;

	struct commitlog cl;
};

static const char	mbox_from[] = "From ";

/* asctime's form, in local time, with English names whatever the locale. */
static void
mbox_date(time_t when, char *buf, size_t len)
{
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
				    "Fri", "Sat" };
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr",
				    "May", "Jun", "Jul", "Aug", "Sep", "Oct",
				    "Nov", "Dec" };
	struct tm		 tm;

	if (localtime_r(&when, &tm) == NULL || tm.tm_wday < 0 ||
	    tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11) {
		(void)strlcpy(buf, "Thu Jan  1 00:00:00 1970", len);
		return;
	}
	(void)snprintf(buf, len, "%s %s %2d %02d:%02d:%02d %d",
	    days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

/*
 * Whether the asctime date at the end of line (len bytes, no newline) was
 * written by mbox_date for when, in whatever time zone that run had: the
 * wall time read as UTC differs from when by whole quarter hours, at most
 * 14 hours (every zone's offset is such), with the same seconds; or it
 * is the date this run's zone gives.  A zone
 * or daylight saving change between the crash and this run must not keep
 * a half message in the mbox.
 */
static int
mbox_date_matches(const char *line, size_t len, time_t when)
{
	static const char	 months[] = "JanFebMarAprMayJunJulAugSepOct"
				    "NovDec";
	char			 date[MBOX_DATE_LEN], mon[4], *p;
	long long		 y, days, wall, diff;
	int			 m, d, hh, mm, ss, year, n;

	if (len < 24)
		return (0);
	mbox_date(when, date, sizeof date);
	if (len >= strlen(date) && memcmp(line + len - strlen(date), date,
	    strlen(date)) == 0)
		return (1);
	/* The date is the last 24 bytes, or more for a year past 9999. */
	for (n = 0; n < 4 && len - 24 - n > 0 &&
	    line[len - 25 - n] != ' '; n++)
		;
	memcpy(date, line + len - 24 - n, 24 + n);
	date[24 + n] = '\0';
	if (sscanf(date, "%*3s %3s %2d %2d:%2d:%2d %d", mon, &d, &hh, &mm,
	    &ss, &year) != 6 || (p = strstr(months, mon)) == NULL ||
	    strlen(mon) != 3 || (p - months) % 3 != 0)
		return (0);
	m = (int)(p - months) / 3 + 1;
	if (d < 1 || d > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
	    ss < 0 || ss > 60 || year < 1970)
		return (0);
	/* Days from 1970-01-01 to the civil date (proleptic Gregorian). */
	y = year - (m <= 2);
	days = (y / 400) * 146097 + (y % 400) * 365 + (y % 400) / 4 -
	    (y % 400) / 100 + (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1 -
	    719468;
	wall = days * 86400 + hh * 3600 + mm * 60 + ss;
	diff = wall - (long long)when;
	return (diff % 900 == 0 && diff <= 14 * 3600 && diff >= -14 * 3600);
}

/*
 * Opens the mbox, creating it 0600; only a regular file will do.  A file
 * made here has its directory fsynced: its name would otherwise be durable
 * only by luck, and a power cut could take it with mail the server has
 * deleted.
 */
static int
mbox_openfile(struct mbox *mb, struct error *err)
{
	struct stat	sb;
	int		fd, try;

	for (try = 0; try < 2; try++) {
		fd = open(mb->path, O_RDWR | O_APPEND | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd != -1 || errno != ENOENT)
			break;
		fd = open(mb->path, O_RDWR | O_APPEND | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1) {
			if (mkdirs_syncparent(mb->path) == -1) {
				err_setsys(err, ERR_IO, "cannot sync the "
				    "directory of mbox %s", mb->path);
				deliver_hint(err, mb->path, errno);
				(void)close(fd);
				return (-1);
			}
			break;
		}
		/* Made by another program meanwhile: open that one. */
		if (errno != EEXIST)
			break;
	}
	if (fd == -1) {
		err_setsys(err, ERR_IO, "cannot open mbox %s", mb->path);
		deliver_hint(err, mb->path, errno);
		return (-1);
	}
	if (fstat(fd, &sb) == -1) {
		err_setsys(err, ERR_IO, "cannot stat mbox %s", mb->path);
		(void)close(fd);
		return (-1);
	}
	if (!S_ISREG(sb.st_mode)) {
		err_set(err, ERR_IO, "mbox %s is not a regular file",
		    mb->path);
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

/* When this system started (mbox_booted, if set, for the tests). */
static time_t
mbox_boot_time(void)
{
	struct timespec	 real, up;

	if (mbox_booted != 0)
		return (mbox_booted);
	if (clock_gettime(CLOCK_REALTIME, &real) == -1 ||
	    clock_gettime(CLOCK_BOOTTIME, &up) == -1)
		return (0);
	return (real.tv_sec - up.tv_sec);
}

/*
 * A lock file is stale when it is older than mbox_lock_stale seconds, or
 * when it is one of ours ("PID HOST") whose process is gone from this host,
 * or when it was last written before this system started (with 2 seconds'
 * slack for the clocks): no process that held it lived through the reboot,
 * and after a power cut its "PID HOST" line may be lost or torn.  A stale
 * one is removed only if it is still the file we looked at.
 */
static int
mbox_stale(struct mbox *mb)
{
	struct stat	 sb, sb2;
	char		 buf[MBOX_HOST_MAX + 32], *sp, *nl;
	const char	*errstr;
	long long	 pid;
	ssize_t		 n;
	int		 fd, stale = 0;

	if ((fd = open(mb->lockpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return (errno == ENOENT);
	if (fstat(fd, &sb) == -1) {
		(void)close(fd);
		return (0);
	}
	n = read(fd, buf, sizeof buf - 1);
	(void)close(fd);
	if (time(NULL) - sb.st_mtime > mbox_lock_stale ||
	    sb.st_mtime + 2 < mbox_boot_time())
		stale = 1;
	else if (n > 0) {
		buf[n] = '\0';
		if ((nl = strchr(buf, '\n')) != NULL)
			*nl = '\0';
		if ((sp = strchr(buf, ' ')) != NULL) {
			*sp++ = '\0';
			pid = strtonum(buf, 1, INT_MAX, &errstr);
			if (errstr == NULL && strcmp(sp, mb->host) == 0 &&
			    kill((pid_t)pid, 0) == -1 && errno == ESRCH)
				stale = 1;
		}
	}
	if (!stale)
		return (0);
	if (lstat(mb->lockpath, &sb2) == -1 || sb2.st_ino != sb.st_ino ||
	    sb2.st_dev != sb.st_dev)
		return (0);
	if (unlink(mb->lockpath) == -1 && errno != ENOENT)
		return (0);
	log_verbose("removed the stale lock file %s", mb->lockpath);
	return (1);
}

/*
 * The dot lock: FILE.lock made with O_EXCL, holding "PID HOST".  Where no
 * file can be made beside the mbox (a mail spool we may not write to), the
 * fcntl lock alone stands, which mutt, Dovecot and procmail all respect.
 * Returns 1 locked, 0 busy, -1 error.
 */
static int
mbox_dotlock(struct mbox *mb, struct error *err)
{
	char	buf[MBOX_HOST_MAX + 32], tmp[PATH_MAX];
	int	fd, n, try, rv = -1;

	if (mb->nodotlock)
		return (1);
	/*
	 * The lock file is born whole: "PID HOST" written to a file of our
	 * own, then linked to FILE.lock.  Made empty and written after, a kill
	 * in between would leave a lock nobody can tell is stale.
	 */
	n = snprintf(tmp, sizeof tmp, "%s.%ld.XXXXXX", mb->lockpath,
	    (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return (err_set(err, ERR_IO, "%s: name too long", mb->lockpath));
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		if (errno == EACCES || errno == EPERM || errno == EROFS) {
			log_verbose("cannot make lock files beside %s (%s): "
			    "locking it with fcntl only", mb->path,
			    strerror(errno));
			mb->nodotlock = 1;
			return (1);
		}
		err_setsys(err, ERR_IO, "cannot create lock file %s", tmp);
		deliver_hint(err, tmp, errno);
		return (-1);
	}
	n = snprintf(buf, sizeof buf, "%ld %s\n", (long)getpid(), mb->host);
	if (n < 0 || (size_t)n >= sizeof buf || write(fd, buf, (size_t)n) != n ||
	    fchmod(fd, 0644) == -1) {
		err_setsys(err, ERR_IO, "cannot write lock file %s", tmp);
		deliver_hint(err, tmp, errno);
		(void)close(fd);
		goto out;
	}
	(void)close(fd);
	for (try = 0; try < 2; try++) {
		if (link(tmp, mb->lockpath) == 0) {
			mb->dotlocked = 1;
			rv = 1;
			goto out;
		}
		if (errno != EEXIST) {
			err_setsys(err, ERR_IO, "cannot create lock file %s",
			    mb->lockpath);
			deliver_hint(err, mb->lockpath, errno);
			goto out;
		}
		if (!mbox_stale(mb))
			break;
	}
	rv = 0;
out:
	(void)unlink(tmp);
	return (rv);
}

static void
mbox_undotlock(struct mbox *mb)
{
	if (!mb->dotlocked)
		return;
	if (unlink(mb->lockpath) == -1 && errno != ENOENT)
		log_warn("cannot remove lock file %s", mb->lockpath);
	mb->dotlocked = 0;
}

/*
 * Takes both locks and opens the mbox, waiting up to mbox_lock_wait
 * seconds.  Both are tried without blocking, and the dot lock let go when
 * the fcntl lock is busy, so that a program taking them in the other order
 * cannot deadlock with us.  The file is checked to be the one at path once
 * locked: a mail reader may have replaced it meanwhile.
 */
static int
mbox_lock(struct mbox *mb, struct error *err)
{
	struct flock	 fl;
	struct stat	 sb, sb2;
	struct timespec	 ts;
	time_t		 deadline;
	long		 delay = 10;	/* ms, doubled up to 500 */
	int		 r, fd;

	deadline = time(NULL) + mbox_lock_wait;
	for (;;) {
		if ((r = mbox_dotlock(mb, err)) == -1)
			return (-1);
		if (r == 1) {
			if ((fd = mbox_openfile(mb, err)) == -1) {
				mbox_undotlock(mb);
				return (-1);
			}
			memset(&fl, 0, sizeof fl);
			fl.l_type = F_WRLCK;
			fl.l_whence = SEEK_SET;
			if (fcntl(fd, F_SETLK, &fl) == 0) {
				if (fstat(fd, &sb) == 0 &&
				    stat(mb->path, &sb2) == 0 &&
				    sb.st_dev == sb2.st_dev &&
				    sb.st_ino == sb2.st_ino) {
					mb->fd = fd;
					return (0);
				}
				(void)close(fd);
				mbox_undotlock(mb);
				continue;
			}
			if (errno != EACCES && errno != EAGAIN) {
				err_setsys(err, ERR_IO, "cannot lock mbox %s",
				    mb->path);
				(void)close(fd);
				mbox_undotlock(mb);
				return (-1);
			}
			(void)close(fd);
			mbox_undotlock(mb);
		}
		if (time(NULL) >= deadline) {
			err_set(err, ERR_TEMP, "mbox %s is locked by another "
			    "program", mb->path);
			err_hint(err, "waited %d seconds; the mail stays on "
			    "the server, try again later (a lock file %s "
			    "left by a crash goes stale after %d minutes)",
			    mbox_lock_wait, mb->lockpath,
			    mbox_lock_stale / 60);
			return (-1);
		}
		ts.tv_sec = delay / 1000;
		ts.tv_nsec = (delay % 1000) * 1000000;
		(void)nanosleep(&ts, NULL);
		if ((delay *= 2) > 500)
			delay = 500;
	}
}

/* Closing the file lets go of the fcntl lock; then the dot lock goes. */
static void
mbox_unlock(struct mbox *mb)
{
	if (mb->fd != -1) {
		(void)close(mb->fd);
		mb->fd = -1;
	}
	mbox_undotlock(mb);
}

static int
mbox_open(struct deliver *d, struct error *err)
{
	struct mbox	*mb;
	int		 fd, n;

	if (d->acct->delivery_path == NULL || d->acct->delivery_path[0] ==
	    '\0')
		return (err_set(err, ERR_CONFIG, "no mbox file given"));

	mb = xcalloc(1, sizeof *mb);
	mb->path = d->acct->delivery_path;
	mb->fd = -1;
	envelope_init(&mb->env);
	if (gethostname(mb->host, sizeof mb->host) == -1 ||
	    mb->host[0] == '\0')
		(void)strlcpy(mb->host, "localhost", sizeof mb->host);
	mb->host[sizeof mb->host - 1] = '\0';
	mb->host[strcspn(mb->host, " \n")] = '\0';

	n = snprintf(mb->lockpath, sizeof mb->lockpath, "%s.lock", mb->path);
	if (n < 0 || (size_t)n >= sizeof mb->lockpath) {
		err_set(err, ERR_CONFIG, "mbox path %s is too long", mb->path);
		goto fail;
	}
	if (commitlog_init(&mb->cl, d->acct, ".mbox", err) == -1)
		goto fail;

	/* Say now, before any mail is fetched, if the mbox cannot be used. */
	if ((fd = mbox_openfile(mb, err)) == -1)
		goto fail;
	(void)close(fd);

	mb->buf = xmalloc(MBOX_BUFSIZE);
	d->priv = mb;
	return (0);

fail:
	envelope_free(&mb->env);
	free(mb);
	return (-1);
}

static int
mbox_flush(struct mbox *mb, const char *buf, size_t len, struct error *err)
{
	ssize_t	n;

	while (len > 0) {
		n = write(mb->fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			mb->failed = 1;
			err_setsys(err, ERR_IO, "cannot write mbox %s",
			    mb->path);
			deliver_hint(err, mb->path, errno);
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
mbox_put(struct mbox *mb, const char *p, size_t len, struct error *err)
{
	if (len == 0)
		return (0);
	mb->last = p[len - 1];
	if (mb->buflen + len > MBOX_BUFSIZE) {
		if (mbox_flush(mb, mb->buf, mb->buflen, err) == -1)
			return (-1);
		mb->buflen = 0;
		if (len >= MBOX_BUFSIZE)
			return (mbox_flush(mb, p, len, err));
	}
	memcpy(mb->buf + mb->buflen, p, len);
	mb->buflen += len;
	return (0);
}

/*
 * mboxrd quoting as the message streams: at a line's start, '>'s pass
 * through and up to "From" is held back until the next byte says whether
 * the line is a From_ line; if so one more '>' goes before the "From ",
 * which is the same as before the '>'s.  So a line cut anywhere by the
 * buffers is quoted as if it had come whole.
 */
static int
mbox_quote(struct mbox *mb, const char *p, size_t len, struct error *err)
{
	const char	*end, *nl;
	size_t		 n;

	/* An empty message may have no header buffer at all (NULL). */
	if (len == 0)
		return (0);
	end = p + len;
	while (p < end) {
		if (!mb->bol) {
			nl = memchr(p, '\n', end - p);
			n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
			if (mbox_put(mb, p, n, err) == -1)
				return (-1);
			p += n;
			mb->bol = nl != NULL;
			continue;
		}
		if (mb->held == 0 && *p == '>') {
			if (mbox_put(mb, p++, 1, err) == -1)
				return (-1);
			continue;
		}
		if (*p == mbox_from[mb->held]) {
			p++;
			if (++mb->held < sizeof mbox_from - 1)
				continue;
			if (mbox_put(mb, ">", 1, err) == -1)
				return (-1);
		}
		/* Decided: what was held goes out, the rest of the line too. */
		if (mbox_put(mb, mbox_from, mb->held, err) == -1)
			return (-1);
		mb->held = 0;
		mb->bol = 0;
	}
	return (0);
}

/* The header block is in: the From_ line, then what was held. */
static int
mbox_start(struct mbox *mb, struct error *err)
{
	char	sender[ENVELOPE_SENDER_MAX], date[MBOX_DATE_LEN];
	char	line[ENVELOPE_SENDER_MAX + MBOX_DATE_LEN + 16];
	int	n;

	envelope_sender(mb->env.buf, mb->env.len, sender, sizeof sender);
	mbox_date(mb->when, date, sizeof date);
	n = snprintf(line, sizeof line, "%sFrom %s %s\n",
	    mb->last != '\n' ? "\n" : "", sender, date);
	if (n < 0 || (size_t)n >= sizeof line)
		return (err_set(err, ERR_SOFTWARE, "mbox: From_ line too "
		    "long"));
	if (mbox_put(mb, line, (size_t)n, err) == -1)
		return (-1);
	mb->started = 1;
	mb->bol = 1;
	mb->held = 0;
	return (mbox_quote(mb, mb->env.buf, mb->env.len, err));
}

/* Cuts the mbox back to its size before this message and unlocks it. */
static void
mbox_rollback(struct mbox *mb)
{
	if (mb->fd == -1)
		return;
	if (ftruncate(mb->fd, mb->start) == -1 || fsync(mb->fd) == -1)
		log_warn("cannot cut mbox %s back to %lld bytes: a partial "
		    "message may be left at its end", mb->path,
		    (long long)mb->start);
	mbox_unlock(mb);
}

static int
mbox_begin(struct deliver *d, const struct deliver_msg *msg, char *receipt,
    size_t len, struct error *err)
{
	struct mbox	*mb = d->priv;
	struct stat	 sb;
	char		 last;
	int		 n;

	(void)msg;
	if (mb->fd != -1)
		return (err_set(err, ERR_SOFTWARE, "mbox: a message is "
		    "already open in %s", mb->path));
	commitlog_start(&mb->cl);
	if (commitlog_marker(mb->marker, err) == -1)
		return (-1);

	if (mbox_lock(mb, err) == -1)
		return (-1);
	if (fstat(mb->fd, &sb) == -1) {
		err_setsys(err, ERR_IO, "cannot stat mbox %s", mb->path);
		goto fail;
	}
	mb->start = sb.st_size;
	mb->when = time(NULL);
	n = snprintf(receipt, len, "%lld:%llu:%llu:%lld:%s",
	    (long long)mb->start, (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino, (long long)mb->when, mb->marker);
	if (n < 0 || (size_t)n >= len) {
		err_set(err, ERR_SOFTWARE, "mbox: receipt too long");
		goto fail;
	}

	/* A file that does not end in a newline would swallow our From_. */
	last = '\n';
	if (mb->start > 0 && pread(mb->fd, &last, 1, mb->start - 1) != 1) {
		err_setsys(err, ERR_IO, "cannot read mbox %s", mb->path);
		goto fail;
	}
	envelope_reset(&mb->env);
	mb->started = 0;
	mb->failed = 0;
	mb->buflen = 0;
	mb->held = 0;
	mb->bol = 1;
	mb->last = last;
	return (0);

fail:
	mbox_unlock(mb);
	return (-1);
}

static int
mbox_write(struct deliver *d, const char *buf, size_t len,
    struct error *err)
{
	struct mbox	*mb = d->priv;
	size_t		 n;

	if (mb->fd == -1)
		return (err_set(err, ERR_SOFTWARE, "mbox: write without an "
		    "open message in %s", mb->path));
	if (mb->failed)
		return (err_set(err, ERR_IO, "cannot write mbox %s: an "
		    "earlier write failed", mb->path));
	if (!mb->started) {
		n = envelope_add(&mb->env, buf, len);
		if (!mb->env.done)
			return (0);
		if (mbox_start(mb, err) == -1)
			return (-1);
		buf += n;
		len -= n;
	}
	return (mbox_quote(mb, buf, len, err));
}

static void
mbox_abort(struct deliver *d)
{
	mbox_rollback(d->priv);
}

static int
mbox_commit(struct deliver *d, struct error *err)
{
	struct mbox	*mb = d->priv;

	if (mb->fd == -1)
		return (err_set(err, ERR_SOFTWARE, "mbox: commit without an "
		    "open message in %s", mb->path));
	if (mb->failed) {
		err_set(err, ERR_IO, "cannot write mbox %s: an earlier write "
		    "failed", mb->path);
		goto fail;
	}
	if (!mb->started && mbox_start(mb, err) == -1)
		goto fail;
	if (mbox_put(mb, mbox_from, mb->held, err) == -1)
		goto fail;
	mb->held = 0;
	/* The message ends in a newline, then the blank line of mboxrd. */
	if (mb->last != '\n' && mbox_put(mb, "\n", 1, err) == -1)
		goto fail;
	if (mbox_put(mb, "\n", 1, err) == -1 ||
	    mbox_flush(mb, mb->buf, mb->buflen, err) == -1)
		goto fail;
	mb->buflen = 0;
	if (fsync(mb->fd) == -1) {
		err_setsys(err, ERR_IO, "cannot sync mbox %s", mb->path);
		deliver_hint(err, mb->path, errno);
		goto fail;
	}

	commitlog_add(&mb->cl, mb->marker);
	mbox_unlock(mb);
	return (0);

fail:
	mbox_rollback(mb);
	return (-1);
}

static int
mbox_sync(struct deliver *d, struct error *err)
{
	struct mbox	*mb = d->priv;

	/* Each commit fsynced its message; the batch's markers now. */
	(void)err;
	commitlog_sync(&mb->cl);
	return (0);
}

/* Whether s holds an asctime date's "Www Mmm dd hh:mm:ss" anywhere. */
static int
mbox_hasdate(const char *s, size_t len)
{
	static const char	 shape[] = "Aaa Aaa _d dd:dd:dd";
	size_t			 i, j;
	char			 c;

	for (i = 0; i + sizeof shape - 1 <= len; i++) {
		for (j = 0; j < sizeof shape - 1; j++) {
			c = s[i + j];
			if (!(shape[j] == 'A' ? c >= 'A' && c <= 'Z' :
			    shape[j] == 'a' ? c >= 'a' && c <= 'z' :
			    shape[j] == 'd' ? c >= '0' && c <= '9' :
			    shape[j] == '_' ? c == ' ' || (c >= '0' &&
			    c <= '9') : c == shape[j]))
				break;
		}
		if (j == sizeof shape - 1)
			return (1);
	}
	return (0);
}

/*
 * Whether what follows offset in the locked mbox is our half message and
 * nothing else: our From_ line (with the date of the receipt), then no
 * From_ line of another writer.  Ours quotes every "From " at a line's
 * start, so one there is another's; so is a "From " in a line followed by
 * an asctime date, another writer's From_ line glued to our torn last
 * line.  A "From " in the text of a line is ours (a body saying "From
 * me"), so a half message with quoted lines is still cut; one that says
 * "From x Thu Dec  3 ..." within a line stays where it is, the safe side.
 */
static int
mbox_ours(struct mbox *mb, off_t off, time_t when)
{
	char		 buf[8192], tail[512];
	char		*nl;
	size_t		 k = 0, i, first, tlen = 0;
	ssize_t		 n;
	int		 line1 = 1, bol = 1, atbol = 0, collect = 0;

	for (;;) {
		n = pread(mb->fd, buf, sizeof buf, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (0);
		if (n == 0)
			return (!line1 && !(collect &&
			    mbox_hasdate(tail, tlen)));
		first = 0;
		if (line1) {
			/* Our From_ line fits in the first read. */
			i = buf[0] == '\n' ? 1 : 0;
			if ((size_t)n < i + 5 || memcmp(buf + i, mbox_from, 5) !=
			    0 || (nl = memchr(buf + i, '\n', n - i)) == NULL)
				return (0);
			first = (size_t)(nl - buf) + 1;
			if (!mbox_date_matches(buf + i, (size_t)(nl - buf) - i,
			    when))
				return (0);
			line1 = 0;
		}
		for (i = first; i < (size_t)n; i++) {
			if (collect) {
				if (buf[i] != '\n' && tlen < sizeof tail)
					tail[tlen++] = buf[i];
				if (buf[i] == '\n' || tlen == sizeof tail) {
					if (mbox_hasdate(tail, tlen))
						return (0);
					collect = 0;
				}
			}
			if (k == 0)
				atbol = bol;
			if (buf[i] == mbox_from[k]) {
				if (++k == sizeof mbox_from - 1) {
					if (atbol)
						return (0);
					k = 0;
					if (!collect) {
						collect = 1;
						tlen = 0;
					}
				}
			} else if (buf[i] == 'F') {
				k = 1;
				atbol = bol;
			} else
				k = 0;
			bol = buf[i] == '\n';
		}
		off += n;
	}
}

/*
 * Never says "delivered" without proof: only a marker in the commit log,
 * written after the fsync, is proof.  Otherwise the message is fetched
 * again, and the half message of the killed run is cut off when it is
 * plainly alone at the end of the file.  A message that was complete but
 * whose marker did not make it to the log arrives twice: a duplicate,
 * never a loss.
 */
static int
mbox_recover(struct deliver *d, const char *receipt, struct error *err)
{
	struct mbox	*mb = d->priv;
	struct stat	 sb;
	char		 buf[DELIVER_RECEIPT_MAX], id[64], *f[5], *p;
	const char	*errstr;
	long long	 off, when;
	size_t		 i;
	int		 n;

	if (strlcpy(buf, receipt, sizeof buf) >= sizeof buf)
		goto bad;
	p = buf;
	for (i = 0; i < 5; i++) {
		f[i] = p;
		if (i < 4 && (p = strchr(p, ':')) == NULL)
			goto bad;
		if (i < 4)
			*p++ = '\0';
	}
	off = strtonum(f[0], 0, LLONG_MAX, &errstr);
	if (errstr != NULL)
		goto bad;
	when = strtonum(f[3], 0, LLONG_MAX, &errstr);
	if (errstr != NULL || !commitlog_valid(f[4]))
		goto bad;

	if (commitlog_has(&mb->cl, f[4]))
		return (1);

	if (mbox_lock(mb, err) == -1)
		return (-1);
	n = snprintf(id, sizeof id, "%s:%s", f[1], f[2]);
	if (fstat(mb->fd, &sb) == -1) {
		err_setsys(err, ERR_IO, "cannot stat mbox %s", mb->path);
		mbox_unlock(mb);
		return (-1);
	}
	(void)snprintf(buf, sizeof buf, "%llu:%llu",
	    (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
	if (n > 0 && (size_t)n < sizeof id && strcmp(buf, id) == 0 &&
	    sb.st_size > off) {
		if (mbox_ours(mb, (off_t)off, (time_t)when)) {
			mb->start = (off_t)off;
			mbox_rollback(mb);
			log_verbose("removed the half message of an "
			    "interrupted run from the end of %s", mb->path);
			return (0);
		}
		log_warnx("an interrupted run may have left a half message "
		    "in %s at byte %lld; it will be fetched again", mb->path,
		    off);
	}
	mbox_unlock(mb);
	return (0);

bad:
	return (err_set(err, ERR_IO, "mbox: \"%s\" in the state journal is "
	    "not an mbox receipt", receipt));
}

static void
mbox_close(struct deliver *d)
{
	struct mbox	*mb = d->priv;

	if (mb == NULL)
		return;
	mbox_rollback(mb);
	commitlog_free(&mb->cl);
	envelope_free(&mb->env);
	free(mb->buf);
	free(mb);
	d->priv = NULL;
}

const struct deliver_ops deliver_mbox_ops = {
	.name = "mbox",
	.open = mbox_open,
	.begin = mbox_begin,
	.write = mbox_write,
	.commit = mbox_commit,
	.abort = mbox_abort,
	.sync = mbox_sync,
	.recover = mbox_recover,
	.close = mbox_close,
	.in_place = 1,
};
