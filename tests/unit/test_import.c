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

static void
refused(const char *format, const char *text, const char *what)
{
	struct error	 err;
	char		 path[] = "/tmp/test_import.XXXXXX", *out = NULL;
	FILE		*f;
	int		 fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL ||
	    fputs(text, f) == EOF || fclose(f) == EOF) {
		perror(path);
		exit(1);
	}
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

	err_clear(&err);
	CHECK(import_text("kmail", "/dev/null", &text, &err) == -1);
	CHECK(strstr(err.what, "fetchmail, mpop or getmail") != NULL);
	err_clear(&err);
	CHECK(import_text("mpop", "/nonexistent/mpoprc", &text, &err) == -1);
	CHECK(err.code == ERR_IO);
	return (TEST_DONE());
}
