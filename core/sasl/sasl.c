#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "sasl/sasl.h"
#include "util/log.h"
#include "util/xmalloc.h"

int
sasl_offered(const char *list, const char *name)
{
	size_t	n, len = strlen(name);

	for (;;) {
		list += strspn(list, " ");
		if (*list == '\0')
			return (0);
		n = strcspn(list, " ");
		if (n == len && strncasecmp(list, name, n) == 0)
			return (1);
		list += n;
	}
}

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

int
sasl_start(struct sasl_client *c, char **b64, struct error *err)
{
	struct sasl_buf	out = { NULL, 0 };
	int		rc = -1;

	*b64 = NULL;
	c->round = 0;
	if (!c->initial)
		return (0);
	if (c->step(c, NULL, 0, &out, err) == -1 ||
	    sasl_b64_encode(out.data, out.len, b64, err) == -1)
		goto out;
	c->round++;
	rc = 0;
out:
	sasl_wipe(&out);
	return (rc);
}

int
sasl_respond(struct sasl_client *c, const char *peer, const char *challenge,
    char **b64, struct error *err)
{
	struct sasl_buf	 out = { NULL, 0 };
	u_char		*in = NULL;
	size_t		 inlen = 0;
	char		 safe[512];
	int		 rc = -1;

	*b64 = NULL;
	if (sasl_b64_decode(challenge, &in, &inlen, err) == -1) {
		log_safe(safe, sizeof safe, challenge);
		err_set(err, ERR_PROTO, "%s sent an AUTH %s challenge that "
		    "is not base64: \"%s\"", peer, c->name, safe);
		goto out;
	}
	if (c->step(c, in, inlen, &out, err) == -1 ||
	    sasl_b64_encode(out.data, out.len, b64, err) == -1)
		goto out;
	c->round++;
	rc = 0;
out:
	if (in != NULL) {
		explicit_bzero(in, inlen);
		free(in);
	}
	sasl_wipe(&out);
	return (rc);
}
