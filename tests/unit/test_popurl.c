/*
 * POP URLs: each case is a URL and the mailbox it names, or the words of
 * the error; and the fetchrc text of a URL's account loads as popfetch
 * reads it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popurl.h"
#include "rc.h"
#include "test.h"

static void
good(const char *url, int implicit, const char *user, const char *auth,
    const char *host, u_int port)
{
	struct popurl	u;
	struct error	err;

	err_clear(&err);
	if (popurl_parse(url, &u, &err) == -1) {
		fprintf(stderr, "%s: unexpected error: %s\n", url, err.what);
		CHECK(0);
		return;
	}
	CHECK(u.implicit_tls == implicit);
	if (user == NULL)
		CHECK(u.user == NULL);
	else
		CHECK_STR(u.user, user);
	CHECK_STR(u.auth, auth);
	CHECK_STR(u.host, host);
	CHECK(u.port == port);
	popurl_free(&u);
}

static void
bad(const char *url, const char *what)
{
	struct popurl	u;
	struct error	err;

	err_clear(&err);
	if (popurl_parse(url, &u, &err) == 0) {
		fprintf(stderr, "%s: parsed, should not\n", url);
		CHECK(0);
		popurl_free(&u);
		return;
	}
	if (strstr(err.what, what) == NULL) {
		fprintf(stderr, "%s: '%s' lacks '%s'\n", url, err.what, what);
		CHECK(0);
	}
}

static void
rc(const char *url, const char *delivery, const char *target,
    const char *eval, const char *want)
{
	struct popurl	 u;
	struct error	 err;
	struct rc	*r = NULL;
	char		*text;

	err_clear(&err);
	CHECK(popurl_parse(url, &u, &err) == 0);
	text = popurl_rc(&u, delivery, target, eval);
	CHECK_STR(text, want);
	if (rc_load_text(url, text, &r, &err) == -1) {
		fprintf(stderr, "%s: %s\n", url, err.what);
		CHECK(0);
	} else
		CHECK(r->naccounts == 1);
	rc_free(r);
	free(text);
	popurl_free(&u);
}

int
main(void)
{
	good("pop://alice@pop.example.org", 0, "alice", "auto",
	    "pop.example.org", 0);
	good("pops://alice@pop.example.org:1995", 1, "alice", "auto",
	    "pop.example.org", 1995);
	good("POP://pop.example.org/", 0, NULL, "auto", "pop.example.org", 0);
	/* RFC 2384's examples. */
	good("pop://rg@mailsrv.qualcomm.com", 0, "rg", "auto",
	    "mailsrv.qualcomm.com", 0);
	good("pop://rg;AUTH=+APOP@mail.eudora.com:8110", 0, "rg", "apop",
	    "mail.eudora.com", 8110);
	good("pop://;AUTH=*@h", 0, NULL, "auto", "h", 0);
	good("pop://u;auth=cram-md5@h", 0, "u", "cram-md5", "h", 0);
	good("pop://u;AUTH=SCRAM-SHA-256@h", 0, "u", "scram-sha-256", "h", 0);
	good("pop://u;AUTH=XOAUTH2@h", 0, "u", "xoauth2", "h", 0);
	/* Percent-decoding: @, ; and : in a user name, and any byte. */
	good("pop://alice%40example.org@h", 0, "alice@example.org", "auto",
	    "h", 0);
	good("pop://a%3bb%3Ac@h", 0, "a;b:c", "auto", "h", 0);
	good("pop://%E2%82%ACuro@h", 0, "\xe2\x82\xac" "uro", "auto", "h", 0);
	good("pop://u@[2001:db8::1]:110", 0, "u", "auto", "2001:db8::1", 110);
	good("pop://u@[::1]", 0, "u", "auto", "::1", 0);

	bad("pop://", "names no host");
	bad("pop://u@", "names no host");
	bad("pop://u@:110", "names no host");
	bad("http://h", "only pop:// and pops://");
	bad("pop://u;AUTH=@h", "mechanism of ;AUTH= is empty");
	bad("pop://u;AUTH=NOPE@h", "unknown mechanism ;AUTH=NOPE");
	bad("pop://u;AUTH=+USER@h", "unknown mechanism ;AUTH=+USER");
	bad("pop://u;X=1@h", "only ;AUTH= may follow");
	bad("pop://u@h:", "port must be a number");
	bad("pop://u@h:65536", "too large");
	bad("pop://u@h:123456789", "port must be a number");
	bad("pop://u@h:-1", "too small");
	/* RFC 2384's SASL example names a mechanism popfetch lacks. */
	bad("pop://baz;AUTH=SCRAM-MD5@foo.bar", "unknown mechanism");
	bad("pop://u@h/x", "no path");
	bad("pop://u@h?x", "no path");
	bad("pop://u@h#x", "no path");
	bad("pop://u%00@h", "control character (%00)");
	bad("pop://u%0d%0aQUIT@h", "control character (%0D)");
	bad("pop://u\t@h", "control character (%09)");
	bad("pop://u%@h", "% not followed by two hex digits");
	bad("pop://u%4g@h", "% not followed by two hex digits");
	bad("pop://u@[::1", "no closing ]");
	bad("pop://u@[::1]x", "only :port may follow");
	bad("pop://u@h%41", "holds '%'");
	bad("pop://u@a b", "holds ' '");

	rc("pops://alice@pop.example.org", NULL, NULL, NULL,
	    "account alice@pop.example.org\n"
	    "host pop.example.org\n"
	    "tls_starttls off\n"
	    "user alice\n"
	    "auth auto\n");
	rc("pop://a%20b;AUTH=+APOP@h:1110", "maildir", "/tmp/my mail",
	    "pass show \"x\"",
	    "account a_b@h\n"
	    "host h\n"
	    "port 1110\n"
	    "tls_starttls on\n"
	    "user \"a b\"\n"
	    "auth apop\n"
	    "passwordeval \"pass show \\\"x\\\"\"\n"
	    "delivery maildir \"/tmp/my mail\"\n");
	return (TEST_DONE());
}
