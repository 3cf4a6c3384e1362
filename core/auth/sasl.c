#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "auth/sasl.h"
#include "net/conn.h"
#include "pop3/pop3.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* RFC 5034: an AUTH line with its initial response fits 255 octets. */
#define SASL_AUTH_MAX	255
/* No mechanism we speak needs more; a server asking more is stalling. */
#define SASL_MAX_ROUNDS	8

void
sasl_set(struct sasl_buf *b, const void *data, size_t len)
{
	sasl_wipe(b);
	b->data = xmalloc(len + 1);
	memcpy(b->data, data, len);
	b->data[len] = '\0';
	b->len = len;
}

void
sasl_wipe(struct sasl_buf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

char *
sasl_saslname(const char *user)
{
	char	*out, *o;

	out = o = xmalloc(strlen(user) * 3 + 1);
	for (; *user != '\0'; user++) {
		if (*user == '=' || *user == ',') {
			memcpy(o, *user == '=' ? "=3D" : "=2C", 3);
			o += 3;
		} else
			*o++ = *user;
	}
	*o = '\0';
	return (out);
}

int
sasl_b64_encode(const u_char *data, size_t len, char **out,
    struct error *err)
{
	gnutls_datum_t	in, res;
	int		r;

	*out = NULL;
	if (len == 0) {
		*out = xstrdup("");
		return (0);
	}
	in.data = (u_char *)data;
	in.size = len;
	if ((r = gnutls_base64_encode2(&in, &res)) < 0)
		return (err_set(err, ERR_SOFTWARE, "base64: %s",
		    gnutls_strerror(r)));
	*out = xstrndup((char *)res.data, res.size);
	explicit_bzero(res.data, res.size);
	gnutls_free(res.data);
	return (0);
}

int
sasl_b64_decode(const char *s, u_char **out, size_t *outlen,
    struct error *err)
{
	gnutls_datum_t	in, res;
	int		r;

	*out = NULL;
	*outlen = 0;
	if (*s == '\0') {
		*out = xcalloc(1, 1);
		return (0);
	}
	in.data = (u_char *)s;
	in.size = strlen(s);
	if ((r = gnutls_base64_decode2(&in, &res)) < 0)
		return (err_set(err, ERR_PROTO, "not base64"));
	*out = xmalloc(res.size + 1);
	memcpy(*out, res.data, res.size);
	(*out)[res.size] = '\0';
	*outlen = res.size;
	explicit_bzero(res.data, res.size);
	gnutls_free(res.data);
	return (0);
}

/* A line of the server's, traced; NUL bytes make it a protocol error. */
static int
sasl_getline(struct pop3 *p, char **line, struct error *err)
{
	char	safe[1024];
	size_t	len;

	if (conn_getline(p->conn, line, &len, err) == -1)
		return (-1);
	if (log_wants(LOG_TRACE)) {
		pop3_safe(safe, sizeof safe, *line);
		log_trace("< %s", safe);
	}
	if (strlen(*line) != len)
		return (err_set(err, ERR_PROTO, "%s sent a NUL byte during "
		    "AUTH", p->conn->peer));
	return (0);
}

static int
sasl_is_challenge(const char *line)
{
	return (line[0] == '+' && (line[1] == ' ' || line[1] == '\0'));
}

/* Sends a response in base64; the trace never shows it. */
static int
sasl_send(struct pop3 *p, struct sasl_buf *b, struct error *err)
{
	char	*b64;

	if (sasl_b64_encode(b->data, b->len, &b64, err) == -1)
		return (-1);
	pop3_queue(p, b64, *b64 != '\0' ? "****" : NULL);
	xfree_secret(b64);
	sasl_wipe(b);
	return (pop3_flush(p, err));
}

/*
 * Our side gave up (a bad challenge, an unproven server): "*" cancels, and
 * the server's answer, whatever it is, does not change the outcome.
 */
static void
sasl_cancel(struct pop3 *p)
{
	struct error	 ignored;
	char		*line;

	err_clear(&ignored);
	pop3_queue(p, "*", NULL);
	if (pop3_flush(p, &ignored) == 0)
		(void)sasl_getline(p, &line, &ignored);
}

int
sasl_auth(struct pop3 *p, struct sasl_client *c, struct pop3_resp *r,
    int *refused, struct error *err)
{
	struct sasl_buf	 out = { NULL, 0 };
	char		*cmd = NULL, *b64 = NULL, *line, shown[64], safe[512];
	u_char		*in = NULL;
	size_t		 inlen;
	int		 rc = -1, rounds = 0;

	*refused = 0;
	c->round = 0;
	(void)snprintf(shown, sizeof shown, "AUTH %s ****", c->name);
	if (c->initial) {
		if (c->step(c, NULL, 0, &out, err) == -1 ||
		    sasl_b64_encode(out.data, out.len, &b64, err) == -1)
			goto out;
		c->round++;
		sasl_wipe(&out);
		/* An empty initial response is "=" (RFC 5034). */
		xasprintf(&cmd, "AUTH %s %s", c->name,
		    *b64 != '\0' ? b64 : "=");
		/*
		 * RFC 5034 servers (SASL in CAPA) take an initial response;
		 * older RFC 1734 ones get it after their first "+ ".
		 */
		if ((p->caps & CAP_SASL) && strlen(cmd) + 2 <= SASL_AUTH_MAX) {
			pop3_queue(p, cmd, *b64 != '\0' ? shown : NULL);
			/* Answered by +OK or -ERR alone: the scan may follow. */
			if (c->oneshot)
				pop3_scan_ahead(p);
			xfree_secret(b64);
			b64 = NULL;
		}
		xfree_secret(cmd);
		cmd = NULL;
	}
	if (!c->initial || b64 != NULL) {
		xasprintf(&cmd, "AUTH %s", c->name);
		pop3_queue(p, cmd, NULL);
	}
	if (pop3_flush(p, err) == -1)
		goto out;

	for (;;) {
		if (sasl_getline(p, &line, err) == -1)
			goto out;
		if (!sasl_is_challenge(line))
			break;
		if (++rounds > SASL_MAX_ROUNDS) {
			err_set(err, ERR_PROTO, "%s sent more than %d AUTH "
			    "challenges", p->conn->peer, SASL_MAX_ROUNDS);
			sasl_cancel(p);
			goto out;
		}
		if (b64 != NULL) {
			/* The initial response that was not sent with AUTH. */
			pop3_queue(p, b64, *b64 != '\0' ? "****" : NULL);
			xfree_secret(b64);
			b64 = NULL;
			if (pop3_flush(p, err) == -1)
				goto out;
			continue;
		}
		if (sasl_b64_decode(line[1] == ' ' ? line + 2 : line + 1,
		    &in, &inlen, err) == -1) {
			pop3_safe(safe, sizeof safe, line);
			err_set(err, ERR_PROTO, "%s sent an AUTH %s challenge "
			    "that is not base64: \"%s\"", p->conn->peer,
			    c->name, safe);
			sasl_cancel(p);
			goto out;
		}
		if (c->step(c, in, inlen, &out, err) == -1) {
			sasl_cancel(p);
			goto out;
		}
		c->round++;
		explicit_bzero(in, inlen);
		free(in);
		in = NULL;
		if (sasl_send(p, &out, err) == -1)
			goto out;
	}

	if (pop3_parse_resp(line, r) == -1) {
		pop3_safe(safe, sizeof safe, line);
		err_set(err, ERR_PROTO, "%s sent a malformed answer to AUTH "
		    "%s: \"%s\"", p->conn->peer, c->name, safe);
		goto out;
	}
	if (!r->ok) {
		*refused = 1;
		pop3_safe(safe, sizeof safe, line);
		err_set(err, pop3_resp_class(r, ERR_NOPERM), "AUTH %s "
		    "failed: %s", c->name, safe);
		goto out;
	}
	if (c->finish != NULL && c->finish(c, err) == -1)
		goto out;
	rc = 0;

out:
	if (in != NULL) {
		explicit_bzero(in, inlen);
		free(in);
	}
	sasl_wipe(&out);
	xfree_secret(b64);
	xfree_secret(cmd);
	return (rc);
}
