#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authsasl.h"
#include "net/conn.h"
#include "pop3/pop3.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* RFC 5034: an AUTH line with its initial response fits 255 octets. */
#define AUTHSASL_MAX		255
/* No mechanism we speak needs more; a server asking more is stalling. */
#define AUTHSASL_MAX_ROUNDS	8

/* A line of the server's, traced; NUL bytes make it a protocol error. */
static int
authsasl_getline(struct pop3 *p, char **line, struct error *err)
{
	char	safe[1024];
	size_t	len;

	if (conn_getline(p->conn, line, &len, err) == -1)
		return (-1);
	if (log_wants(LOG_TRACE)) {
		log_safe(safe, sizeof safe, *line);
		log_trace("< %s", safe);
	}
	if (strlen(*line) != len)
		return (err_set(err, ERR_PROTO, "%s sent a NUL byte during "
		    "AUTH", p->conn->peer));
	return (0);
}

static int
authsasl_is_challenge(const char *line)
{
	return (line[0] == '+' && (line[1] == ' ' || line[1] == '\0'));
}

/* Sends a response; the trace never shows it. */
static int
authsasl_send(struct pop3 *p, const char *b64, struct error *err)
{
	pop3_queue(p, b64, *b64 != '\0' ? "****" : NULL);
	return (pop3_flush(p, err));
}

/*
 * Our side gave up (a bad challenge, an unproven server): "*" cancels, and
 * the server's answer, whatever it is, does not change the outcome.
 */
static void
authsasl_cancel(struct pop3 *p)
{
	struct error	 ignored;
	char		*line;

	err_clear(&ignored);
	pop3_queue(p, "*", NULL);
	if (pop3_flush(p, &ignored) == 0)
		(void)authsasl_getline(p, &line, &ignored);
}

int
authsasl_run(struct pop3 *p, struct sasl_client *c, struct pop3_resp *r,
    int *refused, struct error *err)
{
	char	*cmd = NULL, *b64 = NULL, *ans = NULL, *line, shown[64];
	char	 safe[512];
	int	 rc = -1, rounds = 0;

	*refused = 0;
	(void)snprintf(shown, sizeof shown, "AUTH %s ****", c->name);
	if (sasl_start(c, &b64, err) == -1)
		goto out;
	if (b64 != NULL) {
		/* An empty initial response is "=" (RFC 5034). */
		xasprintf(&cmd, "AUTH %s %s", c->name,
		    *b64 != '\0' ? b64 : "=");
		/*
		 * RFC 5034 servers (SASL in CAPA) take an initial response;
		 * older RFC 1734 ones get it after their first "+ ".
		 */
		if ((p->caps & CAP_SASL) && strlen(cmd) + 2 <= AUTHSASL_MAX) {
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
		if (authsasl_getline(p, &line, err) == -1)
			goto out;
		if (!authsasl_is_challenge(line))
			break;
		if (++rounds > AUTHSASL_MAX_ROUNDS) {
			err_set(err, ERR_PROTO, "%s sent more than %d AUTH "
			    "challenges", p->conn->peer, AUTHSASL_MAX_ROUNDS);
			authsasl_cancel(p);
			goto out;
		}
		if (b64 != NULL) {
			/* The initial response that was not sent with AUTH. */
			if (authsasl_send(p, b64, err) == -1)
				goto out;
			xfree_secret(b64);
			b64 = NULL;
			continue;
		}
		if (sasl_respond(c, p->conn->peer, line[1] == ' ' ? line + 2 :
		    line + 1, &ans, err) == -1) {
			authsasl_cancel(p);
			goto out;
		}
		if (authsasl_send(p, ans, err) == -1)
			goto out;
		xfree_secret(ans);
		ans = NULL;
	}

	if (pop3_parse_resp(line, r) == -1) {
		log_safe(safe, sizeof safe, line);
		err_set(err, ERR_PROTO, "%s sent a malformed answer to AUTH "
		    "%s: \"%s\"", p->conn->peer, c->name, safe);
		goto out;
	}
	if (!r->ok) {
		*refused = 1;
		log_safe(safe, sizeof safe, line);
		err_set(err, pop3_resp_class(r, ERR_NOPERM), "AUTH %s "
		    "failed: %s", c->name, safe);
		goto out;
	}
	if (c->finish != NULL && c->finish(c, err) == -1)
		goto out;
	rc = 0;

out:
	xfree_secret(ans);
	xfree_secret(b64);
	xfree_secret(cmd);
	return (rc);
}
