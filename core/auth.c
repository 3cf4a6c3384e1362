#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "pop3.h"
#include "xmalloc.h"

static int
auth_failed(struct pop3 *p, const char *what, struct pop3_resp *r,
    struct error *err)
{
	char	safe[512];

	pop3_safe(safe, sizeof safe, r->line);
	err_set(err, pop3_resp_class(r, ERR_NOPERM), "login as %s failed "
	    "at %s: %s", p->acct->user, what, safe);
	switch (err->code) {
	case ERR_TEMP:
		err_hint(err, "the server asks to try again later");
		break;
	case ERR_NOPERM:
		err_hint(err, "check 'user' and 'password' for this account");
		break;
	default:
		break;
	}
	return (-1);
}

int
auth_login(struct pop3 *p, struct error *err)
{
	const struct account	*a = p->acct;
	struct pop3_resp	 r;
	char			*cmd = NULL;
	int			 rc = -1;

	pop3_state(p, POP3_AUTH);
	if (a->auth == AUTH_AUTO && p->conn->tls == NULL) {
		err_set(err, ERR_UNAVAILABLE, "auth auto will not send the "
		    "password over a connection without TLS");
		err_hint(err, "turn TLS on, or set 'auth user' to send the "
		    "password unencrypted anyway");
		return (-1);
	}
	if (a->auth != AUTH_AUTO && a->auth != AUTH_USER)
		return (err_set(err, ERR_CONFIG, "this auth method is not "
		    "available yet"));
	if (p->capa_ok && !(p->caps & CAP_USER)) {
		err_set(err, ERR_UNAVAILABLE, "%s does not offer USER/PASS "
		    "login (it offers SASL: %s)", p->conn->peer,
		    p->sasl[0] != '\0' ? p->sasl : "none");
		return (-1);
	}
	if (a->user == NULL || a->password == NULL)
		return (err_set(err, ERR_NOPERM, "no user or password for "
		    "this account"));

	xasprintf(&cmd, "USER %s", a->user);
	pop3_queue(p, cmd, NULL);
	free(cmd);
	cmd = NULL;
	if (pop3_flush(p, err) == -1 || pop3_response(p, &r, err) == -1)
		goto out;
	if (!r.ok) {
		auth_failed(p, "USER", &r, err);
		goto out;
	}
	xasprintf(&cmd, "PASS %s", a->password);
	pop3_queue(p, cmd, "PASS ****");
	if (pop3_flush(p, err) == -1 || pop3_response(p, &r, err) == -1)
		goto out;
	if (!r.ok) {
		auth_failed(p, "PASS", &r, err);
		goto out;
	}
	pop3_state(p, POP3_TRANSACTION);
	rc = 0;
out:
	xfree_secret(cmd);
	return (rc);
}
