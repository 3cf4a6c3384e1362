#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "oauth/oauth.h"
#include "oauth/urlenc.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* The longest request line a browser is believed to send us. */
#define PKCE_REQUEST_MAX	8192
#define PKCE_ANSWER	"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n" \
	"Connection: close\r\n\r\npopfetch has the authorization: this window " \
	"may be closed.\r\n"
#define PKCE_REFUSED	"HTTP/1.0 400 Bad Request\r\nContent-Type: " \
	"text/plain\r\nConnection: close\r\n\r\nnot the answer popfetch " \
	"waits for\r\n"

static char	*pkce_get(const char *, const char *);

/* len bytes as base64url without padding (RFC 7636 appendix A). */
static int
pkce_b64url(const u_char *in, size_t len, char *out, size_t outlen)
{
	gnutls_datum_t	d = { (u_char *)in, (u_int)len }, r = { NULL, 0 };
	size_t		i, o = 0;
	int		rv = 0;

	if (gnutls_base64_encode2(&d, &r) < 0)
		return (-1);
	for (i = 0; i < r.size && r.data[i] != '='; i++) {
		if (o + 1 >= outlen) {
			rv = -1;
			break;
		}
		out[o++] = r.data[i] == '+' ? '-' : r.data[i] == '/' ? '_' :
		    (char)r.data[i];
	}
	out[o] = '\0';
	gnutls_free(r.data);
	return (rv);
}

static int
pkce_random(char *out, size_t outlen, size_t bytes, struct error *err)
{
	u_char	buf[64];

	if (bytes > sizeof buf || gnutls_rnd(GNUTLS_RND_KEY, buf, bytes) < 0 ||
	    pkce_b64url(buf, bytes, out, outlen) == -1)
		return (err_set(err, ERR_SOFTWARE, "no random bytes"));
	explicit_bzero(buf, sizeof buf);
	return (0);
}

static void
pkce_param(char **url, const char *name, const char *value, int first)
{
	char	*v, *s;

	v = urlenc_escape(value);
	xasprintf(&s, "%s%s%s=%s", *url, first ? "?" : "&", name, v);
	free(v);
	free(*url);
	*url = s;
}

int
oauth_pkce_start(const struct oauth_conf *c, struct oauth_pkce *pk,
    struct error *err)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	u_char			 hash[32];
	char			 challenge[64];

	memset(pk, 0, sizeof *pk);
	pk->fd = -1;
	if (c->auth_url == NULL)
		return (err_set(err, ERR_CONFIG, "account '%s' has no "
		    "oauth_auth_url", c->account));
	if (strncmp(c->auth_url, "https://", 8) != 0)
		return (err_set(err, ERR_CONFIG, "%s is not an https:// URL",
		    c->auth_url));
	/* 32 random bytes: a 43-character verifier. */
	if (pkce_random(pk->verifier, sizeof pk->verifier, 32, err) == -1 ||
	    pkce_random(pk->state, sizeof pk->state, 16, err) == -1)
		return (-1);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, pk->verifier,
	    strlen(pk->verifier), hash) < 0 ||
	    pkce_b64url(hash, sizeof hash, challenge, sizeof challenge) == -1)
		return (err_set(err, ERR_SOFTWARE, "SHA-256 failed"));

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((pk->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(pk->fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(pk->fd, 4) == -1 ||
	    getsockname(pk->fd, (struct sockaddr *)&sin, &len) == -1)
		return (err_setsys(err, ERR_TEMP, "cannot listen on "
		    "127.0.0.1"));
	(void)snprintf(pk->redirect, sizeof pk->redirect,
	    "http://127.0.0.1:%u/", ntohs(sin.sin_port));

	pk->url = xstrdup(c->auth_url);
	pkce_param(&pk->url, "response_type", "code",
	    strchr(c->auth_url, '?') == NULL);
	pkce_param(&pk->url, "client_id", c->client_id, 0);
	pkce_param(&pk->url, "redirect_uri", pk->redirect, 0);
	if (c->scope != NULL)
		pkce_param(&pk->url, "scope", c->scope, 0);
	pkce_param(&pk->url, "state", pk->state, 0);
	pkce_param(&pk->url, "code_challenge", challenge, 0);
	pkce_param(&pk->url, "code_challenge_method", "S256", 0);
	/* Google hands out a refresh token only with these. */
	pkce_param(&pk->url, "access_type", "offline", 0);
	pkce_param(&pk->url, "prompt", "consent", 0);
	return (0);
}

int
oauth_pkce_accept(struct oauth_pkce *pk, char **query, struct error *err)
{
	struct pollfd	 pfd;
	char		 buf[PKCE_REQUEST_MAX + 1], *q, *end, *state = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rv = -1;

	*query = NULL;
	if ((fd = accept4(pk->fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return (err_setsys(err, ERR_TEMP, "accept"));
	/* The request line, within 10 seconds and 8 KiB. */
	while (len < PKCE_REQUEST_MAX && memchr(buf, '\n', len) == NULL) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10000) != 1)
			goto out;
		if ((n = read(fd, buf + len, PKCE_REQUEST_MAX - len)) <= 0)
			goto out;
		len += (size_t)n;
	}
	buf[len] = '\0';
	/*
	 * Any local process can connect: only the redirect, to our path and
	 * with the state we sent, ends the wait; anything else is refused
	 * and the listener waits on, so that no one can abort it.
	 */
	if (strncmp(buf, "GET /?", 6) != 0 || (end = strpbrk(buf + 4,
	    " \r\n")) == NULL)
		goto refuse;
	*end = '\0';
	q = buf + 6;
	state = pkce_get(q, "state");
	if (state == NULL || strcmp(state, pk->state) != 0)
		goto refuse;
	(void)write(fd, PKCE_ANSWER, sizeof PKCE_ANSWER - 1);
	*query = xstrdup(q);
	rv = 0;
	goto out;
refuse:
	(void)write(fd, PKCE_REFUSED, sizeof PKCE_REFUSED - 1);
out:
	free(state);
	(void)close(fd);
	if (rv == -1)
		rv = 0;		/* not the browser: wait for the next one */
	return (rv);
}

/* The value of name in a query string, decoded, or NULL. */
static char *
pkce_get(const char *query, const char *name)
{
	const char	*p = query, *e;
	size_t		 nlen = strlen(name);

	while (p != NULL && *p != '\0') {
		e = strchr(p, '&');
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			return (urlenc_unescape(p, e != NULL ? (size_t)(e - p) :
			    strlen(p)));
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return (NULL);
}

int
oauth_pkce_finish(const struct oauth_conf *c, struct oauth_pkce *pk,
    const char *query, struct error *err)
{
	const char	*q;
	char		*code = NULL, *state = NULL, *error = NULL, *dup;
	char		 safe[200];
	int		 rv = -1;

	/* A pasted URL: what follows its '?', up to a '#'. */
	q = (q = strchr(query, '?')) != NULL ? q + 1 : query;
	dup = xstrndup(q, strcspn(q, "#"));
	q = dup;
	code = pkce_get(q, "code");
	state = pkce_get(q, "state");
	error = pkce_get(q, "error");
	if (error != NULL) {
		log_safe(safe, sizeof safe, error);
		err_set(err, ERR_NOPERM, "the authorization was not given: %s",
		    safe);
		goto out;
	}
	if (state == NULL || strcmp(state, pk->state) != 0) {
		err_set(err, ERR_NOPERM, "the answer does not carry the state "
		    "popfetch sent: not the authorization it asked for");
		err_hint(err, "run popfetch --authorize %s again", c->account);
		goto out;
	}
	if (code == NULL || *code == '\0') {
		err_set(err, ERR_NOPERM, "the answer carries no code");
		goto out;
	}
	rv = oauth_code_grant(c, code, pk->redirect, pk->verifier, err);
out:
	free(dup);
	free(code);
	free(state);
	free(error);
	return (rv);
}

void
oauth_pkce_free(struct oauth_pkce *pk)
{
	if (pk->fd != -1)
		(void)close(pk->fd);
	pk->fd = -1;
	free(pk->url);
	pk->url = NULL;
	explicit_bzero(pk->verifier, sizeof pk->verifier);
}
