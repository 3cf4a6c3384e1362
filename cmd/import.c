#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "exitcode.h"
#include "import.h"
#include "rc.h"
#include "util/xmalloc.h"
#include "words.h"

static const struct {
	const char	*name;
	int		(*read)(struct import *, FILE *, struct error *);
} import_formats[] = {
	{ "fetchmail",	import_fetchmail },
	{ "mpop",	import_mpop },
	{ "getmail",	import_getmail },
};

static void
import_puts(struct import *im, const char *s)
{
	size_t	n = strlen(s);

	while (im->len + n + 1 > im->size) {
		im->size = im->size == 0 ? 1024 : im->size * 2;
		im->out = xreallocarray(im->out, im->size, 1);
	}
	memcpy(im->out + im->len, s, n + 1);
	im->len += n;
}

void
import_comment(struct import *im, const char *fmt, ...)
{
	va_list	 ap;
	char	*s, *p;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1) {
		va_end(ap);
		return;
	}
	va_end(ap);
	/*
	 * A value quoted from the file must not end the comment early, nor
	 * bring a terminal's control sequences into the text.
	 */
	for (p = s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
		else if ((*(u_char *)p < 0x20 && *p != '\t') || *p == 0x7f)
			*p = '?';
	}
	import_puts(im, "# ");
	import_puts(im, s);
	import_puts(im, "\n");
	free(s);
}

void
import_keyv(struct import *im, const char *key, char *const *v)
{
	struct words	 w;
	const u_char	*p;
	char		*line;
	size_t		 i;

	/*
	 * A CR or LF in a value (a fetchmail "\n" in a quoted password)
	 * would start a line of its own, any key at all: passwordeval, mda.
	 * Such a value, which no server or program wants, is left out.
	 */
	for (i = 0; v[i] != NULL; i++) {
		for (p = (const u_char *)v[i]; *p != '\0'; p++) {
			if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
				import_comment(im, "not carried over: %s: its "
				    "value holds a control character", key);
				return;
			}
		}
	}
	w.v = xcalloc(2, sizeof *w.v);
	w.v[0] = xstrdup(key);
	w.n = 1;
	for (i = 0; v[i] != NULL; i++) {
		w.v = xreallocarray(w.v, w.n + 2, sizeof *w.v);
		w.v[w.n++] = xstrdup(v[i]);
		w.v[w.n] = NULL;
	}
	line = words_join(w.v);
	import_puts(im, line);
	import_puts(im, "\n");
	explicit_bzero(line, strlen(line));
	free(line);
	words_free(&w);
}

void
import_key(struct import *im, const char *key, ...)
{
	va_list		 ap;
	const char	*v[16];
	size_t		 n = 0;

	va_start(ap, key);
	while (n + 1 < sizeof v / sizeof v[0] &&
	    (v[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	v[n] = NULL;
	import_keyv(im, key, (char *const *)v);
}

void
import_shell(struct import *im, const char *key, const char *sub,
    const char *cmd)
{
	struct words	 w;
	const char	*errstr;
	char		**v;
	size_t		 i, n = 0;

	memset(&w, 0, sizeof w);
	/*
	 * Plain words run as they are; anything the shell would read, by sh.
	 * A leading ~/ popfetch expands itself.
	 */
	if (strpbrk(cmd, "|&;<>()$`*?[]\\'\"{}") != NULL ||
	    strchr(strncmp(cmd, "~/", 2) == 0 ? cmd + 1 : cmd, '~') != NULL ||
	    words_split(cmd, 0, &w, &errstr) == -1 || w.n == 0) {
		if (sub != NULL)
			import_key(im, key, sub, "sh", "-c", cmd, NULL);
		else
			import_key(im, key, "sh", "-c", cmd, NULL);
		words_free(&w);
		return;
	}
	v = xcalloc(w.n + 2, sizeof *v);
	if (sub != NULL)
		v[n++] = (char *)sub;
	for (i = 0; i < w.n; i++)
		v[n++] = w.v[i];
	import_keyv(im, key, v);
	free(v);
	words_free(&w);
}

const char *
import_why(const char *const *pairs, const char *key)
{
	size_t	i;

	for (i = 0; pairs[i] != NULL; i += 2) {
		if (strcasecmp(pairs[i], key) == 0)
			return (pairs[i + 1]);
	}
	return (NULL);
}

void
import_defaults(struct import *im)
{
	import_puts(im, "\ndefaults\n");
}

void
import_account(struct import *im, const char *name, const char *parents)
{
	const u_char	*p;
	char	 base[64], buf[80];
	size_t	 n;
	int	 k;

	/* A long name is cut: it is the user's to rename. */
	(void)strlcpy(base, name != NULL && *name != '\0' ? name : "imported",
	    sizeof base);
	rc_name_make(base);
	(void)strlcpy(buf, base, sizeof buf);
	for (k = 2;; k++) {
		for (n = 0; n < im->naccounts; n++) {
			if (strcmp(im->names[n], buf) == 0)
				break;
		}
		if (n == im->naccounts)
			break;
		(void)snprintf(buf, sizeof buf, "%s-%d", base, k);
	}
	im->names = xreallocarray(im->names, im->naccounts + 1,
	    sizeof *im->names);
	im->names[im->naccounts++] = xstrdup(buf);
	for (p = (const u_char *)parents; p != NULL && *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			import_comment(im, "not carried over: the accounts %s "
			    "starts from: their names hold a control "
			    "character", buf);
			parents = NULL;
			break;
		}
	}
	import_puts(im, "\naccount ");
	import_puts(im, buf);
	if (parents != NULL) {
		import_puts(im, " : ");
		import_puts(im, parents);
	}
	import_puts(im, "\n");
}

static void
import_free(struct import *im)
{
	size_t	i;

	for (i = 0; i < im->naccounts; i++)
		free(im->names[i]);
	free(im->names);
	if (im->out != NULL) {
		explicit_bzero(im->out, im->size);
		free(im->out);
	}
}

int
import_text(const char *format, const char *file, char **text,
    struct error *err)
{
	struct import	 im;
	FILE		*f = NULL;
	size_t		 i;
	int		 rv = -1;

	memset(&im, 0, sizeof im);
	im.path = file;
	for (i = 0; i < sizeof import_formats / sizeof import_formats[0]; i++)
		if (strcmp(format, import_formats[i].name) == 0)
			break;
	if (i == sizeof import_formats / sizeof import_formats[0]) {
		err_set(err, ERR_NONE, "cannot import '%s': --import takes "
		    "fetchmail, mpop or getmail", format);
		goto out;
	}
	if ((f = fopen(file, "r")) == NULL) {
		err_setsys(err, ERR_IO, "%s", file);
		goto out;
	}
	import_comment(&im, "fetchrc made by popfetch --import %s from %s",
	    format, file);
	import_comment(&im, "Lines starting with '# not carried over' name "
	    "what has no equivalent.");
	if (import_formats[i].read(&im, f, err) == -1)
		goto out;
	if (im.naccounts == 0) {
		err_set(err, ERR_CONFIG, "%s holds no POP3 account", file);
		goto out;
	}
	*text = im.out;
	im.out = NULL;
	rv = 0;
out:
	if (f != NULL)
		fclose(f);
	import_free(&im);
	return (rv);
}

int
import_run(const char *format, const char *file)
{
	struct error	 err;
	struct rc	*rc = NULL;
	char		*text = NULL;
	int		 rv;

	err_clear(&err);
	if (import_text(format, file, &text, &err) == -1) {
		fprintf(stderr, "popfetch: --import %s: %s\n", format,
		    err.what);
		if (err.hint[0] != '\0')
			fprintf(stderr, "popfetch: %s\n", err.hint);
		/* No such format is a command line error. */
		rv = err.code == ERR_NONE ? EX_USAGE : exitcode(err.code);
		goto out;
	}
	if (fputs(text, stdout) == EOF) {
		rv = EX_IOERR;
		goto out;
	}
	rv = EX_OK;
	/*
	 * What is printed should be what popfetch accepts; a line it does
	 * not (a delivery method this build lacks) is named, to be edited.
	 */
	if (rc_load_text("the imported fetchrc", text, &rc, &err) == -1)
		fprintf(stderr, "popfetch: warning: popfetch refuses %s; edit "
		    "that line\n", err.what);
	/* A password read from the file stays as private as it was. */
	if (strstr(text, "\npassword ") != NULL)
		fprintf(stderr, "popfetch: the fetchrc holds passwords: keep "
		    "it private (chmod 600)\n");
out:
	rc_free(rc);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	return (rv);
}
