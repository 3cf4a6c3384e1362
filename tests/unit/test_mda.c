/*
 * MDA delivery with small scripted MDAs: delivered, exit 75, failure with
 * its last stderr line, killed, one that stops reading, one that floods
 * stderr, one that cannot be run; %F with a hostile sender; descriptors
 * closed; recovery.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/deliver.h"
#include "test.h"
#include "util/xmalloc.h"

static char		 base[] = "/tmp/test_mda.XXXXXX";
static char		*statedir, *out;
static struct account	 account_;

static const char	 msg[] =
    "Return-Path: <-oQ/tmp/x@evil.example>\n"
    "Subject: test\n"
    "\n"
    "From the body\n"
    ".dot\n";

static char *
script(const char *name, const char *body)
{
	char	*path;
	FILE	*f;

	xasprintf(&path, "%s/%s", base, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0700);
	return (path);
}

static char *
slurp(const char *path)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1)
		return (xstrdup("(none)"));
	buf = xmalloc(sb.st_size + 1);
	n = read(fd, buf, sb.st_size);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	return (buf);
}

/* Runs one message through argv; the commit's result, err filled. */
static int
run(char **argv, const char *m, size_t len, char *receipt,
    struct error *err)
{
	struct deliver		*d;
	struct deliver_msg	 dm = { 1, "uid1", len };
	char			 r[DELIVER_RECEIPT_MAX];
	size_t			 at, n;
	int			 rv = -1;

	account_.mda_argv = argv;
	err_clear(err);
	if ((d = deliver_open(&account_, err)) == NULL)
		return (-1);
	if (deliver_begin(d, &dm, receipt != NULL ? receipt : r, sizeof r,
	    err) == -1)
		goto out;
	/* In uneven pieces, as the network would hand them over. */
	for (at = 0; at < len; at += n) {
		n = len - at < 7777 ? len - at : 7777;
		if (deliver_write(d, m + at, n, err) == -1) {
			deliver_abort(d);
			goto out;
		}
	}
	rv = deliver_commit(d, err);
	if (rv == 0)
		CHECK(deliver_sync(d, err) == 0);
out:
	deliver_close(d);
	return (rv);
}

static void
test_delivered(void)
{
	struct error	 err;
	char		*sh, *got, *args, *argv[8];
	char		 path[1024];

	sh = script("ok.sh",
	    "out=$1; shift\n"
	    "cat >\"$out\"\n"
	    "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done >\"$out.args\"\n"
	    "for fd in 3 4 5 6 7 8 9; do\n"
	    "  if { true >&$fd; } 2>/dev/null; then echo \"fd $fd\"; fi\n"
	    "done >>\"$out.args\"\n"
	    "exit 0\n");
	argv[0] = sh;
	argv[1] = out;
	argv[2] = "%F";
	argv[3] = "-f%F";
	argv[4] = "100%%";
	argv[5] = "%x %";
	argv[6] = NULL;
	if (run(argv, msg, sizeof msg - 1, NULL, &err) == -1) {
		fprintf(stderr, "%s\n", err.what);
		CHECK(0);
	}
	got = slurp(out);
	CHECK_STR(got, msg);
	free(got);
	snprintf(path, sizeof path, "%s.args", out);
	args = slurp(path);
	/* One argument each; no option can come of the sender. */
	CHECK_STR(args, "[_-oQ_tmp_x@evil.example]\n"
	    "[-f_-oQ_tmp_x@evil.example]\n[100%]\n[%x %]\n");
	free(args);

	/* No header, no sender; an empty message. */
	CHECK(run(argv, "no header at all", 16, NULL, &err) == 0);
	got = slurp(out);
	CHECK_STR(got, "no header at all");
	free(got);
	args = slurp(path);
	CHECK(strncmp(args, "[MAILER-DAEMON]\n", 16) == 0);
	free(args);
	CHECK(run(argv, "", 0, NULL, &err) == 0);
	got = slurp(out);
	CHECK_STR(got, "");
	free(got);
	free(sh);
}

static void
test_errors(void)
{
	struct error	 err;
	char		*sh, *argv[3], *big;
	size_t		 i, len = 1 << 20;

	argv[1] = out;
	argv[2] = NULL;

	sh = argv[0] = script("tempfail.sh", "cat >/dev/null\n"
	    "echo 'mailbox busy' >&2\nexit 75\n");
	CHECK(run(argv, msg, sizeof msg - 1, NULL, &err) == -1);
	CHECK(err.code == ERR_TEMP);
	CHECK(strstr(err.what, "exited with status 75") != NULL);
	CHECK(strstr(err.what, "mailbox busy") != NULL);
	free(sh);

	sh = argv[0] = script("fail.sh", "cat >/dev/null\n"
	    "echo first >&2\nprintf 'last\\twords\\033[1m\\n\\n' >&2\n"
	    "exit 3\n");
	CHECK(run(argv, msg, sizeof msg - 1, NULL, &err) == -1);
	CHECK(err.code == ERR_IO);
	CHECK(strstr(err.what, "exited with status 3: last words?[1m") !=
	    NULL);
	CHECK(strstr(err.hint, "stays on the server") != NULL);
	free(sh);

	sh = argv[0] = script("killed.sh", "cat >/dev/null\nkill -9 $$\n");
	CHECK(run(argv, msg, sizeof msg - 1, NULL, &err) == -1);
	CHECK(err.code == ERR_IO);
	CHECK(strstr(err.what, "was killed by signal 9") != NULL);
	free(sh);

	big = xmalloc(len);
	for (i = 0; i < len; i++)
		big[i] = i % 70 == 69 ? '\n' : 'b';
	memcpy(big, "From: a@b\n\n", 11);

	sh = argv[0] = script("noread.sh", "echo 'not reading' >&2\n"
	    "exit 0\n");
	CHECK(run(argv, big, len, NULL, &err) == -1);
	CHECK(err.code == ERR_IO);
	CHECK(strstr(err.what, "stopped reading") != NULL);
	CHECK(strstr(err.what, "not reading") != NULL);
	free(sh);

	/* Much on stderr before it reads: no deadlock. */
	sh = argv[0] = script("chatty.sh",
	    "i=0; while [ $i -lt 2000 ]; do\n"
	    "  echo \"line $i of chatter on stderr, long enough\" >&2\n"
	    "  i=$((i + 1))\ndone\n"
	    "cat >\"$1\"\nexit 0\n");
	CHECK(run(argv, big, len, NULL, &err) == 0);
	{
		char	*got = slurp(out);

		CHECK(strlen(got) == len && memcmp(got, big, len) == 0);
		free(got);
	}
	free(sh);
	free(big);

	argv[0] = "/nonexistent/mda";
	CHECK(run(argv, msg, sizeof msg - 1, NULL, &err) == -1);
	CHECK(err.code == ERR_IO);
	CHECK(strstr(err.what, "cannot run MDA /nonexistent/mda") != NULL);

	/* Found in PATH like a command, without a shell. */
	argv[0] = "cat";
	argv[1] = NULL;
	CHECK(run(argv, msg, sizeof msg - 1, NULL, &err) == 0);
}

static void
test_recover(void)
{
	struct deliver	*d;
	struct error	 err;
	char		 r1[DELIVER_RECEIPT_MAX], r2[DELIVER_RECEIPT_MAX];
	char		*argv[2] = { "cat", NULL }, *fail[2] = { "false", NULL };

	CHECK(run(argv, msg, sizeof msg - 1, r1, &err) == 0);
	CHECK(run(fail, msg, sizeof msg - 1, r2, &err) == -1);
	d = deliver_open(&account_, &err);
	CHECK(d != NULL);
	if (d == NULL)
		return;
	/* r1 was in the last run's log, which the next run emptied. */
	CHECK(deliver_recover(d, r2, &err) == 0);
	CHECK(deliver_recover(d, "0123456789abcdef", &err) == 0);
	CHECK(deliver_recover(d, "../etc", &err) == -1);
	deliver_close(d);

	/* Within one run's log; two messages, the second shorter. */
	{
		struct deliver_msg	dm = { 1, "u", 0 };
		char			*sh, *got, *av[3];

		sh = script("two.sh", "cat >\"$1\"\n");
		av[0] = sh;
		av[1] = out;
		av[2] = NULL;
		account_.mda_argv = av;
		d = deliver_open(&account_, &err);
		CHECK(deliver_begin(d, &dm, r1, sizeof r1, &err) == 0);
		CHECK(deliver_write(d, msg, sizeof msg - 1, &err) == 0);
		CHECK(deliver_commit(d, &err) == 0);
		CHECK(deliver_begin(d, &dm, r2, sizeof r2, &err) == 0);
		CHECK(deliver_write(d, "Subject: 2\n\n", 13, &err) == 0);
		CHECK(deliver_commit(d, &err) == 0);
		got = slurp(out);
		CHECK_STR(got, "Subject: 2\n\n");
		free(got);
		CHECK(deliver_begin(d, &dm, r2, sizeof r2, &err) == 0);
		CHECK(deliver_write(d, msg, 10, &err) == 0);
		/* Killed here: the MDA never ran on half a message. */
		deliver_close(d);
		d = deliver_open(&account_, &err);
		CHECK(deliver_recover(d, r1, &err) == 1);
		CHECK(deliver_recover(d, r2, &err) == 0);
		deliver_close(d);
		free(sh);
	}
}

int
main(void)
{
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	xasprintf(&statedir, "%s/state", base);
	xasprintf(&out, "%s/out", base);
	mkdir(statedir, 0700);
	/* As popfetch does: a reader gone is EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);

	memset(&account_, 0, sizeof account_);
	account_.name = "test";
	account_.user = "me";
	account_.host = "pop.example.org";
	account_.delivery = DELIVERY_MDA;
	account_.state_dir = statedir;

	test_delivered();
	test_errors();
	test_recover();
	return (TEST_DONE());
}
