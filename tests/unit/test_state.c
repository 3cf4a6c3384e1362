/* Seen-UID state, its journal, and the per-account lock. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "state/lock.h"
#include "state/state.h"
#include "test.h"
#include "util/xmalloc.h"

#define KEY	"user@pop.example.org:995"

static char	 base[] = "/tmp/test_state.XXXXXX";
static char	*dir;

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

static char *
file(const char *key, const char *suffix)
{
	static char	buf[PATH_MAX];

	if (state_path(buf, sizeof buf, dir, key, suffix) == -1)
		return (NULL);
	return (buf);
}

static void
put_file(const char *path, const char *text, int append)
{
	FILE	*fp;

	fp = fopen(path, append ? "a" : "w");
	if (fp == NULL)
		return;
	fputs(text, fp);
	fclose(fp);
}

static int
file_mode(const char *path)
{
	struct stat	sb;

	if (stat(path, &sb) == -1)
		return (-1);
	return (sb.st_mode & 07777);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

struct collect {
	int	n;
	char	uid[4][80];
	char	receipt[4][256];
	int	stop_at;
};

static int
collect(void *arg, const char *uid, const char *receipt)
{
	struct collect	*c = arg;

	if (c->n == c->stop_at)
		return (-1);
	if (c->n < 4) {
		snprintf(c->uid[c->n], sizeof c->uid[0], "%s", uid);
		snprintf(c->receipt[c->n], sizeof c->receipt[0], "%s",
		    receipt);
	}
	c->n++;
	return (0);
}

static void
test_path(void)
{
	char	buf[64];

	CHECK(state_path(buf, sizeof buf, "/s", "us/er@h\tx\x80:1",
	    ".state") == 0);
	CHECK_STR(buf, "/s/us_er@h_x_:1.state");
	CHECK(state_path(buf, 10, "/s", "user@host:995", ".state") == -1);
}

static void
test_round_trip(void)
{
	struct state	*st;
	struct error	 err;
	time_t		 when;
	const char	*uids[] = { "b", "x" };

	err_clear(&err);
	st = state_open(dir, KEY, &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(file_mode(dir) == 0700);
	CHECK(state_seen(st, "a", &when) == 0);
	/* Nothing to save: no file appears. */
	CHECK(state_save(st, &err) == 0);
	CHECK(access(file(KEY, ".state"), F_OK) == -1);

	state_mark(st, "a", 100);
	state_mark(st, "b", 200);
	state_mark(st, "c", 300);
	state_mark(st, "a", 999);
	state_mark(st, "bad\tuid", 1);
	state_mark(st, "", 1);
	CHECK(state_save(st, &err) == 0);
	state_close(st);
	CHECK(file_mode(file(KEY, ".state")) == 0600);

	st = state_open(dir, KEY, &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(state_seen(st, "a", &when) == 1 && when == 100);
	CHECK(state_seen(st, "b", &when) == 1 && when == 200);
	CHECK(state_seen(st, "c", NULL) == 1);
	CHECK(state_seen(st, "d", &when) == 0);
	CHECK(state_seen(st, "bad\tuid", &when) == 0);

	state_retain(st, uids, 2);
	CHECK(state_seen(st, "a", NULL) == 0);
	CHECK(state_seen(st, "b", NULL) == 1);
	CHECK(state_seen(st, "c", NULL) == 0);
	CHECK(state_seen(st, "x", NULL) == 0);
	state_mark(st, "x", 400);
	CHECK(state_save(st, &err) == 0);
	state_close(st);

	st = state_open(dir, KEY, &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(state_seen(st, "a", NULL) == 0);
	CHECK(state_seen(st, "b", &when) == 1 && when == 200);
	CHECK(state_seen(st, "x", &when) == 1 && when == 400);
	state_retain(st, NULL, 0);
	CHECK(state_seen(st, "b", NULL) == 0);
	state_close(st);
}

static void
test_journal(void)
{
	struct state	*st;
	struct error	 err;
	struct collect	 c;
	char		 long_receipt[300];

	err_clear(&err);
	st = state_open(dir, "j@h:110", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(state_journal(st, "u1", "1700000000.M1P1Q1.host", &err) == 0);
	CHECK(state_journal(st, "u2", "1700000000.M1P1Q2.host", &err) == 0);
	CHECK(state_journal(st, "bad uid", "r", &err) == -1);
	CHECK(state_journal(st, "u3", "tab\there", &err) == -1);
	memset(long_receipt, 'r', sizeof long_receipt - 1);
	long_receipt[sizeof long_receipt - 1] = '\0';
	CHECK(state_journal(st, "u3", long_receipt, &err) == -1);
	CHECK(file_mode(file("j@h:110", ".journal")) == 0600);
	/* Killed here: no save. */
	state_close(st);

	/* The write of a third line was cut short. */
	put_file(file("j@h:110", ".journal"), "P\tu3\t1700000000.M", 1);

	st = state_open(dir, "j@h:110", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	memset(&c, 0, sizeof c);
	c.stop_at = -1;
	CHECK(state_pending(st, collect, &c) == 0);
	CHECK(c.n == 2);
	CHECK_STR(c.uid[0], "u1");
	CHECK_STR(c.receipt[0], "1700000000.M1P1Q1.host");
	CHECK_STR(c.uid[1], "u2");
	CHECK_STR(c.receipt[1], "1700000000.M1P1Q2.host");

	memset(&c, 0, sizeof c);
	c.stop_at = 1;
	CHECK(state_pending(st, collect, &c) == -1);

	/* The torn line is gone, so a new entry is read back whole. */
	CHECK(state_journal(st, "u4", "r4", &err) == 0);
	state_close(st);

	st = state_open(dir, "j@h:110", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	memset(&c, 0, sizeof c);
	c.stop_at = -1;
	CHECK(state_pending(st, collect, &c) == 0);
	CHECK(c.n == 3);
	CHECK_STR(c.uid[2], "u4");
	CHECK_STR(c.receipt[2], "r4");

	/* Saving with nothing marked still empties the journal. */
	state_mark(st, "u1", 1000);
	CHECK(state_save(st, &err) == 0);
	CHECK(access(file("j@h:110", ".journal"), F_OK) == -1);
	memset(&c, 0, sizeof c);
	c.stop_at = -1;
	CHECK(state_pending(st, collect, &c) == 0 && c.n == 0);

	/* The journal reopens after a save. */
	CHECK(state_journal(st, "u5", "r5", &err) == 0);
	state_close(st);
	st = state_open(dir, "j@h:110", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	memset(&c, 0, sizeof c);
	c.stop_at = -1;
	CHECK(state_pending(st, collect, &c) == 0 && c.n == 1);
	CHECK(state_seen(st, "u1", NULL) == 1);
	CHECK(state_save(st, &err) == 0);
	CHECK(access(file("j@h:110", ".journal"), F_OK) == -1);
	state_close(st);

	/* A damaged line in the middle costs only that entry. */
	put_file(file("j@h:110", ".journal"),
	    "P\tu6\tr6\nX garbage\nP\tu 7\tr7\nP\tu8\tr8\n", 0);
	st = state_open(dir, "j@h:110", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	memset(&c, 0, sizeof c);
	c.stop_at = -1;
	CHECK(state_pending(st, collect, &c) == 0 && c.n == 2);
	CHECK_STR(c.uid[0], "u6");
	CHECK_STR(c.uid[1], "u8");
	state_close(st);
}

static void
test_corrupt_one(const char *text, const char *where)
{
	struct state	*st;
	struct error	 err;

	put_file(file("bad@h:1", ".state"), text, 0);
	err_clear(&err);
	st = state_open(dir, "bad@h:1", &err);
	CHECK(st == NULL);
	CHECK(err.code == ERR_IO);
	CHECK(strstr(err.what, file("bad@h:1", ".state")) != NULL);
	CHECK(strstr(err.what, where) != NULL);
	CHECK(err.hint[0] != '\0');
	state_close(st);
}

static void
test_corrupt(void)
{
	test_corrupt_one("", "line 1");
	test_corrupt_one("popfetch-state 2\n", "line 1");
	test_corrupt_one("popfetch-state 1\na\t1\nb 2\n", "line 3");
	test_corrupt_one("popfetch-state 1\na\t1\nb\tx\n", "line 3");
	test_corrupt_one("popfetch-state 1\na\t1\na\t2\n", "line 3");
	test_corrupt_one("popfetch-state 1\na\t1\nb\t2", "line 3");
	test_corrupt_one("popfetch-state 1\n\t1\n", "line 2");
	test_corrupt_one("popfetch-state 1\na\t-1\n", "line 2");
}

/*
 * The file is written sorted and read by bisection; one put out of order by
 * hand still reads, and a duplicate out of order is still refused.  The
 * file's UIDs and new ones are merged in order when saved, without those
 * state_retain dropped.
 */
/* A state holding no UID (all mail gone from the server): looked up. */
static void
test_empty(void)
{
	struct state	*st;
	struct error	 err;

	put_file(file("empty@h:1", ".state"), "popfetch-state 1\n", 0);
	err_clear(&err);
	st = state_open(dir, "empty@h:1", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(state_seen(st, "a", NULL) == 0);
	CHECK(state_doomed(st, "a") == 0);
	state_mark(st, "a", 1);
	CHECK(state_seen(st, "a", NULL) == 1);
	state_close(st);
}

static void
test_sorted(void)
{
	struct state	*st;
	struct error	 err;
	time_t		 when;
	const char	*uids[] = { "c", "a", "e", "b" };
	char		 buf[256];
	FILE		*fp;
	size_t		 n;

	put_file(file("sort@h:1", ".state"), "popfetch-state 1\nd\t4\n"
	    "b\t2\tD\nf\t6\na\t1\n", 0);
	err_clear(&err);
	st = state_open(dir, "sort@h:1", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(state_seen(st, "a", &when) == 1 && when == 1);
	CHECK(state_seen(st, "d", &when) == 1 && when == 4);
	CHECK(state_seen(st, "f", &when) == 1 && when == 6);
	CHECK(state_doomed(st, "b") == 1);
	CHECK(state_seen(st, "c", NULL) == 0);
	state_mark(st, "e", 5);
	state_mark(st, "c", 3);
	state_mark(st, "a", 99);	/* seen before: its time stays */
	/* d and f are no longer on the server; then d is fetched anew. */
	state_retain(st, uids, 4);
	CHECK(state_seen(st, "d", NULL) == 0);
	CHECK(state_seen(st, "f", NULL) == 0);
	CHECK(state_seen(st, "b", NULL) == 1);
	state_mark(st, "d", 7);
	CHECK(state_seen(st, "d", &when) == 1 && when == 7);
	CHECK(state_save(st, &err) == 0);
	state_close(st);
	if ((fp = fopen(file("sort@h:1", ".state"), "r")) != NULL) {
		n = fread(buf, 1, sizeof buf - 1, fp);
		buf[n] = '\0';
		fclose(fp);
		CHECK_STR(buf, "popfetch-state 1\na\t1\nb\t2\tD\nc\t3\n"
		    "d\t7\ne\t5\n");
	} else
		CHECK(0);

	put_file(file("sort@h:1", ".state"), "popfetch-state 1\nb\t1\n"
	    "a\t1\nb\t2\n", 0);
	st = state_open(dir, "sort@h:1", &err);
	CHECK(st == NULL);
	CHECK(err.code == ERR_IO);
	CHECK(strstr(err.what, "UID b is there twice") != NULL);
	state_close(st);
}

/*
 * state_claim gives a handle for a UID of the file, which state_uid turns
 * into the state's own copy, which then finds its record by address; a
 * second claim says it is a duplicate; one dropped by state_retain and
 * fetched again is found in the tree.  A first fetch time past 2106 is
 * kept as its last second.
 */
static void
test_claim(void)
{
	struct state	*st;
	struct error	 err;
	time_t		 when;
	const char	*a, *b, *keep[] = { "a" };
	uint32_t	 ha, hb;
	int		 dup;

	put_file(file("known@h:1", ".state"), "popfetch-state 1\na\t1\n"
	    "b\t2\nz\t99999999999\n", 0);
	err_clear(&err);
	st = state_open(dir, "known@h:1", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	ha = state_claim(st, "a", &dup);
	CHECK(ha != 0 && dup == 0);
	hb = state_claim(st, "b", &dup);
	CHECK(hb != 0 && hb != ha && dup == 0);
	CHECK(state_claim(st, "b", &dup) == hb && dup == 1);
	a = state_uid(st, ha);
	b = state_uid(st, hb);
	CHECK_STR(a, "a");
	CHECK_STR(b, "b");
	CHECK(state_claim(st, "c", &dup) == 0 && dup == 0);
	CHECK(state_seen(st, a, &when) == 1 && when == 1);
	CHECK(state_seen(st, b, &when) == 1 && when == 2);
	CHECK(state_seen(st, "z", &when) == 1 && when == 4294967295LL);
	state_mark(st, "c", 3);
	/* The tree's may go: no handle, but claimed all the same. */
	CHECK(state_claim(st, "c", &dup) == 0 && dup == 0);
	CHECK(state_claim(st, "c", &dup) == 0 && dup == 1);
	/* Claimed: a, b, c; z was not, so it goes. */
	state_retain_claimed(st);
	CHECK(state_seen(st, "z", NULL) == 0);
	CHECK(state_seen(st, "c", NULL) == 1);
	state_retain(st, keep, 1);
	CHECK(state_seen(st, b, NULL) == 0);
	CHECK(state_seen(st, "c", NULL) == 0);
	CHECK(state_claim(st, "b", &dup) == 0);
	state_mark(st, b, 4);
	CHECK(state_seen(st, b, &when) == 1 && when == 4);
	CHECK(state_seen(st, "b", &when) == 1 && when == 4);
	CHECK(state_save(st, &err) == 0);
	state_close(st);
}

static void
test_many(void)
{
	struct state	*st;
	struct error	 err;
	char		 uid[32];
	double		 t0, t1;
	int		 i, seen = 0;
	time_t		 when;
	struct rlimit	 old, rl;
	char		 tmp[PATH_MAX];

	snprintf(tmp, sizeof tmp, "%s/.many@h:995.state.tmp", dir);

	err_clear(&err);
	t0 = now();
	st = state_open(dir, "many@h:995", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	for (i = 0; i < 100000; i++) {
		snprintf(uid, sizeof uid, "%08x-%d", i * 2654435761u, i);
		state_mark(st, uid, 1700000000 + i);
	}
	CHECK(state_save(st, &err) == 0);
	state_close(st);

	st = state_open(dir, "many@h:995", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	for (i = 0; i < 100000; i++) {
		snprintf(uid, sizeof uid, "%08x-%d", i * 2654435761u, i);
		if (state_seen(st, uid, &when) == 1 &&
		    when == 1700000000 + i)
			seen++;
	}
	CHECK(seen == 100000);
	CHECK(state_seen(st, "nope", NULL) == 0);
	t1 = now();
	/* Generous, for sanitizer builds: a plain build takes ~0.1 s. */
	CHECK(t1 - t0 < 5.0);

	/* A full disk while saving leaves the old state whole. */
	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	rl = old;
	rl.rlim_cur = 65536;
	CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	state_mark(st, "late", 1);
	CHECK(state_save(st, &err) == -1);
	CHECK(err.code == ERR_IO);
	CHECK(strstr(err.what, "File too large") != NULL);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	CHECK(access(tmp, F_OK) == -1);
	state_close(st);

	st = state_open(dir, "many@h:995", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(state_seen(st, "late", NULL) == 0);
	snprintf(uid, sizeof uid, "%08x-%d", 99999 * 2654435761u, 99999);
	CHECK(state_seen(st, uid, NULL) == 1);
	state_close(st);
}

/* A kill -9 after the journal line was written: the entry survives. */
static void
test_kill(void)
{
	struct state	*st;
	struct error	 err;
	struct collect	 c;
	pid_t		 pid;
	int		 p[2], status;
	char		 ch;

	CHECK(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		st = state_open(dir, "kill@h:995", &err);
		if (st == NULL ||
		    state_journal(st, "k1", "1700000000.M9P9Q1.host", &err) == -1)
			_exit(1);
		(void)write(p[1], "j", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	CHECK(read(p[0], &ch, 1) == 1);
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status));

	err_clear(&err);
	st = state_open(dir, "kill@h:995", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	memset(&c, 0, sizeof c);
	c.stop_at = -1;
	CHECK(state_pending(st, collect, &c) == 0 && c.n == 1);
	CHECK_STR(c.uid[0], "k1");
	CHECK_STR(c.receipt[0], "1700000000.M9P9Q1.host");
	state_close(st);
}

static void
test_lock(void)
{
	struct error	 err;
	pid_t		 pid;
	int		 fd, p[2], status;
	char		 c;
	double		 t0;

	err_clear(&err);
	fd = lock_acquire(dir, KEY, 0, &err);
	CHECK(fd != -1);
	CHECK(file_mode(file(KEY, ".lock")) == 0600);
	lock_release(fd);

	CHECK(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (lock_acquire(dir, KEY, 0, &err) == -1)
			_exit(1);
		(void)write(p[1], "l", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	CHECK(read(p[0], &c, 1) == 1);
	close(p[0]);

	t0 = now();
	CHECK(lock_acquire(dir, KEY, 1, &err) == -1);
	CHECK(now() - t0 >= 0.9);
	CHECK(err.code == ERR_TEMP);
	CHECK(strstr(err.what, file(KEY, ".lock")) != NULL);
	CHECK(strstr(err.hint, "hung popfetch") != NULL);
	/* Another account is not held up. */
	fd = lock_acquire(dir, "other@h:995", 0, &err);
	CHECK(fd != -1);
	lock_release(fd);

	/* The lock dies with its holder, kill -9 included. */
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	err_clear(&err);
	fd = lock_acquire(dir, KEY, 0, &err);
	CHECK(fd != -1);
	lock_release(fd);
}

int
main(void)
{
	umask(022);
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	xasprintf(&dir, "%s/state/popfetch", base);

	test_path();
	test_round_trip();
	test_journal();
	test_corrupt();
	test_empty();
	test_sorted();
	test_claim();
	test_many();
	test_kill();
	test_lock();

	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return (TEST_DONE());
}
