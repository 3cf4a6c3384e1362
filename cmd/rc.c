#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net.h"
#include "net/tls.h"
#include "paths.h"
#include "popurl.h"
#include "rc.h"
#include "util/xmalloc.h"

struct rc_parse {
	const char		*path;
	u_int			 line;
	struct rc		*rc;
	struct rc_block		 defaults;	/* every defaults line so far */
	struct rc_account	*scratch;	/* checks defaults lines */
	struct rc_account	*cur;		/* the account being read */
	int			 indefaults;
	int			 password;	/* a password key was read */
};

/* The auth values, in the order of enum auth_method. */
static const char *const rc_auth[] = {
	"auto", "user", "apop", "plain", "login", "cram-md5", "scram-sha-256",
	"xoauth2", "oauthbearer", "external", NULL
};

/* The pipelining values, in the order of enum pipelining_mode. */
static const char *const rc_pipelining[] = { "auto", "on", "off", NULL };

/* The filter_exit values, in the order of enum filter_exit. */
static const char *const rc_filter_exit[] = { "popfetch", "mpop", NULL };

/* The smtp_tls values, in the order of enum smtp_tls_mode. */
static const char *const rc_smtp_tls[] = { "auto", "off", "starttls", NULL };

/* The imap_tls values, in the order of enum imap_tls_mode. */
static const char *const rc_imap_tls[] = {
	"auto", "off", "starttls", "on", NULL
};

/* The oauth_provider values, in the order of enum oauth_provider. */
static const char *const rc_oauth[] = {
	"none", "microsoft", "google", "custom", NULL
};

/* tls_trust_file system: the system store, no file. */
static const char *const rc_system[] = { "system", NULL };

static int	rc_apply_password(struct rc_account *, char *const *, size_t,
		    struct error *);
static int	rc_apply_eval(struct rc_account *, char *const *, size_t,
		    struct error *);
static int	rc_apply_delivery(struct rc_account *, char *const *, size_t,
		    struct error *);
static int	rc_apply_keep(struct rc_account *, char *const *, size_t,
		    struct error *);
static int	rc_apply_recipient(struct rc_account *, char *const *,
		    size_t, struct error *);
static int	rc_apply_from(struct rc_account *, char *const *, size_t,
		    struct error *);
static int	rc_apply_smtp_password(struct rc_account *, char *const *,
		    size_t, struct error *);
static int	rc_apply_smtp_eval(struct rc_account *, char *const *,
		    size_t, struct error *);
static int	rc_apply_imap_password(struct rc_account *, char *const *,
		    size_t, struct error *);
static int	rc_apply_imap_eval(struct rc_account *, char *const *,
		    size_t, struct error *);
static int	rc_apply_fingerprint(struct rc_account *, char *const *,
		    size_t, struct error *);

#define ACCT(f)		offsetof(struct account, f)
#define KEY(n, k, f)	.name = (n), .kind = (k), .off = ACCT(f)
#define SPECIAL(n, fn)	.name = (n), .kind = RCK_SPECIAL, .apply = (fn)

/*
 * Every key: its value's kind and the field of struct account it sets.  A
 * plain key is one row here; a key with rules of its own names a function.
 */
static const struct rc_key {
	const char		*name;
	enum {
		RCK_STRING,	/* char *, not empty */
		RCK_PATH,	/* char *, ~/ expanded; words[0] unsets it */
		RCK_ONOFF,	/* int */
		RCK_NUMBER,	/* u_int from min to max */
		RCK_SIZE,	/* unsigned long long bytes */
		RCK_DURATION,	/* long long seconds */
		RCK_ENUM,	/* int, the index of the value in words */
		RCK_COMMAND,	/* char **, an argument vector */
		RCK_SPECIAL,	/* apply does it */
	}			 kind;
	size_t			 off;
	long long		 min, max;
	const char		*unit;		/* RCK_NUMBER, in messages */
	const char *const	*words;
	int			 icase;		/* RCK_ENUM: any case */
	int			 many;		/* RCK_SPECIAL: several words */
	int			(*apply)(struct rc_account *, char *const *,
				    size_t, struct error *);
} rc_keys[] = {
	{ KEY("host", RCK_STRING, host) },
	{ KEY("port", RCK_NUMBER, port), .min = 1, .max = 65535 },
	{ KEY("tls", RCK_ONOFF, tls) },
	{ KEY("tls_starttls", RCK_ONOFF, tls_starttls) },
	{ KEY("tls_trust_file", RCK_PATH, tls_trust_file),
	    .words = rc_system },
	{ KEY("tls_verify", RCK_ONOFF, tls_verify) },
	{ SPECIAL("tls_fingerprint", rc_apply_fingerprint) },
	{ KEY("tls_cert_file", RCK_PATH, tls_cert_file) },
	{ KEY("tls_key_file", RCK_PATH, tls_key_file) },
	{ KEY("tls_priorities", RCK_STRING, tls_priorities) },
	{ KEY("auth", RCK_ENUM, auth), .words = rc_auth, .icase = 1 },
	{ KEY("user", RCK_STRING, user) },
	{ SPECIAL("password", rc_apply_password) },
	{ SPECIAL("passwordeval", rc_apply_eval), .many = 1 },
	{ SPECIAL("delivery", rc_apply_delivery), .many = 1 },
	{ SPECIAL("keep", rc_apply_keep) },
	{ KEY("oauth_provider", RCK_ENUM, oauth_provider), .words = rc_oauth },
	{ KEY("oauth_client_id", RCK_STRING, oauth_client_id) },
	{ KEY("oauth_client_secret", RCK_STRING, oauth_client_secret) },
	{ KEY("oauth_client_secret_eval", RCK_COMMAND,
	    oauth_client_secret_eval) },
	{ KEY("oauth_auth_url", RCK_STRING, oauth_auth_url) },
	{ KEY("oauth_device_url", RCK_STRING, oauth_device_url) },
	{ KEY("oauth_token_url", RCK_STRING, oauth_token_url) },
	{ KEY("oauth_scope", RCK_STRING, oauth_scope) },
	{ SPECIAL("recipient", rc_apply_recipient) },
	{ SPECIAL("envelope_from", rc_apply_from) },
	{ KEY("smtp_tls", RCK_ENUM, smtp_tls), .words = rc_smtp_tls },
	{ KEY("smtp_auth", RCK_ENUM, smtp_auth), .words = rc_auth,
	    .icase = 1 },
	{ KEY("smtp_user", RCK_STRING, smtp_user) },
	{ SPECIAL("smtp_password", rc_apply_smtp_password) },
	{ SPECIAL("smtp_passwordeval", rc_apply_smtp_eval), .many = 1 },
	{ KEY("imap_tls", RCK_ENUM, imap_tls), .words = rc_imap_tls },
	{ KEY("imap_auth", RCK_ENUM, imap_auth), .words = rc_auth,
	    .icase = 1 },
	{ KEY("imap_user", RCK_STRING, imap_user) },
	{ SPECIAL("imap_password", rc_apply_imap_password) },
	{ SPECIAL("imap_passwordeval", rc_apply_imap_eval), .many = 1 },
	{ KEY("only_new", RCK_ONOFF, only_new) },
	{ KEY("timeout", RCK_NUMBER, timeout), .min = 1, .max = 3600,
	    .unit = " seconds" },
	{ KEY("session_timeout", RCK_NUMBER, session_timeout), .min = 1,
	    .max = 604800, .unit = " seconds" },
	{ KEY("pipelining", RCK_ENUM, pipelining), .words = rc_pipelining },
	{ KEY("state_dir", RCK_PATH, state_dir) },
	{ KEY("max_size", RCK_SIZE, max_size) },
	{ KEY("kill_size", RCK_SIZE, kill_size) },
	{ KEY("max_messages", RCK_NUMBER, max_messages), .min = 1,
	    .max = 1000000 },
	{ KEY("filter", RCK_COMMAND, filter) },
	{ KEY("filter_exit", RCK_ENUM, filter_exit), .words = rc_filter_exit },
	{ KEY("received_header", RCK_ONOFF, received_header) },
	{ KEY("syslog", RCK_ONOFF, syslog) },
};

#define RC_NKEYS	(sizeof rc_keys / sizeof rc_keys[0])
_Static_assert(RC_NKEYS <= RC_KEYS_MAX, "raise RC_KEYS_MAX");
/* Enum fields are written as int. */
_Static_assert(sizeof(enum auth_method) == sizeof(int) &&
    sizeof(enum pipelining_mode) == sizeof(int) &&
    sizeof(enum filter_exit) == sizeof(int), "enum is not an int");

static int
rc_fail(const char *path, u_int line, struct error *err)
{
	char	what[sizeof err->what];

	(void)strlcpy(what, err->what, sizeof what);
	return (err_set(err, ERR_CONFIG, "%s:%u: %s", path, line, what));
}

int
rc_key_index(const char *s)
{
	int	k;

	for (k = 0; k < (int)RC_NKEYS; k++) {
		if (strcmp(rc_keys[k].name, s) == 0)
			return (k);
	}
	return (-1);
}

static void
rc_setstr(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

static int
rc_onoff(const char *key, const char *s, int *out, struct error *err)
{
	if (strcmp(s, "on") == 0)
		*out = 1;
	else if (strcmp(s, "off") == 0)
		*out = 0;
	else
		return (err_set(err, ERR_CONFIG,
		    "%s must be on or off, not '%s'", key, s));
	return (0);
}

/*
 * A number with a unit: 7d, 12h for durations (s m h d w), 20M for sizes
 * (K M G, powers of 1024; a bare number is bytes).  Never zero, never an
 * overflow.
 */
static int
rc_scaled(const char *s, const char *units, const unsigned long long *mult,
    int bare, unsigned long long *out)
{
	const char	*errstr, *u;
	char		 num[32];
	size_t		 n;
	long long	 v;
	unsigned long long m = 1;

	n = strspn(s, "0123456789");
	if (n == 0 || n >= sizeof num)
		return (-1);
	memcpy(num, s, n);
	num[n] = '\0';
	if (s[n] == '\0') {
		if (!bare)
			return (-1);
	} else {
		if (s[n + 1] != '\0' || (u = strchr(units, s[n])) == NULL)
			return (-1);
		m = mult[u - units];
	}
	v = strtonum(num, 1, LLONG_MAX / m, &errstr);
	if (errstr != NULL)
		return (-1);
	*out = v * m;
	return (0);
}

static int
rc_duration(const char *key, const char *s, unsigned long long *out,
    struct error *err)
{
	static const unsigned long long	mult[] = {
		1, 60, 3600, 86400, 604800,
	};

	if (rc_scaled(s, "smhdw", mult, 0, out) == -1)
		return (err_set(err, ERR_CONFIG, "%s '%s' is not a duration "
		    "(like 7d or 12h; units s, m, h, d, w)", key, s));
	return (0);
}

static int
rc_size(const char *key, const char *s, unsigned long long *out,
    struct error *err)
{
	static const unsigned long long	mult[] = {
		1024, 1024 * 1024, 1024 * 1024 * 1024,
		1024, 1024 * 1024, 1024 * 1024 * 1024,
	};

	/* 100k as mpop users write it, or 100K. */
	if (rc_scaled(s, "KMGkmg", mult, 1, out) == -1)
		return (err_set(err, ERR_CONFIG, "%s '%s' is not a size "
		    "(like 20M; bytes, or units K, M, G)", key, s));
	return (0);
}

/* Control characters would end up in protocol lines and file names. */
static int
rc_clean(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((*s > 0 && *s < 0x20 && *s != '\t') || *s == 0x7f)
			return (0);
	}
	return (1);
}

/* An address for RCPT TO or MAIL FROM: printable, no blanks or <>. */
static int
rc_address(const char *s)
{
	size_t	len = strlen(s);

	if (len == 0 || len > 254 || *s == '-')
		return (0);
	for (; *s != '\0'; s++) {
		if ((u_char)*s <= 0x20 || *s == 0x7f || strchr("<>()[],;\\\"",
		    *s) != NULL)
			return (0);
	}
	return (1);
}

static int
rc_apply_recipient(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	(void)n;
	if (!rc_address(v[0]))
		return (err_set(err, ERR_CONFIG, "recipient must be an address "
		    "like user@example.org, not '%s'", v[0]));
	rc_setstr(&ra->acct.recipient, v[0]);
	return (0);
}

static int
rc_path(const char *key, const char *s, char **dst, struct error *err)
{
	char	*p;

	if (*s == '\0')
		return (err_set(err, ERR_CONFIG, "%s is empty", key));
	if (paths_expand(s, &p, err) == -1)
		return (-1);
	free(*dst);
	*dst = p;
	return (0);
}

/*
 * A command (passwordeval, filter, delivery mda): its words, or one quoted
 * word split again, as in passwordeval "pass show mail".
 */
static int
rc_command(const char *key, char *const *v, size_t n, struct words *dst,
    struct error *err)
{
	struct words	 w;
	const char	*errstr;
	char		*path;
	size_t		 i;

	if (n == 1) {
		if (words_split(v[0], 0, &w, &errstr) == -1)
			return (err_set(err, ERR_CONFIG, "%s: %s", key,
			    errstr));
	} else {
		w.v = xcalloc(n + 1, sizeof *w.v);
		for (i = 0; i < n; i++)
			w.v[i] = xstrdup(v[i]);
		w.n = n;
	}
	if (w.n == 0 || *w.v[0] == '\0') {
		words_free(&w);
		return (err_set(err, ERR_CONFIG, "%s needs a command", key));
	}
	/* ~/bin/filter names a program as a path value would. */
	if (strncmp(w.v[0], "~/", 2) == 0) {
		if (paths_expand(w.v[0], &path, err) == -1) {
			words_free(&w);
			return (-1);
		}
		free(w.v[0]);
		w.v[0] = path;
	}
	words_free(dst);
	*dst = w;
	return (0);
}

/* password or smtp_password: a secret, which unsets its eval. */
static int
rc_secret(const char *key, const char *v, char **secret, struct words *eval,
    struct error *err)
{
	if (*v == '\0')
		return (err_set(err, ERR_CONFIG, "%s is empty", key));
	xfree_secret(*secret);
	*secret = xstrdup(v);
	words_free(eval);
	return (0);
}

/* passwordeval or smtp_passwordeval: a command, which unsets the secret. */
static int
rc_secret_eval(const char *key, char *const *v, size_t n, char **secret,
    struct words *eval, struct error *err)
{
	if (rc_command(key, v, n, eval, err) == -1)
		return (-1);
	xfree_secret(*secret);
	*secret = NULL;
	return (0);
}

static int
rc_apply_password(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	(void)n;
	return (rc_secret("password", v[0], &ra->acct.password,
	    &ra->passwordeval, err));
}

static int
rc_apply_eval(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	return (rc_secret_eval("passwordeval", v, n, &ra->acct.password,
	    &ra->passwordeval, err));
}

static int
rc_apply_smtp_password(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	(void)n;
	return (rc_secret("smtp_password", v[0], &ra->acct.smtp_password,
	    &ra->smtp_passwordeval, err));
}

static int
rc_apply_smtp_eval(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	return (rc_secret_eval("smtp_passwordeval", v, n,
	    &ra->acct.smtp_password, &ra->smtp_passwordeval, err));
}

static int
rc_apply_imap_password(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	(void)n;
	return (rc_secret("imap_password", v[0], &ra->acct.imap_password,
	    &ra->imap_passwordeval, err));
}

static int
rc_apply_imap_eval(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	return (rc_secret_eval("imap_passwordeval", v, n,
	    &ra->acct.imap_password, &ra->imap_passwordeval, err));
}

/*
 * imaps://HOST[:PORT]/FOLDER or imap://HOST[:PORT]/FOLDER: the folder is
 * percent-decoded, INBOX when the URL has none.
 */
static int
rc_apply_imap(struct rc_account *ra, const char *v, struct error *err)
{
	struct account	*a = &ra->acct;
	const char	*s, *slash;
	char		 what[sizeof err->what];
	int		 implicit;

	free(a->imap_host);
	free(a->imap_folder);
	a->imap_host = a->imap_folder = NULL;
	a->imap_port = 0;
	if (strncasecmp(v, "imaps://", 8) == 0) {
		implicit = 1;
		s = v + 8;
	} else if (strncasecmp(v, "imap://", 7) == 0) {
		implicit = 0;
		s = v + 7;
	} else
		return (err_set(err, ERR_CONFIG, "delivery imap takes "
		    "imaps://HOST[:PORT]/FOLDER or imap://HOST[:PORT]/FOLDER, "
		    "not '%s'", v));
	if (strchr(s, '@') != NULL || strchr(s, '?') != NULL ||
	    strchr(s, '#') != NULL)
		return (err_set(err, ERR_CONFIG, "delivery imap: the URL "
		    "names a server and a folder (the login is imap_user, "
		    "not part of the URL)"));
	slash = strchr(s, '/');
	if (popurl_server(s, slash != NULL ? (size_t)(slash - s) :
	    strlen(s), &a->imap_host, &a->imap_port, err) == -1)
		goto fail;
	if (slash == NULL || slash[1] == '\0')
		a->imap_folder = xstrdup("INBOX");
	else if (popurl_decode("folder", slash + 1, strlen(slash + 1),
	    &a->imap_folder, err) == -1)
		goto fail;
	ra->imap_implicit = implicit;
	return (0);
fail:
	free(a->imap_host);
	a->imap_host = NULL;
	(void)strlcpy(what, err->what, sizeof what);
	return (err_set(err, ERR_CONFIG, "delivery imap: %s", what));
}

/* HOST, HOST:PORT, [V6]:PORT, or /SOCKET (LMTP only) of lmtp and smtp. */
static int
rc_apply_server(struct rc_account *ra, const char *kind, const char *v,
    struct error *err)
{
	struct account	*a = &ra->acct;
	const char	*errstr, *colon = NULL;
	char		*host;
	size_t		 len;
	long long	 port = 0;

	free(a->smtp_host);
	a->smtp_host = NULL;
	a->smtp_port = 0;
	if (*v == '/') {
		if (strcmp(kind, "lmtp") != 0)
			return (err_set(err, ERR_CONFIG, "delivery smtp takes "
			    "HOST[:PORT], not a socket"));
		return (rc_path("delivery lmtp", v, &a->delivery_path, err));
	}
	if (*v == '[') {
		if ((colon = strchr(v, ']')) == NULL)
			return (err_set(err, ERR_CONFIG, "delivery %s: no ']' "
			    "after '[' in '%s'", kind, v));
		len = colon - v - 1;
		v++;
		colon = colon[1] == ':' ? colon + 1 : colon[1] == '\0' ?
		    NULL : colon + 1;
		if (colon != NULL && *colon != ':')
			return (err_set(err, ERR_CONFIG, "delivery %s: '%s' "
			    "is not [ADDRESS]:PORT", kind, v - 1));
	} else {
		colon = strchr(v, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return (err_set(err, ERR_CONFIG, "delivery %s: write "
			    "an IPv6 address as [ADDRESS]:PORT", kind));
		len = colon != NULL ? (size_t)(colon - v) : strlen(v);
	}
	if (len == 0)
		return (err_set(err, ERR_CONFIG, "delivery %s: no host in "
		    "'%s'", kind, v));
	if (colon != NULL) {
		port = strtonum(colon + 1, 1, 65535, &errstr);
		if (errstr != NULL)
			return (err_set(err, ERR_CONFIG, "delivery %s: port "
			    "'%s' is %s (1-65535)", kind, colon + 1, errstr));
	}
	host = xstrndup(v, len);
	a->smtp_host = host;
	a->smtp_port = (u_int)port;
	return (0);
}

/* envelope_from header|empty|ADDRESS */
static int
rc_apply_from(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	struct account	*a = &ra->acct;

	(void)n;
	free(a->envelope_from);
	a->envelope_from = NULL;
	if (strcmp(v[0], "header") == 0)
		return (0);
	if (strcmp(v[0], "empty") == 0) {
		a->envelope_from = xstrdup("");
		return (0);
	}
	if (!rc_address(v[0]))
		return (err_set(err, ERR_CONFIG, "envelope_from must be "
		    "header, empty or an address like user@example.org, not "
		    "'%s'", v[0]));
	a->envelope_from = xstrdup(v[0]);
	return (0);
}

static int
rc_apply_delivery(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	struct account	*a = &ra->acct;

	if (n == 0)
		return (err_set(err, ERR_CONFIG, "delivery needs a value"));
	if (strcmp(v[0], "maildir") == 0) {
		if (n != 2)
			return (err_set(err, ERR_CONFIG,
			    "delivery maildir takes one directory"));
		if (rc_path("delivery maildir", v[1], &a->delivery_path,
		    err) == -1)
			return (-1);
		a->delivery = DELIVERY_MAILDIR;
		return (0);
	}
	if (strcmp(v[0], "mbox") == 0) {
		if (n != 2)
			return (err_set(err, ERR_CONFIG,
			    "delivery mbox takes one file"));
		if (rc_path("delivery mbox", v[1], &a->delivery_path,
		    err) == -1)
			return (-1);
		a->delivery = DELIVERY_MBOX;
		return (0);
	}
	if (strcmp(v[0], "mda") == 0) {
		/* PROGRAM ARG..., or one quoted word split again. */
		if (rc_command("delivery mda", v + 1, n - 1, &ra->mda,
		    err) == -1)
			return (-1);
		a->mda_argv = ra->mda.v;
		a->delivery = DELIVERY_MDA;
		return (0);
	}
	if (strcmp(v[0], "lmtp") == 0 || strcmp(v[0], "smtp") == 0) {
		if (n != 2)
			return (err_set(err, ERR_CONFIG, "delivery %s takes one "
			    "server: HOST[:PORT]%s", v[0], *v[0] == 'l' ?
			    " or /SOCKET" : ""));
		if (rc_apply_server(ra, v[0], v[1], err) == -1)
			return (-1);
		a->delivery = *v[0] == 'l' ? DELIVERY_LMTP : DELIVERY_SMTP;
		return (0);
	}
	if (strcmp(v[0], "imap") == 0) {
		if (n != 2)
			return (err_set(err, ERR_CONFIG, "delivery imap takes "
			    "one URL: imaps://HOST[:PORT]/FOLDER"));
		if (rc_apply_imap(ra, v[1], err) == -1)
			return (-1);
		a->delivery = DELIVERY_IMAP;
		return (0);
	}
	return (err_set(err, ERR_CONFIG, "unknown delivery '%s' (maildir "
	    "DIR, mbox FILE, mda PROGRAM ARG..., lmtp HOST[:PORT], lmtp "
	    "/SOCKET, smtp HOST[:PORT] or imap imaps://HOST/FOLDER)", v[0]));
}

static int
rc_apply_keep(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	struct account		*a = &ra->acct;
	unsigned long long	 secs;

	(void)n;
	if (strcmp(v[0], "on") == 0)
		a->keep = KEEP_ON;
	else if (strcmp(v[0], "off") == 0)
		a->keep = KEEP_OFF;
	else if (strspn(v[0], "0123456789") > 0) {
		if (rc_duration("keep", v[0], &secs, err) == -1)
			return (-1);
		a->keep = KEEP_DURATION;
		a->keep_secs = secs;
	} else
		return (err_set(err, ERR_CONFIG, "keep must be on, off or a "
		    "duration like 7d, not '%s'", v[0]));
	return (0);
}

static int
rc_apply_fingerprint(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	char	fpr[TLS_FPR_HEX + 1];

	(void)n;
	if (tls_fingerprint_parse(v[0], fpr, sizeof fpr) == -1)
		return (err_set(err, ERR_CONFIG, "tls_fingerprint must be a "
		    "SHA-256 fingerprint: 64 hex digits, colons allowed"));
	rc_setstr(&ra->acct.tls_fingerprint, fpr);
	return (0);
}

/* Frees an argument vector, overwriting it: commands may hold secrets. */
static void
rc_argv_free(char **v)
{
	struct words	w;

	if (v == NULL)
		return;
	w.v = v;
	for (w.n = 0; v[w.n] != NULL; w.n++)
		;
	words_free(&w);
}

static int
rc_enum(const struct rc_key *k, const char *s, int *out, struct error *err)
{
	char	 list[256];
	size_t	 i, nw;
	int	 (*cmp)(const char *, const char *);

	cmp = k->icase ? strcasecmp : strcmp;
	for (i = 0; k->words[i] != NULL; i++) {
		if (cmp(s, k->words[i]) == 0) {
			*out = (int)i;
			return (0);
		}
	}
	nw = i;
	list[0] = '\0';
	for (i = 0; i < nw; i++) {
		if (i > 0)
			(void)strlcat(list, i + 1 == nw ? " or " : ", ",
			    sizeof list);
		if (strlcat(list, k->words[i], sizeof list) >= sizeof list)
			return (err_set(err, ERR_SOFTWARE, "%s: too many "
			    "values to list", k->name));
	}
	/* A short list reads as a sentence, a long one as a reminder. */
	if (nw <= 3)
		return (err_set(err, ERR_CONFIG, "%s must be %s, not '%s'",
		    k->name, list, s));
	return (err_set(err, ERR_CONFIG, "unknown %s '%s' (%s)", k->name, s,
	    list));
}

/* Applies one setting to an account, checking its value. */
static int
rc_apply(struct rc_account *ra, const struct rc_setting *s,
    struct error *err)
{
	const struct rc_key *k = &rc_keys[s->key];
	char		 *f = (char *)&ra->acct + k->off, **v = s->w.v + 1;
	const char	 *errstr;
	size_t		  n = s->w.n - 1, i;
	struct words	  w;
	long long	  num;
	unsigned long long big;
	int		  e = 0;

	for (i = 0; i < n; i++) {
		if (!rc_clean(v[i]))
			return (err_set(err, ERR_CONFIG,
			    "control character in the value of %s", k->name));
	}
	if (!k->many && k->kind != RCK_COMMAND && n != 1)
		return (err_set(err, ERR_CONFIG, n == 0 ?
		    "%s needs a value" : "%s takes one value (quote it if it "
		    "holds blanks)", k->name));

	switch (k->kind) {
	case RCK_STRING:
		if (*v[0] == '\0')
			return (err_set(err, ERR_CONFIG, "%s is empty",
			    k->name));
		rc_setstr((char **)f, v[0]);
		break;
	case RCK_PATH:
		if (k->words != NULL && strcmp(v[0], k->words[0]) == 0) {
			free(*(char **)f);
			*(char **)f = NULL;
		} else if (rc_path(k->name, v[0], (char **)f, err) == -1)
			return (-1);
		break;
	case RCK_ONOFF:
		if (rc_onoff(k->name, v[0], (int *)f, err) == -1)
			return (-1);
		break;
	case RCK_NUMBER:
		num = strtonum(v[0], k->min, k->max, &errstr);
		if (errstr != NULL)
			return (err_set(err, ERR_CONFIG, "%s '%s' is %s "
			    "(%lld-%lld%s)", k->name, v[0], errstr, k->min,
			    k->max, k->unit != NULL ? k->unit : ""));
		*(u_int *)f = (u_int)num;
		break;
	case RCK_SIZE:
		if (rc_size(k->name, v[0], (unsigned long long *)f, err) == -1)
			return (-1);
		break;
	case RCK_DURATION:
		if (rc_duration(k->name, v[0], &big, err) == -1)
			return (-1);
		*(long long *)f = (long long)big;
		break;
	case RCK_ENUM:
		if (rc_enum(k, v[0], &e, err) == -1)
			return (-1);
		*(int *)f = e;
		break;
	case RCK_COMMAND:
		memset(&w, 0, sizeof w);
		if (rc_command(k->name, v, n, &w, err) == -1)
			return (-1);
		rc_argv_free(*(char ***)f);
		*(char ***)f = w.v;
		break;
	case RCK_SPECIAL:
		if (k->apply(ra, v, n, err) == -1)
			return (-1);
		break;
	}
	ra->line[s->key] = s->line;
	return (0);
}

const char *
rc_auth_word(enum auth_method m)
{
	size_t	n = sizeof rc_auth / sizeof rc_auth[0] - 1;

	return ((size_t)m < n ? rc_auth[m] : "?");
}

u_int
rc_setat(const struct rc_account *ra, const char *key)
{
	int	k;

	if ((k = rc_key_index(key)) == -1)
		return (0);
	return (ra->line[k]);
}

static void
rc_block_add(struct rc_block *b, const struct rc_setting *s)
{
	struct rc_setting	*d;

	b->v = xreallocarray(b->v, b->n + 1, sizeof *b->v);
	d = &b->v[b->n++];
	d->line = s->line;
	d->key = s->key;
	words_copy(&d->w, &s->w);
}

static void
rc_block_free(struct rc_block *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		words_free(&b->v[i].w);
	free(b->v);
	b->v = NULL;
	b->n = 0;
}

static struct rc_account *
rc_account_new(void)
{
	struct rc_account	*ra;
	struct account		*a;

	ra = xcalloc(1, sizeof *ra);
	a = &ra->acct;
	a->port = 0;
	a->tls = 1;
	a->tls_starttls = 0;
	a->tls_verify = 1;
	a->auth = AUTH_AUTO;
	a->delivery = DELIVERY_MAILDIR;
	a->keep = KEEP_OFF;
	a->only_new = 1;
	a->timeout = 60;
	a->session_timeout = 1800;
	a->pipelining = PIPELINING_AUTO;
	a->filter_exit = FILTER_EXIT_POPFETCH;
	a->received_header = 1;
	return (ra);
}

static void
rc_account_free(struct rc_account *ra)
{
	struct account	*a;
	size_t		 k;
	char		*f;

	if (ra == NULL)
		return;
	a = &ra->acct;
	for (k = 0; k < RC_NKEYS; k++) {
		f = (char *)a + rc_keys[k].off;
		if (rc_keys[k].kind == RCK_STRING ||
		    rc_keys[k].kind == RCK_PATH)
			free(*(char **)f);
		else if (rc_keys[k].kind == RCK_COMMAND)
			rc_argv_free(*(char ***)f);
	}
	free(a->name);
	free(a->rcfile);
	free(a->tls_fingerprint);
	xfree_secret(a->password);
	xfree_secret(a->smtp_password);
	xfree_secret(a->imap_password);
	free(a->imap_host);
	free(a->imap_folder);
	free(a->delivery_path);
	free(a->smtp_host);
	free(a->recipient);
	free(a->envelope_from);
	words_free(&ra->passwordeval);
	words_free(&ra->smtp_passwordeval);
	words_free(&ra->imap_passwordeval);
	words_free(&ra->mda);
	rc_block_free(&ra->block);
	free(ra);
}

static int
rc_replay(struct rc_parse *p, struct rc_account *ra, const struct rc_block *b,
    int keep, struct error *err)
{
	size_t	i;

	for (i = 0; i < b->n; i++) {
		if (rc_apply(ra, &b->v[i], err) == -1)
			return (rc_fail(p->path, b->v[i].line, err));
		if (keep)
			rc_block_add(&ra->block, &b->v[i]);
	}
	return (0);
}

/* The default recipient, as fetchmail's: the local user @ this host. */
static int
rc_recipient(struct account *a, struct error *err)
{
	char	*login = NULL, host[256];

	if (paths_login(&login, err) == -1)
		return (-1);
	if (gethostname(host, sizeof host) == -1 || host[0] == '\0')
		(void)strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	xasprintf(&a->recipient, "%s@%s", login, host);
	free(login);
	if (!rc_address(a->recipient))
		return (err_set(err, ERR_CONFIG, "account '%s' needs a "
		    "'recipient': %s is not an address", a->name,
		    a->recipient));
	return (0);
}

/* The first line of the keys of the SMTP login, for an error. */
static u_int
rc_smtp_setat(const struct rc_account *ra)
{
	static const char *const keys[] = { "smtp_auth", "smtp_password",
	    "smtp_passwordeval", NULL };
	u_int	line, first = 0;
	size_t	i;

	for (i = 0; keys[i] != NULL; i++) {
		line = rc_setat(ra, keys[i]);
		if (line != 0 && (first == 0 || line < first))
			first = line;
	}
	return (first);
}

/*
 * The login to an SMTP or LMTP server: smtp_user turns it on; the other
 * keys make no sense without it, nor USER and APOP, which are POP3's.
 */
static int
rc_smtp_login(const struct rc_account *ra, u_int *line, struct error *err)
{
	const struct account	*a = &ra->acct;

	*line = rc_setat(ra, "smtp_user");
	if (a->smtp_user == NULL) {
		if ((*line = rc_smtp_setat(ra)) == 0)
			return (0);
		err_set(err, ERR_CONFIG, "account '%s' sets an SMTP login "
		    "without smtp_user", a->name);
		err_hint(err, "add 'smtp_user NAME': it names whom to log in "
		    "as");
		return (-1);
	}
	if (a->delivery != DELIVERY_SMTP && a->delivery != DELIVERY_LMTP) {
		err_set(err, ERR_CONFIG, "account '%s' has smtp_user but "
		    "delivers by %s: only delivery smtp or lmtp logs in",
		    a->name, a->delivery == DELIVERY_MBOX ? "mbox" :
		    a->delivery == DELIVERY_MDA ? "mda" :
		    a->delivery == DELIVERY_IMAP ? "imap (its login is "
		    "imap_user)" : "maildir");
		return (-1);
	}
	if (a->smtp_auth == AUTH_USER || a->smtp_auth == AUTH_APOP) {
		*line = rc_setat(ra, "smtp_auth");
		err_set(err, ERR_CONFIG, "smtp_auth %s is a POP3 method; an "
		    "SMTP server takes plain, login, cram-md5, scram-sha-256, "
		    "xoauth2, oauthbearer or external", a->smtp_auth ==
		    AUTH_USER ? "user" : "apop");
		return (-1);
	}
	return (0);
}

/* The first line of any imap_* key, for an error. */
static u_int
rc_imap_setat(const struct rc_account *ra)
{
	static const char *const keys[] = { "imap_user", "imap_auth",
	    "imap_password", "imap_passwordeval", "imap_tls", NULL };
	u_int	line, first = 0;
	size_t	i;

	for (i = 0; keys[i] != NULL; i++) {
		line = rc_setat(ra, keys[i]);
		if (line != 0 && (first == 0 || line < first))
			first = line;
	}
	return (first);
}

/*
 * delivery imap: a login (imap_user) is needed, and TLS unless the server
 * is on this machine and imap_tls off says so.  imap_tls ends as the mode
 * the connection uses, never auto.
 */
static int
rc_imap(struct rc_account *ra, u_int *line, struct error *err)
{
	struct account	*a = &ra->acct;

	*line = rc_setat(ra, "delivery");
	if (a->delivery != DELIVERY_IMAP) {
		if ((*line = rc_imap_setat(ra)) == 0)
			return (0);
		return (err_set(err, ERR_CONFIG, "account '%s' sets an imap_* "
		    "key but does not deliver by imap", a->name));
	}
	if (a->imap_user == NULL) {
		err_set(err, ERR_CONFIG, "account '%s' delivers by imap "
		    "without imap_user", a->name);
		err_hint(err, "add 'imap_user NAME': the IMAP server's login");
		return (-1);
	}
	if (a->imap_auth == AUTH_USER || a->imap_auth == AUTH_APOP ||
	    a->imap_auth == AUTH_EXTERNAL) {
		*line = rc_setat(ra, "imap_auth");
		err_set(err, ERR_CONFIG, "imap_auth %s: an IMAP login here "
		    "takes plain, login, cram-md5, scram-sha-256, xoauth2 or "
		    "oauthbearer", rc_auth_word(a->imap_auth));
		if (a->imap_auth == AUTH_EXTERNAL)
			err_hint(err, "the client certificate of tls_cert_file "
			    "is the POP server's and is not shown to the IMAP "
			    "server");
		return (-1);
	}
	if (ra->imap_implicit) {
		if (a->imap_tls == IMAP_TLS_OFF ||
		    a->imap_tls == IMAP_TLS_STARTTLS) {
			*line = rc_setat(ra, "imap_tls");
			err_set(err, ERR_CONFIG, "account '%s' has imap_tls "
			    "%s and delivers to imaps://, which is TLS from "
			    "the start", a->name, a->imap_tls == IMAP_TLS_OFF ?
			    "off" : "starttls");
			err_hint(err, "write imap://HOST/FOLDER for STARTTLS "
			    "on port 143");
			return (-1);
		}
		a->imap_tls = IMAP_TLS_ON;
		return (0);
	}
	if (a->imap_tls == IMAP_TLS_ON) {
		*line = rc_setat(ra, "imap_tls");
		err_set(err, ERR_CONFIG, "account '%s' has imap_tls on and "
		    "delivers to imap://", a->name);
		err_hint(err, "write imaps://HOST/FOLDER for TLS from the "
		    "start (port 993)");
		return (-1);
	}
	if (a->imap_tls == IMAP_TLS_OFF && !net_loopback(a->imap_host)) {
		*line = rc_setat(ra, "imap_tls");
		err_set(err, ERR_CONFIG, "account '%s' has imap_tls off for "
		    "%s, which is not this machine: the password and the mail "
		    "would cross the network readable", a->name, a->imap_host);
		err_hint(err, "leave imap_tls out (STARTTLS), or deliver to "
		    "imaps://%s/", a->imap_host);
		return (-1);
	}
	if (a->imap_tls == IMAP_TLS_AUTO)
		a->imap_tls = IMAP_TLS_STARTTLS;
	return (0);
}

/* Ends the account being read: checks it and fills what was left unset. */
static int
rc_close(struct rc_parse *p, struct error *err)
{
	struct rc_account	*ra = p->cur;
	struct account		*a;
	struct rc		*rc = p->rc;
	u_int			 line;

	if (ra == NULL)
		return (0);
	a = &ra->acct;
	if (a->host == NULL) {
		err_set(err, ERR_CONFIG, "account '%s' has no host", a->name);
		return (rc_fail(p->path, a->rcline, err));
	}
	if (!a->tls && a->tls_starttls) {
		line = rc_setat(ra, "tls") > rc_setat(ra, "tls_starttls") ?
		    rc_setat(ra, "tls") : rc_setat(ra, "tls_starttls");
		err_set(err, ERR_CONFIG, "account '%s' has tls off and "
		    "tls_starttls on: STLS needs tls on", a->name);
		return (rc_fail(p->path, line, err));
	}
	if (a->tls_key_file != NULL && a->tls_cert_file == NULL) {
		err_set(err, ERR_CONFIG, "account '%s' has tls_key_file but "
		    "no tls_cert_file", a->name);
		return (rc_fail(p->path, rc_setat(ra, "tls_key_file"), err));
	}
	if (a->user == NULL && paths_login(&a->user, err) == -1)
		return (rc_fail(p->path, a->rcline, err));
	if (a->oauth_provider != OAUTH_NONE && a->auth != AUTH_XOAUTH2 &&
	    a->auth != AUTH_OAUTHBEARER) {
		err_set(err, ERR_CONFIG, "account '%s' has oauth_provider: it "
		    "needs auth xoauth2 or auth oauthbearer", a->name);
		return (rc_fail(p->path, rc_setat(ra, "oauth_provider"), err));
	}
	if (a->oauth_provider == OAUTH_CUSTOM && a->oauth_token_url == NULL) {
		err_set(err, ERR_CONFIG, "account '%s' has oauth_provider "
		    "custom and no oauth_token_url", a->name);
		return (rc_fail(p->path, rc_setat(ra, "oauth_provider"), err));
	}
	if (a->oauth_provider != OAUTH_NONE && a->oauth_client_id == NULL) {
		err_set(err, ERR_CONFIG, "account '%s' has oauth_provider and "
		    "no oauth_client_id", a->name);
		return (rc_fail(p->path, rc_setat(ra, "oauth_provider"), err));
	}
	if ((a->delivery == DELIVERY_LMTP || a->delivery == DELIVERY_SMTP) &&
	    a->recipient == NULL && rc_recipient(a, err) == -1)
		return (rc_fail(p->path, a->rcline, err));
	if (a->delivery == DELIVERY_LMTP && a->smtp_host == NULL &&
	    a->smtp_tls == SMTP_TLS_STARTTLS) {
		err_set(err, ERR_CONFIG, "account '%s' has smtp_tls starttls "
		    "and delivers to the socket %s: a socket has no host name "
		    "to verify a certificate against", a->name,
		    a->delivery_path);
		err_hint(err, "a socket is on this machine: leave smtp_tls "
		    "out, or deliver to lmtp HOST:PORT");
		return (rc_fail(p->path, rc_setat(ra, "smtp_tls") >
		    rc_setat(ra, "delivery") ? rc_setat(ra, "smtp_tls") :
		    rc_setat(ra, "delivery"), err));
	}
	if (rc_smtp_login(ra, &line, err) == -1)
		return (rc_fail(p->path, line, err));
	if (rc_imap(ra, &line, err) == -1)
		return (rc_fail(p->path, line, err));
	if (a->delivery_path == NULL &&
	    paths_expand("~/Maildir", &a->delivery_path, err) == -1)
		return (rc_fail(p->path, a->rcline, err));
	if (a->state_dir == NULL && paths_xdg("XDG_STATE_HOME",
	    ".local/state", "popfetch", &a->state_dir, err) == -1)
		return (rc_fail(p->path, a->rcline, err));

	rc->accounts = xreallocarray(rc->accounts, rc->naccounts + 1,
	    sizeof *rc->accounts);
	rc->accounts[rc->naccounts++] = ra;
	p->cur = NULL;
	return (0);
}

/* Names appear in messages and on command lines: keep them plain. */
static int
rc_name_ok(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (*s <= 0x20 || *s >= 0x7f || strchr(":,\"#", *s) != NULL)
			return (0);
	}
	return (1);
}

void
rc_name_make(char *s)
{
	for (; *s != '\0'; s++) {
		if ((u_char)*s <= 0x20 || (u_char)*s >= 0x7f ||
		    strchr(":,\"#", *s) != NULL)
			*s = '_';
	}
}

static char *
rc_trim(char *s)
{
	char	*e;

	s += strspn(s, " ");
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		*--e = '\0';
	return (s);
}

/* account NAME [: PARENT, PARENT...] */
static int
rc_account_open(struct rc_parse *p, const struct words *w, struct error *err)
{
	struct rc_account	*ra = NULL, *parent;
	char			*line = NULL, *name, *parents, *next, *s;
	size_t			 i;
	int			 rv = -1;

	if (rc_close(p, err) == -1)
		return (-1);
	p->indefaults = 0;

	line = xstrdup("");
	for (i = 1; i < w->n; i++) {
		xasprintf(&s, "%s %s", line, w->v[i]);
		free(line);
		line = s;
	}
	name = line;
	if ((parents = strchr(line, ':')) != NULL)
		*parents++ = '\0';
	name = rc_trim(name);
	if (*name == '\0') {
		err_set(err, ERR_CONFIG, "account needs a name");
		goto fail;
	}
	if (strchr(name, ' ') != NULL) {
		err_set(err, ERR_CONFIG, "account takes one name (parent "
		    "accounts follow a ':')");
		goto fail;
	}
	if (!rc_name_ok(name)) {
		err_set(err, ERR_CONFIG, "bad account name '%s'", name);
		err_hint(err, "use letters, digits and punctuation other than "
		    ":,\"#");
		goto fail;
	}
	if ((parent = rc_find(p->rc, name)) != NULL) {
		err_set(err, ERR_CONFIG, "account '%s' is already defined "
		    "at line %u", name, parent->acct.rcline);
		goto fail;
	}

	ra = rc_account_new();
	ra->acct.name = xstrdup(name);
	ra->acct.rcfile = xstrdup(p->path);
	ra->acct.rcline = p->line;
	if (rc_replay(p, ra, &p->defaults, 0, err) == -1)
		goto out;

	if (parents != NULL) {
		if (*rc_trim(parents) == '\0') {
			err_set(err, ERR_CONFIG, "no parent account after ':'");
			goto fail;
		}
		for (; parents != NULL; parents = next) {
			if ((next = strchr(parents, ',')) != NULL)
				*next++ = '\0';
			s = rc_trim(parents);
			if (*s == '\0' || strchr(s, ' ') != NULL) {
				err_set(err, ERR_CONFIG, "parent accounts are "
				    "separated by commas: '%s'", s);
				goto fail;
			}
			if ((parent = rc_find(p->rc, s)) == NULL) {
				err_set(err, ERR_CONFIG,
				    "unknown parent account '%s'", s);
				err_hint(err, "a parent must be defined above "
				    "the accounts that use it");
				goto fail;
			}
			if (rc_replay(p, ra, &parent->block, 1, err) == -1)
				goto out;
		}
	}
	p->cur = ra;
	ra = NULL;
	rv = 0;
	goto out;

fail:
	rc_fail(p->path, p->line, err);
out:
	rc_account_free(ra);
	free(line);
	return (rv);
}

static int
rc_line(struct rc_parse *p, const char *line, struct error *err)
{
	struct rc_setting	 s;
	struct rc_account	*ra;
	const char		*errstr;
	int			 k, rv = -1;

	if (words_split(line, 1, &s.w, &errstr) == -1) {
		err_set(err, ERR_CONFIG, "%s", errstr);
		return (rc_fail(p->path, p->line, err));
	}
	if (s.w.n == 0)
		rv = 0;
	else if (strcmp(s.w.v[0], "defaults") == 0) {
		if (s.w.n != 1) {
			err_set(err, ERR_CONFIG, "defaults takes no value");
			rc_fail(p->path, p->line, err);
		} else if (rc_close(p, err) == 0) {
			p->indefaults = 1;
			rv = 0;
		}
	} else if (strcmp(s.w.v[0], "account") == 0)
		rv = rc_account_open(p, &s.w, err);
	else if ((k = rc_key_index(s.w.v[0])) == -1) {
		err_set(err, ERR_CONFIG, "unknown key '%s'", s.w.v[0]);
		rc_fail(p->path, p->line, err);
	} else if (!p->indefaults && p->cur == NULL) {
		err_set(err, ERR_CONFIG, "%s outside any account or "
		    "defaults block", s.w.v[0]);
		err_hint(err, "start a block with 'account NAME' or "
		    "'defaults'");
		rc_fail(p->path, p->line, err);
	} else {
		/* Secrets make the file's permissions matter. */
		if (rc_keys[k].apply == rc_apply_password ||
		    rc_keys[k].apply == rc_apply_smtp_password ||
		    rc_keys[k].apply == rc_apply_imap_password ||
		    strcmp(rc_keys[k].name, "oauth_client_secret") == 0)
			p->password = 1;
		s.key = k;
		s.line = p->line;
		ra = p->indefaults ? p->scratch : p->cur;
		if (rc_apply(ra, &s, err) == -1)
			rc_fail(p->path, p->line, err);
		else {
			rc_block_add(p->indefaults ? &p->defaults : &ra->block,
			    &s);
			rv = 0;
		}
	}
	words_free(&s.w);
	return (rv);
}

/* Reads the lines of f into p, errors named name:LINE. */
static int
rc_read(struct rc_parse *p, const char *name, FILE *f, struct error *err)
{
	char	*line = NULL;
	size_t	 size = 0;
	ssize_t	 len;
	int	 rv = -1;

	p->path = name;
	p->line = 0;
	while ((len = getline(&line, &size, f)) != -1) {
		p->line++;
		if (strlen(line) != (size_t)len) {
			err_set(err, ERR_CONFIG, "%s:%u: NUL byte in line",
			    p->path, p->line);
			goto out;
		}
		if (rc_line(p, line, err) == -1)
			goto out;
	}
	if (ferror(f)) {
		err_setsys(err, ERR_CONFIG, "%s", p->path);
		goto out;
	}
	rv = rc_close(p, err);
out:
	if (line != NULL) {
		explicit_bzero(line, size);
		free(line);
	}
	return (rv);
}

/* Reads text held in memory into p. */
static int
rc_read_text(struct rc_parse *p, const char *name, const char *text,
    struct error *err)
{
	FILE	*f;
	int	 rv;

	/* fmemopen may refuse an empty buffer; a blank line is as empty. */
	if (*text == '\0')
		text = "\n";
	if ((f = fmemopen((void *)text, strlen(text), "r")) == NULL)
		return (err_setsys(err, ERR_SOFTWARE, "fmemopen"));
	rv = rc_read(p, name, f, err);
	fclose(f);
	return (rv);
}

static int
rc_finish(struct rc_parse *p, struct rc **rcp, struct error *err)
{
	if (p->rc->naccounts == 0) {
		err_set(err, ERR_CONFIG, "%s defines no account", p->rc->path);
		err_hint(err, "add a block starting with 'account NAME', "
		    "see fetchrc(5)");
		return (-1);
	}
	*rcp = p->rc;
	p->rc = NULL;
	return (0);
}

static void
rc_parse_init(struct rc_parse *p, const char *path)
{
	memset(p, 0, sizeof *p);
	p->path = path;
	p->rc = xcalloc(1, sizeof *p->rc);
	p->rc->path = xstrdup(path);
	p->scratch = rc_account_new();
}

static void
rc_parse_free(struct rc_parse *p)
{
	rc_account_free(p->cur);
	rc_account_free(p->scratch);
	rc_block_free(&p->defaults);
	rc_free(p->rc);
}

int
rc_load_more(const char *path, const char *name, const char *more,
    struct rc **rcp, struct error *err)
{
	struct rc_parse	 p;
	struct stat	 sb;
	FILE		*f;
	int		 rv = -1;

	*rcp = NULL;
	rc_parse_init(&p, path);
	if ((f = fopen(path, "r")) == NULL) {
		err_setsys(err, ERR_CONFIG, "%s", path);
		goto out;
	}
	if (fstat(fileno(f), &sb) == -1) {
		err_setsys(err, ERR_CONFIG, "%s", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		err_set(err, ERR_CONFIG, "%s is not a regular file", path);
		goto out;
	}
	/*
	 * Its passwordeval, filter and mda commands run as the user: a file
	 * someone else may write is someone else's commands.
	 */
	if ((sb.st_uid != getuid() && sb.st_uid != 0) ||
	    (sb.st_mode & 022) != 0) {
		err_set(err, ERR_CONFIG, "%s may be written by someone other "
		    "than its owner, or is not owned by the user: chmod go-w "
		    "%s", path, path);
		goto out;
	}
	if (paths_safe(path, err) == -1)
		goto out;
	if (rc_read(&p, path, f, err) == -1)
		goto out;
	if (p.password && (sb.st_mode & 077) != 0) {
		err_set(err, ERR_CONFIG, "%s is readable by others and holds "
		    "a password: chmod 600 %s", path, path);
		goto out;
	}
	if (more != NULL && rc_read_text(&p, name, more, err) == -1)
		goto out;
	rv = rc_finish(&p, rcp, err);
out:
	if (f != NULL)
		fclose(f);
	rc_parse_free(&p);
	return (rv);
}

int
rc_load(const char *path, struct rc **rcp, struct error *err)
{
	return (rc_load_more(path, NULL, NULL, rcp, err));
}

int
rc_load_text(const char *name, const char *text, struct rc **rcp,
    struct error *err)
{
	struct rc_parse	 p;
	int		 rv = -1;

	*rcp = NULL;
	rc_parse_init(&p, name);
	if (rc_read_text(&p, name, text, err) == 0)
		rv = rc_finish(&p, rcp, err);
	rc_parse_free(&p);
	return (rv);
}

struct rc_account *
rc_find(const struct rc *rc, const char *name)
{
	size_t	i;

	for (i = 0; i < rc->naccounts; i++) {
		if (strcmp(rc->accounts[i]->acct.name, name) == 0)
			return (rc->accounts[i]);
	}
	return (NULL);
}

void
rc_free(struct rc *rc)
{
	size_t	i;

	if (rc == NULL)
		return;
	for (i = 0; i < rc->naccounts; i++)
		rc_account_free(rc->accounts[i]);
	free(rc->accounts);
	free(rc->path);
	free(rc);
}
