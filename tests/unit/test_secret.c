/* passwordeval: what a command prints, and each way it can fail. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"
#include "secret.h"
#include "test.h"
#include "xmalloc.h"

static struct error	err;

/* The secret sh -c script prints, or "ERR: what" when it fails. */
static const char *
sh(const char *script)
{
	static char	 out[SECRET_MAX + 64];
	char		*argv[] = { "sh", "-c", (char *)script, NULL };
	char		*secret;

	err_clear(&err);
	if (secret_eval(argv, &secret, &err) == -1) {
		CHECK(secret == NULL);
		CHECK(err.code == ERR_NOPERM);
		snprintf(out, sizeof out, "ERR: %s", err.what);
	} else {
		snprintf(out, sizeof out, "%s", secret);
		xfree_secret(secret);
	}
	return (out);
}

static void
test_eval(void)
{
	char	*argv[] = { "printf", "s3cret\\nsecond\\n", NULL };
	char	*none[] = { "/nonexistent/pw", "x", NULL };
	char	*secret;

	CHECK(secret_eval(argv, &secret, &err) == 0);
	CHECK_STR(secret, "s3cret");
	xfree_secret(secret);

	CHECK_STR(sh("printf 'a b\\r\\n'"), "a b");
	CHECK_STR(sh("printf abc"), "abc");
	CHECK_STR(sh("printf ' x \\n'"), " x ");
	CHECK_STR(sh("echo pw; head -c 100000 /dev/zero"), "pw");

	CHECK_STR(sh("echo pw; exit 3"), "ERR: passwordeval sh -c "
	    "\"echo pw; exit 3\" failed with exit status 3");
	CHECK_STR(sh("kill -TERM $$"), "ERR: passwordeval sh -c "
	    "\"kill -TERM $$\" was killed by signal 15 (Terminated)");
	CHECK_STR(sh("true"),
	    "ERR: passwordeval sh -c true printed no password");
	CHECK_STR(sh("echo; echo pw"),
	    "ERR: passwordeval sh -c \"echo; echo pw\" printed no password");
	CHECK_STR(sh("printf 'a\\0b\\n'"), "ERR: passwordeval sh -c "
	    "\"printf 'a\\\\0b\\\\n'\" printed a NUL byte");
	CHECK_STR(sh("head -c 5000 /dev/zero | tr '\\0' a"),
	    "ERR: passwordeval sh -c \"head -c 5000 /dev/zero | tr "
	    "'\\\\0' a\" printed a first line of 4095 bytes or more");

	err_clear(&err);
	CHECK(secret_eval(none, &secret, &err) == -1);
	CHECK(err.code == ERR_NOPERM);
	CHECK_STR(err.what, "cannot run passwordeval /nonexistent/pw x: "
	    "No such file or directory");
}

static void
test_child(void)
{
	int	fd;

	/* stdin is /dev/null, not ours. */
	CHECK_STR(sh("if read x; then echo got; else echo eof; fi"), "eof");

	/* No descriptor of ours above 2 leaks into the command. */
	fd = open("/dev/null", O_RDONLY);
	CHECK(fd > 2);
	if (fd != 7) {
		CHECK(dup2(fd, 7) == 7);
		close(fd);
	}
	CHECK_STR(sh("if (: <&7) 2>/dev/null; then echo open; "
	    "else echo closed; fi"), "closed");
	CHECK_STR(sh("if (: <&3) 2>/dev/null; then echo open; "
	    "else echo closed; fi"), "closed");
	close(7);

	/* popfetch ignores SIGPIPE; the command gets it back. */
	signal(SIGPIPE, SIG_IGN);
	CHECK_STR(sh("kill -PIPE $$; echo alive"), "ERR: passwordeval sh -c "
	    "\"kill -PIPE $$; echo alive\" was killed by signal 13 "
	    "(Broken pipe)");
	signal(SIGPIPE, SIG_DFL);
}

static void
test_resolve(void)
{
	struct rc_account	 ra;
	char			*argv[] = { "echo", "from eval", NULL };
	char			*secret;

	memset(&ra, 0, sizeof ra);
	ra.acct.name = "work";
	ra.acct.rcfile = "/home/u/.fetchrc";
	ra.acct.auth = AUTH_AUTO;

	err_clear(&err);
	CHECK(secret_resolve(&ra, &secret, &err) == -1);
	CHECK(secret == NULL);
	CHECK(err.code == ERR_NOPERM);
	CHECK_STR(err.what, "no password for work: set password or "
	    "passwordeval in /home/u/.fetchrc");

	ra.passwordeval.v = argv;
	ra.passwordeval.n = 2;
	CHECK(secret_resolve(&ra, &secret, &err) == 0);
	CHECK_STR(secret, "from eval");
	xfree_secret(secret);

	ra.acct.password = "pw";
	CHECK(secret_resolve(&ra, &secret, &err) == 0);
	CHECK_STR(secret, "pw");
	CHECK(secret != ra.acct.password);
	xfree_secret(secret);
}

int
main(void)
{
	test_eval();
	test_child();
	test_resolve();
	return (TEST_DONE());
}
