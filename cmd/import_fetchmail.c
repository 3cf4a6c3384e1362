/*
 * fetchmailrc(5): "set" lines, then entries "poll HOST [server options]
 * user NAME [user options]...", with "defaults" entries that later entries
 * start from.  Words like "with", "and", "has", "wants", "options" and the
 * characters , : ; are noise.  Each user clause becomes one account.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "util/xmalloc.h"
#include "words.h"

#define FM_TOKENS_MAX	100000	/* a bigger file is not a fetchmailrc */

struct fm_token {
	char	*s;
	int	 quoted;
	u_int	 line;
};

struct fm_lex {
	struct fm_token	*v;
	size_t		 n;
	size_t		 pos;
};

/* One option as written: its word, "no" before it, and its values. */
struct fm_opt {
	const char	*word;
	int		 no;
	struct words	 args;
	u_int		 line;
};

struct fm_opts {
	struct fm_opt	*v;
	size_t		 n;
};

/* What each word takes after it. */
enum fm_kind {
	FM_FLAG,	/* nothing */
	FM_ONE,		/* one value */
	FM_LIST,	/* values up to the next keyword */
};

static const struct {
	const char	*word;
	enum fm_kind	 kind;
} fm_words[] = {
	/* server options */
	{ "via", FM_ONE }, { "proto", FM_ONE }, { "protocol", FM_ONE },
	{ "local", FM_LIST }, { "localdomains", FM_LIST }, { "aka", FM_LIST },
	{ "port", FM_ONE }, { "service", FM_ONE }, { "interface", FM_ONE },
	{ "monitor", FM_ONE }, { "plugin", FM_ONE }, { "plugout", FM_ONE },
	{ "dns", FM_FLAG }, { "checkalias", FM_FLAG }, { "uidl", FM_FLAG },
	{ "envelope", FM_LIST }, { "qvirtual", FM_ONE }, { "auth", FM_ONE },
	{ "authenticate", FM_ONE }, { "timeout", FM_ONE },
	{ "interval", FM_ONE }, { "principal", FM_ONE },
	{ "esmtpname", FM_ONE }, { "esmtppassword", FM_ONE },
	{ "tracepolls", FM_FLAG }, { "badheader", FM_ONE },
	{ "retrieveerror", FM_ONE },
	/* user options */
	{ "password", FM_ONE }, { "pass", FM_ONE }, { "passwd", FM_ONE },
	{ "ssl", FM_FLAG }, { "sslcert", FM_ONE }, { "sslkey", FM_ONE },
	{ "sslproto", FM_ONE }, { "sslcertck", FM_FLAG },
	{ "sslcertfile", FM_ONE }, { "sslcertpath", FM_ONE },
	{ "sslcommonname", FM_ONE }, { "sslfingerprint", FM_ONE },
	{ "keep", FM_FLAG }, { "flush", FM_FLAG }, { "limitflush", FM_FLAG },
	{ "fetchall", FM_FLAG }, { "rewrite", FM_FLAG },
	{ "stripcr", FM_FLAG }, { "forcecr", FM_FLAG },
	{ "pass8bits", FM_FLAG }, { "dropstatus", FM_FLAG },
	{ "dropdelivered", FM_FLAG }, { "mimedecode", FM_FLAG },
	{ "idle", FM_FLAG }, { "smtphost", FM_LIST }, { "smtphosts", FM_LIST },
	{ "fetchdomains", FM_LIST }, { "smtpaddress", FM_ONE },
	{ "smtpname", FM_ONE }, { "antispam", FM_LIST }, { "mda", FM_ONE },
	{ "bsmtp", FM_ONE }, { "lmtp", FM_FLAG }, { "preconnect", FM_ONE },
	{ "postconnect", FM_ONE }, { "limit", FM_ONE }, { "warnings", FM_ONE },
	{ "batchlimit", FM_ONE }, { "fetchlimit", FM_ONE },
	{ "fetchsizelimit", FM_ONE }, { "fastuidl", FM_ONE },
	{ "expunge", FM_ONE }, { "folder", FM_LIST }, { "folders", FM_LIST },
	{ "properties", FM_ONE },
};

/* Words that open something or mean nothing. */
static const char *const fm_structure[] = {
	"poll", "server", "skip", "defaults", "user", "username", "is", "to",
	"here", "there", "set", "no", NULL
};
static const char *const fm_noise[] = {
	"and", "with", "has", "wants", "options", "option", NULL
};

static int
fm_in(const char *const *list, const char *s)
{
	for (; *list != NULL; list++) {
		if (strcasecmp(*list, s) == 0)
			return (1);
	}
	return (0);
}

static int
fm_word(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof fm_words / sizeof fm_words[0]; i++) {
		if (strcasecmp(fm_words[i].word, s) == 0)
			return ((int)i);
	}
	return (-1);
}

/* A keyword ends a list of values; a quoted word never is one. */
static int
fm_keyword(const struct fm_token *t)
{
	return (!t->quoted && (fm_word(t->s) != -1 ||
	    fm_in(fm_structure, t->s) || fm_in(fm_noise, t->s)));
}

static void
fm_add(struct fm_lex *lx, char *s, int quoted, u_int line)
{
	lx->v = xreallocarray(lx->v, lx->n + 1, sizeof *lx->v);
	lx->v[lx->n].s = s;
	lx->v[lx->n].quoted = quoted;
	lx->v[lx->n].line = line;
	lx->n++;
}

/* A quoted string: \" \\ \n \t and \xNN or \NNN escapes, as fetchmail. */
static int
fm_string(FILE *f, int q, char **out, u_int *line)
{
	char	*s = NULL;
	size_t	 n = 0, size = 0;
	int	 c, d, i, v;

	for (;;) {
		if ((c = getc(f)) == EOF)
			goto bad;
		if (c == q)
			break;
		if (c == '\n')
			(*line)++;
		if (c == '\\') {
			if ((c = getc(f)) == EOF)
				goto bad;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'x' || (c >= '0' && c <= '7')) {
				v = c == 'x' ? 0 : c - '0';
				for (i = 0; i < 2; i++) {
					d = getc(f);
					if (c == 'x' && isxdigit(d))
						v = v * 16 + (isdigit(d) ? d -
						    '0' : (tolower(d) - 'a' + 10));
					else if (c != 'x' && d >= '0' &&
					    d <= '7')
						v = v * 8 + d - '0';
					else {
						if (d != EOF)
							ungetc(d, f);
						break;
					}
				}
				c = v & 0xff;
			}
		}
		if (n + 2 > size) {
			size = size == 0 ? 64 : size * 2;
			s = xreallocarray(s, size, 1);
		}
		s[n++] = (char)c;
	}
	if (s == NULL)
		s = xmalloc(1);
	s[n] = '\0';
	*out = s;
	return (0);
bad:
	free(s);
	return (-1);
}

static int
fm_lex(FILE *f, struct fm_lex *lx, struct error *err)
{
	char	*s, buf[1024];
	size_t	 n;
	u_int	 line = 1, start;
	int	 c;

	while ((c = getc(f)) != EOF) {
		if (lx->n >= FM_TOKENS_MAX)
			return (err_set(err, ERR_CONFIG, "too many words for "
			    "a fetchmailrc"));
		if (c == '\n') {
			line++;
			continue;
		}
		if (isspace(c) || c == ',' || c == ':' || c == ';')
			continue;
		if (c == '#') {
			while ((c = getc(f)) != EOF && c != '\n')
				;
			line++;
			continue;
		}
		if (c == '"' || c == '\'') {
			start = line;
			if (fm_string(f, c, &s, &line) == -1)
				return (err_set(err, ERR_CONFIG, "line %u: a "
				    "string that never ends", start));
			fm_add(lx, s, 1, start);
			continue;
		}
		n = 0;
		do {
			if (n + 1 >= sizeof buf)
				return (err_set(err, ERR_CONFIG, "line %u: a "
				    "word too long", line));
			buf[n++] = (char)c;
		} while ((c = getc(f)) != EOF && !isspace(c) && c != ',' &&
		    c != ';' && c != '#' && c != '"' && c != '\'');
		if (c != EOF)
			ungetc(c, f);
		buf[n] = '\0';
		/* A colon ends a word (server: host), except in a path. */
		if (n > 1 && buf[n - 1] == ':')
			buf[n - 1] = '\0';
		fm_add(lx, xstrdup(buf), 0, line);
	}
	return (0);
}

static struct fm_token *
fm_peek(struct fm_lex *lx)
{
	while (lx->pos < lx->n && !lx->v[lx->pos].quoted &&
	    fm_in(fm_noise, lx->v[lx->pos].s))
		lx->pos++;
	return (lx->pos < lx->n ? &lx->v[lx->pos] : NULL);
}

static int
fm_is(struct fm_token *t, const char *w)
{
	return (t != NULL && !t->quoted && strcasecmp(t->s, w) == 0);
}

static void
fm_opts_add(struct fm_opts *o, const char *word, int no, u_int line)
{
	o->v = xreallocarray(o->v, o->n + 1, sizeof *o->v);
	memset(&o->v[o->n], 0, sizeof o->v[o->n]);
	o->v[o->n].word = word;
	o->v[o->n].no = no;
	o->v[o->n].line = line;
	o->v[o->n].args.v = xcalloc(1, sizeof(char *));
	o->n++;
}

static void
fm_arg(struct fm_opt *o, const char *s)
{
	o->args.v = xreallocarray(o->args.v, o->args.n + 2, sizeof(char *));
	o->args.v[o->args.n++] = xstrdup(s);
	o->args.v[o->args.n] = NULL;
}

static void
fm_opts_copy(struct fm_opts *dst, const struct fm_opts *src)
{
	size_t	i;

	memset(dst, 0, sizeof *dst);
	for (i = 0; i < src->n; i++) {
		fm_opts_add(dst, src->v[i].word, src->v[i].no,
		    src->v[i].line);
		words_free(&dst->v[i].args);
		words_copy(&dst->v[i].args, &src->v[i].args);
	}
}

static void
fm_opts_free(struct fm_opts *o)
{
	size_t	i;

	for (i = 0; i < o->n; i++)
		words_free(&o->v[i].args);
	free(o->v);
	memset(o, 0, sizeof *o);
}

/* The last setting of word (synonyms given as a|b), or NULL. */
static const struct fm_opt *
fm_get(const struct fm_opts *o, const char *word)
{
	char	 buf[64], *p, *w;
	size_t	 i;

	for (i = o->n; i-- > 0;) {
		(void)strlcpy(buf, word, sizeof buf);
		for (p = buf; (w = strsep(&p, "|")) != NULL;) {
			if (strcasecmp(o->v[i].word, w) == 0)
				return (&o->v[i]);
		}
	}
	return (NULL);
}

static const char *
fm_val(const struct fm_opts *o, const char *word)
{
	const struct fm_opt	*v = fm_get(o, word);

	return (v != NULL && !v->no && v->args.n > 0 ? v->args.v[0] : NULL);
}

static int
fm_on(const struct fm_opts *o, const char *word)
{
	const struct fm_opt	*v = fm_get(o, word);

	return (v != NULL && !v->no);
}

/*
 * The local names after "is" or "to", up to "here" or a keyword; when the
 * user clause said "here" after its name, the name was the local one.
 */
static void
fm_names(struct fm_lex *lx, struct fm_opts *o, const char *word)
{
	struct fm_token	*t;

	fm_opts_add(o, word, 0, 0);
	while ((t = fm_peek(lx)) != NULL && !fm_keyword(t)) {
		fm_arg(&o->v[o->n - 1], t->s);
		lx->pos++;
	}
	if (fm_is(fm_peek(lx), "here") || fm_is(fm_peek(lx), "there"))
		lx->pos++;
}

/* Options up to the next entry or user clause. */
static void
fm_options(struct fm_lex *lx, struct fm_opts *o, int stop_at_user)
{
	struct fm_token	*t;
	int		 k, no;

	while ((t = fm_peek(lx)) != NULL) {
		if (fm_is(t, "poll") || fm_is(t, "server") ||
		    fm_is(t, "skip") || fm_is(t, "defaults") ||
		    fm_is(t, "set"))
			return;
		if (stop_at_user && (fm_is(t, "user") ||
		    fm_is(t, "username")))
			return;
		if (fm_is(t, "is") || fm_is(t, "to")) {
			lx->pos++;
			fm_names(lx, o, "is");
			continue;
		}
		if (fm_is(t, "here") || fm_is(t, "there")) {
			lx->pos++;
			continue;
		}
		no = 0;
		if (fm_is(t, "no")) {
			no = 1;
			lx->pos++;
			if ((t = fm_peek(lx)) == NULL)
				return;
		}
		lx->pos++;
		/* nokeep, nofetchall: the older spelling of "no keep". */
		if (!t->quoted && !no && strncasecmp(t->s, "no", 2) == 0 &&
		    fm_word(t->s + 2) != -1 &&
		    fm_words[fm_word(t->s + 2)].kind == FM_FLAG) {
			fm_opts_add(o, fm_words[fm_word(t->s + 2)].word, 1,
			    t->line);
			continue;
		}
		if (t->quoted || (k = fm_word(t->s)) == -1) {
			/* Kept so that it is named in a comment. */
			fm_opts_add(o, t->s, no, t->line);
			continue;
		}
		fm_opts_add(o, fm_words[k].word, no, t->line);
		if (fm_words[k].kind == FM_FLAG || no)
			continue;
		while ((t = fm_peek(lx)) != NULL && !fm_keyword(t)) {
			fm_arg(&o->v[o->n - 1], t->s);
			lx->pos++;
			if (fm_words[k].kind == FM_ONE)
				break;
		}
	}
}

/* The words of a command fetchmail gave to sh -c, as popfetch runs it. */
static void
fm_mda(struct import *im, const char *cmd, const char *local)
{
	const char	*p;
	char		*c;
	size_t		 n = 0, sub;

	/* %T and %s are the local recipient; %F the sender, as in popfetch. */
	if (local == NULL)
		local = "";
	sub = strlen(local);
	c = xmalloc(strlen(cmd) * (sub + 1) + 1);
	for (p = cmd; *p != '\0'; p++) {
		if (p[0] == '%' && (p[1] == 'T' || p[1] == 's')) {
			memcpy(c + n, local, sub);
			n += sub;
			p++;
		} else
			c[n++] = *p;
	}
	c[n] = '\0';
	if (strstr(cmd, "%T") != NULL || strstr(cmd, "%s") != NULL)
		import_comment(im, "mda \"%s\": %%T or %%s (the local "
		    "recipient) became '%s'", cmd, local);
	import_shell(im, "delivery", "mda", c);
	free(c);
}

/* Options that mean what popfetch does anyway. */
static const char *const fm_same[] = {
	"uidl", "fastuidl", "dns", "pass8bits", NULL
};

/* Comments for options with no equivalent: word, then why. */
static const char *const fm_why[] = {
	"interval", "popfetch has no poll cycle of its own: give the account "
	    "its own cron line or systemd timer",
	"preconnect", "run the command before popfetch in the cron job",
	"postconnect", "run the command after popfetch in the cron job",
	"flush", "popfetch deletes a message once it is delivered (keep off); "
	    "it never deletes old mail unfetched",
	"limitflush", "max_size keeps big messages on the server; kill_size "
	    "deletes them unread",
	"bsmtp", "popfetch does not write BSMTP files",
	"idle", "IDLE is IMAP",
	"folder", "folders are IMAP",
	"folders", "folders are IMAP",
	"sslproto", "popfetch uses GnuTLS's secure defaults (tls_priorities "
	    "changes them)",
	"sslcertpath", "popfetch reads CA certificates from one file "
	    "(tls_trust_file) or the system store",
	"sslcommonname", "popfetch checks the certificate against host; pin it "
	    "with tls_fingerprint if the name differs",
	"sslfingerprint", "fetchmail pins an MD5 fingerprint; popfetch pins "
	    "SHA-256 (tls_fingerprint): popfetch -S shows it",
	"envelope", "multidrop: popfetch delivers a mailbox to one place",
	"qvirtual", "multidrop: popfetch delivers a mailbox to one place",
	"localdomains", "multidrop: popfetch delivers a mailbox to one place",
	"local", "multidrop: popfetch delivers a mailbox to one place",
	"aka", "multidrop: popfetch delivers a mailbox to one place",
	"checkalias", "multidrop: popfetch delivers a mailbox to one place",
	"fetchdomains", "multidrop: popfetch delivers a mailbox to one place",
	"stripcr", "popfetch delivers messages as the server sent them",
	"forcecr", "popfetch delivers messages as the server sent them",
	"mimedecode", "popfetch delivers messages as the server sent them",
	"dropstatus", "popfetch delivers messages as the server sent them",
	"dropdelivered", "popfetch delivers messages as the server sent them",
	"rewrite", "popfetch delivers messages as the server sent them",
	"smtpaddress", "recipient names the whole address",
	"antispam", "popfetch hands mail over once; the mail server's refusal "
	    "keeps it on the POP server",
	"warnings", "popfetch says each run which messages it skipped",
	"batchlimit", "popfetch sends each message in its own SMTP transaction",
	"fetchsizelimit", "popfetch asks LIST once per session",
	"expunge", "popfetch deletes at QUIT, after recording what it fetched",
	"esmtpname", "smtp_user sets the SMTP login",
	"esmtppassword", "smtp_password sets the SMTP password",
	"interface", "popfetch does not check the network interface",
	"monitor", "popfetch does not check the network interface",
	"plugin", "popfetch connects directly; wrap it with a proxy tool if "
	    "you need one",
	"plugout", "popfetch connects directly to the mail server",
	"principal", "Kerberos is not supported",
	"tracepolls", "popfetch adds its own Received header",
	"badheader", "popfetch delivers messages as the server sent them",
	"retrieveerror", "a message that cannot be fetched ends the session; "
	    "the next run tries again",
	"properties", "for fetchmail's extensions only",
	NULL
};

static void
fm_unused(struct import *im, const struct fm_opt *o)
{
	const char	*why;
	int		 secret;

	why = import_why(fm_why, o->word);
	/* Values of secrets stay out of comments. */
	secret = strstr(o->word, "pass") != NULL;
	import_comment(im, "not carried over: %s%s%s%s: %s", o->no ? "no " :
	    "", o->word, o->args.n > 0 && !secret ? " " : "",
	    o->args.n > 0 && !secret ? o->args.v[0] : "",
	    why != NULL ? why : "no popfetch equivalent");
}

/* Words the emitter below reads; the rest are named in comments. */
static const char *const fm_read[] = {
	"via", "proto", "protocol", "port", "service", "auth", "authenticate",
	"timeout", "user", "is", "user-is-local", "password", "pass", "passwd",
	"ssl", "sslcert", "sslkey", "sslcertck", "sslcertfile", "keep",
	"fetchall", "smtphost", "smtphosts", "smtpname", "mda", "lmtp",
	"limit", "fetchlimit", NULL
};

/* host/port as fetchmail writes an SMTP host, host:port as popfetch does. */
static char *
fm_smtphost(const char *s)
{
	char	*h, *slash;

	h = xstrdup(s);
	if (h[0] != '/' && (slash = strrchr(h, '/')) != NULL)
		*slash = ':';
	return (h);
}

static void
fm_delivery(struct import *im, const struct fm_opts *o, const char *local,
    int nlocal)
{
	const struct fm_opt	*smtp;
	const char		*mda;
	char			*h;
	size_t			 i;

	if ((mda = fm_val(o, "mda")) != NULL) {
		fm_mda(im, mda, local);
		return;
	}
	smtp = fm_get(o, "smtphost|smtphosts");
	if (smtp != NULL && smtp->args.n > 0) {
		h = fm_smtphost(smtp->args.v[0]);
		import_key(im, "delivery", fm_on(o, "lmtp") ? "lmtp" : "smtp",
		    h, NULL);
		free(h);
		for (i = 1; i < smtp->args.n; i++)
			import_comment(im, "not carried over: smtphost %s: "
			    "popfetch hands mail to one server and keeps it on "
			    "the POP server while that one is down",
			    smtp->args.v[i]);
	} else {
		import_comment(im, "fetchmail's default delivery: SMTP to "
		    "port 25 of this machine");
		import_key(im, "delivery", "smtp", "localhost", NULL);
	}
	if (fm_val(o, "smtpname") != NULL)
		import_key(im, "recipient", fm_val(o, "smtpname"), NULL);
	else if (local != NULL && nlocal == 1 && strcmp(local, "*") != 0)
		import_key(im, "recipient", local, NULL);
}

static void
fm_emit(struct import *im, const char *host, int skip,
    const struct fm_opts *o)
{
	const struct fm_opt	*is, *ck;
	const char		*proto, *auth, *port, *user, *local = NULL;
	const char		*v;
	char			 name[256];
	size_t			 i, nlocal = 0;
	int			 apop = 0;

	proto = fm_val(o, "proto|protocol");
	if (proto != NULL && strcasecmp(proto, "pop3") != 0 &&
	    strcasecmp(proto, "auto") != 0 && strcasecmp(proto, "apop") != 0) {
		import_comment(im, "not carried over: poll %s with protocol %s: "
		    "popfetch speaks POP3 only", host, proto);
		return;
	}
	apop = proto != NULL && strcasecmp(proto, "apop") == 0;
	user = fm_val(o, "user");
	if ((is = fm_get(o, "is")) != NULL && is->args.n > 0) {
		nlocal = is->args.n;
		local = is->args.v[0];
		/* "user NAME here is REMOTE there": NAME was the local one. */
		if (fm_on(o, "user-is-local")) {
			local = user;
			user = is->args.v[0];
			nlocal = 1;
		}
	}
	(void)snprintf(name, sizeof name, "%s%s%s", user != NULL ? user : "",
	    user != NULL ? "@" : "", host);
	import_account(im, name, NULL);
	if (skip)
		import_comment(im, "fetchmail polled this entry (skip) only "
		    "when named: so does 'popfetch %s' when the others are "
		    "not wanted", im->names[im->naccounts - 1]);
	if ((v = fm_val(o, "via")) != NULL)
		host = v;
	import_key(im, "host", host, NULL);
	if ((port = fm_val(o, "port|service")) != NULL) {
		if (strcasecmp(port, "pop3s") == 0)
			port = "995";
		else if (strcasecmp(port, "pop3") == 0)
			port = "110";
		if (strspn(port, "0123456789") == strlen(port))
			import_key(im, "port", port, NULL);
		else
			import_comment(im, "not carried over: port %s: a "
			    "port number is needed", port);
	}
	if (!fm_on(o, "ssl") && port != NULL && strcmp(port, "995") == 0)
		import_comment(im, "port 995 without ssl: taken as implicit TLS, "
		    "which is what that port speaks");
	else if (!fm_on(o, "ssl")) {
		import_comment(im, "fetchmail used STLS when the server "
		    "offered it; popfetch requires it (tls off if the server "
		    "has no TLS at all: the password then crosses in clear)");
		import_key(im, "tls_starttls", "on", NULL);
	}
	if ((ck = fm_get(o, "sslcertck")) != NULL && ck->no) {
		import_comment(im, "no sslcertck: popfetch warns on every run");
		import_key(im, "tls_verify", "off", NULL);
	}
	if ((v = fm_val(o, "sslcertfile")) != NULL)
		import_key(im, "tls_trust_file", v, NULL);
	if ((v = fm_val(o, "sslcert")) != NULL)
		import_key(im, "tls_cert_file", v, NULL);
	if ((v = fm_val(o, "sslkey")) != NULL)
		import_key(im, "tls_key_file", v, NULL);

	if (apop)
		import_key(im, "auth", "apop", NULL);
	else if ((auth = fm_val(o, "auth|authenticate")) != NULL) {
		if (strcasecmp(auth, "cram-md5") == 0 ||
		    strcasecmp(auth, "external") == 0) {
			char	 lower[16];

			(void)strlcpy(lower, auth, sizeof lower);
			for (i = 0; lower[i] != '\0'; i++)
				lower[i] = tolower((u_char)lower[i]);
			import_key(im, "auth", lower, NULL);
		} else if (strcasecmp(auth, "password") != 0 &&
		    strcasecmp(auth, "any") != 0)
			import_comment(im, "not carried over: auth %s: "
			    "popfetch logs in with a password, CRAM-MD5, SCRAM, "
			    "APOP, OAuth 2.0 or a client certificate", auth);
	}
	if (user != NULL)
		import_key(im, "user", user, NULL);
	if ((v = fm_val(o, "password|pass|passwd")) != NULL)
		import_key(im, "password", v, NULL);
	else
		import_comment(im, "no password: popfetch reads ~/.netrc as "
		    "fetchmail did, else asks (passwordeval runs a command)");

	fm_delivery(im, o, local, nlocal);
	if (nlocal > 1 || (local != NULL && strcmp(local, "*") == 0))
		import_comment(im, "not carried over: is %s...: multidrop: "
		    "popfetch delivers a mailbox to one place", local);
	if (fm_on(o, "keep"))
		import_key(im, "keep", "on", NULL);
	if (fm_on(o, "fetchall"))
		import_key(im, "only_new", "off", NULL);
	if ((v = fm_val(o, "limit")) != NULL && strcmp(v, "0") != 0)
		import_key(im, "max_size", v, NULL);
	if ((v = fm_val(o, "fetchlimit")) != NULL && strcmp(v, "0") != 0)
		import_key(im, "max_messages", v, NULL);
	if ((v = fm_val(o, "timeout")) != NULL)
		import_key(im, "timeout", v, NULL);

	for (i = 0; i < o->n; i++) {
		if (fm_in(fm_read, o->v[i].word) || (fm_in(fm_same,
		    o->v[i].word)))
			continue;
		/* "no X" where popfetch never does X says nothing. */
		if (o->v[i].no && fm_get(o, o->v[i].word) == &o->v[i] &&
		    strcasecmp(o->v[i].word, "lmtp") != 0)
			continue;
		fm_unused(im, &o->v[i]);
	}
}

static void
fm_set(struct import *im, struct fm_lex *lx)
{
	static const char *const valued[] = {
		"daemon", "logfile", "idfile", "postmaster", "properties",
		"pidfile", "fetchmailhome", NULL
	};
	struct fm_token	*t;
	const char	*name, *value = "";
	int		 no = 0;

	if (fm_is(fm_peek(lx), "no")) {
		no = 1;
		lx->pos++;
	}
	if ((t = fm_peek(lx)) == NULL)
		return;
	name = t->s;
	lx->pos++;
	if (fm_in(valued, name) && (t = fm_peek(lx)) != NULL &&
	    !fm_keyword(t)) {
		value = t->s;
		lx->pos++;
	}
	if (strcasecmp(name, "daemon") == 0)
		import_comment(im, "not carried over: set daemon %s: popfetch "
		    "runs once; run it every %s seconds from cron or a "
		    "systemd timer", value, value);
	else if (strcasecmp(name, "syslog") == 0 && !no)
		import_comment(im, "not carried over: set syslog: run popfetch "
		    "--syslog");
	else
		import_comment(im, "not carried over: set %s%s%s%s: no "
		    "popfetch equivalent", no ? "no " : "", name,
		    *value != '\0' ? " " : "", value);
}

int
import_fetchmail(struct import *im, FILE *f, struct error *err)
{
	struct fm_lex	 lx;
	struct fm_opts	 defaults, srv, u;
	struct fm_token	*t, *name;
	const char	*host;
	size_t		 i;
	int		 skip, users, rv = -1;

	memset(&lx, 0, sizeof lx);
	memset(&defaults, 0, sizeof defaults);
	if (fm_lex(f, &lx, err) == -1)
		goto out;
	while ((t = fm_peek(&lx)) != NULL) {
		lx.pos++;
		if (fm_is(t, "set")) {
			fm_set(im, &lx);
			continue;
		}
		if (fm_is(t, "defaults")) {
			fm_opts_copy(&srv, &defaults);
			fm_options(&lx, &srv, 0);
			fm_opts_free(&defaults);
			defaults = srv;
			continue;
		}
		if (!fm_is(t, "poll") && !fm_is(t, "server") &&
		    !fm_is(t, "skip")) {
			import_comment(im, "not carried over: '%s' at line %u "
			    "of %s: not understood", t->s, t->line, im->path);
			continue;
		}
		skip = fm_is(t, "skip");
		if ((t = fm_peek(&lx)) == NULL) {
			err_set(err, ERR_CONFIG, "%s ends before the server "
			    "name", im->path);
			goto out;
		}
		host = t->s;
		lx.pos++;
		fm_opts_copy(&srv, &defaults);
		fm_options(&lx, &srv, 1);
		users = 0;
		while ((t = fm_peek(&lx)) != NULL && (fm_is(t, "user") ||
		    fm_is(t, "username"))) {
			lx.pos++;
			if ((name = fm_peek(&lx)) == NULL)
				break;
			lx.pos++;
			fm_opts_copy(&u, &srv);
			fm_opts_add(&u, "user", 0, name->line);
			fm_arg(&u.v[u.n - 1], name->s);
			if (fm_is(fm_peek(&lx), "here")) {
				lx.pos++;
				fm_opts_add(&u, "user-is-local", 0, 0);
			}
			fm_options(&lx, &u, 1);
			fm_emit(im, host, skip, &u);
			fm_opts_free(&u);
			users++;
		}
		/* No user clause: fetchmail logs in as the local user. */
		if (users == 0)
			fm_emit(im, host, skip, &srv);
		fm_opts_free(&srv);
	}
	rv = 0;
out:
	fm_opts_free(&defaults);
	for (i = 0; i < lx.n; i++) {
		explicit_bzero(lx.v[i].s, strlen(lx.v[i].s));
		free(lx.v[i].s);
	}
	free(lx.v);
	return (rv);
}
