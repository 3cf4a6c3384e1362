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

/* Listings without the UIDs not in uids, until they are forgotten. */
static void
retain_gone(struct state *st, const char *const *uids, size_t n)
{
	int	i;

	for (i = 0; i < STATE_ABSENT_MAX; i++)
		state_retain(st, uids, n);
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
	int		 i;

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

	/* Not listed: seen still, until the last listing in a row. */
	for (i = 1; i < STATE_ABSENT_MAX; i++) {
		state_retain(st, uids, 2);
		CHECK(state_seen(st, "a", &when) == 1 && when == 100);
		CHECK(state_seen(st, "c", NULL) == 1);
	}
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
	retain_gone(st, NULL, 0);
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
	if (strstr(err.what, where) == NULL)
		fprintf(stderr, "%s\n", err.what);
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
	test_corrupt_one("popfetch-state 1", "line 1: incomplete line");
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
	retain_gone(st, uids, 4);
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
	CHECK(strstr(err.what, "line 4: duplicate UID") != NULL);
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
	    "b\t2\nz\t99999999999\tA2\n", 0);
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
	/* Claimed: a, b, c; z was not, a third time, so it goes. */
	state_retain_claimed(st);
	CHECK(state_seen(st, "z", NULL) == 0);
	CHECK(state_seen(st, "c", NULL) == 1);
	retain_gone(st, keep, 1);
	CHECK(state_seen(st, b, NULL) == 0);
	CHECK(state_seen(st, "c", NULL) == 0);
	CHECK(state_claim(st, "b", &dup) == 0);
	state_mark(st, b, 4);
	CHECK(state_seen(st, b, &when) == 1 && when == 4);
	CHECK(state_seen(st, "b", &when) == 1 && when == 4);
	CHECK(state_save(st, &err) == 0);
	state_close(st);
}

/* The state of key, from a state file of these lines. */
static struct state *
state_with(const char *key, const char *lines)
{
	struct state	*st;
	struct error	 err;

	put_file(file(key, ".state"), lines, 0);
	err_clear(&err);
	st = state_open(dir, key, &err);
	CHECK(st != NULL);
	return (st);
}

/*
 * A run's next session lists again: state_unclaim forgets the claims, so
 * that a UID both listings hold is no duplicate, and counts no absence.
 */
static void
test_unclaim(void)
{
	struct state	*st;
	int		 dup;

	if ((st = state_with("again@h:1", "popfetch-state 1\na\t1\n"
	    "b\t2\tA2\n")) == NULL)
		return;
	(void)state_claim(st, "a", &dup);
	state_mark(st, "c", 3);
	(void)state_claim(st, "c", &dup);
	CHECK(dup == 0);
	state_unclaim(st);
	(void)state_claim(st, "a", &dup);
	CHECK(dup == 0);
	(void)state_claim(st, "c", &dup);
	CHECK(dup == 0);
	CHECK(state_claim(st, "a", &dup) != 0 && dup == 1);
	CHECK(state_seen(st, "b", NULL) == 1);
	CHECK(state_seen(st, "c", NULL) == 1);
	state_close(st);
}

static ino_t
file_ino(const char *path, off_t *size)
{
	struct stat	sb;

	if (stat(path, &sb) == -1)
		return (0);
	if (size != NULL)
		*size = sb.st_size;
	return (sb.st_ino);
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
	char		 tmp[PATH_MAX], path[PATH_MAX];
	ino_t		 ino;
	off_t		 size = 0, after = 0;

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

	/*
	 * A full disk while saving leaves the old state whole: the append
	 * is cut off again.
	 */
	snprintf(path, sizeof path, "%s/many@h:995.state", dir);
	ino = file_ino(path, &size);
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
	CHECK(file_ino(path, &after) == ino && after == size);
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

static char *
slurp(const char *path)
{
	static char	buf[1 << 20];
	FILE		*fp;
	size_t		 n;

	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return (buf);
}

static struct state *
open_key(const char *key)
{
	struct state	*st;
	struct error	 err;

	err_clear(&err);
	if ((st = state_open(dir, key, &err)) == NULL)
		fprintf(stderr, "state_open %s: %s\n", key, err.what);
	return (st);
}

static int
save(struct state *st)
{
	struct error	 err;

	err_clear(&err);
	if (state_save(st, &err) == -1) {
		fprintf(stderr, "state_save: %s\n", err.what);
		return (-1);
	}
	return (0);
}

/*
 * A save that only adds UIDs appends their lines to the same file; a second
 * save in the same run appends only what is new since the first.
 */
static void
test_append(void)
{
	struct state	*st;
	time_t		 when;
	ino_t		 ino;
	const char	*path = file("app@h:1", ".state"), *keep[] = {
	    "a", "c", "aa", "z", "m", "n" };
	char		 expect[512];
	int		 dup;

	if ((st = open_key("app@h:1")) == NULL)
		return;
	state_mark(st, "a", 1);
	state_mark(st, "b", 2);
	state_mark(st, "c", 3);
	CHECK(save(st) == 0);
	state_close(st);
	ino = file_ino(path, NULL);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\nb\t2\nc\t3\n");

	if ((st = open_key("app@h:1")) == NULL)
		return;
	state_mark(st, "z", 26);
	state_mark(st, "aa", 10);
	state_mark(st, "a", 99);
	CHECK(save(st) == 0);
	CHECK(file_ino(path, NULL) == ino);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\nb\t2\nc\t3\n"
	    "aa\t10\nz\t26\n");
	state_mark(st, "m", 13);
	CHECK(save(st) == 0);
	CHECK(save(st) == 0);	/* nothing new: nothing written */
	CHECK(file_ino(path, NULL) == ino);
	snprintf(expect, sizeof expect, "popfetch-state 1\na\t1\nb\t2\nc\t3\n"
	    "aa\t10\nz\t26\nm\t13\n");
	CHECK_STR(slurp(path), expect);
	/* A verdict on a new UID is a new line too. */
	state_doom(st, "n", 14);
	CHECK(save(st) == 0);
	CHECK(file_ino(path, NULL) == ino);
	strlcat(expect, "n\t14\tD\n", sizeof expect);
	CHECK_STR(slurp(path), expect);
	state_close(st);

	/* The tail loads, with its times and verdicts. */
	if ((st = open_key("app@h:1")) == NULL)
		return;
	CHECK(state_seen(st, "aa", &when) == 1 && when == 10);
	CHECK(state_seen(st, "z", &when) == 1 && when == 26);
	CHECK(state_seen(st, "m", &when) == 1 && when == 13);
	CHECK(state_seen(st, "a", &when) == 1 && when == 1);
	CHECK(state_doomed(st, "n") == 1 && state_doomed(st, "m") == 0);
	CHECK(state_claim(st, "b", &dup) != 0 && !dup);	/* sorted part */
	CHECK(state_claim(st, "z", &dup) == 0 && !dup);	/* the tail's */
	/* Loaded from the tail: never appended again. */
	state_mark(st, "zz", 27);
	CHECK(save(st) == 0);
	CHECK(file_ino(path, NULL) == ino);
	strlcat(expect, "zz\t27\n", sizeof expect);
	CHECK_STR(slurp(path), expect);

	/* One dropped: written anew, sorted, without it. */
	retain_gone(st, keep, 6);
	CHECK(save(st) == 0);
	CHECK(file_ino(path, NULL) != ino);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\naa\t10\nc\t3\n"
	    "m\t13\nn\t14\tD\nz\t26\n");
	/* Then appended to again, the tree's UIDs now in the sorted part. */
	ino = file_ino(path, NULL);
	state_mark(st, "b", 30);
	CHECK(save(st) == 0);
	CHECK(file_ino(path, NULL) == ino);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\naa\t10\nc\t3\n"
	    "m\t13\nn\t14\tD\nz\t26\nb\t30\n");
	/* A verdict on a UID of the file changes its line: written anew. */
	state_doom(st, "m", 1);
	CHECK(save(st) == 0);
	CHECK(file_ino(path, NULL) != ino);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\naa\t10\nb\t30\n"
	    "c\t3\nm\t13\tD\nn\t14\tD\nz\t26\n");
	state_close(st);
}

/* A UID of the tail also in the sorted part, or twice in the tail. */
static void
test_tail_damage(void)
{
	test_corrupt_one("popfetch-state 1\na\t1\nc\t3\nb\t2\na\t5\n",
	    "line 5: duplicate UID");
	test_corrupt_one("popfetch-state 1\na\t1\nc\t3\nb\t2\nb\t5\n",
	    "line 5: duplicate UID");
	test_corrupt_one("popfetch-state 1\na\t1\nc\t3\nb\t2\nd\tx\nb\t",
	    "line 5: fetch time");
	test_corrupt_one("popfetch-state 1\na\t1\nc\t3\nb\t2\tE\n",
	    "line 4: unknown flag");
}

/* The count of absences: 1 to STATE_ABSENT_MAX - 1, one digit, alone. */
static void
test_absent_damage(void)
{
	const char	*bad[] = { "A", "A0", "A3", "A9", "A1x", "A11", "a1",
	    "D\tA1", "A1\tD", "DA1", "A-1", "A\t" };
	char		 text[128];
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "popfetch-state 1\na\t1\n"
		    "b\t2\t%s\n", bad[i]);
		test_corrupt_one(text, "line 3: unknown flag");
	}
	/* In the tail alike. */
	test_corrupt_one("popfetch-state 1\nb\t1\na\t2\tA3\n",
	    "line 3: unknown flag");
}

/*
 * A UID the listing leaves out is forgotten only at the STATE_ABSENT_MAX'th
 * listing in a row without it, the count kept in its line; back before
 * that, it is as it was, its first fetch time too.  A condemned one goes
 * at its first absence.
 */
static void
test_absent(void)
{
	struct state	*st;
	time_t		 when;
	const char	*path = file("abs@h:1", ".state");
	const char	*a[] = { "a" }, *ab[] = { "a", "b" };
	ino_t		 ino;

	put_file(path, "popfetch-state 1\na\t1\nb\t2\nc\t3\tD\n", 0);
	if ((st = open_key("abs@h:1")) == NULL)
		return;
	state_mark(st, "n", 9);		/* a new one, not listed */
	state_retain(st, a, 1);
	CHECK(state_seen(st, "b", &when) == 1 && when == 2);
	CHECK(state_seen(st, "n", &when) == 1 && when == 9);
	CHECK(state_seen(st, "c", NULL) == 0);
	CHECK(save(st) == 0);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\nb\t2\tA1\n"
	    "n\t9\tA1\n");
	state_close(st);

	/* Another listing without b: A2; then b is back, n is not. */
	if ((st = open_key("abs@h:1")) == NULL)
		return;
	state_retain(st, a, 1);
	CHECK(save(st) == 0);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\nb\t2\tA2\n"
	    "n\t9\tA2\n");
	state_close(st);
	if ((st = open_key("abs@h:1")) == NULL)
		return;
	state_retain(st, ab, 2);
	CHECK(state_seen(st, "b", &when) == 1 && when == 2);
	CHECK(state_seen(st, "n", NULL) == 0);
	CHECK(save(st) == 0);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\nb\t2\n");
	state_close(st);

	/* Listed as before: nothing changes, nothing is written. */
	ino = file_ino(path, NULL);
	if ((st = open_key("abs@h:1")) == NULL)
		return;
	state_retain(st, ab, 2);
	CHECK(save(st) == 0);
	CHECK(file_ino(path, NULL) == ino);
	/* Three listings in a row without b: forgotten. */
	retain_gone(st, a, 1);
	CHECK(state_seen(st, "b", NULL) == 0);
	CHECK(save(st) == 0);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\n");
	state_close(st);
}

/*
 * KEY.quit names the UIDs whose DELE was accepted before QUIT.  QUIT
 * answered +OK: they are forgotten, verdicts too, and the file goes with
 * the save; if that save is not made, the file says so.  A run that never
 * learnt what QUIT did leaves the file as it was: the next listing settles
 * it, all of them there meaning nothing was deleted, one gone meaning all
 * were and one listed is a new message.
 */
static void
test_quit(void)
{
	struct state	*st;
	struct error	 err;
	const char	*abc[] = { "a", "b", "c" }, *bc[] = { "b", "c" };
	const char	*ac[] = { "a", "c" }, *c[] = { "c" };
	const char	*gone[] = { "a", "b" };
	unsigned long long sizes[] = { 10, 20 };
	char		 path[PATH_MAX], qpath[PATH_MAX];

	/* file() gives one buffer for all. */
	strlcpy(path, file("quit@h:1", ".state"), sizeof path);
	strlcpy(qpath, file("quit@h:1", ".quit"), sizeof qpath);
	err_clear(&err);

	/* QUIT answered +OK. */
	put_file(path, "popfetch-state 1\na\t1\nb\t2\tD\nc\t3\n", 0);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_retain(st, abc, 3);
	CHECK(state_quitting(st, gone, sizes, 2, &err) == 0);
	CHECK_STR(slurp(qpath), "a 10\nb 20\n");
	CHECK(file_mode(qpath) == 0600);
	state_quit_done(st, gone, 2);
	CHECK(state_seen(st, "a", NULL) == 0);
	CHECK(state_seen(st, "b", NULL) == 0 && state_doomed(st, "b") == 0);
	CHECK(save(st) == 0);
	CHECK(access(qpath, F_OK) == -1);
	CHECK_STR(slurp(path), "popfetch-state 1\nc\t3\n");
	state_close(st);

	/* QUIT answered +OK, the save after it lost: gone, though listed. */
	put_file(path, "popfetch-state 1\na\t1\nb\t2\tD\nc\t3\n", 0);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_retain(st, abc, 3);
	CHECK(state_quitting(st, gone, sizes, 2, &err) == 0);
	state_quit_done(st, gone, 2);
	state_close(st);
	CHECK_STR(slurp(qpath), "a 10\nb 20\nQUIT +OK\n");
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_retain(st, abc, 3);
	CHECK(state_seen(st, "a", NULL) == 0);
	CHECK(state_seen(st, "b", NULL) == 0 && state_doomed(st, "b") == 0);
	CHECK(save(st) == 0);
	CHECK(access(qpath, F_OK) == -1);
	CHECK_STR(slurp(path), "popfetch-state 1\nc\t3\n");
	state_close(st);

	/* QUIT's answer lost; the server did not get to it. */
	put_file(path, "popfetch-state 1\na\t1\nb\t2\tD\nc\t3\n", 0);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_retain(st, abc, 3);
	CHECK(state_quitting(st, gone, sizes, 2, &err) == 0);
	state_close(st);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	/* Not settled before a listing, whatever is saved. */
	state_mark(st, "d", 4);
	CHECK(save(st) == 0);
	CHECK(access(qpath, F_OK) == 0);
	state_retain(st, abc, 3);
	CHECK(state_seen(st, "a", NULL) == 1);
	CHECK(state_doomed(st, "b") == 1);
	CHECK(save(st) == 0);
	CHECK(access(qpath, F_OK) == -1);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\nb\t2\tD\nc\t3\n"
	    "d\t4\tA1\n");
	state_close(st);

	/* QUIT's answer lost; it deleted both, then b was given anew. */
	put_file(path, "popfetch-state 1\na\t1\nb\t2\tD\nc\t3\n", 0);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_retain(st, abc, 3);
	CHECK(state_quitting(st, gone, sizes, 2, &err) == 0);
	state_close(st);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_retain(st, bc, 2);
	CHECK(state_seen(st, "a", NULL) == 0);
	CHECK(state_seen(st, "b", NULL) == 0 && state_doomed(st, "b") == 0);
	CHECK(state_seen(st, "c", NULL) == 1);
	CHECK(save(st) == 0);
	CHECK(access(qpath, F_OK) == -1);
	CHECK_STR(slurp(path), "popfetch-state 1\nc\t3\n");
	state_close(st);

	/*
	 * QUIT's answer lost; it deleted both, and both UIDs were given
	 * anew before this listing: a size that is not the DELE'd one's
	 * tells.  The same sizes (and a file of an older version, without
	 * sizes) tell nothing: QUIT did not get there.
	 */
	put_file(path, "popfetch-state 1\na\t1\nb\t2\tD\nc\t3\n", 0);
	put_file(qpath, "a 10\nb 20\n", 0);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	CHECK(state_quit_pending(st) == 1);
	state_quit_listed(st, "a", 10);
	state_quit_listed(st, "b", 21);
	state_quit_listed(st, "c", 5);
	state_retain(st, abc, 3);
	CHECK(state_quit_pending(st) == 0);
	CHECK(state_seen(st, "a", NULL) == 0);
	CHECK(state_seen(st, "b", NULL) == 0 && state_doomed(st, "b") == 0);
	CHECK(state_seen(st, "c", NULL) == 1);
	CHECK(save(st) == 0);
	state_close(st);
	put_file(path, "popfetch-state 1\na\t1\nb\t2\tD\nc\t3\n", 0);
	put_file(qpath, "a 10\nb\nx y\n", 0);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_quit_listed(st, "a", 10);
	state_quit_listed(st, "b", 99);
	state_retain(st, abc, 3);
	CHECK(state_seen(st, "a", NULL) == 1);
	CHECK(state_doomed(st, "b") == 1);
	CHECK(save(st) == 0);
	state_close(st);

	/* Both gone: forgotten at once, not one absence at a time. */
	put_file(path, "popfetch-state 1\na\t1\nb\t2\nc\t3\n", 0);
	put_file(qpath, "a\nb\n", 0);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_retain(st, c, 1);
	CHECK(state_seen(st, "a", NULL) == 0 && state_seen(st, "b", NULL) == 0);
	CHECK(save(st) == 0);
	CHECK(access(qpath, F_OK) == -1);
	state_close(st);

	/*
	 * A damaged line costs only itself, a last line not ended was never
	 * written whole; UIDs the state no longer has say nothing.
	 */
	put_file(path, "popfetch-state 1\na\t1\nb\t2\nc\t3\n", 0);
	put_file(qpath, "x\nbad uid\nb\na", 0);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_retain(st, abc, 3);
	CHECK(state_seen(st, "b", NULL) == 1 && state_seen(st, "a", NULL) == 1);
	CHECK(save(st) == 0);
	CHECK(access(qpath, F_OK) == -1);
	CHECK_STR(slurp(path), "popfetch-state 1\na\t1\nb\t2\nc\t3\n");
	state_close(st);
	put_file(qpath, "b\nx\n", 0);
	if ((st = open_key("quit@h:1")) == NULL)
		return;
	state_retain(st, ac, 2);
	CHECK(state_seen(st, "b", NULL) == 0);
	CHECK(state_seen(st, "a", NULL) == 1);
	state_close(st);
}

/* torn KEY TAIL LEN: a state file whose last line was cut short. */
static void
torn(const char *key, const char *tail, size_t len)
{
	struct state	*st;
	time_t		 when;
	FILE		*fp;
	const char	*path = file(key, ".state");
	const char	*good = "popfetch-state 1\na\t1\nc\t3\nb\t2\n";
	char		 expect[256];
	ino_t		 ino;

	if ((fp = fopen(path, "w")) == NULL)
		return;
	fputs(good, fp);
	fwrite(tail, 1, len, fp);
	fclose(fp);
	ino = file_ino(path, NULL);
	if ((st = open_key(key)) == NULL) {
		CHECK(0);
		return;
	}
	CHECK(state_seen(st, "b", &when) == 1 && when == 2);
	CHECK(state_seen(st, "d", NULL) == 0);
	CHECK(state_seen(st, "dd", NULL) == 0);
	/* Nothing new: the torn line stays, harmless. */
	CHECK(save(st) == 0);
	CHECK(file_ino(path, NULL) == ino);
	state_mark(st, "e", 5);
	CHECK(save(st) == 0);
	CHECK(file_ino(path, NULL) == ino);
	snprintf(expect, sizeof expect, "%se\t5\n", good);
	CHECK_STR(slurp(path), expect);
	state_close(st);
	if ((st = open_key(key)) == NULL) {
		CHECK(0);
		return;
	}
	CHECK(state_seen(st, "e", &when) == 1 && when == 5);
	state_close(st);
}

/* An append cut short: its last line is ignored, then cut off. */
static void
test_torn(void)
{
	static char	zeros[70000];
	struct state	*st;
	struct error	err;
	FILE		*fp;

	torn("torn1@h:1", "d\t", 2);
	torn("torn2@h:1", "dd", 2);
	torn("torn3@h:1", "d\t4\0\0\0", 6);
	torn("torn4@h:1", zeros, sizeof zeros);
	/*
	 * A journal of a run killed after its append: nothing new, but the
	 * file is synced (an append of nothing) before the journal goes,
	 * and its torn line cut off.
	 */
	put_file(file("torn5@h:1", ".state"), "popfetch-state 1\na\t1\n"
	    "b\t2\nc\t", 0);
	put_file(file("torn5@h:1", ".journal"), "P\tb\t1.M1P1.h\n", 0);
	if ((st = open_key("torn5@h:1")) != NULL) {
		state_mark(st, "b", 9);
		CHECK(save(st) == 0);
		CHECK(access(file("torn5@h:1", ".journal"), F_OK) == -1);
		CHECK_STR(slurp(file("torn5@h:1", ".state")),
		    "popfetch-state 1\na\t1\nb\t2\n");
		state_close(st);
	} else
		CHECK(0);
	/* A line too long for any UID, ended: damage. */
	memset(zeros, 'x', sizeof zeros - 2);
	zeros[sizeof zeros - 2] = '\n';
	zeros[sizeof zeros - 1] = '\0';
	put_file(file("long@h:1", ".state"), "popfetch-state 1\na\t1\n", 0);
	put_file(file("long@h:1", ".state"), zeros, 1);
	test_corrupt_one(slurp(file("long@h:1", ".state")),
	    "line 3: line too long");
	/* A NUL byte in a line that a newline ends: damage. */
	if ((fp = fopen(file("nul@h:1", ".state"), "w")) != NULL) {
		fwrite("popfetch-state 1\na\t1\nb\0\t2\nc\t3\n", 1, 31, fp);
		fclose(fp);
		err_clear(&err);
		CHECK(state_open(dir, "nul@h:1", &err) == NULL);
		CHECK(strstr(err.what, "line 3: NUL byte") != NULL);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * The tail grows by appends until it would pass max(1024 lines, an eighth
 * of the sorted part); then the file is written anew, as one save of
 * everything would write it.
 */
static void
test_compact(void)
{
	struct state	*st;
	const char	*path = file("compact@h:1", ".state");
	char		*uids[4000], *text, line[64];
	size_t		 n = 0, i, len = 0;
	int		 round;
	ino_t		 ino;
	off_t		 size = 0, before = 0;

	if ((st = open_key("compact@h:1")) == NULL)
		return;
	for (; n < 2000; n++) {
		xasprintf(&uids[n], "%08x", (u_int)n * 2654435761u);
		state_mark(st, uids[n], 1000);
	}
	CHECK(save(st) == 0);
	state_close(st);
	ino = file_ino(path, &before);
	for (round = 1; round <= 11; round++) {
		if ((st = open_key("compact@h:1")) == NULL)
			return;
		for (i = 0; i < 100; i++, n++) {
			xasprintf(&uids[n], "%08x", (u_int)n * 2654435761u);
			state_mark(st, uids[n], 1000);
		}
		CHECK(save(st) == 0);
		state_close(st);
		if (round <= 10) {
			/* 1000 lines in the tail: still appended. */
			CHECK(file_ino(path, &size) == ino);
			CHECK(size == before + 100 * 14);
			before = size;
		} else
			CHECK(file_ino(path, NULL) != ino);
	}
	qsort(uids, n, sizeof uids[0], cmp_str);
	text = xmalloc(n * 16 + 32);
	len = strlcpy(text, "popfetch-state 1\n", n * 16 + 32);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof line, "%s\t1000\n", uids[i]);
		len = strlcat(text, line, n * 16 + 32);
		free(uids[i]);
	}
	CHECK(len < n * 16 + 32);
	CHECK_STR(slurp(path), text);
	free(text);
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
	test_unclaim();
	test_many();
	test_kill();
	test_append();
	test_tail_damage();
	test_absent_damage();
	test_absent();
	test_quit();
	test_torn();
	test_compact();
	test_lock();

	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return (TEST_DONE());
}
