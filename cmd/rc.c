#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/tls.h"
#include "paths.h"
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

static const char *rc_keys[RC_NKEYS] = {
	"host", "port", "tls", "tls_starttls", "tls_trust_file", "tls_verify",
	"auth", "user", "password", "passwordeval", "delivery", "keep",
	"only_new", "timeout", "pipelining", "state_dir", "max_size",
	"kill_size", "max_messages", "filter", "received_header",
	"tls_fingerprint", "tls_cert_file", "tls_key_file", "tls_priorities",
};

/* The auth values, in the order of enum auth_method. */
static const char *rc_auth[] = {
	"auto", "user", "apop", "plain", "login", "cram-md5", "scram-sha-256",
	"xoauth2", "oauthbearer", "external", NULL
};

static int
rc_fail(const char *path, u_int line, struct error *err)
{
	char	what[sizeof err->what];

	(void)strlcpy(what, err->what, sizeof what);
	return (err_set(err, ERR_CONFIG, "%s:%u: %s", path, line, what));
}

static int
rc_key_find(const char *s)
{
	int	k;

	for (k = 0; k < RC_NKEYS; k++) {
		if (strcmp(rc_keys[k], s) == 0)
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
	};

	if (rc_scaled(s, "KMG", mult, 1, out) == -1)
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

static int
rc_apply_eval(struct rc_account *ra, char *const *v, size_t n,
    struct error *err)
{
	if (rc_command("passwordeval", v, n, &ra->passwordeval, err) == -1)
		return (-1);
	xfree_secret(ra->acct.password);
	ra->acct.password = NULL;
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
	return (err_set(err, ERR_CONFIG, "unknown delivery '%s' (maildir "
	    "DIR, mbox FILE or mda PROGRAM ARG...)", v[0]));
}

/* Applies one setting to an account, checking its value. */
static int
rc_apply(struct rc_account *ra, const struct rc_setting *s,
    struct error *err)
{
	struct account	 *a = &ra->acct;
	const char	 *key = s->w.v[0], *errstr;
	char		**v = s->w.v + 1;
	size_t		  n = s->w.n - 1, i;
	long long	  num;
	unsigned long long big;
	char		  fpr[TLS_FPR_HEX + 1];

	for (i = 0; i < n; i++) {
		if (!rc_clean(v[i]))
			return (err_set(err, ERR_CONFIG,
			    "control character in the value of %s", key));
	}
	if (s->key != RC_DELIVERY && s->key != RC_PASSWORDEVAL &&
	    s->key != RC_FILTER && n != 1)
		return (err_set(err, ERR_CONFIG, n == 0 ?
		    "%s needs a value" : "%s takes one value (quote it if it "
		    "holds blanks)", key));

	switch (s->key) {
	case RC_HOST:
		if (*v[0] == '\0')
			return (err_set(err, ERR_CONFIG, "host is empty"));
		rc_setstr(&a->host, v[0]);
		break;
	case RC_PORT:
		num = strtonum(v[0], 1, 65535, &errstr);
		if (errstr != NULL)
			return (err_set(err, ERR_CONFIG,
			    "port '%s' is %s (1-65535)", v[0], errstr));
		a->port = num;
		break;
	case RC_TLS:
		if (rc_onoff(key, v[0], &a->tls, err) == -1)
			return (-1);
		break;
	case RC_TLS_STARTTLS:
		if (rc_onoff(key, v[0], &a->tls_starttls, err) == -1)
			return (-1);
		break;
	case RC_TLS_TRUST_FILE:
		if (strcmp(v[0], "system") == 0) {
			free(a->tls_trust_file);
			a->tls_trust_file = NULL;
		} else if (rc_path(key, v[0], &a->tls_trust_file, err) == -1)
			return (-1);
		break;
	case RC_TLS_VERIFY:
		if (rc_onoff(key, v[0], &a->tls_verify, err) == -1)
			return (-1);
		break;
	case RC_AUTH:
		for (i = 0; rc_auth[i] != NULL; i++) {
			if (strcasecmp(v[0], rc_auth[i]) == 0)
				break;
		}
		if (rc_auth[i] == NULL)
			return (err_set(err, ERR_CONFIG, "unknown auth '%s' "
			    "(auto, user, apop, plain, login, cram-md5, "
			    "scram-sha-256, xoauth2, oauthbearer or "
			    "external)", v[0]));
		a->auth = (enum auth_method)i;
		break;
	case RC_USER:
		if (*v[0] == '\0')
			return (err_set(err, ERR_CONFIG, "user is empty"));
		rc_setstr(&a->user, v[0]);
		break;
	case RC_PASSWORD:
		if (*v[0] == '\0')
			return (err_set(err, ERR_CONFIG, "password is empty"));
		xfree_secret(a->password);
		a->password = xstrdup(v[0]);
		words_free(&ra->passwordeval);
		break;
	case RC_PASSWORDEVAL:
		if (rc_apply_eval(ra, v, n, err) == -1)
			return (-1);
		break;
	case RC_DELIVERY:
		if (rc_apply_delivery(ra, v, n, err) == -1)
			return (-1);
		break;
	case RC_KEEP:
		if (strcmp(v[0], "on") == 0)
			a->keep = KEEP_ON;
		else if (strcmp(v[0], "off") == 0)
			a->keep = KEEP_OFF;
		else if (strspn(v[0], "0123456789") > 0) {
			if (rc_duration(key, v[0], &big, err) == -1)
				return (-1);
			a->keep = KEEP_DURATION;
			a->keep_secs = big;
		} else
			return (err_set(err, ERR_CONFIG, "keep must be on, "
			    "off or a duration like 7d, not '%s'", v[0]));
		break;
	case RC_ONLY_NEW:
		if (rc_onoff(key, v[0], &a->only_new, err) == -1)
			return (-1);
		break;
	case RC_TIMEOUT:
		num = strtonum(v[0], 1, 3600, &errstr);
		if (errstr != NULL)
			return (err_set(err, ERR_CONFIG,
			    "timeout '%s' is %s (1-3600 seconds)", v[0],
			    errstr));
		a->timeout = num;
		break;
	case RC_PIPELINING:
		if (strcmp(v[0], "auto") == 0)
			a->pipelining = PIPELINING_AUTO;
		else if (strcmp(v[0], "on") == 0)
			a->pipelining = PIPELINING_ON;
		else if (strcmp(v[0], "off") == 0)
			a->pipelining = PIPELINING_OFF;
		else
			return (err_set(err, ERR_CONFIG,
			    "pipelining must be auto, on or off, not '%s'",
			    v[0]));
		break;
	case RC_STATE_DIR:
		if (rc_path(key, v[0], &a->state_dir, err) == -1)
			return (-1);
		break;
	case RC_MAX_SIZE:
		if (rc_size(key, v[0], &a->max_size, err) == -1)
			return (-1);
		break;
	case RC_KILL_SIZE:
		if (rc_size(key, v[0], &a->kill_size, err) == -1)
			return (-1);
		break;
	case RC_MAX_MESSAGES:
		num = strtonum(v[0], 1, 1000000, &errstr);
		if (errstr != NULL)
			return (err_set(err, ERR_CONFIG, "max_messages '%s' "
			    "is %s (1-1000000)", v[0], errstr));
		a->max_messages = num;
		break;
	case RC_FILTER:
		if (rc_command(key, v, n, &ra->filter, err) == -1)
			return (-1);
		a->filter = ra->filter.v;
		break;
	case RC_RECEIVED_HEADER:
		if (rc_onoff(key, v[0], &a->received_header, err) == -1)
			return (-1);
		break;
	case RC_TLS_FINGERPRINT:
		if (tls_fingerprint_parse(v[0], fpr, sizeof fpr) == -1)
			return (err_set(err, ERR_CONFIG, "tls_fingerprint must "
			    "be a SHA-256 fingerprint: 64 hex digits, colons "
			    "allowed"));
		rc_setstr(&a->tls_fingerprint, fpr);
		break;
	case RC_TLS_CERT_FILE:
		if (rc_path(key, v[0], &a->tls_cert_file, err) == -1)
			return (-1);
		break;
	case RC_TLS_KEY_FILE:
		if (rc_path(key, v[0], &a->tls_key_file, err) == -1)
			return (-1);
		break;
	case RC_TLS_PRIORITIES:
		if (*v[0] == '\0')
			return (err_set(err, ERR_CONFIG,
			    "tls_priorities is empty"));
		rc_setstr(&a->tls_priorities, v[0]);
		break;
	case RC_NKEYS:
		return (err_set(err, ERR_SOFTWARE, "bad key %d", s->key));
	}
	ra->line[s->key] = s->line;
	return (0);
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
	a->pipelining = PIPELINING_AUTO;
	a->received_header = 1;
	return (ra);
}

static void
rc_account_free(struct rc_account *ra)
{
	struct account	*a;

	if (ra == NULL)
		return;
	a = &ra->acct;
	free(a->name);
	free(a->rcfile);
	free(a->host);
	free(a->tls_trust_file);
	free(a->tls_fingerprint);
	free(a->tls_cert_file);
	free(a->tls_key_file);
	free(a->tls_priorities);
	free(a->user);
	xfree_secret(a->password);
	free(a->delivery_path);
	free(a->state_dir);
	words_free(&ra->passwordeval);
	words_free(&ra->filter);
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
		line = ra->line[RC_TLS] > ra->line[RC_TLS_STARTTLS] ?
		    ra->line[RC_TLS] : ra->line[RC_TLS_STARTTLS];
		err_set(err, ERR_CONFIG, "account '%s' has tls off and "
		    "tls_starttls on: STLS needs tls on", a->name);
		return (rc_fail(p->path, line, err));
	}
	if (a->tls_key_file != NULL && a->tls_cert_file == NULL) {
		err_set(err, ERR_CONFIG, "account '%s' has tls_key_file but "
		    "no tls_cert_file", a->name);
		return (rc_fail(p->path, ra->line[RC_TLS_KEY_FILE], err));
	}
	if (a->user == NULL && paths_login(&a->user, err) == -1)
		return (rc_fail(p->path, a->rcline, err));
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
	else if ((k = rc_key_find(s.w.v[0])) == -1) {
		err_set(err, ERR_CONFIG, "unknown key '%s'", s.w.v[0]);
		rc_fail(p->path, p->line, err);
	} else if (!p->indefaults && p->cur == NULL) {
		err_set(err, ERR_CONFIG, "%s outside any account or "
		    "defaults block", s.w.v[0]);
		err_hint(err, "start a block with 'account NAME' or "
		    "'defaults'");
		rc_fail(p->path, p->line, err);
	} else {
		if (k == RC_PASSWORD)
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

int
rc_load(const char *path, struct rc **rcp, struct error *err)
{
	struct rc_parse	 p;
	struct stat	 sb;
	FILE		*f;
	char		*line = NULL;
	size_t		 size = 0;
	ssize_t		 len;
	int		 rv = -1;

	*rcp = NULL;
	memset(&p, 0, sizeof p);
	p.path = path;
	p.rc = xcalloc(1, sizeof *p.rc);
	p.rc->path = xstrdup(path);
	p.scratch = rc_account_new();

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
	while ((len = getline(&line, &size, f)) != -1) {
		p.line++;
		if (strlen(line) != (size_t)len) {
			err_set(err, ERR_CONFIG, "%s:%u: NUL byte in line",
			    path, p.line);
			goto out;
		}
		if (rc_line(&p, line, err) == -1)
			goto out;
	}
	if (ferror(f)) {
		err_setsys(err, ERR_CONFIG, "%s", path);
		goto out;
	}
	if (rc_close(&p, err) == -1)
		goto out;

	if (p.password && (sb.st_mode & 077) != 0) {
		err_set(err, ERR_CONFIG, "%s is readable by others and holds "
		    "a password: chmod 600 %s", path, path);
		goto out;
	}
	if (p.rc->naccounts == 0) {
		err_set(err, ERR_CONFIG, "%s defines no account", path);
		err_hint(err, "add a block starting with 'account NAME', "
		    "see fetchrc(5)");
		goto out;
	}
	*rcp = p.rc;
	p.rc = NULL;
	rv = 0;

out:
	if (line != NULL) {
		explicit_bzero(line, size);
		free(line);
	}
	if (f != NULL)
		fclose(f);
	rc_account_free(p.cur);
	rc_account_free(p.scratch);
	rc_block_free(&p.defaults);
	rc_free(p.rc);
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
