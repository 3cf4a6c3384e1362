/*
 * SCRAM-SHA-256 (RFC 5802, RFC 7677), without channel binding.  The server
 * proves it knows the password too: a login it accepts without a correct
 * signature is refused here.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "sasl/mech.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define SCRAM_LEN	32		/* SHA-256 */
#define SCRAM_NONCE_RAW	18		/* 24 characters of base64 */
#define SCRAM_MIN_ITER	4096		/* RFC 7677's floor */
#define SCRAM_MAX_ITER	10000000	/* more is a server stalling us */
#define SCRAM_MAX_SALT	256

struct scram {
	const struct sasl_creds	*cr;
	char			 nonce[64];
	char			*first_bare;	/* client-first-message-bare */
	u_char			 server_sig[SCRAM_LEN];
	int			 verified;
};

static void
scram_free(void *arg)
{
	struct scram	*s = arg;

	free(s->first_bare);
	explicit_bzero(s, sizeof *s);
	free(s);
}

static int
scram_first(struct scram *s, struct sasl_buf *out, struct error *err)
{
	u_char	 raw[SCRAM_NONCE_RAW];
	char	*b64, *name, *msg;
	int	 r;

	if (s->nonce[0] == '\0') {
		if ((r = gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof raw)) < 0)
			return (err_set(err, ERR_SOFTWARE, "random nonce: %s",
			    gnutls_strerror(r)));
		if (sasl_b64_encode(raw, sizeof raw, &b64, err) == -1)
			return (-1);
		(void)strlcpy(s->nonce, b64, sizeof s->nonce);
		free(b64);
	}
	name = sasl_saslname(s->cr->user);
	xasprintf(&s->first_bare, "n=%s,r=%s", name, s->nonce);
	free(name);
	/* "n": we do not do channel binding. */
	xasprintf(&msg, "n,,%s", s->first_bare);
	sasl_set(out, msg, strlen(msg));
	free(msg);
	return (0);
}

/* The value of attribute a in a comma-separated message, or NULL. */
static char *
scram_attr(const char *msg, char a)
{
	const char	*p = msg, *end;

	for (;;) {
		if (p[0] == a && p[1] == '=') {
			end = strchr(p, ',');
			return (end != NULL ? xstrndup(p + 2, end - p - 2) :
			    xstrdup(p + 2));
		}
		if ((p = strchr(p, ',')) == NULL)
			return (NULL);
		p++;
	}
}

static int
scram_hmac(const void *key, size_t keylen, const void *msg, size_t msglen,
    u_char *out, struct error *err)
{
	int	r;

	if ((r = gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, msg, msglen,
	    out)) < 0)
		return (err_set(err, ERR_SOFTWARE, "HMAC-SHA-256: %s",
		    gnutls_strerror(r)));
	return (0);
}

/* Checks the server-first-message and answers with our proof. */
static int
scram_final(struct scram *s, const char *first, struct sasl_buf *out,
    struct error *err)
{
	gnutls_datum_t	 key, salt_d;
	u_char		 salted[SCRAM_LEN], ckey[SCRAM_LEN], stored[SCRAM_LEN];
	u_char		 csig[SCRAM_LEN], proof[SCRAM_LEN], skey[SCRAM_LEN];
	u_char		*salt = NULL;
	size_t		 saltlen = 0, i;
	char		*nonce = NULL, *salt64 = NULL, *iter = NULL;
	char		*bare = NULL, *auth = NULL, *proof64 = NULL, *msg = NULL;
	const char	*errstr;
	long long	 n;
	int		 r, rc = -1;

	if (first[0] == 'm' && first[1] == '=') {
		err_set(err, ERR_PROTO, "the server asks for a SCRAM "
		    "extension we do not know");
		goto out;
	}
	if ((nonce = scram_attr(first, 'r')) == NULL ||
	    (salt64 = scram_attr(first, 's')) == NULL ||
	    (iter = scram_attr(first, 'i')) == NULL) {
		err_set(err, ERR_PROTO, "the server's SCRAM challenge lacks "
		    "a nonce, salt or iteration count");
		goto out;
	}
	/* The server's nonce extends ours: else this is a replay. */
	if (strncmp(nonce, s->nonce, strlen(s->nonce)) != 0 ||
	    strlen(nonce) == strlen(s->nonce)) {
		err_set(err, ERR_PROTO, "the server's SCRAM nonce does not "
		    "extend ours");
		goto out;
	}
	n = strtonum(iter, SCRAM_MIN_ITER, SCRAM_MAX_ITER, &errstr);
	if (errstr != NULL) {
		err_set(err, ERR_PROTO, "the server's SCRAM iteration count "
		    "is %s (%d to %d)", errstr, SCRAM_MIN_ITER,
		    SCRAM_MAX_ITER);
		goto out;
	}
	if (sasl_b64_decode(salt64, &salt, &saltlen, err) == -1 ||
	    saltlen == 0 || saltlen > SCRAM_MAX_SALT) {
		err_set(err, ERR_PROTO, "the server's SCRAM salt is not "
		    "1 to %d bytes of base64", SCRAM_MAX_SALT);
		goto out;
	}

	xasprintf(&bare, "c=biws,r=%s", nonce);
	xasprintf(&auth, "%s,%s,%s", s->first_bare, first, bare);

	key.data = (u_char *)s->cr->secret;
	key.size = strlen(s->cr->secret);
	salt_d.data = salt;
	salt_d.size = saltlen;
	if ((r = gnutls_pbkdf2(GNUTLS_MAC_SHA256, &key, &salt_d, n, salted,
	    sizeof salted)) < 0) {
		err_set(err, ERR_SOFTWARE, "PBKDF2: %s", gnutls_strerror(r));
		goto out;
	}
	if (scram_hmac(salted, sizeof salted, "Client Key", 10, ckey,
	    err) == -1)
		goto out;
	if ((r = gnutls_hash_fast(GNUTLS_DIG_SHA256, ckey, sizeof ckey,
	    stored)) < 0) {
		err_set(err, ERR_SOFTWARE, "SHA-256: %s", gnutls_strerror(r));
		goto out;
	}
	if (scram_hmac(stored, sizeof stored, auth, strlen(auth), csig,
	    err) == -1 ||
	    scram_hmac(salted, sizeof salted, "Server Key", 10, skey,
	    err) == -1 ||
	    scram_hmac(skey, sizeof skey, auth, strlen(auth), s->server_sig,
	    err) == -1)
		goto out;
	for (i = 0; i < SCRAM_LEN; i++)
		proof[i] = ckey[i] ^ csig[i];
	if (sasl_b64_encode(proof, sizeof proof, &proof64, err) == -1)
		goto out;
	xasprintf(&msg, "%s,p=%s", bare, proof64);
	sasl_set(out, msg, strlen(msg));
	rc = 0;

out:
	explicit_bzero(salted, sizeof salted);
	explicit_bzero(ckey, sizeof ckey);
	explicit_bzero(stored, sizeof stored);
	explicit_bzero(csig, sizeof csig);
	explicit_bzero(skey, sizeof skey);
	explicit_bzero(proof, sizeof proof);
	free(salt);
	free(nonce);
	free(salt64);
	free(iter);
	free(bare);
	free(auth);
	xfree_secret(proof64);
	xfree_secret(msg);
	return (rc);
}

/* The server-final-message: its signature, or its error. */
static int
scram_verify(struct scram *s, const char *final, struct sasl_buf *out,
    struct error *err)
{
	u_char		*sig = NULL;
	size_t		 siglen = 0, i;
	char		*v = NULL, safe[128];
	u_char		 diff = 0;
	int		 rc = -1;

	if ((v = scram_attr(final, 'e')) != NULL) {
		log_safe(safe, sizeof safe, v);
		err_set(err, ERR_NOPERM, "the server refused the SCRAM "
		    "proof: %s", safe);
		goto out;
	}
	if ((v = scram_attr(final, 'v')) == NULL ||
	    sasl_b64_decode(v, &sig, &siglen, err) == -1 ||
	    siglen != SCRAM_LEN) {
		err_set(err, ERR_PROTO, "the server's last SCRAM message "
		    "has no signature");
		goto out;
	}
	for (i = 0; i < SCRAM_LEN; i++)
		diff |= sig[i] ^ s->server_sig[i];
	if (diff != 0) {
		err_set(err, ERR_NOPERM, "the server's SCRAM signature is "
		    "wrong: it does not know the password, or something "
		    "on the path poses as the server");
		goto out;
	}
	s->verified = 1;
	sasl_set(out, "", 0);
	rc = 0;

out:
	free(sig);
	free(v);
	return (rc);
}

static int
scram_step(struct sasl_client *c, const u_char *in, size_t inlen,
    struct sasl_buf *out, struct error *err)
{
	struct scram	*s = c->ctx;
	size_t		 i;

	/* What the server sends is printable ASCII; the rest is hostile. */
	for (i = 0; in != NULL && i < inlen; i++) {
		if (in[i] < 0x20 || in[i] > 0x7e)
			return (err_set(err, ERR_PROTO, "the server's SCRAM "
			    "message holds a byte that is not printable "
			    "ASCII"));
	}
	switch (c->round) {
	case 0:
		return (scram_first(s, out, err));
	case 1:
		return (scram_final(s, (const char *)in, out, err));
	case 2:
		return (scram_verify(s, (const char *)in, out, err));
	default:
		return (err_set(err, ERR_PROTO, "the server sent a fourth "
		    "SCRAM message"));
	}
}

static int
scram_finish(struct sasl_client *c, struct error *err)
{
	struct scram	*s = c->ctx;

	if (!s->verified)
		return (err_set(err, ERR_NOPERM, "the server accepted the "
		    "login without proving it knows the password (no SCRAM "
		    "signature)"));
	return (0);
}

void
mech_scram_sha256_nonce(struct sasl_client *c, const struct sasl_creds *cr,
    const char *nonce)
{
	struct scram	*s;

	memset(c, 0, sizeof *c);
	s = xcalloc(1, sizeof *s);
	s->cr = cr;
	if (nonce != NULL)
		(void)strlcpy(s->nonce, nonce, sizeof s->nonce);
	c->name = "SCRAM-SHA-256";
	c->initial = 1;
	c->step = scram_step;
	c->finish = scram_finish;
	c->free = scram_free;
	c->ctx = s;
}

void
mech_scram_sha256(struct sasl_client *c, const struct sasl_creds *cr)
{
	mech_scram_sha256_nonce(c, cr, NULL);
}
