/*
 * getmail6's getmailrc: an ini file for one mailbox, with [retriever],
 * [destination] and [options] sections; lists are Python tuples such as
 * ("-f", "%(sender)").  It becomes one account.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "util/xmalloc.h"
#include "words.h"

#define GM_KEYS_MAX	256

struct gm_key {
	char	*section;
	char	*key;
	char	*value;
	u_int	 line;
	int	 used;
};

struct gm {
	struct gm_key	 v[GM_KEYS_MAX];
	size_t		 n;
};

static char *
gm_trim(char *s)
{
	char	*e;

	while (isspace((u_char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((u_char)e[-1]))
		*--e = '\0';
	return (s);
}

static struct gm_key *
gm_find(struct gm *g, const char *section, const char *key)
{
	size_t	i;

	for (i = g->n; i-- > 0;) {
		if (strcasecmp(g->v[i].section, section) == 0 &&
		    strcasecmp(g->v[i].key, key) == 0) {
			g->v[i].used = 1;
			return (&g->v[i]);
		}
	}
	return (NULL);
}

static const char *
gm_get(struct gm *g, const char *section, const char *key)
{
	struct gm_key	*k = gm_find(g, section, key);

	return (k != NULL ? k->value : NULL);
}

/* ini booleans as Python's configparser reads them. */
static int
gm_bool(struct gm *g, const char *section, const char *key, int dflt)
{
	const char	*v = gm_get(g, section, key);

	if (v == NULL)
		return (dflt);
	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
	    strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0)
		return (1);
	return (0);
}

/* A Python tuple or list of strings: ("a", 'b',) into words. */
static int
gm_tuple(const char *s, struct words *w)
{
	char	buf[1024];
	size_t	n;
	int	q;

	memset(w, 0, sizeof *w);
	w->v = xcalloc(1, sizeof *w->v);
	while (isspace((u_char)*s))
		s++;
	if (*s != '(' && *s != '[')
		return (-1);
	for (s++;;) {
		while (isspace((u_char)*s) || *s == ',')
			s++;
		if (*s == ')' || *s == ']')
			return (0);
		if (*s != '"' && *s != '\'')
			return (-1);
		q = *s++;
		for (n = 0; *s != q; s++) {
			if (*s == '\0' || n + 1 >= sizeof buf)
				return (-1);
			if (*s == '\\' && s[1] != '\0')
				s++;
			buf[n++] = *s;
		}
		s++;
		buf[n] = '\0';
		w->v = xreallocarray(w->v, w->n + 2, sizeof *w->v);
		w->v[w->n++] = xstrdup(buf);
		w->v[w->n] = NULL;
	}
}

static int
gm_read(FILE *f, struct gm *g, const char *path, struct error *err)
{
	char	*line = NULL, *s, *sep, *section = NULL;
	size_t	 size = 0;
	u_int	 lineno = 0;
	int	 rv = -1;

	while (getline(&line, &size, f) != -1) {
		lineno++;
		s = gm_trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if ((sep = strchr(s, ']')) == NULL) {
				err_set(err, ERR_CONFIG, "%s:%u: a section "
				    "without ]", path, lineno);
				goto out;
			}
			*sep = '\0';
			free(section);
			section = xstrdup(gm_trim(s + 1));
			continue;
		}
		/* A continuation line belongs to the value above it. */
		if (isspace((u_char)line[0]) && g->n > 0) {
			char	*v;

			xasprintf(&v, "%s %s", g->v[g->n - 1].value, s);
			free(g->v[g->n - 1].value);
			g->v[g->n - 1].value = v;
			continue;
		}
		sep = s + strcspn(s, "=:");
		if (*sep == '\0' || section == NULL) {
			err_set(err, ERR_CONFIG, "%s:%u: not 'key = value' "
			    "in a [section]", path, lineno);
			goto out;
		}
		if (g->n == GM_KEYS_MAX) {
			err_set(err, ERR_CONFIG, "%s: too many keys for a "
			    "getmailrc", path);
			goto out;
		}
		*sep = '\0';
		g->v[g->n].section = xstrdup(section);
		g->v[g->n].key = xstrdup(gm_trim(s));
		g->v[g->n].value = xstrdup(gm_trim(sep + 1));
		g->v[g->n].line = lineno;
		g->v[g->n].used = 0;
		g->n++;
	}
	if (ferror(f)) {
		err_setsys(err, ERR_IO, "%s", path);
		goto out;
	}
	rv = 0;
out:
	free(section);
	if (line != NULL) {
		explicit_bzero(line, size);
		free(line);
	}
	return (rv);
}

/* getmail's %(sender) is popfetch's %F; other substitutions are not. */
static void
gm_mda(struct import *im, struct gm *g, const char *path)
{
	struct words	 w;
	const char	*args;
	char		**v;
	size_t		 i, n = 0;

	memset(&w, 0, sizeof w);
	if ((args = gm_get(g, "destination", "arguments")) != NULL &&
	    gm_tuple(args, &w) == -1) {
		import_comment(im, "not carried over: arguments %s: not a "
		    "tuple of strings", args);
		words_free(&w);
		memset(&w, 0, sizeof w);
	}
	v = xcalloc(w.n + 3, sizeof *v);
	v[n++] = xstrdup("mda");
	v[n++] = xstrdup(path);
	for (i = 0; i < w.n; i++) {
		if (strcmp(w.v[i], "%(sender)") == 0)
			v[n++] = xstrdup("%F");
		else {
			if (strstr(w.v[i], "%(") != NULL)
				import_comment(im, "not carried over: %s in "
				    "the MDA's arguments stays as written: "
				    "popfetch replaces only %%F (the sender)",
				    w.v[i]);
			v[n++] = xstrdup(w.v[i]);
		}
	}
	import_keyv(im, "delivery", v);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	words_free(&w);
}

static void
gm_destination(struct import *im, struct gm *g)
{
	const char	*type, *path;

	type = gm_get(g, "destination", "type");
	path = gm_get(g, "destination", "path");
	if (type == NULL || path == NULL) {
		import_comment(im, "no [destination] type and path: the mail "
		    "goes to ~/Maildir");
		return;
	}
	if (strcasecmp(type, "Maildir") == 0)
		import_key(im, "delivery", "maildir", path, NULL);
	else if (strcasecmp(type, "Mboxrd") == 0)
		import_key(im, "delivery", "mbox", path, NULL);
	else if (strcasecmp(type, "MDA_external") == 0)
		gm_mda(im, g, path);
	else
		import_comment(im, "not carried over: [destination] type %s: "
		    "popfetch delivers to a Maildir, an mbox or an MDA; the "
		    "mail goes to ~/Maildir", type);
}

/* getmail keys popfetch has no use for, and why. */
static const char *const gm_why[] = {
	"verbose", "-q and -v say how much popfetch prints",
	"message_log", "popfetch logs to standard error, or to syslog "
	    "with --syslog",
	"message_log_syslog", "run popfetch --syslog",
	"message_log_verbose", "-v says more",
	"delivered_to", "popfetch adds no Delivered-To header",
	"max_bytes_per_session", "max_messages bounds a run",
	"ssl_version", "popfetch uses GnuTLS's secure defaults "
	    "(tls_priorities changes them)",
	"ssl_ciphers", "tls_priorities sets what GnuTLS accepts",
	"ssl_fingerprints", "popfetch pins one SHA-256 fingerprint "
	    "(tls_fingerprint); popfetch -S shows it",
	"ssl_cert_hostname", "popfetch checks the certificate against host",
	"mailboxes", "folders are IMAP",
	"move_on_delete", "folders are IMAP",
	"use_peek", "IMAP only",
	"delete_dup_msgid", "popfetch tells messages apart by UID",
	"to_oldmail_on_each_mail", "popfetch records what it fetched as it "
	    "goes",
	"fingerprint", "popfetch does not check the network",
	"unixfrom", "the mbox and MDA deliveries write what they need",
	"allow_root_commands", "popfetch runs programs as the user it runs as",
	"ignore_stderr", "an MDA's error output goes to popfetch's",
	"user", "popfetch runs programs as the user it runs as",
	"group", "popfetch runs programs as the user it runs as",
	NULL
};

static void
gm_size(struct import *im, struct gm *g, const char *key, const char *to)
{
	const char	*v = gm_get(g, "options", key);

	if (v == NULL || strcmp(v, "0") == 0)
		return;
	if (strspn(v, "0123456789") != strlen(v))
		import_comment(im, "not carried over: %s %s: not a number",
		    key, v);
	else
		import_key(im, to, v, NULL);
}

int
import_getmail(struct import *im, FILE *f, struct error *err)
{
	struct gm	 g;
	struct words	 w;
	const char	*type, *server, *user, *v, *why;
	char		 name[256], days[32];
	size_t		 i;
	int		 ssl, rv = -1;

	memset(&g, 0, sizeof g);
	if (gm_read(f, &g, im->path, err) == -1)
		goto out;
	if ((type = gm_get(&g, "retriever", "type")) == NULL ||
	    (server = gm_get(&g, "retriever", "server")) == NULL) {
		err_set(err, ERR_CONFIG, "%s has no [retriever] with a type "
		    "and a server", im->path);
		goto out;
	}
	if (strcasestr(type, "POP3") == NULL) {
		import_comment(im, "not carried over: [retriever] type %s: "
		    "popfetch speaks POP3 only", type);
		rv = 0;
		goto out;
	}
	ssl = strcasestr(type, "SSL") != NULL;
	user = gm_get(&g, "retriever", "username");
	(void)snprintf(name, sizeof name, "%s%s%s", user != NULL ? user : "",
	    user != NULL ? "@" : "", server);
	import_account(im, name, NULL);
	import_key(im, "host", server, NULL);
	if ((v = gm_get(&g, "retriever", "port")) != NULL)
		import_key(im, "port", v, NULL);
	if (strcasestr(type, "Multidrop") != NULL)
		import_comment(im, "not carried over: %s: multidrop: popfetch "
		    "delivers a mailbox to one place", type);
	if (!ssl) {
		import_comment(im, "getmail used no TLS here; popfetch asks "
		    "for STLS (tls off if the server has none: the password "
		    "then crosses in clear)");
		import_key(im, "tls_starttls", "on", NULL);
	}
	if ((v = gm_get(&g, "retriever", "ca_certs")) != NULL)
		import_key(im, "tls_trust_file", v, NULL);
	if ((v = gm_get(&g, "retriever", "certfile")) != NULL)
		import_key(im, "tls_cert_file", v, NULL);
	if ((v = gm_get(&g, "retriever", "keyfile")) != NULL)
		import_key(im, "tls_key_file", v, NULL);
	if (gm_bool(&g, "retriever", "use_apop", 0))
		import_key(im, "auth", "apop", NULL);
	else if (gm_bool(&g, "retriever", "use_xoauth2", 0))
		import_key(im, "auth", "xoauth2", NULL);
	if (user != NULL)
		import_key(im, "user", user, NULL);
	if ((v = gm_get(&g, "retriever", "password")) != NULL)
		import_key(im, "password", v, NULL);
	else if ((v = gm_get(&g, "retriever", "password_command")) != NULL) {
		/* A tuple: the program and its arguments, no shell. */
		if (gm_tuple(v, &w) == 0 && w.n > 0)
			import_keyv(im, "passwordeval", w.v);
		else
			import_comment(im, "not carried over: password_command "
			    "%s: not a tuple of strings", v);
		words_free(&w);
	}
	if ((v = gm_get(&g, "retriever", "timeout")) != NULL) {
		if (strspn(v, "0123456789") == strlen(v) && strlen(v) <= 4)
			import_key(im, "timeout", v, NULL);
		else
			import_comment(im, "not carried over: timeout %s", v);
	}

	gm_destination(im, &g);

	/* getmail's defaults: read_all on, delete off. */
	if (gm_bool(&g, "options", "read_all", 1))
		import_key(im, "only_new", "off", NULL);
	if ((v = gm_get(&g, "options", "delete_after")) != NULL &&
	    strcmp(v, "0") != 0 && !gm_bool(&g, "options", "delete", 0)) {
		(void)snprintf(days, sizeof days, "%sd", v);
		import_key(im, "keep", days, NULL);
	} else if (!gm_bool(&g, "options", "delete", 0))
		import_key(im, "keep", "on", NULL);
	gm_size(im, &g, "max_message_size", "max_size");
	gm_size(im, &g, "delete_bigger_than", "kill_size");
	gm_size(im, &g, "max_messages_per_session", "max_messages");
	if (!gm_bool(&g, "options", "received", 1))
		import_key(im, "received_header", "off", NULL);

	for (i = 0; i < g.n; i++) {
		if (g.v[i].used || strcasecmp(g.v[i].key, "type") == 0)
			continue;
		if ((why = import_why(gm_why, g.v[i].key)) != NULL)
			import_comment(im, "not carried over: [%s] %s: %s",
			    g.v[i].section, g.v[i].key, why);
		else
			import_comment(im, "not carried over: [%s] %s at line "
			    "%u: no popfetch equivalent", g.v[i].section,
			    g.v[i].key, g.v[i].line);
	}
	rv = 0;
out:
	for (i = 0; i < g.n; i++) {
		free(g.v[i].section);
		free(g.v[i].key);
		if (g.v[i].value != NULL) {
			explicit_bzero(g.v[i].value, strlen(g.v[i].value));
			free(g.v[i].value);
		}
	}
	return (rv);
}
