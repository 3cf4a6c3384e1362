/*
 * An LD_PRELOAD library for the fault tests: the Nth call of the chosen
 * kind on a matching file fails with the chosen errno, so that every write,
 * sync and rename of a delivery or of the state can be made to fail in turn.
 *
 *   FAULT_CALLS   calls to count, comma-separated: write, fsync,
 *                 syncfs, rename, open (creating or for writing),
 *                 ftruncate (and truncate), mkdir, link, unlink, poll
 *                 (answers 0 at once, as if its timeout had passed), dlopen
 *                 (as if the library were not installed); default all of
 *                 them but syncfs (a Maildir falls back to an fsync per
 *                 file), unlink, poll and dlopen.  A path relative to a
 *                 directory descriptor (openat, renameat) is matched as
 *                 that directory's path, a slash, and the name.
 *   FAULT_PATH    only calls on a path (or an fd whose path) contains this
 *   FAULT_SKIP    but not on one whose path contains one of these
 *                 (comma-separated)
 *   FAULT_TRACE   set: each matching call is named on stderr, with its count;
 *                 with "send" in FAULT_CALLS, each write to a socket is named
 *                 too, by the first word of each line it carries ("send
 *                 DELE,QUIT"), so that the trace orders a run's commands
 *                 among its syncs (a socket write is never failed)
 *   FAULT_NTH     the matching call that fails (1 is the first); 0 or unset:
 *                 none, only counted
 *   FAULT_ERRNO   ENOSPC (default), EIO, EDQUOT, EFBIG
 *   FAULT_REPORT  file the count of matching calls is written to at exit
 *   FAULT_SHORT   with a write: write half, then fail the next (a short write)
 *   FAULT_KILL    set: the Nth call kills the process (SIGKILL) instead of
 *                 failing, a kill -9 at exactly that point; with FAULT_SHORT
 *                 and a write, half of it is written first (a torn line)
 *   FAULT_TIME_RATE  time() runs this many times faster than the clock from
 *                 the start: an MDA's ten minutes pass in seconds
 *   FAULT_TIME_OFFSET  seconds added to time(): a run days later, for keep
 *                 with a duration
 *
 * The variables are removed from the environment at start, so a program the
 * process runs (an MDA) is not touched.
 */
#undef _FILE_OFFSET_BITS	/* both open and open64 are defined here */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <poll.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char		 fault_calls[256] = "write,fsync,rename,open,ftruncate,"
			    "mkdir,link";
static char		 fault_path[1024];
static char		 fault_report[1024];
static char		 fault_skip[1024];
static int		 fault_trace;
static long		 fault_nth;
static long		 fault_count;
static int		 fault_errno = ENOSPC;
static int		 fault_ready;
static int		 fault_kill;
static long		 fault_rate;
static long long	 fault_offset;
static int		 fault_short;
static struct timespec	 fault_t0;

static void
fault_env(const char *name, char *buf, size_t len)
{
	const char	*v = getenv(name);

	if (v != NULL)
		snprintf(buf, len, "%s", v);
}

__attribute__((constructor)) static void
fault_init(void)
{
	char	e[32] = "", n[32] = "";

	fault_env("FAULT_CALLS", fault_calls, sizeof fault_calls);
	fault_env("FAULT_PATH", fault_path, sizeof fault_path);
	fault_env("FAULT_REPORT", fault_report, sizeof fault_report);
	fault_env("FAULT_SKIP", fault_skip, sizeof fault_skip);
	fault_trace = getenv("FAULT_TRACE") != NULL;
	fault_kill = getenv("FAULT_KILL") != NULL;
	fault_env("FAULT_ERRNO", e, sizeof e);
	fault_env("FAULT_NTH", n, sizeof n);
	fault_nth = strtol(n, NULL, 10);
	n[0] = '\0';
	fault_env("FAULT_TIME_RATE", n, sizeof n);
	fault_rate = strtol(n, NULL, 10);
	n[0] = '\0';
	fault_env("FAULT_TIME_OFFSET", n, sizeof n);
	fault_offset = strtoll(n, NULL, 10);
	fault_short = getenv("FAULT_SHORT") != NULL;
	(void)clock_gettime(CLOCK_REALTIME, &fault_t0);
	if (strcmp(e, "EIO") == 0)
		fault_errno = EIO;
	else if (strcmp(e, "EDQUOT") == 0)
		fault_errno = EDQUOT;
	else if (strcmp(e, "EFBIG") == 0)
		fault_errno = EFBIG;
	unsetenv("LD_PRELOAD");
	fault_ready = 1;
}

__attribute__((destructor)) static void
fault_fini(void)
{
	FILE	*fp;

	if (fault_report[0] == '\0' || (fp = fopen(fault_report, "w")) == NULL)
		return;
	fprintf(fp, "%ld\n", fault_count);
	fclose(fp);
}

static int
fault_kind(const char *kind)
{
	const char	*p = fault_calls;
	size_t		 len = strlen(kind);

	while ((p = strstr(p, kind)) != NULL) {
		if ((p == fault_calls || p[-1] == ',') &&
		    (p[len] == ',' || p[len] == '\0'))
			return (1);
		p += len;
	}
	return (0);
}

static int
fault_skipped(const char *path)
{
	char	buf[sizeof fault_skip], *p, *word;

	snprintf(buf, sizeof buf, "%s", fault_skip);
	for (p = buf; (word = strsep(&p, ",")) != NULL;) {
		if (*word != '\0' && strstr(path, word) != NULL)
			return (1);
	}
	return (0);
}

static int	fault_hit(const char *, const char *, int);

/* For the *at calls: a relative path is matched as DIR/path. */
static int
fault_hit_at(const char *kind, int dfd, const char *path)
{
	char	buf[2048], dir[1024], link[64];
	ssize_t	n;

	if (path[0] == '/' || dfd == AT_FDCWD)
		return (fault_hit(kind, path, -1));
	snprintf(link, sizeof link, "/proc/self/fd/%d", dfd);
	if ((n = readlink(link, dir, sizeof dir - 1)) == -1)
		return (fault_hit(kind, path, -1));
	dir[n] = '\0';
	snprintf(buf, sizeof buf, "%s/%s", dir, path);
	return (fault_hit(kind, buf, -1));
}

/* Whether this call is the one to fail; counts it when it matches. */
static int
fault_hit(const char *kind, const char *path, int fd)
{
	char	buf[1024], link[64];
	ssize_t	n;

	if (!fault_ready || !fault_kind(kind))
		return (0);
	if (path == NULL) {
		if (fd <= 2)
			return (0);
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		if ((n = readlink(link, buf, sizeof buf - 1)) == -1)
			return (0);
		buf[n] = '\0';
		path = buf;
	}
	if (fault_path[0] != '\0' && strstr(path, fault_path) == NULL)
		return (0);
	if (strncmp(path, "socket:", 7) == 0 || strncmp(path, "/dev/", 5) == 0)
		return (0);
	if (fault_skipped(path))
		return (0);
	fault_count++;
	if (fault_trace)
		fprintf(stderr, "fault %ld: %s %s\n", fault_count, kind, path);
	if (fault_nth > 0 && fault_count == fault_nth) {
		/* A short write's kill comes once its half is written. */
		if (fault_kill && !(fault_short && strcmp(kind, "write") == 0))
			(void)kill(getpid(), SIGKILL);
		errno = fault_errno;
		return (1);
	}
	return (0);
}

#define REAL(name)	static __typeof__(name) *real; \
	if (real == NULL) real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

time_t
time(time_t *t)
{
	struct timespec	now;
	long long	ms;
	time_t		r;

	REAL(time);
	if (fault_rate <= 1) {
		r = real(NULL) + (time_t)fault_offset;
		if (t != NULL)
			*t = r;
		return (r);
	}
	(void)clock_gettime(CLOCK_REALTIME, &now);
	ms = (now.tv_sec - fault_t0.tv_sec) * 1000LL +
	    (now.tv_nsec - fault_t0.tv_nsec) / 1000000;
	r = fault_t0.tv_sec + (time_t)(ms * fault_rate / 1000) +
	    (time_t)fault_offset;
	if (t != NULL)
		*t = r;
	return (r);
}

/* FAULT_TRACE with "send": the commands a socket write carries, by name. */
static void
fault_send(int fd, const void *buf, size_t len)
{
	const char	*p = buf, *end = p + len;
	char		 words[256];
	struct stat	 sb;
	size_t		 o = 0, n;

	if (!fault_ready || !fault_trace || !fault_kind("send") ||
	    fstat(fd, &sb) == -1 || !S_ISSOCK(sb.st_mode))
		return;
	while (p < end && o + 16 < sizeof words) {
		if (o > 0)
			words[o++] = ',';
		/* The command word only: never a password. */
		for (n = 0; p + n < end && n < 8 && p[n] >= 'A' && p[n] <= 'Z';
		    n++)
			words[o++] = p[n];
		while (p < end && *p++ != '\n')
			;
	}
	words[o] = '\0';
	fprintf(stderr, "fault -: send %s\n", words);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	REAL(write);
	fault_send(fd, buf, len);
	if (fault_hit("write", NULL, fd)) {
		if (fault_short && len > 1) {
			int	saved = errno;
			ssize_t	n = real(fd, buf, len / 2);

			if (fault_kill)
				(void)kill(getpid(), SIGKILL);
			fault_nth++;	/* the next write fails */
			errno = saved;
			return (n);
		}
		return (-1);
	}
	return (real(fd, buf, len));
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite);
	if (fault_hit("write", NULL, fd))
		return (-1);
	return (real(fd, buf, len, off));
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	REAL(pwrite64);
	if (fault_hit("write", NULL, fd))
		return (-1);
	return (real(fd, buf, len, off));
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(writev);
	if (fault_hit("write", NULL, fd))
		return (-1);
	return (real(fd, iov, cnt));
}

int
poll(struct pollfd *pfd, nfds_t n, int ms)
{
	nfds_t	i;

	REAL(poll);
	for (i = 0; i < n; i++) {
		if (fault_hit("poll", NULL, pfd[i].fd))
			return (0);
	}
	return (real(pfd, n, ms));
}

int
fsync(int fd)
{
	REAL(fsync);
	if (fault_hit("fsync", NULL, fd))
		return (-1);
	return (real(fd));
}

int
fdatasync(int fd)
{
	REAL(fdatasync);
	if (fault_hit("fsync", NULL, fd))
		return (-1);
	return (real(fd));
}

int
syncfs(int fd)
{
	REAL(syncfs);
	if (fault_hit("syncfs", NULL, fd))
		return (-1);
	return (real(fd));
}

int
truncate(const char *path, off_t len)
{
	REAL(truncate);
	if (fault_hit("ftruncate", path, -1))
		return (-1);
	return (real(path, len));
}

int
truncate64(const char *path, off64_t len)
{
	REAL(truncate64);
	if (fault_hit("ftruncate", path, -1))
		return (-1);
	return (real(path, len));
}

int
unlink(const char *path)
{
	REAL(unlink);
	if (fault_hit("unlink", path, -1))
		return (-1);
	return (real(path));
}

int
unlinkat(int dfd, const char *path, int flags)
{
	REAL(unlinkat);
	if (fault_hit_at("unlink", dfd, path))
		return (-1);
	return (real(dfd, path, flags));
}

int
ftruncate(int fd, off_t len)
{
	REAL(ftruncate);
	if (fault_hit("ftruncate", NULL, fd))
		return (-1);
	return (real(fd, len));
}

int
ftruncate64(int fd, off64_t len)
{
	REAL(ftruncate64);
	if (fault_hit("ftruncate", NULL, fd))
		return (-1);
	return (real(fd, len));
}

int
rename(const char *from, const char *to)
{
	REAL(rename);
	if (fault_hit("rename", to, -1))
		return (-1);
	return (real(from, to));
}

int
renameat(int dfd, const char *from, int tdfd, const char *to)
{
	REAL(renameat);
	if (fault_hit_at("rename", tdfd, to))
		return (-1);
	return (real(dfd, from, tdfd, to));
}

int
link(const char *from, const char *to)
{
	REAL(link);
	if (fault_hit("link", to, -1))
		return (-1);
	return (real(from, to));
}

int
linkat(int fd, const char *from, int tfd, const char *to, int flags)
{
	REAL(linkat);
	if (fault_hit_at("link", tfd, to))
		return (-1);
	return (real(fd, from, tfd, to, flags));
}

int
mkdir(const char *path, mode_t mode)
{
	REAL(mkdir);
	if (fault_hit("mkdir", path, -1))
		return (-1);
	return (real(path, mode));
}

void *
dlopen(const char *name, int flags)
{
	REAL(dlopen);
	/* A name that cannot be found, so that dlerror() says why. */
	if (name != NULL && fault_hit("dlopen", name, -1))
		return (real("/nonexistent/faulted.so", flags));
	return (real(name, flags));
}

/* The mode argument, present only when a file may be created. */
#define OPEN_MODE(flags, mode)	do {					\
	va_list	ap;							\
	if ((flags) & (O_CREAT | O_TMPFILE)) {				\
		va_start(ap, flags);					\
		(mode) = va_arg(ap, mode_t);				\
		va_end(ap);						\
	}								\
} while (0)

static int
fault_opening(int dfd, const char *path, int flags)
{
	if ((flags & (O_CREAT | O_WRONLY | O_RDWR | O_TMPFILE)) == 0)
		return (0);
	return (fault_hit_at("open", dfd, path));
}

int
open(const char *path, int flags, ...)
{
	mode_t	mode = 0;

	REAL(open);
	OPEN_MODE(flags, mode);
	if (fault_opening(AT_FDCWD, path, flags))
		return (-1);
	return (real(path, flags, mode));
}

int
openat(int dfd, const char *path, int flags, ...)
{
	mode_t	mode = 0;

	REAL(openat);
	OPEN_MODE(flags, mode);
	if (fault_opening(dfd, path, flags))
		return (-1);
	return (real(dfd, path, flags, mode));
}

int
open64(const char *path, int flags, ...)
{
	mode_t	mode = 0;

	REAL(open64);
	OPEN_MODE(flags, mode);
	if (fault_opening(AT_FDCWD, path, flags))
		return (-1);
	return (real(path, flags, mode));
}

int
openat64(int dfd, const char *path, int flags, ...)
{
	mode_t	mode = 0;

	REAL(openat64);
	OPEN_MODE(flags, mode);
	if (fault_opening(dfd, path, flags))
		return (-1);
	return (real(dfd, path, flags, mode));
}
