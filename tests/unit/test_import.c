/*
 * --import: each sample file of tests/import becomes fetchrc text that
 * popfetch loads, with the accounts it should have; broken files and
 * unknown formats fail with what is wrong.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "rc.h"
#include "test.h"

static const char	*dir;

static void
accepted(const char *format, const char *file, size_t naccounts)
{
	struct error	 err;
	struct rc	*rc = NULL;
	char		 path[PATH_MAX], *text = NULL;

	(void)snprintf(path, sizeof path, "%s/%s", dir, file);
	err_clear(&err);
	if (import_text(format, path, &text, &err) == -1) {
		fprintf(stderr, "%s: %s\n", path, err.what);
		CHECK(0);
		return;
	}
	if (rc_load_text(path, text, &rc, &err) == -1) {
		fprintf(stderr, "%s: popfetch refuses it: %s\n", path,
		    err.what);
		CHECK(0);
	} else if (rc->naccounts != naccounts) {
		fprintf(stderr, "%s: %zu accounts, not %zu\n", path,
		    rc->naccounts, naccounts);
		CHECK(0);
	}
	rc_free(rc);
	free(text);
}

/* Writes text to a new file named from the template path. */
static void
sample(char *path, const char *text)
{
	FILE	*f;
	int	 fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL ||
	    fputs(text, f) == EOF || fclose(f) == EOF) {
		perror(path);
		exit(1);
	}
}

static void
refused(const char *format, const char *text, const char *what)
{
	struct error	 err;
	char		 path[] = "/tmp/test_import.XXXXXX", *out = NULL;

	sample(path, text);
	err_clear(&err);
	if (import_text(format, path, &out, &err) == 0) {
		fprintf(stderr, "%s: imported, should not be:\n%s\n", text,
		    out);
		CHECK(0);
		free(out);
	} else if (strstr(err.what, what) == NULL) {
		fprintf(stderr, "'%s' lacks '%s'\n", err.what, what);
		CHECK(0);
	}
	unlink(path);
}

/*
 * A value with a control byte (a fetchmail "\n" in a password) never
 * becomes a line of its own: it could add any key, passwordeval too.
 */
static void
no_injection(const char *format, const char *text)
{
	struct error	 err;
	char		 path[] = "/tmp/test_import.XXXXXX", *out = NULL, *p;

	sample(path, text);
	err_clear(&err);
	if (import_text(format, path, &out, &err) == -1) {
		fprintf(stderr, "%s: %s\n", text, err.what);
		CHECK(0);
	} else {
		for (p = out; *p != '\0'; p++) {
			if ((*p < 0x20 && *p != '\n' && *p != '\t') ||
			    *p == 0x7f) {
				fprintf(stderr, "control byte 0x%02x in:\n%s\n",
				    (u_char)*p, out);
				CHECK(0);
				break;
			}
		}
		if (strstr(out, "\npasswordeval") != NULL ||
		    strstr(out, "\nmda") != NULL) {
			fprintf(stderr, "injected a line:\n%s\n", out);
			CHECK(0);
		}
		CHECK(strstr(out, "control character") != NULL);
	}
	free(out);
	unlink(path);
}

int
main(int argc, char *argv[])
{
	struct error	 err;
	char		*text;

	if (argc != 2) {
		fprintf(stderr, "usage: test_import SAMPLES-DIRECTORY\n");
		return (2);
	}
	dir = argv[1];
	accepted("fetchmail", "fetchmailrc", 4);
	accepted("mpop", "mpoprc", 4);
	accepted("getmail", "getmailrc", 1);
	accepted("getmail", "getmailrc-plain", 1);

	refused("fetchmail", "poll pop.example.org user \"x", "never ends");
	refused("fetchmail", "set daemon 60\n", "holds no POP3 account");
	refused("fetchmail", "poll imap.example.org proto imap user x\n",
	    "holds no POP3 account");
	refused("getmail", "[options]\nread_all = true\n",
	    "no [retriever] with a type and a server");
	refused("getmail", "server = x\n", "not 'key = value' in a [section]");
	refused("mpop", "account a\nhost \"x\n", "quote");

	no_injection("fetchmail", "poll pop.example.org proto pop3 user x "
	    "password \"a\\npasswordeval touch /tmp/pwned\"\n");
	no_injection("fetchmail", "poll pop.example.org proto pop3 user x "
	    "password \"a\\x0dmda sh\"\n");
	no_injection("mpop", "account a\nhost pop.example.org\nuser x\n"
	    "password \"a\rmda sh\"\n");
	no_injection("mpop", "account b\nhost pop.example.org\nuser x\n"
	    "account a : b\x1b[2Jc\nhost pop.example.org\nuser y\n");
	no_injection("getmail", "[retriever]\ntype = SimplePOP3Retriever\n"
	    "server = pop.example.org\nusername = x\npassword = a\x1b[2J\n");

	err_clear(&err);
	CHECK(import_text("kmail", "/dev/null", &text, &err) == -1);
	CHECK(strstr(err.what, "fetchmail, mpop or getmail") != NULL);
	err_clear(&err);
	CHECK(import_text("mpop", "/nonexistent/mpoprc", &text, &err) == -1);
	CHECK(err.code == ERR_IO);
	return (TEST_DONE());
}
