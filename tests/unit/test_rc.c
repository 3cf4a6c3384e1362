/*
 * fetchrc: each case is rc text and what the parser must make of it, the
 * account settings or the exact error with its line.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"
#include "test.h"
#include "words.h"

static char	tmpdir[] = "/tmp/test_rc.XXXXXX";
static char	rcpath[PATH_MAX];

static int
load_bytes(const char *text, size_t len, mode_t mode, struct rc **rc,
    struct error *err)
{
	FILE	*f;

	if ((f = fopen(rcpath, "w")) == NULL) {
		perror(rcpath);
		exit(1);
	}
	if (fwrite(text, 1, len, f) != len || fclose(f) != 0 ||
	    chmod(rcpath, mode) == -1) {
		perror(rcpath);
		exit(1);
	}
	err_clear(err);
	return (rc_load(rcpath, rc, err));
}

static struct rc *
load(const char *text)
{
	struct error	 err;
	struct rc	*rc;

	if (load_bytes(text, strlen(text), 0600, &rc, &err) == -1) {
		fprintf(stderr, "unexpected error: %s\n", err.what);
		CHECK(0);
		return (NULL);
	}
	return (rc);
}

/* The error of rc text that must fail, with the directory cut off. */
static const char *
fails_mode(const char *text, mode_t mode)
{
	static struct error	 err;
	struct rc		*rc;

	if (load_bytes(text, strlen(text), mode, &rc, &err) == 0) {
		rc_free(rc);
		return ("(loaded)");
	}
	CHECK(err.code == ERR_CONFIG);
	if (strncmp(err.what, tmpdir, strlen(tmpdir)) == 0)
		return (err.what + strlen(tmpdir) + 1);
	return (err.what);
}

static const char *
fails(const char *text)
{
	return (fails_mode(text, 0600));
}

static void
test_words(void)
{
	struct words	 w;
	const char	*errstr;

	CHECK(words_split("a \"b c\" 'q' x\\y \"p\\\"q\\\\r\\s\" \"\" # c",
	    1, &w, &errstr) == 0);
	CHECK(w.n == 6);
	if (w.n == 6) {
		CHECK_STR(w.v[0], "a");
		CHECK_STR(w.v[1], "b c");
		CHECK_STR(w.v[2], "'q'");
		CHECK_STR(w.v[3], "x\\y");
		CHECK_STR(w.v[4], "p\"q\\r\\s");
		CHECK_STR(w.v[5], "");
		CHECK(w.v[6] == NULL);
	}
	words_free(&w);

	CHECK(words_split("ab\"c d\"e\t\"#\"f#g", 1, &w, &errstr) == 0);
	CHECK(w.n == 2);
	if (w.n == 2) {
		CHECK_STR(w.v[0], "abc de");
		CHECK_STR(w.v[1], "#f");
	}
	words_free(&w);

	CHECK(words_split("a#b c", 0, &w, &errstr) == 0);
	CHECK(w.n == 2 && strcmp(w.v[0], "a#b") == 0);
	words_free(&w);

	CHECK(words_split("  \t\r\n", 1, &w, &errstr) == 0);
	CHECK(w.n == 0 && w.v[0] == NULL);
	words_free(&w);

	CHECK(words_split("a \"b", 1, &w, &errstr) == -1);
	CHECK_STR(errstr, "unterminated quote");
	CHECK(w.v == NULL);

	{
		char	*argv[] = { "sh", "-c", "echo \"hi\" # x", "", NULL };
		char	*s = words_join(argv);

		CHECK_STR(s, "sh -c \"echo \\\"hi\\\" # x\" \"\"");
		CHECK(words_split(s, 1, &w, &errstr) == 0);
		CHECK(w.n == 4 && strcmp(w.v[2], argv[2]) == 0);
		words_free(&w);
		free(s);
	}
}

static void
test_defaults_builtin(void)
{
	struct rc		*rc;
	struct rc_account	*ra;
	struct account		*a;
	char			 buf[PATH_MAX];

	unsetenv("XDG_STATE_HOME");
	if ((rc = load("account a\n\thost pop.example.com\n")) == NULL)
		return;
	CHECK(rc->naccounts == 1);
	ra = rc_find(rc, "a");
	CHECK(ra != NULL && rc_find(rc, "b") == NULL);
	a = &ra->acct;
	CHECK_STR(a->name, "a");
	CHECK_STR(a->rcfile, rcpath);
	CHECK(a->rcline == 1);
	CHECK_STR(a->host, "pop.example.com");
	CHECK(a->port == 0);
	CHECK(a->tls == 1 && a->tls_starttls == 0 && a->tls_verify == 1);
	CHECK(a->tls_trust_file == NULL);
	CHECK(a->auth == AUTH_AUTO);
	CHECK_STR(a->user, "tester");
	CHECK(a->password == NULL && ra->passwordeval.n == 0);
	CHECK(a->delivery == DELIVERY_MAILDIR);
	snprintf(buf, sizeof buf, "%s/Maildir", tmpdir);
	CHECK_STR(a->delivery_path, buf);
	CHECK(a->keep == KEEP_OFF);
	CHECK(a->only_new == 1);
	CHECK(a->timeout == 60);
	CHECK(a->pipelining == PIPELINING_AUTO);
	snprintf(buf, sizeof buf, "%s/.local/state/popfetch", tmpdir);
	CHECK_STR(a->state_dir, buf);
	CHECK(rc_setat(ra, "host") == 2 && rc_setat(ra, "port") == 0);
	rc_free(rc);

	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	if ((rc = load("account a\nhost h\n")) != NULL) {
		CHECK_STR(rc->accounts[0]->acct.state_dir,
		    "/xdg/state/popfetch");
		rc_free(rc);
	}
	/* The specification says to ignore a relative XDG directory. */
	setenv("XDG_STATE_HOME", "relative", 1);
	if ((rc = load("account a\nhost h\n")) != NULL) {
		snprintf(buf, sizeof buf, "%s/.local/state/popfetch", tmpdir);
		CHECK_STR(rc->accounts[0]->acct.state_dir, buf);
		rc_free(rc);
	}
	unsetenv("XDG_STATE_HOME");
}

static void
test_values(void)
{
	struct rc	*rc;
	struct account	*a;
	char		 buf[PATH_MAX];

	rc = load(
	    "# a comment\n"
	    "\n"
	    "   # an indented comment\n"
	    "account \"a\"   # named a\r\n"
	    "host pop.example.com\r\n"
	    "port 1110\n"
	    "tls on\n"
	    "tls_starttls on\n"
	    "tls_trust_file ~/ca.pem\n"
	    "tls_verify off\n"
	    "auth user\n"
	    "user \"me@example.com\"\n"
	    "password \"p a\\\"s#s\\\\\"  # not part of it\n"
	    "delivery maildir \"~/My Mail\"\n"
	    "keep on\n"
	    "only_new off\n"
	    "timeout 3600\n"
	    "pipelining off\n"
	    "state_dir ~user/state\n");
	if (rc == NULL)
		return;
	a = &rc->accounts[0]->acct;
	CHECK_STR(a->name, "a");
	CHECK(a->rcline == 4);
	CHECK_STR(a->host, "pop.example.com");
	CHECK(a->port == 1110);
	CHECK(a->tls == 1 && a->tls_starttls == 1 && a->tls_verify == 0);
	snprintf(buf, sizeof buf, "%s/ca.pem", tmpdir);
	CHECK_STR(a->tls_trust_file, buf);
	CHECK(a->auth == AUTH_USER);
	CHECK_STR(a->user, "me@example.com");
	CHECK_STR(a->password, "p a\"s#s\\");
	snprintf(buf, sizeof buf, "%s/My Mail", tmpdir);
	CHECK_STR(a->delivery_path, buf);
	CHECK(a->keep == KEEP_ON);
	CHECK(a->only_new == 0);
	CHECK(a->timeout == 3600);
	CHECK(a->pipelining == PIPELINING_OFF);
	/* Only ~/ is expanded. */
	CHECK_STR(a->state_dir, "~user/state");
	CHECK(rc_setat(rc->accounts[0], "password") == 13);
	rc_free(rc);

	rc = load("account a\nhost h\ntls_trust_file /x.pem\n"
	    "tls_trust_file system\npipelining on\nport 65535\ntimeout 1\n"
	    "tls off\n");
	if (rc == NULL)
		return;
	a = &rc->accounts[0]->acct;
	CHECK(a->tls_trust_file == NULL);
	CHECK(a->pipelining == PIPELINING_ON);
	CHECK(a->port == 65535 && a->timeout == 1 && a->tls == 0);
	CHECK(a->received_header == 1);
	CHECK(a->max_size == 0 && a->kill_size == 0 && a->max_messages == 0);
	CHECK(a->filter == NULL);
	CHECK(a->filter_exit == FILTER_EXIT_POPFETCH);
	rc_free(rc);

	rc = load("account a\nhost h\nkeep 7d\nmax_size 20M\nkill_size 512\n"
	    "max_messages 10\nfilter \"/bin/sh -c 'exit 0'\"\n"
	    "received_header off\n"
	    "account b : a\nkeep 12h\nmax_size 3K\nkill_size 2G\n");
	if (rc == NULL)
		return;
	a = &rc->accounts[0]->acct;
	CHECK(a->keep == KEEP_DURATION && a->keep_secs == 7 * 86400);
	CHECK(a->max_size == 20 * 1024 * 1024);
	CHECK(a->kill_size == 512);
	CHECK(a->max_messages == 10);
	CHECK(a->filter != NULL && a->filter[4] == NULL);
	if (a->filter != NULL) {
		CHECK_STR(a->filter[0], "/bin/sh");
		CHECK_STR(a->filter[2], "'exit");
	}
	CHECK(a->received_header == 0);
	a = &rc->accounts[1]->acct;
	CHECK(a->keep == KEEP_DURATION && a->keep_secs == 12 * 3600);
	CHECK(a->max_size == 3 * 1024);
	CHECK(a->kill_size == 2ULL * 1024 * 1024 * 1024);
	CHECK(a->filter != NULL && a->max_messages == 10);
	rc_free(rc);

	rc = load("account a\nhost h\nfilter f\nfilter_exit mpop\n"
	    "account b : a\nfilter_exit popfetch\n");
	if (rc == NULL)
		return;
	CHECK(rc->accounts[0]->acct.filter_exit == FILTER_EXIT_MPOP);
	CHECK(rc->accounts[1]->acct.filter_exit == FILTER_EXIT_POPFETCH);
	rc_free(rc);

	rc = load("account a\nhost h\nfilter ~/bin/f ~/x\n");
	if (rc == NULL)
		return;
	a = &rc->accounts[0]->acct;
	snprintf(buf, sizeof buf, "%s/bin/f", tmpdir);
	CHECK(a->filter != NULL);
	if (a->filter != NULL) {
		CHECK_STR(a->filter[0], buf);
		/* Only the program: arguments are the program's business. */
		CHECK_STR(a->filter[1], "~/x");
	}
	rc_free(rc);

	rc = load("account a\nhost h\ntls_fingerprint "
	    "AB:cd:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
	    "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89\n"
	    "tls_cert_file ~/c.pem\ntls_key_file /k.pem\n"
	    "tls_priorities \"SECURE256:-VERS-TLS1.2\"\n");
	if (rc == NULL)
		return;
	a = &rc->accounts[0]->acct;
	CHECK_STR(a->tls_fingerprint, "abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef0123456789");
	snprintf(buf, sizeof buf, "%s/c.pem", tmpdir);
	CHECK_STR(a->tls_cert_file, buf);
	CHECK_STR(a->tls_key_file, "/k.pem");
	CHECK_STR(a->tls_priorities, "SECURE256:-VERS-TLS1.2");
	rc_free(rc);
}

/* Size units in either case, as mpop and fetchmail users write them. */
static void
test_sizes(void)
{
	static const struct {
		const char		*value;
		unsigned long long	 bytes;
	} t[] = {
		{ "100k", 100 * 1024 },
		{ "100K", 100 * 1024 },
		{ "20m", 20 * 1024 * 1024 },
		{ "20M", 20 * 1024 * 1024 },
		{ "1g", 1024 * 1024 * 1024 },
		{ "1G", 1024 * 1024 * 1024 },
		{ "512", 512 },
	};
	struct rc	*rc;
	char		 text[128];
	size_t		 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(text, sizeof text, "account a\nhost h\n"
		    "max_size %s\nkill_size %s\n", t[i].value, t[i].value);
		if ((rc = load(text)) == NULL)
			continue;
		CHECK(rc->accounts[0]->acct.max_size == t[i].bytes);
		CHECK(rc->accounts[0]->acct.kill_size == t[i].bytes);
		rc_free(rc);
	}
	CHECK_STR(fails("account a\nhost h\nmax_size 100kb\n"),
	    "fetchrc:3: max_size '100kb' is not a size (like 20M; bytes, or "
	    "units K, M, G)");
	CHECK_STR(fails("account a\nhost h\nmax_size 1t\n"),
	    "fetchrc:3: max_size '1t' is not a size (like 20M; bytes, or "
	    "units K, M, G)");
}

/* delivery mbox FILE and delivery mda PROGRAM ARG... */
static void
test_delivery(void)
{
	struct rc	*rc;
	struct account	*a;
	char		 buf[PATH_MAX];

	rc = load("defaults\ndelivery mda /usr/bin/procmail -f %F -a \"x y\"\n"
	    "account a\nhost h\n"
	    "account b\nhost h\ndelivery mbox ~/Mail/inbox\n"
	    "account c\nhost h\ndelivery mda \"maildrop -f %F\"\n"
	    "account d\nhost h\ndelivery maildir ~/M\n");
	if (rc == NULL)
		return;
	a = &rc->accounts[0]->acct;
	CHECK(a->delivery == DELIVERY_MDA && a->mda_argv != NULL);
	if (a->mda_argv != NULL) {
		CHECK_STR(a->mda_argv[0], "/usr/bin/procmail");
		CHECK_STR(a->mda_argv[1], "-f");
		CHECK_STR(a->mda_argv[2], "%F");
		CHECK_STR(a->mda_argv[3], "-a");
		CHECK_STR(a->mda_argv[4], "x y");
		CHECK(a->mda_argv[5] == NULL);
	}
	a = &rc->accounts[1]->acct;
	CHECK(a->delivery == DELIVERY_MBOX);
	snprintf(buf, sizeof buf, "%s/Mail/inbox", tmpdir);
	CHECK_STR(a->delivery_path, buf);
	a = &rc->accounts[2]->acct;
	CHECK(a->delivery == DELIVERY_MDA && a->mda_argv != NULL);
	if (a->mda_argv != NULL) {
		CHECK_STR(a->mda_argv[0], "maildrop");
		CHECK_STR(a->mda_argv[2], "%F");
		CHECK(a->mda_argv[3] == NULL);
	}
	a = &rc->accounts[3]->acct;
	CHECK(a->delivery == DELIVERY_MAILDIR);
	rc_free(rc);

	CHECK_STR(fails("account a\nhost h\ndelivery mbox\n"),
	    "fetchrc:3: delivery mbox takes one file");
	CHECK_STR(fails("account a\nhost h\ndelivery mbox a b\n"),
	    "fetchrc:3: delivery mbox takes one file");
	CHECK_STR(fails("account a\nhost h\ndelivery mbox \"\"\n"),
	    "fetchrc:3: delivery mbox is empty");
	CHECK_STR(fails("account a\nhost h\ndelivery mda\n"),
	    "fetchrc:3: delivery mda needs a command");
	CHECK_STR(fails("account a\nhost h\ndelivery mda \"\"\n"),
	    "fetchrc:3: delivery mda needs a command");
	CHECK_STR(fails("account a\nhost h\ndelivery mda \"a \\\"b\"\n"),
	    "fetchrc:3: delivery mda: unterminated quote");
}

static void
test_inherit(void)
{
	struct rc		*rc;
	struct rc_account	*ra;
	struct account		*a;

	rc = load(
	    "defaults\n"			/* 1 */
	    "\tport 1000\n"
	    "\ttimeout 10\n"
	    "account a\n"
	    "\thost a.example\n"		/* 5 */
	    "\tport 1001\n"
	    "\tuser ua\n"
	    "account b\n"
	    "\thost b.example\n"
	    "\tuser ub\n"			/* 10 */
	    "\tpipelining off\n"
	    "defaults\n"
	    "\ttimeout 20\n"
	    "\tkeep on\n"
	    "account c : a, b\n"		/* 15 */
	    "\tonly_new off\n"
	    "account d:b,a\n"
	    "account e : d\n"
	    "\tuser ue\n");
	if (rc == NULL)
		return;
	CHECK(rc->naccounts == 5);
	CHECK_STR(rc->accounts[0]->acct.name, "a");
	CHECK_STR(rc->accounts[4]->acct.name, "e");

	a = &rc_find(rc, "a")->acct;
	CHECK(a->port == 1001 && a->timeout == 10 && a->keep == KEEP_OFF);

	a = &rc_find(rc, "b")->acct;
	CHECK(a->port == 1000 && a->pipelining == PIPELINING_OFF);

	/* b did not set port, so a's stays; neither set timeout. */
	ra = rc_find(rc, "c");
	a = &ra->acct;
	CHECK_STR(a->host, "b.example");
	CHECK_STR(a->user, "ub");
	CHECK(a->port == 1001);
	CHECK(a->timeout == 20);
	CHECK(a->keep == KEEP_ON);
	CHECK(a->pipelining == PIPELINING_OFF);
	CHECK(a->only_new == 0);
	CHECK(a->rcline == 15);
	CHECK(rc_setat(ra, "host") == 9 && rc_setat(ra, "port") == 6);
	CHECK(rc_setat(ra, "only_new") == 16 &&
	    rc_setat(ra, "timeout") == 13);

	a = &rc_find(rc, "d")->acct;
	CHECK_STR(a->host, "a.example");
	CHECK_STR(a->user, "ua");
	CHECK(a->port == 1001 && a->pipelining == PIPELINING_OFF);

	/* Grandparents pass through. */
	a = &rc_find(rc, "e")->acct;
	CHECK_STR(a->host, "a.example");
	CHECK_STR(a->user, "ue");
	CHECK(a->port == 1001 && a->pipelining == PIPELINING_OFF);
	rc_free(rc);
}

static void
test_secrets(void)
{
	struct rc		*rc;
	struct rc_account	*ra;

	rc = load(
	    "account a\nhost h\npassword pw\n"
	    "account b : a\npasswordeval pass show \"mail/b c\"\n"
	    "account c : b\npassword pc\n"
	    "account d\nhost h\npasswordeval \"pass show \\\"x y\\\"\"\n"
	    "account e\nhost h\npasswordeval sh -c \"echo hi # there\"\n");
	if (rc == NULL)
		return;
	ra = rc_find(rc, "a");
	CHECK_STR(ra->acct.password, "pw");
	CHECK(ra->passwordeval.n == 0);

	/* The later setting wins, inherited or not. */
	ra = rc_find(rc, "b");
	CHECK(ra->acct.password == NULL);
	CHECK(ra->passwordeval.n == 3);
	if (ra->passwordeval.n == 3) {
		CHECK_STR(ra->passwordeval.v[0], "pass");
		CHECK_STR(ra->passwordeval.v[2], "mail/b c");
	}
	ra = rc_find(rc, "c");
	CHECK_STR(ra->acct.password, "pc");
	CHECK(ra->passwordeval.n == 0);

	/* One quoted string is split again. */
	ra = rc_find(rc, "d");
	CHECK(ra->passwordeval.n == 3);
	if (ra->passwordeval.n == 3)
		CHECK_STR(ra->passwordeval.v[2], "x y");

	ra = rc_find(rc, "e");
	CHECK(ra->passwordeval.n == 3);
	if (ra->passwordeval.n == 3)
		CHECK_STR(ra->passwordeval.v[2], "echo hi # there");
	rc_free(rc);
}

static void
test_auth_values(void)
{
	static const struct {
		const char		*value;
		enum auth_method	 m;
	} t[] = {
		{ "auto", AUTH_AUTO }, { "user", AUTH_USER },
		{ "apop", AUTH_APOP }, { "plain", AUTH_PLAIN },
		{ "login", AUTH_LOGIN }, { "cram-md5", AUTH_CRAM_MD5 },
		{ "scram-sha-256", AUTH_SCRAM_SHA_256 },
		{ "xoauth2", AUTH_XOAUTH2 }, { "oauthbearer", AUTH_OAUTHBEARER },
		{ "external", AUTH_EXTERNAL }, { "SCRAM-SHA-256",
		    AUTH_SCRAM_SHA_256 },
	};
	struct rc	*rc;
	char		 text[128];
	size_t		 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(text, sizeof text, "account a\nhost h\nauth %s\n",
		    t[i].value);
		if ((rc = load(text)) == NULL)
			continue;
		CHECK(rc->accounts[0]->acct.auth == t[i].m);
		rc_free(rc);
	}
}

static void
test_errors(void)
{
	CHECK_STR(fails("host h\n"),
	    "fetchrc:1: host outside any account or defaults block");
	CHECK_STR(fails("account a\nhost h\nhots x\n"),
	    "fetchrc:3: unknown key 'hots'");
	CHECK_STR(fails("account a\nhost h\n\nmax_size 20X\n"),
	    "fetchrc:4: max_size '20X' is not a size (like 20M; bytes, or "
	    "units K, M, G)");
	CHECK_STR(fails("account a\nhost h\nkill_size 0\n"),
	    "fetchrc:3: kill_size '0' is not a size (like 20M; bytes, or "
	    "units K, M, G)");
	CHECK_STR(fails("account a\nhost h\nmax_size 99999999999G\n"),
	    "fetchrc:3: max_size '99999999999G' is not a size (like 20M; "
	    "bytes, or units K, M, G)");
	CHECK_STR(fails("account a\nhost h\nmax_messages 0\n"),
	    "fetchrc:3: max_messages '0' is too small (1-1000000)");
	CHECK_STR(fails("account a\nhost h\nfilter\n"),
	    "fetchrc:3: filter needs a command");
	CHECK_STR(fails("account a\nhost h\nfilter_exit 1\n"),
	    "fetchrc:3: filter_exit must be popfetch or mpop, not '1'");
	CHECK_STR(fails("account a\nhost h\nreceived_header maybe\n"),
	    "fetchrc:3: received_header must be on or off, not 'maybe'");
	CHECK_STR(fails("account a\nhost h\nkeep 7\n"),
	    "fetchrc:3: keep '7' is not a duration (like 7d or 12h; units "
	    "s, m, h, d, w)");
	CHECK_STR(fails("account a\nhost h\nkeep 7y\n"),
	    "fetchrc:3: keep '7y' is not a duration (like 7d or 12h; units "
	    "s, m, h, d, w)");
	CHECK_STR(fails("defaults\ntls_fingerprint ab:cd\n"),
	    "fetchrc:2: tls_fingerprint must be a SHA-256 fingerprint: 64 "
	    "hex digits, colons allowed");
	CHECK_STR(fails("account a\nhost h\ntls_key_file /k.pem\n"),
	    "fetchrc:3: account 'a' has tls_key_file but no tls_cert_file");
	CHECK_STR(fails("account a\nhost h\nauth apop\n"), "(loaded)");
	CHECK_STR(fails("account a\nhost h\nauth scram-sha-256\n"),
	    "(loaded)");
	CHECK_STR(fails("account a\nhost h\nauth magic\n"),
	    "fetchrc:3: unknown auth 'magic' (auto, user, apop, plain, login, "
	    "cram-md5, scram-sha-256, xoauth2, oauthbearer or external)");
	CHECK_STR(fails("account a\nhost h\ndelivery maildir\n"),
	    "fetchrc:3: delivery maildir takes one directory");
	CHECK_STR(fails("account a\nhost h\ndelivery maildir a b\n"),
	    "fetchrc:3: delivery maildir takes one directory");
	CHECK_STR(fails("account a\nhost h\ndelivery pigeon\n"),
	    "fetchrc:3: unknown delivery 'pigeon' (maildir DIR, mbox FILE, "
	    "mda PROGRAM ARG..., lmtp HOST[:PORT], lmtp /SOCKET, smtp "
	    "HOST[:PORT] or imap imaps://HOST/FOLDER)");
	CHECK_STR(fails("account a\nhost h\ndelivery imap imaps://mx/A%20B\n"
	    "imap_user u\n"), "(loaded)");
	CHECK_STR(fails("account a\nhost h\ndelivery imap imap://mx/\n"
	    "imap_user u\nimap_tls off\n"), "fetchrc:5: account 'a' has "
	    "imap_tls off for mx, which is not this machine: the password and "
	    "the mail would cross the network readable");
	CHECK_STR(fails("account a\nhost h\ndelivery imap imap://[::1]:1143\n"
	    "imap_user u\nimap_tls off\n"), "(loaded)");
	CHECK_STR(fails("account a\nhost h\ndelivery imap imaps://mx/\n"),
	    "fetchrc:3: account 'a' delivers by imap without imap_user");
	CHECK_STR(fails("account a\nhost h\ndelivery imap imaps://mx/\n"
	    "imap_user u\nimap_tls starttls\n"), "fetchrc:5: account 'a' has "
	    "imap_tls starttls and delivers to imaps://, which is TLS from the "
	    "start");
	CHECK_STR(fails("account a\nhost h\ndelivery imap pop://mx/\n"),
	    "fetchrc:3: delivery imap takes imaps://HOST[:PORT]/FOLDER or "
	    "imap://HOST[:PORT]/FOLDER, not 'pop://mx/'");
	CHECK_STR(fails("account a\nhost h\ndelivery imap imaps://mx/%0a\n"),
	    "fetchrc:3: delivery imap: the folder holds a control character "
	    "(%0A)");
	CHECK_STR(fails("account a\nhost h\ndelivery imap imaps://mx/\n"
	    "imap_user u\nimap_auth external\n"), "fetchrc:5: imap_auth "
	    "external: an IMAP login here takes plain, login, cram-md5, "
	    "scram-sha-256, xoauth2 or oauthbearer");
	CHECK_STR(fails("account a\nhost h\nimap_user u\n"),
	    "fetchrc:3: account 'a' sets an imap_* key but does not deliver "
	    "by imap");
	CHECK_STR(fails("account a\nhost h\ndelivery\n"),
	    "fetchrc:3: delivery needs a value");
	CHECK_STR(fails("account a\nhost h\ndelivery lmtp /run/lmtp\n"
	    "smtp_tls starttls\n"), "fetchrc:4: account 'a' has smtp_tls "
	    "starttls and delivers to the socket /run/lmtp: a socket has no "
	    "host name to verify a certificate against");
	CHECK_STR(fails("account a\nhost h\ndelivery lmtp /run/lmtp\n"
	    "smtp_tls off\n"), "(loaded)");
	CHECK_STR(fails("account a\nhost h\ndelivery lmtp mx.example\n"
	    "smtp_tls starttls\n"), "(loaded)");
	CHECK_STR(fails("account a\nhost h\nkeep forever\n"),
	    "fetchrc:3: keep must be on, off or a duration like 7d, not "
	    "'forever'");
	CHECK_STR(fails("account a\nhost h\nport 0\n"),
	    "fetchrc:3: port '0' is too small (1-65535)");
	CHECK_STR(fails("account a\nhost h\nport 65536\n"),
	    "fetchrc:3: port '65536' is too large (1-65535)");
	CHECK_STR(fails("account a\nhost h\nport pop3s\n"),
	    "fetchrc:3: port 'pop3s' is invalid (1-65535)");
	CHECK_STR(fails("account a\nhost h\ntimeout 0\n"),
	    "fetchrc:3: timeout '0' is too small (1-3600 seconds)");
	CHECK_STR(fails("account a\nhost h\ntimeout 3601\n"),
	    "fetchrc:3: timeout '3601' is too large (1-3600 seconds)");
	CHECK_STR(fails("account a\nhost h\ntls yes\n"),
	    "fetchrc:3: tls must be on or off, not 'yes'");
	CHECK_STR(fails("account a\nhost h\nonly_new\n"),
	    "fetchrc:3: only_new needs a value");
	CHECK_STR(fails("account a\nhost h\npipelining maybe\n"),
	    "fetchrc:3: pipelining must be auto, on or off, not 'maybe'");
	CHECK_STR(fails("account a\nhost h1 h2\n"),
	    "fetchrc:2: host takes one value (quote it if it holds blanks)");
	CHECK_STR(fails("account a\nhost \"\"\n"), "fetchrc:2: host is empty");
	CHECK_STR(fails("account a\nhost h\nuser \"\"\n"),
	    "fetchrc:3: user is empty");
	CHECK_STR(fails("account a\nhost h\npasswordeval \"\"\n"),
	    "fetchrc:3: passwordeval needs a command");
	CHECK_STR(fails("account a\nhost h\npasswordeval \"a \\\"b\"\n"),
	    "fetchrc:3: passwordeval: unterminated quote");
	CHECK_STR(fails("account a\nhost \"h\x01\"\n"),
	    "fetchrc:2: control character in the value of host");
	CHECK_STR(fails("account a\nhost h\nuser \"bob\n"),
	    "fetchrc:3: unterminated quote");

	/* Missing host: the line where the account starts. */
	CHECK_STR(fails("account a\nport 110\nuser u\naccount b\nhost h\n"),
	    "fetchrc:1: account 'a' has no host");
	CHECK_STR(fails("account a\nhost h\n\naccount b\nport 1\n"),
	    "fetchrc:4: account 'b' has no host");
	/* A host from the defaults is a host. */
	CHECK_STR(fails("defaults\nhost h\naccount a\nport 1\n"), "(loaded)");

	CHECK_STR(fails("account a\nhost h\naccount a\nhost h\n"),
	    "fetchrc:3: account 'a' is already defined at line 1");
	CHECK_STR(fails("account a : z\nhost h\n"),
	    "fetchrc:1: unknown parent account 'z'");
	CHECK_STR(fails("account a : a\nhost h\n"),
	    "fetchrc:1: unknown parent account 'a'");
	CHECK_STR(fails("account a : b\nhost h\naccount b\nhost h\n"),
	    "fetchrc:1: unknown parent account 'b'");
	CHECK_STR(fails("account a\nhost h\naccount b : a b\n"),
	    "fetchrc:3: parent accounts are separated by commas: 'a b'");
	CHECK_STR(fails("account a\nhost h\naccount b : a,\n"),
	    "fetchrc:3: parent accounts are separated by commas: ''");
	CHECK_STR(fails("account a\nhost h\naccount b :\n"),
	    "fetchrc:3: no parent account after ':'");
	CHECK_STR(fails("account\n"), "fetchrc:1: account needs a name");
	CHECK_STR(fails("account a b\nhost h\n"),
	    "fetchrc:1: account takes one name (parent accounts follow a ':')");
	CHECK_STR(fails("account \"a#b\"\nhost h\n"),
	    "fetchrc:1: bad account name 'a#b'");
	CHECK_STR(fails("defaults now\n"),
	    "fetchrc:1: defaults takes no value");

	CHECK_STR(fails("account a\nhost h\ntls off\ntls_starttls on\n"),
	    "fetchrc:4: account 'a' has tls off and tls_starttls on: STLS "
	    "needs tls on");
	CHECK_STR(fails("defaults\ntls_starttls on\naccount a\nhost h\n"
	    "tls off\nport 1\n"),
	    "fetchrc:5: account 'a' has tls off and tls_starttls on: STLS "
	    "needs tls on");
	/* Defaults are not accounts: only the result is checked. */
	CHECK_STR(fails("defaults\ntls off\ntls_starttls on\naccount a\n"
	    "host h\ntls on\n"), "(loaded)");

	CHECK_STR(fails(""), "fetchrc defines no account");
	CHECK_STR(fails("# nothing\ndefaults\nport 1\n"),
	    "fetchrc defines no account");
}

static void
test_file(void)
{
	struct rc	*rc;
	struct error	 err;
	const char	*s;

	CHECK(load_bytes("account a\nhost h\0x\n", 17, 0600, &rc,
	    &err) == -1);
	CHECK(strstr(err.what, "fetchrc:2: NUL byte in line") != NULL);

	err_clear(&err);
	CHECK(rc_load("/nonexistent/fetchrc", &rc, &err) == -1);
	CHECK(err.code == ERR_CONFIG);
	CHECK_STR(err.what, "/nonexistent/fetchrc: No such file or directory");
	CHECK(rc_load(tmpdir, &rc, &err) == -1);
	CHECK(strstr(err.what, "is not a regular file") != NULL);

	/* A password readable by others is refused, like ssh does. */
	s = fails_mode("account a\nhost h\npassword x\n", 0644);
	CHECK(strncmp(s, "fetchrc is readable by others and holds a password: "
	    "chmod 600 ", 62) == 0);
	CHECK(strstr(s, "chmod 600 /tmp/test_rc.") != NULL);
	s = fails_mode("defaults\npassword x\naccount a\nhost h\n", 0640);
	CHECK(strstr(s, "holds a password") != NULL);
	s = fails_mode("account a\nhost h\npassword x\n", 0604);
	CHECK(strstr(s, "holds a password") != NULL);
	CHECK_STR(fails_mode("account a\nhost h\npassword x\n", 0400),
	    "(loaded)");
	CHECK_STR(fails_mode("account a\nhost h\npasswordeval pass x\n", 0644),
	    "(loaded)");
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	snprintf(rcpath, sizeof rcpath, "%s/fetchrc", tmpdir);
	setenv("HOME", tmpdir, 1);
	setenv("USER", "tester", 1);

	test_words();
	test_defaults_builtin();
	test_values();
	test_sizes();
	test_delivery();
	test_inherit();
	test_secrets();
	test_errors();
	test_auth_values();
	test_file();

	unlink(rcpath);
	rmdir(tmpdir);
	return (TEST_DONE());
}
