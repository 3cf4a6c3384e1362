/*
 * mbox delivery: mboxrd quoting wherever the writes cut the message, the
 * mail already there kept, a failed write undone, the locks, and recovery
 * after a delivery was killed.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/deliver.h"
#include "deliver/mbox.h"
#include "test.h"
#include "util/xmalloc.h"

static char		 base[] = "/tmp/test_mbox.XXXXXX";
static char		*mbox, *lockpath, *statedir;
static struct account	 account_;

static const char	 msg[] =
    "Return-Path: <sender@example.org>\n"
    "From: Someone <someone@example.org>\n"
    "Subject: From the top\n"
    "\n"
    "From here\n"
    ">From there\n"
    ">>From x\n"
    "From\n"
    "Fro\n"
    ">From\n"
    "xFrom y\n"
    " From z\n"
    "\n"
    "From ";
/* The body as mboxrd has it, with the newline the message lacked. */
static const char	 quoted[] =
    "Return-Path: <sender@example.org>\n"
    "From: Someone <someone@example.org>\n"
    "Subject: From the top\n"
    "\n"
    ">From here\n"
    ">>From there\n"
    ">>>From x\n"
    "From\n"
    "Fro\n"
    ">From\n"
    "xFrom y\n"
    " From z\n"
    "\n"
    ">From \n";

static char *
slurp(const char *path, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1) {
		*len = 0;
		return (xstrdup(""));
	}
	buf = xmalloc(sb.st_size + 1);
	*len = read(fd, buf, sb.st_size);
	buf[*len] = '\0';
	close(fd);
	return (buf);
}

static void
put(const char *path, const char *s)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) {
		perror(path);
		exit(1);
	}
	close(fd);
}

static off_t
size_of(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == -1 ? -1 : sb.st_size);
}

static struct deliver *
open_mbox(void)
{
	struct deliver	*d;
	struct error	 err;

	err_clear(&err);
	if ((d = deliver_open(&account_, &err)) == NULL) {
		fprintf(stderr, "deliver_open: %s\n", err.what);
		exit(1);
	}
	return (d);
}

/* Delivers buf in writes cut at the given offsets (ascending, -1 ends). */
static int
deliver_cut(struct deliver *d, const char *buf, size_t len, const int *cuts,
    char *receipt)
{
	struct deliver_msg	 dm = { 1, "uid1", len };
	struct error		 err;
	char			 r[DELIVER_RECEIPT_MAX];
	size_t			 at = 0;

	err_clear(&err);
	if (deliver_begin(d, &dm, receipt != NULL ? receipt : r, sizeof r,
	    &err) == -1) {
		fprintf(stderr, "begin: %s\n", err.what);
		return (-1);
	}
	for (; cuts != NULL && *cuts >= 0; cuts++) {
		if (deliver_write(d, buf + at, *cuts - at, &err) == -1)
			goto fail;
		at = *cuts;
	}
	if (deliver_write(d, buf + at, len - at, &err) == -1 ||
	    deliver_commit(d, &err) == -1)
		goto fail;
	return (0);
fail:
	fprintf(stderr, "deliver: %s\n", err.what);
	deliver_abort(d);
	return (-1);
}

/* Each message in the file is a From_ line for sender, then quoted. */
static void
check_messages(const char *buf, size_t len, const char *prefix, u_int n)
{
	const char	*p = buf, *end = buf + len, *nl;
	u_int		 i;
	size_t		 ql = strlen(quoted);

	if (strncmp(p, prefix, strlen(prefix)) != 0) {
		CHECK(0);
		return;
	}
	p += strlen(prefix);
	for (i = 0; i < n; i++) {
		CHECK(strncmp(p, "From sender@example.org ", 24) == 0);
		nl = memchr(p, '\n', end - p);
		/* asctime: "Thu Jan  1 00:00:00 1970" */
		CHECK(nl != NULL && nl - p == 24 + 24);
		if (nl == NULL)
			return;
		p = nl + 1;
		if ((size_t)(end - p) < ql + 1 || memcmp(p, quoted, ql) != 0 ||
		    p[ql] != '\n') {
			fprintf(stderr, "message %u differs\n", i);
			CHECK(0);
			return;
		}
		p += ql + 1;
	}
	CHECK(p == end);
}

static void
test_quoting(void)
{
	struct deliver	*d;
	char		*buf;
	size_t		 len, k, n = 0;
	int		 cuts[3], ok = 1;

	unlink(mbox);
	d = open_mbox();
	/* One write, then cut in two at every position. */
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	n++;
	for (k = 0; k <= sizeof msg - 1; k++) {
		cuts[0] = k;
		cuts[1] = -1;
		if (deliver_cut(d, msg, sizeof msg - 1, cuts, NULL) == -1)
			ok = 0;
		n++;
	}
	/* Byte by byte. */
	{
		int	all[sizeof msg];

		for (k = 0; k < sizeof msg - 1; k++)
			all[k] = k + 1;
		all[sizeof msg - 1] = -1;
		if (deliver_cut(d, msg, sizeof msg - 1, all, NULL) == -1)
			ok = 0;
		n++;
	}
	/* Three pieces around each "From". */
	for (k = 1; k + 3 < sizeof msg - 1; k++) {
		cuts[0] = k;
		cuts[1] = k + 3;
		cuts[2] = -1;
		if (deliver_cut(d, msg, sizeof msg - 1, cuts, NULL) == -1)
			ok = 0;
		n++;
	}
	CHECK(ok);
	deliver_close(d);

	buf = slurp(mbox, &len);
	check_messages(buf, len, "", n);
	free(buf);
}

/* An empty message (a server may send one): a From_ line, a blank line. */
static void
test_empty(void)
{
	struct deliver	*d;
	char		*buf;
	size_t		 len;

	unlink(mbox);
	d = open_mbox();
	CHECK(deliver_cut(d, "", 0, NULL, NULL) == 0);
	deliver_close(d);
	buf = slurp(mbox, &len);
	CHECK(strncmp(buf, "From MAILER-DAEMON ", 19) == 0);
	CHECK(len == 19 + 24 + 2 && memchr(buf, '\n', len) == buf + len - 2 &&
	    buf[len - 1] == '\n');
	free(buf);
}

static void
test_existing(void)
{
	struct deliver	*d;
	struct stat	 sb;
	char		*buf;
	size_t		 len;
	const char	*old = "From old@x Mon Jan  1 00:00:00 2001\nold mail\n\n";

	/* Created 0600. */
	unlink(mbox);
	d = open_mbox();
	CHECK(stat(mbox, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	deliver_close(d);

	put(mbox, old);
	d = open_mbox();
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	deliver_close(d);
	buf = slurp(mbox, &len);
	check_messages(buf, len, old, 2);
	free(buf);

	/* A file that lacks its last newline does not swallow our From_. */
	put(mbox, "From old@x Mon Jan  1 00:00:00 2001\nno newline");
	d = open_mbox();
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	deliver_close(d);
	buf = slurp(mbox, &len);
	check_messages(buf, len,
	    "From old@x Mon Jan  1 00:00:00 2001\nno newline\n", 1);
	free(buf);

	/* An empty message, and one without a header. */
	unlink(mbox);
	d = open_mbox();
	CHECK(deliver_cut(d, "", 0, NULL, NULL) == 0);
	CHECK(deliver_cut(d, "\nFrom x\n", 8, NULL, NULL) == 0);
	deliver_close(d);
	buf = slurp(mbox, &len);
	CHECK(len > 50 && strncmp(buf, "From MAILER-DAEMON ", 19) == 0);
	CHECK(strstr(buf, "1970\n\nFrom MAILER-DAEMON") == NULL);
	CHECK(len > 12 && strcmp(buf + len - 11, "\n\n>From x\n\n") == 0);
	free(buf);

	/* A symbolic link is refused. */
	unlink(mbox);
	CHECK(symlink("/etc/passwd", mbox) == 0);
	{
		struct error	err;

		CHECK(deliver_open(&account_, &err) == NULL);
		CHECK(err.code == ERR_IO);
	}
	unlink(mbox);
}

static void
test_failure(void)
{
	struct deliver		*d;
	struct deliver_msg	 dm = { 1, "uid1", 0 };
	struct rlimit		 rl, small;
	struct error		 err;
	char			 r[DELIVER_RECEIPT_MAX], *before, *after, *big;
	size_t			 blen, alen, i;
	int			 failed = 0;

	unlink(mbox);
	d = open_mbox();
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	before = slurp(mbox, &blen);

	/* Aborted half way: cut back. */
	err_clear(&err);
	CHECK(deliver_begin(d, &dm, r, sizeof r, &err) == 0);
	big = xmalloc(300000);
	for (i = 0; i < 300000; i++)
		big[i] = i % 64 == 63 ? '\n' : 'a' + i % 26;
	memcpy(big, "From: x@y\n\n", 11);
	CHECK(deliver_write(d, big, 300000, &err) == 0);
	CHECK(size_of(mbox) > (off_t)blen);
	deliver_abort(d);
	after = slurp(mbox, &alen);
	CHECK(alen == blen && memcmp(before, after, blen) == 0);
	free(after);

	/* The file size limit hit mid-message: cut back, nothing lost. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &rl);
	small = rl;
	small.rlim_cur = blen + 100000;
	CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
	err_clear(&err);
	CHECK(deliver_begin(d, &dm, r, sizeof r, &err) == 0);
	for (i = 0; i < 4 && !failed; i++)
		failed = deliver_write(d, big, 300000 / 4, &err) == -1;
	if (!failed)
		failed = deliver_commit(d, &err) == -1;
	CHECK(failed);
	CHECK(err.code == ERR_IO && strstr(err.what, "File too large"));
	CHECK(strstr(err.hint, "ulimit") != NULL);
	deliver_abort(d);
	CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	after = slurp(mbox, &alen);
	CHECK(alen == blen && memcmp(before, after, blen) == 0);
	free(after);

	/* And the next message goes in as if nothing happened. */
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	deliver_close(d);
	after = slurp(mbox, &alen);
	check_messages(after, alen, "", 2);
	free(after);
	free(before);
	free(big);
	CHECK(access(lockpath, F_OK) == -1);
}

/* A child holds both locks for ms milliseconds, as procmail would. */
static pid_t
hold_locks(int ms)
{
	struct flock	fl;
	pid_t		pid;
	int		p[2], fd;
	char		c;

	if (pipe(p) == -1 || (pid = fork()) == -1)
		exit(1);
	if (pid == 0) {
		fd = open(lockpath, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd == -1)
			_exit(1);
		close(fd);
		fd = open(mbox, O_RDWR | O_CREAT, 0600);
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		if (fcntl(fd, F_SETLK, &fl) == -1)
			_exit(1);
		(void)write(p[1], "x", 1);
		usleep(ms * 1000);
		/* procmail appends under the locks. */
		(void)write(fd, "From other@x Mon Jan  1 00:00:00 2001\nhi\n\n",
		    42);
		unlink(lockpath);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		exit(1);
	close(p[0]);
	return (pid);
}

static void
test_locks(void)
{
	struct deliver		*d;
	struct deliver_msg	 dm = { 1, "uid1", 0 };
	struct error		 err;
	struct timeval		 t0, t1;
	char			 r[DELIVER_RECEIPT_MAX], host[256], *buf;
	size_t			 len;
	pid_t			 pid;
	int			 status;
	FILE			*f;

	unlink(mbox);
	d = open_mbox();

	/* Busy for a while: we wait, then append after the other. */
	mbox_lock_wait = 10;
	pid = hold_locks(700);
	gettimeofday(&t0, NULL);
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	gettimeofday(&t1, NULL);
	CHECK((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) /
	    1000 >= 600);
	CHECK(waitpid(pid, &status, 0) == pid && status == 0);
	buf = slurp(mbox, &len);
	check_messages(buf, len, "From other@x Mon Jan  1 00:00:00 2001\n"
	    "hi\n\n", 1);
	free(buf);

	/* Busy for longer than we wait: ERR_TEMP, the file untouched. */
	mbox_lock_wait = 1;
	pid = hold_locks(3000);
	err_clear(&err);
	CHECK(deliver_begin(d, &dm, r, sizeof r, &err) == -1);
	CHECK(err.code == ERR_TEMP);
	CHECK(strstr(err.what, "is locked by another program") != NULL);
	CHECK(waitpid(pid, &status, 0) == pid && status == 0);

	/* A lock file left by a dead popfetch of this host goes at once. */
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	if ((f = fopen(lockpath, "w")) != NULL) {
		fprintf(f, "%d %s\n", 999999999, host);
		fclose(f);
	}
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	CHECK(access(lockpath, F_OK) == -1);

	/* A lock file of a live process stays... */
	if ((f = fopen(lockpath, "w")) != NULL) {
		fprintf(f, "%d %s\n", (int)getppid(), host);
		fclose(f);
	}
	err_clear(&err);
	CHECK(deliver_begin(d, &dm, r, sizeof r, &err) == -1);
	CHECK(err.code == ERR_TEMP);
	/* ...until it is older than mbox_lock_stale. */
	{
		struct timeval	tv[2];

		gettimeofday(&tv[0], NULL);
		tv[0].tv_sec -= MBOX_LOCK_STALE + 60;
		tv[1] = tv[0];
		CHECK(utimes(lockpath, tv) == 0);
	}
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	CHECK(access(lockpath, F_OK) == -1);

	/*
	 * A power cut kept the lock file and lost or tore its line: written
	 * before the system started, it goes at once; one written since
	 * stays.
	 */
	if ((f = fopen(lockpath, "w")) != NULL) {
		fprintf(f, "2246");
		fclose(f);
	}
	mbox_booted = time(NULL) + 30;
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	CHECK(access(lockpath, F_OK) == -1);
	if ((f = fopen(lockpath, "w")) != NULL) {
		fprintf(f, "2246");
		fclose(f);
	}
	mbox_booted = time(NULL) - 30;
	err_clear(&err);
	CHECK(deliver_begin(d, &dm, r, sizeof r, &err) == -1);
	CHECK(err.code == ERR_TEMP);
	unlink(lockpath);
	mbox_booted = 0;
	deliver_close(d);
	mbox_lock_wait = MBOX_LOCK_WAIT;
}

/*
 * A child delivers one message whole and dies in the middle of the next,
 * as under kill -9; it reports both receipts.
 */
static const char	*half_text = "";
static size_t		 half_len = 200000;

static void
killed_run(char *r1, char *r2)
{
	struct deliver		*d;
	struct deliver_msg	 dm = { 2, "uid2", 0 };
	struct error		 err;
	char			*big;
	int			 p[2];
	size_t			 i;
	pid_t			 pid;

	if (pipe(p) == -1 || (pid = fork()) == -1)
		exit(1);
	if (pid == 0) {
		d = open_mbox();
		if (deliver_cut(d, msg, sizeof msg - 1, NULL, r1) == -1 ||
		    deliver_begin(d, &dm, r2, DELIVER_RECEIPT_MAX, &err) == -1)
			_exit(1);
		big = xmalloc(200000);
		for (i = 0; i < 200000; i++)
			big[i] = i % 50 == 49 ? '\n' : 'x';
		if (deliver_write(d, "Subject: half\n\n", 15, &err) == -1 ||
		    deliver_write(d, half_text, strlen(half_text), &err) == -1 ||
		    deliver_write(d, big, half_len, &err) == -1)
			_exit(1);
		(void)write(p[1], r1, DELIVER_RECEIPT_MAX);
		(void)write(p[1], r2, DELIVER_RECEIPT_MAX);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], r1, DELIVER_RECEIPT_MAX) != DELIVER_RECEIPT_MAX ||
	    read(p[0], r2, DELIVER_RECEIPT_MAX) != DELIVER_RECEIPT_MAX)
		exit(1);
	close(p[0]);
	waitpid(pid, NULL, 0);
}

static void
test_recover(void)
{
	struct deliver	*d;
	struct error	 err;
	char		 r1[DELIVER_RECEIPT_MAX], r2[DELIVER_RECEIPT_MAX];
	char		*buf;
	size_t		 len;
	off_t		 whole;
	const char	*other = "From other@x Mon Jan  1 00:00:00 2001\nhi\n\n";
	int		 fd;

	unlink(mbox);
	killed_run(r1, r2);
	whole = size_of(mbox);
	CHECK(whole > 100000);
	/* The killed run's dot lock is still there, and stale. */
	CHECK(access(lockpath, F_OK) == 0);

	d = open_mbox();
	err_clear(&err);
	CHECK(deliver_recover(d, r1, &err) == 1);
	CHECK(deliver_recover(d, r2, &err) == 0);
	deliver_close(d);
	buf = slurp(mbox, &len);
	check_messages(buf, len, "", 1);
	free(buf);
	CHECK(access(lockpath, F_OK) == -1);

	/* Another program appended after the half message: it all stays. */
	unlink(mbox);
	killed_run(r1, r2);
	unlink(lockpath);
	fd = open(mbox, O_WRONLY | O_APPEND);
	CHECK(write(fd, other, strlen(other)) == (ssize_t)strlen(other));
	close(fd);
	whole = size_of(mbox);
	d = open_mbox();
	CHECK(deliver_recover(d, r2, &err) == 0);
	CHECK(deliver_recover(d, r1, &err) == 1);
	CHECK(size_of(mbox) == whole);
	/* The first delivery of the new run forgets the old log. */
	CHECK(deliver_cut(d, msg, sizeof msg - 1, NULL, NULL) == 0);
	deliver_close(d);
	d = open_mbox();
	CHECK(deliver_recover(d, r1, &err) == 0);

	/* The file was cut shorter meanwhile (a mail reader): left alone. */
	unlink(mbox);
	killed_run(r1, r2);
	unlink(lockpath);
	CHECK(truncate(mbox, 10) == 0);
	deliver_close(d);
	d = open_mbox();
	CHECK(deliver_recover(d, r2, &err) == 0);
	CHECK(size_of(mbox) == 10);

	/*
	 * The zone changed between the crash and the recovery (a move, a
	 * daylight saving change): the half message is still known for ours.
	 * A From_ date off by a time no zone has is not ours.
	 */
	unlink(mbox);
	setenv("TZ", "UTC0", 1);
	tzset();
	killed_run(r1, r2);
	unlink(lockpath);
	setenv("TZ", "NPT-5:45", 1);
	tzset();
	deliver_close(d);
	d = open_mbox();
	CHECK(deliver_recover(d, r2, &err) == 0);
	deliver_close(d);
	buf = slurp(mbox, &len);
	check_messages(buf, len, "", 1);
	free(buf);
	unlink(mbox);
	setenv("TZ", "XXX-5:44", 1);
	tzset();
	killed_run(r1, r2);
	unlink(lockpath);
	whole = size_of(mbox);
	setenv("TZ", "UTC0", 1);
	tzset();
	d = open_mbox();
	CHECK(deliver_recover(d, r2, &err) == 0);
	CHECK(size_of(mbox) == whole);
	deliver_close(d);
	unsetenv("TZ");
	tzset();

	/*
	 * A half message that quoted a From_ line and says "From " in its
	 * text is cut all the same; after a torn last line another writer's
	 * From_ line glued to it keeps it there.
	 */
	half_text = "From the start of a line\nsent From me\n>From x\n";
	unlink(mbox);
	killed_run(r1, r2);
	unlink(lockpath);
	d = open_mbox();
	CHECK(deliver_recover(d, r2, &err) == 0);
	deliver_close(d);
	buf = slurp(mbox, &len);
	check_messages(buf, len, "", 1);
	free(buf);
	half_len = 199990;
	unlink(mbox);
	killed_run(r1, r2);
	unlink(lockpath);
	fd = open(mbox, O_WRONLY | O_APPEND);
	CHECK(write(fd, other, strlen(other)) == (ssize_t)strlen(other));
	close(fd);
	whole = size_of(mbox);
	d = open_mbox();
	CHECK(deliver_recover(d, r2, &err) == 0);
	CHECK(size_of(mbox) == whole);
	half_text = "";
	half_len = 200000;

	/* Receipts that are not ours. */
	CHECK(deliver_recover(d, "", &err) == -1);
	CHECK(deliver_recover(d, "1:2:3:4", &err) == -1);
	CHECK(deliver_recover(d, "x:2:3:4:0123456789abcdef", &err) == -1);
	CHECK(deliver_recover(d, "1:2:3:4:0123456789ABCDEF", &err) == -1);
	CHECK(deliver_recover(d, "1:2:3:4:0123456789abcdef", &err) == 0);
	deliver_close(d);
}

int
main(void)
{
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	xasprintf(&mbox, "%s/mbox", base);
	xasprintf(&lockpath, "%s/mbox.lock", base);
	xasprintf(&statedir, "%s/state", base);
	mkdir(statedir, 0700);

	memset(&account_, 0, sizeof account_);
	account_.name = "test";
	account_.user = "me";
	account_.host = "pop.example.org";
	account_.delivery = DELIVERY_MBOX;
	account_.delivery_path = mbox;
	account_.state_dir = statedir;

	test_quoting();
	test_empty();
	test_existing();
	test_failure();
	test_locks();
	test_recover();

	if (test_failures == 0) {
		char	*cmd;

		xasprintf(&cmd, "%s/state/me@pop.example.org:110.mbox", base);
		unlink(cmd);
		free(cmd);
		unlink(mbox);
		rmdir(statedir);
		rmdir(base);
	}
	return (TEST_DONE());
}
