#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/apop.h"
#include "auth/auth.h"
#include "auth/authsasl.h"
#include "net/conn.h"
#include "pop3/pop3.h"
#include "sasl/mech.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define AUTH_CLEAR	0x01	/* the password (or token) crosses readable */
#define AUTH_PICK	0x02	/* auto may choose it */

struct auth_mech {
	enum auth_method	 method;
	const char		*value;		/* as fetchrc names it */
	const char		*name;		/* as the server names it */
	int			 flags;
	void			 (*init)(struct sasl_client *,
				    const struct sasl_creds *);
};

/* In the order auto tries them: strongest first. */
static const struct auth_mech auth_mechs[] = {
	{ AUTH_SCRAM_SHA_256, "scram-sha-256", "SCRAM-SHA-256", AUTH_PICK,
	    mech_scram_sha256 },
	{ AUTH_CRAM_MD5, "cram-md5", "CRAM-MD5", AUTH_PICK, mech_cram_md5 },
	{ AUTH_APOP, "apop", "APOP", AUTH_PICK, NULL },
	{ AUTH_PLAIN, "plain", "PLAIN", AUTH_PICK | AUTH_CLEAR, mech_plain },
	{ AUTH_LOGIN, "login", "LOGIN", AUTH_PICK | AUTH_CLEAR, mech_login },
	{ AUTH_USER, "user", "USER", AUTH_PICK | AUTH_CLEAR, NULL },
	/* A token is not a password: these are used only when named. */
	{ AUTH_XOAUTH2, "xoauth2", "XOAUTH2", AUTH_CLEAR, mech_xoauth2 },
	{ AUTH_OAUTHBEARER, "oauthbearer", "OAUTHBEARER", AUTH_CLEAR,
	    mech_oauthbearer },
	{ AUTH_EXTERNAL, "external", "EXTERNAL", 0, mech_external },
};
#define AUTH_NMECHS	(sizeof auth_mechs / sizeof auth_mechs[0])

static const struct auth_mech *
auth_mech(enum auth_method m)
{
	size_t	i;

	for (i = 0; i < AUTH_NMECHS; i++) {
		if (auth_mechs[i].method == m)
			return (&auth_mechs[i]);
	}
	return (NULL);
}

const char *
auth_name(enum auth_method m)
{
	const struct auth_mech	*am;

	if (m == AUTH_AUTO)
		return ("auto");
	return ((am = auth_mech(m)) != NULL ? am->name : "?");
}

/*
 * Whether the server offers am.  named: the user asked for it, so a SASL
 * mechanism is tried on a server that did not answer CAPA.
 */
static int
auth_offered(const struct pop3 *p, const struct auth_mech *am, int named)
{
	switch (am->method) {
	case AUTH_USER:
		return (!p->capa_ok || (p->caps & CAP_USER));
	case AUTH_APOP:
		return (p->timestamp[0] != '\0');
	default:
		if (!p->capa_ok)
			return (named);
		return (sasl_offered(p->sasl, am->name));
	}
}

/* What the server offers, for messages: "SASL PLAIN LOGIN, APOP, USER". */
static void
auth_offers(const struct pop3 *p, char *buf, size_t len)
{
	char	safe[256];

	buf[0] = '\0';
	if (p->sasl[0] != '\0') {
		log_safe(safe, sizeof safe, p->sasl);
		(void)snprintf(buf, len, "SASL %s", safe);
	}
	if (p->timestamp[0] != '\0')
		(void)snprintf(buf + strlen(buf), len - strlen(buf), "%sAPOP",
		    buf[0] != '\0' ? ", " : "");
	if (!p->capa_ok || (p->caps & CAP_USER))
		(void)snprintf(buf + strlen(buf), len - strlen(buf), "%sUSER",
		    buf[0] != '\0' ? ", " : "");
	if (buf[0] == '\0')
		(void)strlcpy(buf, "no login method", len);
}

/* auto over a connection without TLS found only cleartext methods. */
static int
auth_refuse_clear(const struct pop3 *p, const char *offers,
    struct error *err)
{
	char	values[128];
	size_t	i;
	int	n = 0;

	values[0] = '\0';
	for (i = 0; i < AUTH_NMECHS; i++) {
		if ((auth_mechs[i].flags & (AUTH_PICK | AUTH_CLEAR)) !=
		    (AUTH_PICK | AUTH_CLEAR) ||
		    !auth_offered(p, &auth_mechs[i], 0))
			continue;
		(void)snprintf(values + strlen(values),
		    sizeof values - strlen(values), n == 0 ? "'auth %s'" :
		    n == 1 ? " (or %s" : ", %s", auth_mechs[i].value);
		n++;
	}
	if (n > 1)
		(void)strlcat(values, ")", sizeof values);
	err_set(err, ERR_UNAVAILABLE, "auth auto will not send the password "
	    "over a connection without TLS, and %s offers only methods that "
	    "would (%s)", p->conn->peer, offers);
	err_hint(err, "turn TLS on, or set %s to send the password "
	    "unencrypted anyway", values);
	return (-1);
}

int
auth_choose(const struct pop3 *p, int tls, enum auth_method *m,
    struct error *err)
{
	const struct auth_mech	*am;
	char			 offers[512];
	size_t			 i;
	int			 clear = 0;

	auth_offers(p, offers, sizeof offers);
	if (p->acct->auth != AUTH_AUTO) {
		if ((am = auth_mech(p->acct->auth)) == NULL)
			return (err_set(err, ERR_SOFTWARE, "unknown auth "
			    "method %d", p->acct->auth));
		if (!auth_offered(p, am, 1)) {
			err_set(err, ERR_UNAVAILABLE, "%s does not offer "
			    "%s login (it offers: %s)", p->conn->peer,
			    am->name, offers);
			err_hint(err, "set 'auth' to a method the server "
			    "offers, or to auto");
			return (-1);
		}
		*m = am->method;
		return (0);
	}
	for (i = 0; i < AUTH_NMECHS; i++) {
		am = &auth_mechs[i];
		if (!(am->flags & AUTH_PICK) || !auth_offered(p, am, 0))
			continue;
		if (!tls && (am->flags & AUTH_CLEAR)) {
			clear = 1;
			continue;
		}
		*m = am->method;
		return (0);
	}
	if (clear)
		return (auth_refuse_clear(p, offers, err));
	err_set(err, ERR_UNAVAILABLE, "%s offers no login method auth auto "
	    "can use (it offers: %s)", p->conn->peer, offers);
	err_hint(err, "set 'auth' to one it offers (xoauth2 and oauthbearer "
	    "take a token from passwordeval)");
	return (-1);
}

/* The server refused the login: the words, the code, the hint. */
static int
auth_failed(struct pop3 *p, enum auth_method m, const char *step,
    struct pop3_resp *r, const char *detail, struct error *err)
{
	char	safe[512];

	log_safe(safe, sizeof safe, r->line);
	err_set(err, pop3_resp_class(r, ERR_NOPERM), "login as %s with %s "
	    "failed at %s: %s%s%s", p->acct->user, auth_name(m), step, safe,
	    detail != NULL && detail[0] != '\0' ? "; " : "",
	    detail != NULL ? detail : "");
	switch (err->code) {
	case ERR_TEMP:
		err_hint(err, "the server asks to try again later");
		break;
	case ERR_NOPERM:
		if (m == AUTH_XOAUTH2 || m == AUTH_OAUTHBEARER)
			err_hint(err, "check 'user' and the token passwordeval "
			    "prints (it may have expired)");
		else if (m == AUTH_EXTERNAL)
			err_hint(err, "check 'user' and the client "
			    "certificate");
		else
			err_hint(err, "check 'user' and 'password' for this "
			    "account");
		break;
	default:
		break;
	}
	return (-1);
}

/*
 * USER and PASS, in one write with the scan behind them when the server
 * pipelines: a slow link then pays one round trip for the whole login.
 */
static int
auth_user(struct pop3 *p, struct error *err)
{
	const struct account	*a = p->acct;
	struct pop3_resp	 r;
	char			*cmd = NULL;
	int			 rc = -1, pipelined = pop3_pipelining(p);

	xasprintf(&cmd, "USER %s", a->user);
	pop3_queue(p, cmd, NULL);
	free(cmd);
	cmd = NULL;
	if (!pipelined && (pop3_flush(p, err) == -1 ||
	    pop3_response(p, &r, err) == -1))
		goto out;
	if (!pipelined && !r.ok) {
		auth_failed(p, AUTH_USER, "USER", &r, NULL, err);
		goto out;
	}
	xasprintf(&cmd, "PASS %s", a->password);
	pop3_queue(p, cmd, "PASS ****");
	pop3_scan_ahead(p);
	if (pop3_flush(p, err) == -1)
		goto out;
	if (pipelined) {
		if (pop3_response(p, &r, err) == -1)
			goto out;
		if (!r.ok) {
			auth_failed(p, AUTH_USER, "USER", &r, NULL, err);
			goto out;
		}
	}
	if (pop3_response(p, &r, err) == -1)
		goto out;
	if (!r.ok) {
		auth_failed(p, AUTH_USER, "PASS", &r, NULL, err);
		goto out;
	}
	rc = 0;
out:
	xfree_secret(cmd);
	return (rc);
}

static int
auth_apop(struct pop3 *p, struct error *err)
{
	const struct account	*a = p->acct;
	struct pop3_resp	 r;
	char			 digest[APOP_DIGEST_LEN], *cmd = NULL;
	char			*shown = NULL;
	int			 rc = -1;

	if (apop_digest(p->timestamp, a->password, digest, err) == -1)
		goto out;
	xasprintf(&cmd, "APOP %s %s", a->user, digest);
	xasprintf(&shown, "APOP %s ****", a->user);
	pop3_queue(p, cmd, shown);
	pop3_scan_ahead(p);
	if (pop3_flush(p, err) == -1 || pop3_response(p, &r, err) == -1)
		goto out;
	if (!r.ok) {
		auth_failed(p, AUTH_APOP, "APOP", &r, NULL, err);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(digest, sizeof digest);
	xfree_secret(cmd);
	free(shown);
	return (rc);
}

static int
auth_sasl(struct pop3 *p, const struct auth_mech *am, struct error *err)
{
	const struct account	*a = p->acct;
	struct sasl_creds	 cr;
	struct sasl_client	 c;
	struct pop3_resp	 r;
	char			 what[sizeof err->what];
	int			 refused, rc;

	memset(&cr, 0, sizeof cr);
	cr.user = a->user;
	cr.secret = a->password != NULL ? a->password : "";
	cr.host = a->host;
	cr.port = a->port != 0 ? a->port : (a->tls && !a->tls_starttls ?
	    995 : 110);
	am->init(&c, &cr);
	if ((rc = authsasl_run(p, &c, &r, &refused, err)) == -1) {
		if (refused)
			auth_failed(p, am->method, "AUTH", &r, c.detail, err);
		else {
			(void)strlcpy(what, err->what, sizeof what);
			err_set(err, err->code, "login as %s with %s: %s",
			    a->user, am->name, what);
		}
	}
	mech_free(&c);
	return (rc);
}

int
auth_login(struct pop3 *p, struct error *err)
{
	const struct account	*a = p->acct;
	const struct auth_mech	*am;
	enum auth_method	 m;
	int			 rc;

	pop3_state(p, POP3_AUTH);
	if (p->timestamp_bad && (a->auth == AUTH_APOP ||
	    a->auth == AUTH_AUTO)) {
		err_set(err, ERR_PROTO, "the greeting's APOP timestamp holds "
		    "control or 8-bit bytes, which no msg-id has");
		err_hint(err, "a server that sends it is broken or not the "
		    "one meant; name another 'auth' method to log in anyway");
		return (-1);
	}
	if (auth_choose(p, p->conn->tls != NULL, &m, err) == -1)
		return (-1);
	am = auth_mech(m);
	if (a->user == NULL || (m != AUTH_EXTERNAL && a->password == NULL))
		return (err_set(err, ERR_NOPERM, "no user or password for "
		    "this account"));
	log_verbose("logging in as %s with %s", a->user, am->name);
	switch (m) {
	case AUTH_USER:
		rc = auth_user(p, err);
		break;
	case AUTH_APOP:
		rc = auth_apop(p, err);
		break;
	default:
		rc = auth_sasl(p, am, err);
		break;
	}
	if (rc == 0)
		pop3_state(p, POP3_TRANSACTION);
	return (rc);
}
