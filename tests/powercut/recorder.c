/*
 * An LD_PRELOAD library for the power-cut explorer (tests/powercut/run):
 * it records, in order, every call that changes a file or a directory
 * under one tree, and every write to a socket, so that the explorer can
 * rebuild the tree as a disk could hold it after a power cut at any point.
 *
 *   POWERCUT_LOG   the log, one line a call, appended (O_APPEND, one
 *                  write a line, so that a child's lines interleave whole)
 *   POWERCUT_ROOT  only paths under this directory are recorded
 *
 * A line is the process id, the call and its fields, separated by tabs:
 *
 *   create INO PATH       an open that made the file (O_CREAT, not there;
 *                         mkstemp and its kin too)
 *   trunc INO LEN         O_TRUNC of a file that was there, ftruncate
 *   write INO OFF LEN DATA OFF2   LEN bytes at OFF; the bytes are at OFF2
 *                         of the side file DATA (one a process)
 *   fsync INO             fsync or fdatasync of a file
 *   fsyncdir PATH         fsync of a directory
 *   syncfs
 *   rename FROM TO, link FROM TO, unlink PATH, rmdir PATH, mkdir PATH
 *   send PORT LEN DATA OFF2   a write to a TCP socket, its peer's port
 *
 * Paths are absolute (an *at call's is its directory's path, a slash and
 * the name).  Only calls that succeeded are recorded.  The library stays in
 * the environment: a child (an MDA) is recorded too, under its own pid.
 */
#undef _FILE_OFFSET_BITS	/* both open and open64 are defined here */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <netinet/in.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char	rec_log[1024];
static char	rec_data[1100];
static char	rec_root[1024];
static size_t	rec_rootlen;
static int	rec_ready;

#define REAL(name)	static __typeof__(name) *real; \
	if (real == NULL) real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

static int	real_open(const char *, int, mode_t);
static ssize_t	real_write(int, const void *, size_t);

__attribute__((constructor)) static void
rec_init(void)
{
	const char	*log = getenv("POWERCUT_LOG");
	const char	*root = getenv("POWERCUT_ROOT");

	if (log == NULL || root == NULL)
		return;
	snprintf(rec_log, sizeof rec_log, "%s", log);
	snprintf(rec_data, sizeof rec_data, "%s.%ld.data", log, (long)getpid());
	snprintf(rec_root, sizeof rec_root, "%s", root);
	rec_rootlen = strlen(rec_root);
	while (rec_rootlen > 1 && rec_root[rec_rootlen - 1] == '/')
		rec_root[--rec_rootlen] = '\0';
	rec_ready = 1;
}

static int
rec_under(const char *path)
{
	return (rec_ready && strncmp(path, rec_root, rec_rootlen) == 0 &&
	    (path[rec_rootlen] == '/' || path[rec_rootlen] == '\0'));
}

/* One line, written whole; errno is left as the call set it. */
static void
rec_line(const char *fmt, ...)
{
	char	line[4096];
	va_list	ap;
	int	fd, n, saved = errno;

	n = snprintf(line, sizeof line, "%ld\t", (long)getpid());
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= sizeof line)
		goto out;
	line[n++] = '\n';
	/* Opened each time: a program may close every descriptor it has. */
	if ((fd = real_open(rec_log, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600)) == -1)
		goto out;
	(void)real_write(fd, line, n);
	close(fd);
out:
	errno = saved;
}

/* The bytes into this process's side file; their offset there, or -1. */
static long long
rec_save(const void *buf, size_t len)
{
	struct stat	sb;
	long long	off = -1;
	int		fd;

	if ((fd = real_open(rec_data, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600)) == -1)
		return (-1);
	if (fstat(fd, &sb) == 0 && real_write(fd, buf, len) == (ssize_t)len)
		off = sb.st_size;
	close(fd);
	return (off);
}

static int
rec_fdpath(int fd, char *buf, size_t len)
{
	char	link[64];
	ssize_t	n;
	char	*p;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, buf, len - 1)) == -1)
		return (-1);
	buf[n] = '\0';
	if ((p = strstr(buf, " (deleted)")) != NULL)
		*p = '\0';
	return (0);
}

/* A path as absolute: DIR/path for an *at call. */
static int
rec_abs(int dfd, const char *path, char *buf, size_t len)
{
	char	dir[2048];

	if (path[0] == '/')
		snprintf(dir, sizeof dir, "%s", "");
	else if (dfd == AT_FDCWD) {
		if (getcwd(dir, sizeof dir) == NULL)
			return (-1);
	} else if (rec_fdpath(dfd, dir, sizeof dir) == -1)
		return (-1);
	if (path[0] == '/')
		return (snprintf(buf, len, "%s", path) >= (int)len ? -1 : 0);
	return (snprintf(buf, len, "%s/%s", dir, path) >= (int)len ? -1 : 0);
}

/* The regular file or directory under the root an fd names. */
static int
rec_fd(int fd, struct stat *sb, char *buf, size_t len)
{
	if (!rec_ready || fd < 0 || fstat(fd, sb) == -1)
		return (0);
	if (!S_ISREG(sb->st_mode) && !S_ISDIR(sb->st_mode))
		return (0);
	if (rec_fdpath(fd, buf, len) == -1)
		return (0);
	return (rec_under(buf));
}

static void
rec_send(int fd, const void *buf, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof ss;
	struct stat		sb;
	long long		off;
	int			port;

	if (fstat(fd, &sb) == -1 || !S_ISSOCK(sb.st_mode) ||
	    getpeername(fd, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return;
	if ((off = rec_save(buf, len)) != -1)
		rec_line("send\t%d\t%zu\t%s\t%lld", port, len, rec_data, off);
}

/* After a write of n bytes that left the fd's offset at end. */
static void
rec_write(int fd, const void *buf, ssize_t n, long long at)
{
	struct stat	sb;
	char		path[2048];
	long long	off;

	if (n <= 0 || !rec_ready)
		return;
	if (!rec_fd(fd, &sb, path, sizeof path)) {
		rec_send(fd, buf, n);
		return;
	}
	if (!S_ISREG(sb.st_mode))
		return;
	if (at == -1 && (at = lseek(fd, 0, SEEK_CUR)) != -1)
		at -= n;
	if (at == -1 || (off = rec_save(buf, n)) == -1)
		return;
	rec_line("write\t%llu\t%lld\t%zd\t%s\t%lld",
	    (unsigned long long)sb.st_ino, at, n, rec_data, off);
}

static ssize_t
real_write(int fd, const void *buf, size_t len)
{
	REAL(write);
	return (real(fd, buf, len));
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	ssize_t	n = real_write(fd, buf, len);

	rec_write(fd, buf, n, -1);
	return (n);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t	n;

	REAL(pwrite);
	n = real(fd, buf, len, off);
	rec_write(fd, buf, n, off);
	return (n);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	ssize_t	n;

	REAL(pwrite64);
	n = real(fd, buf, len, off);
	rec_write(fd, buf, n, off);
	return (n);
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	char	*buf;
	size_t	 len = 0, o = 0;
	ssize_t	 n;
	int	 i;

	REAL(writev);
	n = real(fd, iov, cnt);
	if (n <= 0 || !rec_ready)
		return (n);
	/* The bytes written, in one piece, for the record. */
	if ((buf = malloc(n)) == NULL)
		return (n);
	for (i = 0; i < cnt && o < (size_t)n; i++) {
		len = iov[i].iov_len;
		if (len > (size_t)n - o)
			len = n - o;
		memcpy(buf + o, iov[i].iov_base, len);
		o += len;
	}
	rec_write(fd, buf, n, -1);
	free(buf);
	return (n);
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	ssize_t	n;

	REAL(send);
	n = real(fd, buf, len, flags);
	if (n > 0 && rec_ready)
		rec_send(fd, buf, n);
	return (n);
}

static void
rec_sync(int fd)
{
	struct stat	sb;
	char		path[2048];

	if (!rec_fd(fd, &sb, path, sizeof path))
		return;
	if (S_ISDIR(sb.st_mode))
		rec_line("fsyncdir\t%s", path);
	else
		rec_line("fsync\t%llu", (unsigned long long)sb.st_ino);
}

int
fsync(int fd)
{
	int	r;

	REAL(fsync);
	if ((r = real(fd)) == 0)
		rec_sync(fd);
	return (r);
}

int
fdatasync(int fd)
{
	int	r;

	REAL(fdatasync);
	if ((r = real(fd)) == 0)
		rec_sync(fd);
	return (r);
}

int
syncfs(int fd)
{
	int	r;

	REAL(syncfs);
	if ((r = real(fd)) == 0 && rec_ready)
		rec_line("syncfs");
	return (r);
}

static void
rec_trunc(int fd, long long len)
{
	struct stat	sb;
	char		path[2048];

	if (rec_fd(fd, &sb, path, sizeof path) && S_ISREG(sb.st_mode))
		rec_line("trunc\t%llu\t%lld", (unsigned long long)sb.st_ino,
		    len);
}

int
ftruncate(int fd, off_t len)
{
	int	r;

	REAL(ftruncate);
	if ((r = real(fd, len)) == 0)
		rec_trunc(fd, len);
	return (r);
}

int
ftruncate64(int fd, off64_t len)
{
	int	r;

	REAL(ftruncate64);
	if ((r = real(fd, len)) == 0)
		rec_trunc(fd, len);
	return (r);
}

/* A call on one path (unlink, rmdir, mkdir), once it succeeded. */
static void
rec_path(const char *op, int dfd, const char *path)
{
	char	buf[2048];

	if (rec_ready && rec_abs(dfd, path, buf, sizeof buf) == 0 &&
	    rec_under(buf))
		rec_line("%s\t%s", op, buf);
}

/* A call on two paths (rename, link). */
static void
rec_paths(const char *op, int dfd, const char *from, int tdfd,
    const char *to)
{
	char	a[2048], b[2048];

	if (!rec_ready || rec_abs(dfd, from, a, sizeof a) == -1 ||
	    rec_abs(tdfd, to, b, sizeof b) == -1)
		return;
	if (rec_under(a) || rec_under(b))
		rec_line("%s\t%s\t%s", op, a, b);
}

int
unlink(const char *path)
{
	int	r;

	REAL(unlink);
	if ((r = real(path)) == 0)
		rec_path("unlink", AT_FDCWD, path);
	return (r);
}

int
unlinkat(int dfd, const char *path, int flags)
{
	int	r;

	REAL(unlinkat);
	if ((r = real(dfd, path, flags)) == 0)
		rec_path(flags & AT_REMOVEDIR ? "rmdir" : "unlink", dfd, path);
	return (r);
}

int
rmdir(const char *path)
{
	int	r;

	REAL(rmdir);
	if ((r = real(path)) == 0)
		rec_path("rmdir", AT_FDCWD, path);
	return (r);
}

int
mkdir(const char *path, mode_t mode)
{
	int	r;

	REAL(mkdir);
	if ((r = real(path, mode)) == 0)
		rec_path("mkdir", AT_FDCWD, path);
	return (r);
}

int
mkdirat(int dfd, const char *path, mode_t mode)
{
	int	r;

	REAL(mkdirat);
	if ((r = real(dfd, path, mode)) == 0)
		rec_path("mkdir", dfd, path);
	return (r);
}

int
rename(const char *from, const char *to)
{
	int	r;

	REAL(rename);
	if ((r = real(from, to)) == 0)
		rec_paths("rename", AT_FDCWD, from, AT_FDCWD, to);
	return (r);
}

int
renameat(int dfd, const char *from, int tdfd, const char *to)
{
	int	r;

	REAL(renameat);
	if ((r = real(dfd, from, tdfd, to)) == 0)
		rec_paths("rename", dfd, from, tdfd, to);
	return (r);
}

int
link(const char *from, const char *to)
{
	int	r;

	REAL(link);
	if ((r = real(from, to)) == 0)
		rec_paths("link", AT_FDCWD, from, AT_FDCWD, to);
	return (r);
}

int
linkat(int fd, const char *from, int tfd, const char *to, int flags)
{
	int	r;

	REAL(linkat);
	if ((r = real(fd, from, tfd, to, flags)) == 0)
		rec_paths("link", fd, from, tfd, to);
	return (r);
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

/*
 * Whether an open may change the tree: the path, absolute, in buf, and
 * whether it was there before.
 */
static int
rec_opening(int dfd, const char *path, int flags, char *buf, size_t len,
    int *existed)
{
	struct stat	sb;

	if (!rec_ready || (flags & (O_CREAT | O_TRUNC)) == 0 ||
	    (flags & O_TMPFILE) == O_TMPFILE)
		return (0);
	if (rec_abs(dfd, path, buf, len) == -1 || !rec_under(buf))
		return (0);
	*existed = lstat(buf, &sb) == 0;
	return (1);
}

static void
rec_opened(int fd, int flags, const char *path, int existed)
{
	struct stat	sb;

	if (fd == -1 || fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))
		return;
	if (!existed && (flags & O_CREAT))
		rec_line("create\t%llu\t%s", (unsigned long long)sb.st_ino,
		    path);
	else if (flags & O_TRUNC)
		rec_line("trunc\t%llu\t0", (unsigned long long)sb.st_ino);
}

static int
real_open(const char *path, int flags, mode_t mode)
{
	REAL(open);
	return (real(path, flags, mode));
}

#define OPEN_BODY(callreal)	do {					\
	char	buf[2048];						\
	int	fd, existed = 0, rec;					\
									\
	rec = rec_opening(dfd, path, flags, buf, sizeof buf, &existed);	\
	fd = (callreal);						\
	if (rec)							\
		rec_opened(fd, flags, buf, existed);			\
	return (fd);							\
} while (0)

int
open(const char *path, int flags, ...)
{
	mode_t	mode = 0;
	int	dfd = AT_FDCWD;

	OPEN_MODE(flags, mode);
	OPEN_BODY(real_open(path, flags, mode));
}

int
open64(const char *path, int flags, ...)
{
	mode_t	mode = 0;
	int	dfd = AT_FDCWD;

	REAL(open64);
	OPEN_MODE(flags, mode);
	OPEN_BODY(real(path, flags, mode));
}

int
openat(int dfd, const char *path, int flags, ...)
{
	mode_t	mode = 0;

	REAL(openat);
	OPEN_MODE(flags, mode);
	OPEN_BODY(real(dfd, path, flags, mode));
}

int
openat64(int dfd, const char *path, int flags, ...)
{
	mode_t	mode = 0;

	REAL(openat64);
	OPEN_MODE(flags, mode);
	OPEN_BODY(real(dfd, path, flags, mode));
}

int
creat(const char *path, mode_t mode)
{
	int	dfd = AT_FDCWD, flags = O_CREAT | O_WRONLY | O_TRUNC;

	OPEN_BODY(real_open(path, flags, mode));
}

/*
 * mkstemp and its kin open inside libc, past open(): the file made.  A
 * program built with 64-bit offsets (popfetch) calls the 64 names.
 */
static int
rec_made(int fd, const char *path)
{
	char	buf[2048];

	if (fd != -1 && rec_ready && rec_abs(AT_FDCWD, path, buf,
	    sizeof buf) == 0 && rec_under(buf))
		rec_opened(fd, O_CREAT, buf, 0);
	return (fd);
}

int
mkstemp64(char *tmpl)
{
	REAL(mkstemp64);
	return (rec_made(real(tmpl), tmpl));
}

int
mkostemp64(char *tmpl, int flags)
{
	REAL(mkostemp64);
	return (rec_made(real(tmpl, flags), tmpl));
}
