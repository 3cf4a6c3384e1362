#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "popurl.h"
#include "rc.h"
#include "util/xmalloc.h"
#include "words.h"

/* ;AUTH= values: SASL names as the server writes them, then +APOP. */
static const struct {
	const char	*url;
	const char	*rc;
} popurl_mechs[] = {
	{ "*",			"auto" },
	{ "+APOP",		"apop" },
	{ "PLAIN",		"plain" },
	{ "LOGIN",		"login" },
	{ "CRAM-MD5",		"cram-md5" },
	{ "SCRAM-SHA-256",	"scram-sha-256" },
	{ "XOAUTH2",		"xoauth2" },
	{ "OAUTHBEARER",	"oauthbearer" },
	{ "EXTERNAL",		"external" },
};

int
popurl_is(const char *arg)
{
	return (strstr(arg, "://") != NULL);
}

static int
popurl_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Percent-decodes s[0..len) into an allocated string.  Control characters,
 * raw or encoded, would end up in protocol lines: refused.
 */
int
popurl_decode(const char *what, const char *s, size_t len, char **out,
    struct error *err)
{
	char	*d;
	size_t	 i, j;
	int	 hi, lo, c;

	d = xmalloc(len + 1);
	for (i = j = 0; i < len; i++) {
		c = (u_char)s[i];
		if (c == '%') {
			if (i + 2 >= len)
				goto bad;
			if ((hi = popurl_hex(s[i + 1])) == -1 ||
			    (lo = popurl_hex(s[i + 2])) == -1)
				goto bad;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f) {
			free(d);
			return (err_set(err, ERR_CONFIG, "the %s holds a "
			    "control character (%%%02X)", what, c));
		}
		d[j++] = c;
	}
	d[j] = '\0';
	if (j == 0) {
		free(d);
		return (err_set(err, ERR_CONFIG, "the %s is empty", what));
	}
	*out = d;
	return (0);
bad:
	free(d);
	return (err_set(err, ERR_CONFIG, "the %s has a %% not followed by "
	    "two hex digits", what));
}

/* user[;AUTH=mech], the part before the last @. */
static int
popurl_userinfo(const char *s, size_t len, struct popurl *u,
    struct error *err)
{
	const char	*semi;
	char		*mech = NULL;
	size_t		 i;
	int		 rv = -1;

	if ((semi = memchr(s, ';', len)) == NULL)
		return (popurl_decode("user name", s, len, &u->user, err));
	if (strncasecmp(semi, ";AUTH=", 6) != 0 || semi + 6 > s + len) {
		err_set(err, ERR_CONFIG, "after the user name only ;AUTH= "
		    "may follow");
		goto out;
	}
	/* pop://;AUTH=mech@host: no user name, the login name is used. */
	if (semi > s && popurl_decode("user name", s, semi - s, &u->user,
	    err) == -1)
		goto out;
	if (popurl_decode("mechanism of ;AUTH=", semi + 6,
	    s + len - (semi + 6), &mech, err) == -1)
		goto out;
	for (i = 0; i < sizeof popurl_mechs / sizeof popurl_mechs[0]; i++) {
		if (strcasecmp(mech, popurl_mechs[i].url) == 0) {
			u->auth = xstrdup(popurl_mechs[i].rc);
			rv = 0;
			goto out;
		}
	}
	err_set(err, ERR_CONFIG, "unknown mechanism ;AUTH=%s", mech);
	err_hint(err, "use * (any), +APOP, PLAIN, LOGIN, CRAM-MD5, "
	    "SCRAM-SHA-256, XOAUTH2, OAUTHBEARER or EXTERNAL");
out:
	free(mech);
	return (rv);
}

int
popurl_server(const char *s, size_t len, char **hostp, u_int *portp,
    struct error *err)
{
	const char	*end, *colon, *errstr;
	char		 port[8], *host;
	size_t		 i;

	*hostp = NULL;
	*portp = 0;
	if (len > 0 && s[0] == '[') {
		if ((end = memchr(s, ']', len)) == NULL)
			return (err_set(err, ERR_CONFIG, "the IPv6 address has "
			    "no closing ]"));
		*hostp = host = xstrndup(s + 1, end - s - 1);
		colon = end + 1 < s + len ? end + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return (err_set(err, ERR_CONFIG, "only :port may "
			    "follow the IPv6 address"));
	} else {
		colon = memchr(s, ':', len);
		*hostp = host = xstrndup(s, colon != NULL ?
		    (size_t)(colon - s) : len);
	}
	if (*host == '\0')
		return (err_set(err, ERR_CONFIG, "the URL names no host"));
	/* Host names are not percent-encoded; anything odd is a mistake. */
	for (i = 0; host[i] != '\0'; i++) {
		if (!isalnum((u_char)host[i]) &&
		    strchr(".-_:", host[i]) == NULL)
			return (err_set(err, ERR_CONFIG, "the host '%s' holds "
			    "'%c'", host, host[i]));
	}
	if (colon == NULL)
		return (0);
	if ((size_t)(s + len - colon - 1) >= sizeof port || colon + 1 ==
	    s + len)
		return (err_set(err, ERR_CONFIG, "the port must be a number "
		    "from 1 to 65535"));
	memcpy(port, colon + 1, s + len - colon - 1);
	port[s + len - colon - 1] = '\0';
	*portp = strtonum(port, 1, 65535, &errstr);
	if (errstr != NULL)
		return (err_set(err, ERR_CONFIG, "the port '%s' is %s (1 to "
		    "65535)", port, errstr));
	return (0);
}

/* host[:port] or [v6]:port, up to an optional final /. */
static int
popurl_hostport(const char *s, struct popurl *u, struct error *err)
{
	size_t	len;

	len = strlen(s);
	if (len > 0 && s[len - 1] == '/')
		len--;
	if (memchr(s, '/', len) != NULL || memchr(s, '?', len) != NULL ||
	    memchr(s, '#', len) != NULL)
		return (err_set(err, ERR_CONFIG, "a POP URL names a server "
		    "and nothing after it (no path, query or fragment)"));
	return (popurl_server(s, len, &u->host, &u->port, err));
}

int
popurl_parse(const char *url, struct popurl *u, struct error *err)
{
	const char	*s, *at;

	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "pops://", 7) == 0) {
		u->implicit_tls = 1;
		s = url + 7;
	} else if (strncasecmp(url, "pop://", 6) == 0)
		s = url + 6;
	else
		return (err_set(err, ERR_CONFIG, "only pop:// and pops:// "
		    "URLs are fetched"));
	/* The last @: one in a user name must be written %40 anyway. */
	if ((at = strrchr(s, '@')) != NULL) {
		if (popurl_userinfo(s, at - s, u, err) == -1)
			goto fail;
		s = at + 1;
	}
	if (u->auth == NULL)
		/* RFC 2384: a user with no mechanism means ;AUTH=*. */
		u->auth = xstrdup("auto");
	if (popurl_hostport(s, u, err) == -1)
		goto fail;
	return (0);
fail:
	popurl_free(u);
	return (-1);
}

/* Appends "key value..." to *rc, each value quoted as fetchrc needs. */
static void
popurl_line(char **rc, const char *key, const char *value,
    const char *value2)
{
	char	*q, *v[3], *s;

	v[0] = (char *)value;
	v[1] = (char *)value2;
	v[2] = NULL;
	q = words_join(v);
	xasprintf(&s, "%s%s %s\n", *rc, key, q);
	free(q);
	free(*rc);
	*rc = s;
}

char *
popurl_rc(const struct popurl *u, const char *delivery, const char *target,
    const char *passwordeval)
{
	char	*rc, *s, name[128];

	/*
	 * The account is named after the mailbox, made a valid name; a long
	 * one is cut, as it only names the account in messages.
	 */
	(void)snprintf(name, sizeof name, "%s%s%s", u->user != NULL ?
	    u->user : "", u->user != NULL ? "@" : "", u->host);
	rc_name_make(name);
	xasprintf(&rc, "account %s\n", name);
	popurl_line(&rc, "host", u->host, NULL);
	if (u->port != 0) {
		xasprintf(&s, "%sport %u\n", rc, u->port);
		free(rc);
		rc = s;
	}
	popurl_line(&rc, "tls_starttls", u->implicit_tls ? "off" : "on",
	    NULL);
	if (u->user != NULL)
		popurl_line(&rc, "user", u->user, NULL);
	popurl_line(&rc, "auth", u->auth, NULL);
	if (passwordeval != NULL)
		popurl_line(&rc, "passwordeval", passwordeval, NULL);
	if (delivery != NULL)
		popurl_line(&rc, "delivery", delivery, target);
	return (rc);
}

void
popurl_free(struct popurl *u)
{
	free(u->user);
	free(u->auth);
	free(u->host);
	memset(u, 0, sizeof *u);
}
