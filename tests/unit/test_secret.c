/*
 * passwordeval: what a command prints, and each way it can fail; ~/.netrc;
 * the order in which a secret is looked for.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netrc.h"
#include "rc.h"
#include "secret.h"
#include "test.h"
#include "util/xmalloc.h"

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

/* Writes a file in dir with the given mode; its path in a static buffer. */
static const char *
put(const char *dir, const char *name, const char *text, mode_t mode)
{
	static char	path[512];
	int		fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return (NULL);
	fchmod(fd, mode);
	close(fd);
	return (path);
}

static void
test_netrc(const char *dir)
{
	const char	*path;
	char		*login, *pw;

	path = put(dir, "netrc",
	    "# not a comment in old ftp, but a token pair here\n"
	    "machine other.example login bob password nope\n"
	    "machine pop.example.org\n"
	    "\tlogin alice\n"
	    "\tpassword \"two words \\\" q\"\n"
	    "machine pop.example.org login carol password c-pw account x\n"
	    "macdef init\n"
	    "machine pop.example.org login dave password in-macro\n"
	    "\n"
	    "machine POP.example.org password any-login\n"
	    "default login anon password guest\n", 0600);
	CHECK(path != NULL);

	err_clear(&err);
	CHECK(netrc_lookup(path, "pop.example.org", "alice", &login, &pw,
	    &err) == 1);
	CHECK_STR(login, "alice");
	CHECK_STR(pw, "two words \" q");
	free(login);
	xfree_secret(pw);

	CHECK(netrc_lookup(path, "pop.example.org", "carol", &login, &pw,
	    &err) == 1);
	CHECK_STR(pw, "c-pw");
	free(login);
	xfree_secret(pw);

	/* A macro's body is not an entry; an entry without login matches. */
	CHECK(netrc_lookup(path, "pop.example.org", "dave", &login, &pw,
	    &err) == 1);
	CHECK(login == NULL);
	CHECK_STR(pw, "any-login");
	xfree_secret(pw);

	/* No user: the first entry for the host. */
	CHECK(netrc_lookup(path, "pop.example.org", NULL, &login, &pw,
	    &err) == 1);
	CHECK_STR(login, "alice");
	free(login);
	xfree_secret(pw);

	/* default matches any other host. */
	CHECK(netrc_lookup(path, "else.example", "anon", &login, &pw,
	    &err) == 1);
	CHECK_STR(pw, "guest");
	free(login);
	xfree_secret(pw);
	CHECK(netrc_lookup(path, "else.example", "bob", &login, &pw,
	    &err) == 0);

	CHECK(netrc_lookup("/nonexistent/netrc", "h", NULL, &login, &pw,
	    &err) == 0);

	/* Readable by others, with a password: refused like fetchrc. */
	path = put(dir, "netrc", "machine h login u password p\n", 0644);
	err_clear(&err);
	CHECK(netrc_lookup(path, "h", "u", &login, &pw, &err) == -1);
	CHECK(err.code == ERR_CONFIG);
	CHECK(strstr(err.hint, "chmod 600") != NULL);
	/* Any spelling the parser reads as the keyword counts. */
	path = put(dir, "netrc", "machine h login u \"pass\\word\" p\n",
	    0644);
	err_clear(&err);
	CHECK(netrc_lookup(path, "h", "u", &login, &pw, &err) == -1);
	CHECK(err.code == ERR_CONFIG);
	path = put(dir, "netrc", "machine h login u\n", 0644);
	CHECK(netrc_lookup(path, "h", "u", &login, &pw, &err) == 0);
}

static void
test_resolve(const char *dir)
{
	struct rc_account	 ra;
	char			*argv[] = { "echo", "from eval", NULL };
	char			*secret, *user;
	int			 fd;

	/* No terminal to ask on. */
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	setenv("HOME", dir, 1);
	unlink(put(dir, ".netrc", "", 0600));

	memset(&ra, 0, sizeof ra);
	ra.acct.name = "work";
	ra.acct.rcfile = "/home/u/.fetchrc";
	ra.acct.auth = AUTH_AUTO;
	ra.acct.host = "pop.example.org";
	ra.acct.user = "u";
	ra.line[rc_key_index("user")] = 3;

	err_clear(&err);
	CHECK(secret_resolve(&ra, &user, &secret, &err) == -1);
	CHECK(secret == NULL);
	CHECK(err.code == ERR_NOPERM);
	CHECK_STR(err.what, "no password for work: set password, "
	    "passwordeval, or a ~/.netrc entry");

	/* external needs none. */
	ra.acct.auth = AUTH_EXTERNAL;
	CHECK(secret_resolve(&ra, &user, &secret, &err) == 0);
	CHECK(secret == NULL && user == NULL);
	ra.acct.auth = AUTH_AUTO;

	/* ~/.netrc, for this user; without a user in fetchrc, its login. */
	put(dir, ".netrc", "machine pop.example.org login other password o\n"
	    "machine pop.example.org login u password from-netrc\n", 0600);
	CHECK(secret_resolve(&ra, &user, &secret, &err) == 0);
	CHECK_STR(secret, "from-netrc");
	CHECK(user == NULL);
	xfree_secret(secret);
	ra.line[rc_key_index("user")] = 0;
	CHECK(secret_resolve(&ra, &user, &secret, &err) == 0);
	CHECK_STR(secret, "o");
	CHECK_STR(user, "other");
	free(user);
	xfree_secret(secret);

	put(dir, ".netrc", "machine pop.example.org login u password p\n",
	    0640);
	err_clear(&err);
	CHECK(secret_resolve(&ra, &user, &secret, &err) == -1);
	CHECK(err.code == ERR_CONFIG);

	ra.passwordeval.v = argv;
	ra.passwordeval.n = 2;
	CHECK(secret_resolve(&ra, &user, &secret, &err) == 0);
	CHECK_STR(secret, "from eval");
	xfree_secret(secret);

	ra.acct.password = "pw";
	CHECK(secret_resolve(&ra, &user, &secret, &err) == 0);
	CHECK_STR(secret, "pw");
	CHECK(secret != ra.acct.password);
	xfree_secret(secret);
}

int
main(void)
{
	char	dir[] = "/tmp/test_secret.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return (1);
	test_eval();
	test_child();
	test_netrc(dir);
	test_resolve(dir);
	unlink(put(dir, ".netrc", "", 0600));
	unlink(put(dir, "netrc", "", 0600));
	rmdir(dir);
	return (TEST_DONE());
}
