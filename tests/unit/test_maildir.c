/* Maildir delivery: names, content, abort, crash recovery, a full disk. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/deliver.h"
#include "test.h"
#include "util/xmalloc.h"

static char	 base[] = "/tmp/test_maildir.XXXXXX";
static char	*mdir;

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

static int
count_files(const char *sub)
{
	char		*path;
	DIR		*dirp;
	struct dirent	*dp;
	int		 n = 0;

	xasprintf(&path, "%s/%s", mdir, sub);
	if ((dirp = opendir(path)) == NULL) {
		free(path);
		return (-1);
	}
	while ((dp = readdir(dirp)) != NULL) {
		if (dp->d_name[0] != '.')
			n++;
	}
	closedir(dirp);
	free(path);
	return (n);
}

/* The whole file, NUL-terminated; its length in *len. */
static char *
slurp(const char *sub, const char *name, size_t *len)
{
	char		*path, *buf;
	struct stat	 sb;
	int		 fd;

	xasprintf(&path, "%s/%s/%s", mdir, sub, name);
	fd = open(path, O_RDONLY);
	free(path);
	if (fd == -1 || fstat(fd, &sb) == -1)
		return (NULL);
	buf = xmalloc((size_t)sb.st_size + 1);
	*len = (size_t)read(fd, buf, (size_t)sb.st_size);
	buf[*len] = '\0';
	close(fd);
	return (buf);
}

static int
deliver_one(struct deliver *d, const char *text, size_t len, char *receipt,
    size_t rlen)
{
	struct deliver_msg	 msg = { 1, "uid1", 0 };
	struct error		 err;
	size_t			 off, chunk;

	err_clear(&err);
	msg.size = len;
	if (deliver_begin(d, &msg, receipt, rlen, &err) == -1)
		return (-1);
	/* Chunks of odd sizes, as the session engine hands them over. */
	for (off = 0; off < len; off += chunk) {
		chunk = len - off < 7001 ? len - off : 7001;
		if (deliver_write(d, text + off, chunk, &err) == -1)
			return (-1);
	}
	return (deliver_commit(d, &err));
}

static void
test_delivery(struct deliver *d, char *r1, char *r2)
{
	const char	*small = "From: a@example.org\nSubject: one\n\nhi\n";
	char		*big, *got;
	size_t		 biglen = 300000, len, i;
	struct error	 err;

	big = xmalloc(biglen);
	for (i = 0; i < biglen; i++)
		big[i] = (char)('a' + i % 26);
	big[biglen - 1] = '\n';

	CHECK(deliver_one(d, small, strlen(small), r1,
	    DELIVER_RECEIPT_MAX) == 0);
	CHECK(deliver_one(d, big, biglen, r2, DELIVER_RECEIPT_MAX) == 0);
	/* Committed is not yet delivered: new/ gets them at the sync. */
	CHECK(count_files("new") == 0);
	CHECK(count_files("tmp") == 2);
	err_clear(&err);
	CHECK(deliver_sync(d, &err) == 0);
	CHECK(deliver_sync(d, &err) == 0);

	CHECK(strcmp(r1, r2) != 0);
	CHECK(strchr(r1, '/') == NULL && strchr(r1, ':') == NULL);
	CHECK(strchr(r1, '\t') == NULL && r1[0] != '.');
	CHECK(count_files("new") == 2);
	CHECK(count_files("tmp") == 0);

	got = slurp("new", r1, &len);
	CHECK(got != NULL && len == strlen(small) &&
	    memcmp(got, small, len) == 0);
	free(got);
	got = slurp("new", r2, &len);
	CHECK(got != NULL && len == biglen && memcmp(got, big, len) == 0);
	free(got);
	free(big);
}

static void
test_abort(struct deliver *d)
{
	struct deliver_msg	 msg = { 3, "uid3", 5 };
	struct error		 err;
	char			 receipt[DELIVER_RECEIPT_MAX], *big;
	size_t			 biglen = 1 << 20;

	err_clear(&err);
	CHECK(deliver_begin(d, &msg, receipt, sizeof receipt, &err) == 0);
	/* The file is made at the first write, once the journal has it. */
	CHECK(count_files("tmp") == 0);
	CHECK(deliver_write(d, "abcde", 5, &err) == 0);
	deliver_abort(d);
	deliver_abort(d);
	CHECK(count_files("tmp") == 0);
	big = calloc(1, biglen);
	CHECK(deliver_begin(d, &msg, receipt, sizeof receipt, &err) == 0);
	CHECK(deliver_write(d, big, biglen, &err) == 0);
	CHECK(count_files("tmp") == 1);
	deliver_abort(d);
	CHECK(count_files("tmp") == 0);
	free(big);
	CHECK(count_files("new") == 2);
	CHECK(deliver_recover(d, receipt, &err) == 0);
}

static void
test_recover(struct deliver *d, const char *r1, const char *r2)
{
	struct error	 err;
	char		*from, *to, prefix[DELIVER_RECEIPT_MAX];
	int		 fd;

	err_clear(&err);
	CHECK(deliver_recover(d, r1, &err) == 1);

	/* A mail reader saw the second one. */
	xasprintf(&from, "%s/new/%s", mdir, r2);
	xasprintf(&to, "%s/cur/%s:2,S", mdir, r2);
	CHECK(rename(from, to) == 0);
	free(from);
	free(to);
	CHECK(deliver_recover(d, r2, &err) == 1);

	CHECK(deliver_recover(d, "1700000000.M1P1Q1.nowhere", &err) == 0);
	/* A prefix of a delivered name is not that name. */
	snprintf(prefix, sizeof prefix, "%s", r2);
	prefix[strlen(prefix) - 1] = '\0';
	CHECK(deliver_recover(d, prefix, &err) == 0);

	/* Killed between begin and commit: the file in tmp/ goes. */
	xasprintf(&from, "%s/tmp/1700000000.M2P2Q2.nowhere", mdir);
	fd = open(from, O_CREAT | O_WRONLY, 0600);
	CHECK(fd != -1);
	close(fd);
	CHECK(deliver_recover(d, "1700000000.M2P2Q2.nowhere", &err) == 0);
	CHECK(access(from, F_OK) == -1);
	free(from);

	CHECK(deliver_recover(d, "../../etc/passwd", &err) == -1);
	CHECK(err.code == ERR_IO);
	CHECK(deliver_recover(d, "..", &err) == -1);
}

/* The file size limit stands in for a full disk: write() fails alike. */
static void
test_write_failure(struct deliver *d)
{
	struct deliver_msg	 msg = { 4, "uid4", 0 };
	struct rlimit		 old, rl;
	struct error		 err;
	char			 receipt[DELIVER_RECEIPT_MAX], *big;
	size_t			 biglen = 200000;
	int			 rv;

	big = xmalloc(biglen);
	memset(big, 'x', biglen);
	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	rl = old;
	rl.rlim_cur = 8192;
	CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);

	err_clear(&err);
	CHECK(deliver_begin(d, &msg, receipt, sizeof receipt, &err) == 0);
	rv = deliver_write(d, big, biglen, &err);
	if (rv == 0)
		rv = deliver_commit(d, &err);
	else
		deliver_abort(d);
	CHECK(rv == -1);
	CHECK(err.code == ERR_IO);
	CHECK(strstr(err.what, receipt) != NULL);
	CHECK(strstr(err.what, "File too large") != NULL);
	CHECK(err.hint[0] != '\0');

	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	CHECK(count_files("new") == 1);
	CHECK(count_files("tmp") == 0);
	CHECK(deliver_recover(d, receipt, &err) == 0);
	free(big);
}

int
main(void)
{
	struct account	 acct;
	struct deliver	*d;
	struct error	 err;
	struct stat	 sb;
	char		 r1[DELIVER_RECEIPT_MAX], r2[DELIVER_RECEIPT_MAX];
	char		*path;

	umask(022);
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	xasprintf(&mdir, "%s/deep/er/Maildir", base);

	memset(&acct, 0, sizeof acct);
	acct.name = "test";
	acct.delivery = DELIVERY_MAILDIR;
	acct.delivery_path = mdir;
	err_clear(&err);
	d = deliver_open(&acct, &err);
	CHECK(d != NULL);
	if (d == NULL) {
		fprintf(stderr, "deliver_open: %s\n", err.what);
		return (1);
	}
	xasprintf(&path, "%s/tmp", mdir);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0700);
	free(path);
	CHECK(count_files("cur") == 0);

	test_delivery(d, r1, r2);
	test_abort(d);
	test_recover(d, r1, r2);
	test_write_failure(d);
	deliver_close(d);

	/* Reopening an existing maildir works the same. */
	d = deliver_open(&acct, &err);
	CHECK(d != NULL);
	if (d != NULL)
		CHECK(deliver_recover(d, r1, &err) == 1);
	/* Committed, never synced: closed without a trace, not delivered. */
	if (d != NULL) {
		int	innew = count_files("new");

		CHECK(deliver_one(d, "x\n", 2, r1, DELIVER_RECEIPT_MAX) == 0);
		CHECK(count_files("tmp") == 1);
		deliver_close(d);
		CHECK(count_files("tmp") == 0);
		CHECK(count_files("new") == innew);
	}

	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(mdir);
	return (TEST_DONE());
}
