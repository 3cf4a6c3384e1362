/*
 * Delivery into a folder of an IMAP server (RFC 3501 APPEND): Gmail, or
 * any other.  One connection carries every message of a run; it is opened
 * at the first message and not again once it is lost.
 *
 * The message is spooled while it streams in (spool.h), for APPEND's
 * literal needs its exact size, and sent at commit with CRLF line ends.
 * A message is delivered on the tagged OK; the server's APPENDUID (RFC
 * 4315), when it says one, is noted with the receipt in the commit log.
 *
 * Before the literal is sent, the commit log gets a line "MARKER ? <id>"
 * naming the message's Message-ID.  When the link is lost between the
 * literal and the answer, the server may have the message: it stays on
 * the POP server and is not sent again this run.  The next run, before
 * sending a message whose Message-ID such a line names, looks for it in
 * the folder (UID SEARCH HEADER Message-ID) and counts it delivered when it
 * is there; a note is carried from log to log until that lookup or a
 * delivery of that Message-ID settles it.  A message without a Message-ID
 * cannot be looked for: the next run's copy may be a second one.
 *
 * NO [TRYCREATE] creates the folder once and sends the message again.
 * NO [TOOBIG], [LIMIT], [NOPERM] or [CANNOT] will not change by waiting:
 * the run ends (exit 74) with the server's words.  Any other NO keeps the
 * message on the POP server for a later run, and the run goes on.  BAD is
 * a protocol error.
 */
#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <vis.h>

#include "deliver/commitlog.h"
#include "deliver/deliver.h"
#include "deliver/imap.h"
#include "deliver/smtp.h"
#include "deliver/smtpauth.h"
#include "deliver/spooled.h"
#include "net/conn.h"
#include "net/net.h"
#include "sasl/mech.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define IMAP_PORT		143
#define IMAPS_PORT		993
#define IMAP_CHUNK		65536
/* Untagged lines before a command's answer; more is a server stalling. */
#define IMAP_UNTAGGED_MAX	10000
#define IMAP_AUTH_ROUNDS	8
/* RFC 5322 allows 998; a Message-ID longer than this is not looked for. */
#define IMAP_MSGID_MAX		250

#define IMAP_CAP_STARTTLS	0x01
#define IMAP_CAP_LOGINDISABLED	0x02
#define IMAP_CAP_SASLIR		0x04
#define IMAP_CAP_LITERALPLUS	0x08	/* LITERAL+ or LITERAL- */
#define IMAP_CAP_KNOWN		0x80	/* a CAPABILITY list was read */

enum imap_status {
	IMAP_OK,
	IMAP_NO,
	IMAP_BAD,
	IMAP_CONT,		/* "+": the server waits for more */
};

/* One command's answer. */
struct imap_resp {
	enum imap_status	 status;
	char			 code[32];	/* "TRYCREATE", "" for none */
	char			 arg[128];	/* the rest of the [CODE ...] */
	char			 text[512];	/* made printable */
	char			*raw;		/* a continuation's text */
	int			 found;		/* SEARCH named a message */
};

struct imap {
	const struct account	*acct;
	char			 peer[340];	/* "IMAP server HOST port N" */
	char			 folder[512];	/* quoted */
	u_int			 port;
	struct conn		*conn;
	u_int			 caps;
	char			 mechs[256];	/* the AUTH= list */
	u_int			 seq;
	char			 tag[16];
	int			 tried;		/* the connection was opened */
	int			 examined;	/* the folder is selected */
	int			 carried;	/* the old log's open notes */

	struct spooled		 sd;		/* spool, marker, commit log */
};

/* The connection broke: it is closed and not opened again this run. */
static int
imap_lost(struct imap *s, struct error *err)
{
	conn_free(s->conn);
	s->conn = NULL;
	s->sd.gone = 1;
	if (err->hint[0] == '\0')
		err_hint(err, "the message stays on the POP server; is the "
		    "%s up?", s->peer);
	return (-1);
}

/* The words of a CAPABILITY list, up to its end or a ']'. */
static void
imap_caps(struct imap *s, const char *p)
{
	const char	*w;
	char		 word[64];
	size_t		 len;

	s->caps = IMAP_CAP_KNOWN;
	s->mechs[0] = '\0';
	while (*p != '\0' && *p != ']') {
		while (*p == ' ')
			p++;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != ']')
			p++;
		len = p - w;
		if (len == 0 || len >= sizeof word)
			continue;
		memcpy(word, w, len);
		word[len] = '\0';
		if (strcasecmp(word, "STARTTLS") == 0)
			s->caps |= IMAP_CAP_STARTTLS;
		else if (strcasecmp(word, "LOGINDISABLED") == 0)
			s->caps |= IMAP_CAP_LOGINDISABLED;
		else if (strcasecmp(word, "SASL-IR") == 0)
			s->caps |= IMAP_CAP_SASLIR;
		else if (strcasecmp(word, "LITERAL+") == 0 ||
		    strcasecmp(word, "LITERAL-") == 0)
			s->caps |= IMAP_CAP_LITERALPLUS;
		else if (strncasecmp(word, "AUTH=", 5) == 0 &&
		    strlen(s->mechs) + len < sizeof s->mechs) {
			/* A list too long for the buffer loses its tail. */
			if (s->mechs[0] != '\0')
				(void)strlcat(s->mechs, " ", sizeof s->mechs);
			(void)strlcat(s->mechs, word + 5, sizeof s->mechs);
		}
	}
}

/* "OK [CODE args] text" after the tag or "* ": the status and the code. */
static int
imap_status(struct imap *s, const char *p, struct imap_resp *r)
{
	const char	*end, *sp;
	size_t		 len;

	if (strncasecmp(p, "OK", 2) == 0)
		r->status = IMAP_OK;
	else if (strncasecmp(p, "NO", 2) == 0)
		r->status = IMAP_NO;
	else if (strncasecmp(p, "BAD", 3) == 0)
		r->status = IMAP_BAD;
	else
		return (-1);
	p += r->status == IMAP_BAD ? 3 : 2;
	if (*p != ' ' && *p != '\0')
		return (-1);
	while (*p == ' ')
		p++;
	r->code[0] = r->arg[0] = '\0';
	if (*p == '[' && (end = strchr(p, ']')) != NULL) {
		p++;
		sp = memchr(p, ' ', end - p);
		len = (sp != NULL ? sp : end) - p;
		if (len < sizeof r->code) {
			memcpy(r->code, p, len);
			r->code[len] = '\0';
		}
		if (sp != NULL && (size_t)(end - sp - 1) < sizeof r->arg) {
			memcpy(r->arg, sp + 1, end - sp - 1);
			r->arg[end - sp - 1] = '\0';
		}
		if (strcasecmp(r->code, "CAPABILITY") == 0 && sp != NULL)
			imap_caps(s, sp + 1);
		p = end + 1;
		while (*p == ' ')
			p++;
	}
	log_safe(r->text, sizeof r->text, p);
	return (0);
}

static int
imap_bad_line(struct imap *s, const char *line, struct error *err)
{
	char	safe[512];

	log_safe(safe, sizeof safe, line);
	err_set(err, ERR_PROTO, "%s sent a line that is no IMAP response: %s",
	    s->peer, safe);
	return (imap_lost(s, err));
}

/* Whether the line ends in a literal's announcement, "{N}" or "{N+}". */
static int
imap_has_literal(const char *line, size_t len)
{
	size_t	i;

	if (len < 3 || line[len - 1] != '}')
		return (0);
	i = len - 2;
	if (line[i] == '+')
		i--;
	if (!isdigit((u_char)line[i]))
		return (0);
	while (i > 0 && isdigit((u_char)line[i]))
		i--;
	return (line[i] == '{');
}

/*
 * Reads up to the answer to the command tagged s->tag, or a continuation
 * request: untagged lines on the way update the capabilities and SEARCH's
 * finding.  A literal in an untagged line is refused: no command we send
 * asks for one.
 */
static int
imap_read(struct imap *s, struct imap_resp *r, struct error *err)
{
	struct imap_resp	 u;
	char			*line, safe[512];
	size_t			 len, taglen = strlen(s->tag);
	int			 n;

	free(r->raw);
	r->raw = NULL;
	for (n = 0; n < IMAP_UNTAGGED_MAX; n++) {
		if (conn_getline(s->conn, &line, &len, err) == -1)
			return (imap_lost(s, err));
		if (log_wants(LOG_TRACE)) {
			log_safe(safe, sizeof safe, line);
			log_trace("IMAP < %s", safe);
		}
		if (line[0] == '+' && (line[1] == ' ' || line[1] == '\0')) {
			r->status = IMAP_CONT;
			r->raw = xstrdup(line[1] == ' ' ? line + 2 : "");
			log_safe(r->text, sizeof r->text, r->raw);
			return (0);
		}
		if (imap_has_literal(line, len))
			return (imap_bad_line(s, line, err));
		if (strncmp(line, "* ", 2) == 0) {
			memset(&u, 0, sizeof u);
			if (strncasecmp(line + 2, "CAPABILITY ", 11) == 0)
				imap_caps(s, line + 13);
			else if (strncasecmp(line + 2, "SEARCH", 6) == 0)
				r->found |= len > 9 && line[8] == ' ' &&
				    isdigit((u_char)line[9]);
			else if (strncasecmp(line + 2, "OK ", 3) == 0)
				(void)imap_status(s, line + 2, &u);
			continue;
		}
		if (strncmp(line, s->tag, taglen) != 0 || line[taglen] != ' ' ||
		    imap_status(s, line + taglen + 1, r) == -1)
			return (imap_bad_line(s, line, err));
		return (0);
	}
	err_set(err, ERR_PROTO, "%s sent more than %d lines without "
	    "answering", s->peer, IMAP_UNTAGGED_MAX);
	return (imap_lost(s, err));
}

static void
imap_send(struct imap *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Queues a command with a new tag. */
static void
imap_send(struct imap *s, const char *fmt, ...)
{
	char	buf[2048], safe[4 * 2048 + 1];
	va_list	ap;
	int	n, m;

	(void)snprintf(s->tag, sizeof s->tag, "P%u", ++s->seq);
	n = snprintf(buf, sizeof buf, "%s ", s->tag);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof buf - n, fmt, ap);
	va_end(ap);
	/* Callers bound what they put in; a cut line would be a lie. */
	if (m < 0 || (size_t)m >= sizeof buf - n)
		m = 0;
	if (log_wants(LOG_TRACE)) {
		(void)strvis(safe, buf, VIS_CSTYLE | VIS_TAB | VIS_NL);
		log_trace("IMAP > %s", safe);
	}
	conn_queue(s->conn, buf, (size_t)(n + m));
}

/* A line with a secret in it: the trace shows shown instead. */
static void
imap_send_secret(struct imap *s, const char *line, const char *shown)
{
	if (log_wants(LOG_TRACE))
		log_trace("IMAP > %s", shown);
	conn_queue(s->conn, line, strlen(line));
}

static int
imap_flush(struct imap *s, struct error *err)
{
	if (conn_flush(s->conn, err) == -1)
		return (imap_lost(s, err));
	return (0);
}

/* Sends the queued command and reads its answer, which must be OK. */
static int
imap_command(struct imap *s, const char *what, struct imap_resp *r,
    struct error *err)
{
	if (imap_flush(s, err) == -1 || imap_read(s, r, err) == -1)
		return (-1);
	if (r->status == IMAP_OK)
		return (0);
	err_set(err, r->status == IMAP_NO ? ERR_UNAVAILABLE : ERR_PROTO,
	    "%s answered %s with %s %s", s->peer, what, r->status == IMAP_NO ?
	    "NO" : r->status == IMAP_BAD ? "BAD" : "+", r->text);
	if (r->status == IMAP_CONT)
		return (imap_lost(s, err));
	return (-1);
}

int
imap_quote(const char *in, char *out, size_t outlen)
{
	size_t	o = 0;

	if (outlen < 3)
		return (-1);
	out[o++] = '"';
	for (; *in != '\0'; in++) {
		if ((u_char)*in < 0x20 || (u_char)*in >= 0x7f)
			return (-1);
		if (o + 4 >= outlen)
			return (-1);
		if (*in == '"' || *in == '\\')
			out[o++] = '\\';
		out[o++] = *in;
	}
	out[o++] = '"';
	out[o] = '\0';
	return (0);
}

static int
imap_capability(struct imap *s, struct error *err)
{
	struct imap_resp	r;
	int			rv;

	memset(&r, 0, sizeof r);
	imap_send(s, "CAPABILITY");
	rv = imap_command(s, "CAPABILITY", &r, err);
	free(r.raw);
	return (rv);
}

static int
imap_starttls(struct imap *s, struct error *err)
{
	struct imap_resp	 r;
	int			 rv;

	if (!(s->caps & IMAP_CAP_STARTTLS)) {
		err_set(err, ERR_UNAVAILABLE, "%s does not offer STARTTLS",
		    s->peer);
		err_hint(err, "popfetch never falls back to plaintext: deliver "
		    "to imaps://, or on this machine set 'imap_tls off'");
		return (imap_lost(s, err));
	}
	memset(&r, 0, sizeof r);
	imap_send(s, "STARTTLS");
	rv = imap_command(s, "STARTTLS", &r, err);
	free(r.raw);
	if (rv == -1) {
		err_hint(err, "popfetch never falls back to plaintext");
		return (imap_lost(s, err));
	}
	/* Nothing sent before the handshake may be believed. */
	(void)conn_discard(s->conn);
	s->caps = 0;
	if (tls_start_relay(s->conn, s->acct, s->acct->imap_host, err) == -1)
		return (imap_lost(s, err));
	return (imap_capability(s, err));
}

/* The server refused the login: the words and the hint. */
static int
imap_refused(struct imap *s, const char *how, const struct imap_resp *r,
    struct error *err)
{
	const struct account	*a = s->acct;

	err_set(err, r->status == IMAP_NO ? ERR_NOPERM : ERR_PROTO, "%s "
	    "refused the login as %s with %s: %s", s->peer, a->imap_user, how,
	    r->text);
	if (strcasecmp(r->code, "UNAVAILABLE") == 0) {
		err->code = ERR_TEMP;
		err_hint(err, "a temporary refusal: the next run tries again");
	} else if (a->imap_auth == AUTH_XOAUTH2 ||
	    a->imap_auth == AUTH_OAUTHBEARER)
		err_hint(err, "check 'imap_user' and the token "
		    "imap_passwordeval prints (it may have expired)");
	else
		err_hint(err, "check 'imap_user' and 'imap_password' for this "
		    "account");
	return (-1);
}

/* LOGIN (RFC 3501 6.2.3): only over TLS, when no AUTHENTICATE serves. */
static int
imap_login_cmd(struct imap *s, const struct sasl_creds *cr,
    struct error *err)
{
	struct imap_resp	 r;
	char			 user[512], pass[1024], line[1600];
	int			 rv = -1;

	memset(&r, 0, sizeof r);
	if (s->caps & IMAP_CAP_LOGINDISABLED) {
		err_set(err, ERR_UNAVAILABLE, "%s offers no login method "
		    "popfetch can use (it offers: %s; LOGINDISABLED)", s->peer,
		    s->mechs);
		goto out;
	}
	if (imap_quote(cr->user, user, sizeof user) == -1 ||
	    imap_quote(cr->secret, pass, sizeof pass) == -1) {
		err_set(err, ERR_CONFIG, "the IMAP LOGIN command cannot carry "
		    "this user name or password (8-bit, control characters "
		    "or too long)");
		err_hint(err, "set 'imap_auth plain' if the server offers it");
		goto out;
	}
	log_verbose("logging in to the %s as %s with LOGIN", s->peer,
	    cr->user);
	(void)snprintf(s->tag, sizeof s->tag, "P%u", ++s->seq);
	if ((size_t)snprintf(line, sizeof line, "%s LOGIN %s %s", s->tag,
	    user, pass) >= sizeof line) {
		err_set(err, ERR_CONFIG, "the IMAP login is too long");
		goto out;
	}
	imap_send_secret(s, line, "LOGIN ****");
	if (imap_flush(s, err) == -1 || imap_read(s, &r, err) == -1)
		goto out;
	if (r.status != IMAP_OK) {
		imap_refused(s, "LOGIN", &r, err);
		goto out;
	}
	rv = 0;
out:
	explicit_bzero(pass, sizeof pass);
	explicit_bzero(line, sizeof line);
	free(r.raw);
	return (rv);
}

/*
 * AUTHENTICATE (RFC 3501 6.2.2) with the strongest mechanism both sides
 * have (smtpauth.h), its initial response on the command line when the
 * server offers SASL-IR (RFC 4959).  LOGIN is the fallback over TLS.
 */
static int
imap_login(struct imap *s, struct error *err)
{
	const struct account	*a = s->acct;
	struct sasl_creds	 cr;
	struct sasl_client	 c;
	struct imap_resp	 r;
	char			*b64 = NULL, *ans = NULL, *cmd = NULL;
	char			 shown[64];
	int			 rc = -1, rounds = 0, safe;

	memset(&c, 0, sizeof c);
	memset(&r, 0, sizeof r);
	memset(&cr, 0, sizeof cr);
	cr.user = a->imap_user;
	cr.secret = a->imap_password != NULL ? a->imap_password : "";
	cr.host = a->imap_host;
	cr.port = s->port;
	safe = s->conn->tls != NULL || net_loopback(a->imap_host);
	/* LOGIN, the command, for auto or login when no mechanism serves. */
	if ((a->imap_auth == AUTH_AUTO && s->mechs[0] == '\0') ||
	    (a->imap_auth == AUTH_LOGIN && !sasl_offered(s->mechs, "LOGIN"))) {
		if (!safe) {
			err_set(err, ERR_UNAVAILABLE, "%s offers only LOGIN, "
			    "and popfetch sends no password over a connection "
			    "without TLS", s->peer);
			goto out;
		}
		rc = imap_login_cmd(s, &cr, err);
		goto out;
	}
	if (smtpauth_choose(s->mechs, a->imap_auth, safe, s->peer, "imap",
	    &cr, &c, err) == -1)
		goto out;
	log_verbose("logging in to the %s as %s with %s", s->peer,
	    a->imap_user, c.name);
	if (sasl_start(&c, &b64, err) == -1)
		goto out;
	(void)snprintf(s->tag, sizeof s->tag, "P%u", ++s->seq);
	(void)snprintf(shown, sizeof shown, "AUTHENTICATE %s ****", c.name);
	if (b64 != NULL && (s->caps & IMAP_CAP_SASLIR)) {
		/* An empty initial response is "=" (RFC 4959). */
		xasprintf(&cmd, "%s AUTHENTICATE %s %s", s->tag, c.name,
		    *b64 != '\0' ? b64 : "=");
		imap_send_secret(s, cmd, shown);
		xfree_secret(b64);
		b64 = NULL;
	} else {
		xasprintf(&cmd, "%s AUTHENTICATE %s", s->tag, c.name);
		imap_send_secret(s, cmd, cmd);
	}
	if (imap_flush(s, err) == -1)
		goto out;
	for (;;) {
		if (imap_read(s, &r, err) == -1)
			goto out;
		if (r.status != IMAP_CONT)
			break;
		if (++rounds > IMAP_AUTH_ROUNDS) {
			err_set(err, ERR_PROTO, "%s sent more than %d "
			    "AUTHENTICATE challenges", s->peer,
			    IMAP_AUTH_ROUNDS);
			imap_lost(s, err);
			goto out;
		}
		if (b64 != NULL) {
			/* The initial response without SASL-IR. */
			imap_send_secret(s, b64, "****");
			xfree_secret(b64);
			b64 = NULL;
		} else {
			if (sasl_respond(&c, s->peer, r.raw, &ans, err) == -1) {
				/* "*" cancels; the server answers BAD. */
				imap_send_secret(s, "*", "*");
				(void)imap_flush(s, err);
				goto out;
			}
			imap_send_secret(s, ans, *ans != '\0' ? "****" : "");
			xfree_secret(ans);
			ans = NULL;
		}
		if (imap_flush(s, err) == -1)
			goto out;
	}
	if (r.status != IMAP_OK) {
		imap_refused(s, c.name, &r, err);
		goto out;
	}
	if (c.finish != NULL && c.finish(&c, err) == -1)
		goto out;
	rc = 0;
out:
	if (c.name != NULL)
		mech_free(&c);
	free(r.raw);
	xfree_secret(ans);
	xfree_secret(b64);
	xfree_secret(cmd);
	return (rc);
}

static int
imap_connect(struct imap *s, struct error *err)
{
	const struct account	*a = s->acct;
	struct imap_resp	 r;
	char			 what[sizeof err->what], *line, safe[512];
	size_t			 len;
	int			 fd;

	s->tried = 1;
	fd = net_connect(a->imap_host, s->port, a->timeout, err);
	if (fd == -1) {
		(void)strlcpy(what, err->what, sizeof what);
		err_set(err, err->code == ERR_NOHOST ? ERR_NOHOST : ERR_TEMP,
		    "%s: %s", s->peer, what);
		err_hint(err, "the message stays on the POP server; is the "
		    "IMAP server up, and is 'delivery' right?");
		s->sd.gone = 1;
		return (-1);
	}
	s->conn = conn_new(fd, fd, a->timeout, s->peer);
	if (a->imap_tls == IMAP_TLS_ON) {
		if (tls_start_relay(s->conn, a, a->imap_host, err) == -1)
			return (imap_lost(s, err));
	}
	if (conn_getline(s->conn, &line, &len, err) == -1)
		return (imap_lost(s, err));
	log_safe(safe, sizeof safe, line);
	log_trace("IMAP < %s", safe);
	memset(&r, 0, sizeof r);
	if (strncmp(line, "* ", 2) != 0 || imap_status(s, line + 2, &r) == -1 ||
	    r.status != IMAP_OK) {
		err_set(err, ERR_TEMP, "%s greeted with: %s", s->peer, safe);
		return (imap_lost(s, err));
	}
	if (!(s->caps & IMAP_CAP_KNOWN) && imap_capability(s, err) == -1)
		return (imap_lost(s, err));
	if (a->imap_tls == IMAP_TLS_STARTTLS && imap_starttls(s, err) == -1)
		return (-1);
	if (imap_login(s, err) == -1)
		return (imap_lost(s, err));
	/* The capabilities may change with the login (RFC 3501 6.2.2). */
	if (imap_capability(s, err) == -1)
		return (imap_lost(s, err));
	return (0);
}

static void	imap_close(struct deliver *);

static int
imap_open(struct deliver *d, struct error *err)
{
	const struct account	*a = d->acct;
	struct imap		*s;
	int			 n;

	if (a->state_dir == NULL)
		return (err_set(err, ERR_SOFTWARE, "imap: no state_dir"));
	if (a->imap_host == NULL || a->imap_folder == NULL ||
	    a->imap_user == NULL)
		return (err_set(err, ERR_SOFTWARE, "imap: no server, folder "
		    "or user"));
	s = xcalloc(1, sizeof *s);
	s->acct = a;
	s->port = a->imap_port != 0 ? a->imap_port :
	    a->imap_tls == IMAP_TLS_ON ? IMAPS_PORT : IMAP_PORT;
	n = snprintf(s->peer, sizeof s->peer, "IMAP server %s port %u",
	    a->imap_host, s->port);
	if (n < 0 || (size_t)n >= sizeof s->peer) {
		err_set(err, ERR_CONFIG, "the IMAP server's name is too long");
		goto fail;
	}
	if (imap_quote(a->imap_folder, s->folder, sizeof s->folder) == -1) {
		err_set(err, ERR_CONFIG, "the IMAP folder '%s' is too long or "
		    "holds a control or non-ASCII character", a->imap_folder);
		err_hint(err, "folder names in modified UTF-7 (RFC 3501 5.1.3) "
		    "are not written for you: use the ASCII form the server "
		    "lists, percent-encoded");
		goto fail;
	}
	if (spooled_open(&s->sd, a, "IMAP", s->peer, ".imap", err) == -1)
		goto fail;
	d->priv = s;
	return (0);

fail:
	free(s);
	return (-1);
}

static int
imap_begin(struct deliver *d, const struct deliver_msg *msg, char *receipt,
    size_t len, struct error *err)
{
	struct imap	*s = d->priv;

	(void)msg;
	if (spooled_begin(&s->sd, receipt, len, err) == -1)
		return (-1);
	/* What an earlier run never learnt stays noted till looked up. */
	if (!s->carried) {
		s->carried = 1;
		commitlog_carry(&s->sd.cl, "? ");
	}
	return (0);
}

static int
imap_write(struct deliver *d, const char *buf, size_t len, struct error *err)
{
	struct imap	*s = d->priv;

	return (spooled_write(&s->sd, buf, len, err));
}

static void
imap_abort(struct deliver *d)
{
	struct imap	*s = d->priv;

	spooled_abort(&s->sd);
}

/*
 * The value of header name (with its colon) in the header block hdr,
 * unfolded no further than its first line, into out; 0 when there is none.
 */
static int
imap_header(const char *hdr, size_t len, const char *name, char *out,
    size_t outlen)
{
	const char	*p = hdr, *end = hdr + len, *eol;
	size_t		 n = strlen(name), l;

	while (p < end) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0) {
			p += n;
			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
			l = eol - p;
			if (l > 0 && p[l - 1] == '\r')
				l--;
			if (l >= outlen)
				return (0);
			memcpy(out, p, l);
			out[l] = '\0';
			return (1);
		}
		p = eol + 1;
	}
	return (0);
}

void
imap_date(const char *hdr, size_t len, char *out, size_t outlen)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char	*p, *m;
	char		 v[128], mon[4], zone[8];
	int		 day, year, hh, mm, ss = 0, n = 0;

	out[0] = '\0';
	if (!imap_header(hdr, len, "Date:", v, sizeof v))
		return;
	p = v;
	if ((m = strchr(p, ',')) != NULL)
		p = m + 1;
	if (sscanf(p, " %2d %3s %4d %2d:%2d%n", &day, mon, &year, &hh, &mm,
	    &n) != 5 || n == 0)
		return;
	p += n;
	if (*p == ':' && sscanf(p, ":%2d%n", &ss, &n) == 1)
		p += n;
	if (sscanf(p, " %7s", zone) != 1 || (zone[0] != '+' &&
	    zone[0] != '-') || strlen(zone) != 5 ||
	    strspn(zone + 1, "0123456789") != 4)
		return;
	mon[0] = toupper((u_char)mon[0]);
	mon[1] = tolower((u_char)mon[1]);
	mon[2] = tolower((u_char)mon[2]);
	if (strlen(mon) != 3 || (m = strstr(months, mon)) == NULL ||
	    (m - months) % 3 != 0 || day < 1 || day > 31 || year < 1900 ||
	    hh > 23 || mm > 59 || ss > 60 || hh < 0 || mm < 0 || ss < 0)
		return;
	if ((size_t)snprintf(out, outlen, "\"%2d-%s-%04d %02d:%02d:%02d %s\"",
	    day, mon, year, hh, mm, ss, zone) >= outlen)
		out[0] = '\0';
}

void
imap_msgid(const char *hdr, size_t len, char *out, size_t outlen)
{
	const char	*lt, *gt, *p;
	char		 v[IMAP_MSGID_MAX * 2];

	out[0] = '\0';
	if (!imap_header(hdr, len, "Message-ID:", v, sizeof v) ||
	    (lt = strchr(v, '<')) == NULL || (gt = strchr(lt, '>')) == NULL ||
	    (size_t)(gt - lt + 1) >= outlen || gt - lt + 1 > IMAP_MSGID_MAX)
		return;
	for (p = lt; p <= gt; p++) {
		if ((u_char)*p <= 0x20 || (u_char)*p >= 0x7f || *p == '"' ||
		    *p == '\\')
			return;
	}
	memcpy(out, lt, gt - lt + 1);
	out[gt - lt + 1] = '\0';
}

/* The size of the spooled message with CRLF line ends. */
static int
imap_size(struct imap *s, char *in, char *out, off_t *size,
    struct error *err)
{
	off_t	off = 0;
	ssize_t	n;
	int	state = SMTP_STUFF_BOL;

	*size = 0;
	while ((n = spool_read(&s->sd.sp, in, IMAP_CHUNK, off, err)) > 0) {
		off += n;
		*size += smtp_crlf(in, (size_t)n, out, &state, 0);
	}
	return (n == -1 ? -1 : 0);
}

/* The literal, then the CRLF that ends the command. */
static int
imap_literal(struct imap *s, char *in, char *out, struct error *err)
{
	off_t	off = 0;
	ssize_t	n;
	size_t	o;
	int	state = SMTP_STUFF_BOL;

	while ((n = spool_read(&s->sd.sp, in, IMAP_CHUNK, off, err)) > 0) {
		off += n;
		o = smtp_crlf(in, (size_t)n, out, &state, 0);
		conn_queue_raw(s->conn, out, o);
		if (imap_flush(s, err) == -1)
			return (-1);
	}
	if (n == -1)
		return (-1);
	conn_queue_raw(s->conn, "\r\n", 2);
	log_trace("IMAP > (%lld bytes of message)", (long long)off);
	return (imap_flush(s, err));
}

/*
 * Whether a copy of the message whose outcome an earlier run did not
 * learn is in the folder already: 1 yes, 0 no, -1 error.
 */
static int
imap_lookup(struct imap *s, const char *msgid, struct error *err)
{
	struct imap_resp	r;
	char			q[IMAP_MSGID_MAX * 2 + 3];
	int			rv = -1;

	memset(&r, 0, sizeof r);
	if (imap_quote(msgid, q, sizeof q) == -1)
		return (0);
	if (!s->examined) {
		imap_send(s, "EXAMINE %s", s->folder);
		if (imap_flush(s, err) == -1 || imap_read(s, &r, err) == -1)
			goto out;
		if (r.status != IMAP_OK) {
			/* No folder yet: no copy in it. */
			rv = 0;
			goto out;
		}
		s->examined = 1;
	}
	imap_send(s, "UID SEARCH HEADER Message-ID %s", q);
	r.found = 0;
	if (imap_command(s, "UID SEARCH", &r, err) == -1)
		goto out;
	rv = r.found;
	log_verbose("%s: %s in %s after an answer that did not come: %s",
	    s->peer, msgid, s->acct->imap_folder, rv ? "there, not sent "
	    "again" : "not there, sent again");
out:
	free(r.raw);
	return (rv);
}

/* An answer that is not OK, as an error of its class. */
static int
imap_append_refused(struct imap *s, const struct imap_resp *r,
    struct error *err)
{
	static const char *const lasting[] = { "TOOBIG", "LIMIT", "NOPERM",
	    "CANNOT", NULL };
	size_t	i;

	if (r->status != IMAP_NO) {
		err_set(err, ERR_PROTO, "%s answered APPEND with %s %s",
		    s->peer, r->status == IMAP_BAD ? "BAD" : "+", r->text);
		return (imap_lost(s, err));
	}
	for (i = 0; lasting[i] != NULL; i++) {
		if (strcasecmp(r->code, lasting[i]) == 0) {
			err_set(err, ERR_IO, "%s refused the message: [%s] %s",
			    s->peer, r->code, r->text);
			err_hint(err, "the message stays on the POP server; "
			    "waiting will not change this answer: deliver it "
			    "another way");
			/* The run ends: the next message would fare alike. */
			s->sd.gone = 1;
			return (-1);
		}
	}
	err_set(err, ERR_TEMP, "%s refused the message: %s%s%s%s", s->peer,
	    r->code[0] != '\0' ? "[" : "", r->code, r->code[0] != '\0' ?
	    "] " : "", r->text);
	err_hint(err, "a temporary refusal: the message stays on the POP "
	    "server and the next run tries again");
	return (-1);
}

/*
 * One APPEND of the spooled message.  0: taken, the tagged OK (and its
 * APPENDUID code) in r; -1 with err otherwise, r holding a refusal's code
 * (TRYCREATE), *unsure set when the literal went out and no answer came.
 */
static int
imap_append(struct imap *s, struct imap_resp *r, int *unsure,
    struct error *err)
{
	char	*in, *out, date[64];
	off_t	 size;
	int	 rv = -1, plus;

	*unsure = 0;
	in = xmalloc(IMAP_CHUNK);
	out = xmalloc(IMAP_CHUNK * 2);
	if (imap_size(s, in, out, &size, err) == -1)
		goto out;
	plus = (s->caps & IMAP_CAP_LITERALPLUS) != 0;
	/* No flags: the message arrives unseen, as it would by POP. */
	imap_date(s->sd.sp.env.buf, s->sd.sp.env.len, date, sizeof date);
	imap_send(s, "APPEND %s%s%s {%lld%s}", s->folder, date[0] != '\0' ?
	    " " : "", date, (long long)size, plus ? "+" : "");
	if (!plus) {
		if (imap_flush(s, err) == -1 || imap_read(s, r, err) == -1)
			goto out;
		if (r->status != IMAP_CONT) {
			rv = imap_append_refused(s, r, err);
			goto out;
		}
	}
	if (imap_literal(s, in, out, err) == -1) {
		/* Cut short: the server drops an unfinished literal. */
		goto out;
	}
	if (imap_read(s, r, err) == -1) {
		*unsure = 1;
		goto out;
	}
	if (r->status != IMAP_OK) {
		rv = imap_append_refused(s, r, err);
		goto out;
	}
	rv = 0;
out:
	free(in);
	free(out);
	return (rv);
}

static int
imap_create(struct imap *s, struct error *err)
{
	struct imap_resp	r;
	int			rv;

	memset(&r, 0, sizeof r);
	log_verbose("creating the folder %s on the %s", s->acct->imap_folder,
	    s->peer);
	imap_send(s, "CREATE %s", s->folder);
	rv = imap_command(s, "CREATE", &r, err);
	free(r.raw);
	return (rv);
}

static int
imap_commit(struct deliver *d, struct error *err)
{
	struct imap		*s = d->priv;
	struct imap_resp	 r;
	char			 msgid[IMAP_MSGID_MAX + 1];
	char			 note[COMMITLOG_NOTE_MAX];
	char			 what[sizeof err->what];
	int			 rv = -1, unsure, found;

	memset(&r, 0, sizeof r);
	if (!s->sd.open)
		return (err_set(err, ERR_SOFTWARE, "imap: commit without an "
		    "open message"));
	if (spool_check(&s->sd.sp, err) == -1)
		goto out;
	if (s->conn == NULL && !s->tried && imap_connect(s, err) == -1)
		goto out;
	if (s->conn == NULL) {
		err_set(err, ERR_TEMP, "the %s is gone", s->peer);
		goto out;
	}
	imap_msgid(s->sd.sp.env.buf, s->sd.sp.env.len, msgid, sizeof msgid);
	if (msgid[0] != '\0') {
		(void)snprintf(note, sizeof note, "? %s", msgid);
		if (commitlog_noted(&s->sd.cl, note)) {
			if ((found = imap_lookup(s, msgid, err)) == -1)
				goto out;
			if (found) {
				(void)snprintf(note, sizeof note, "FOUND %s",
				    msgid);
				commitlog_note(&s->sd.cl, s->sd.marker, note);
				rv = 0;
				goto out;
			}
		}
		/* Sent, no answer yet: what the next run looks for. */
		commitlog_note(&s->sd.cl, s->sd.marker, note);
	}
	rv = imap_append(s, &r, &unsure, err);
	if (rv == -1 && !unsure && s->conn != NULL &&
	    strcasecmp(r.code, "TRYCREATE") == 0) {
		/* Once: a second TRYCREATE is the server's to explain. */
		err_clear(err);
		if (imap_create(s, err) == -1)
			goto out;
		rv = imap_append(s, &r, &unsure, err);
	}
	if (rv == 0) {
		if (strcasecmp(r.code, "APPENDUID") == 0 &&
		    strspn(r.arg, "0123456789 ") == strlen(r.arg) &&
		    r.arg[0] != '\0')
			(void)snprintf(note, sizeof note, "APPENDUID %s%s%s",
			    r.arg, msgid[0] != '\0' ? " " : "", msgid);
		else
			(void)snprintf(note, sizeof note, "OK%s%s",
			    msgid[0] != '\0' ? " " : "", msgid);
		/* With the Message-ID: it settles the notes carried so far. */
		commitlog_note(&s->sd.cl, s->sd.marker, note);
		goto out;
	}
	if (unsure) {
		/*
		 * Not sent again this run: a resend now would surely be a
		 * second copy if the server took it.
		 */
		d->unconfirmed++;
		(void)strlcpy(what, err->what, sizeof what);
		err_set(err, ERR_TEMP, "%s after the message, before the "
		    "server's answer: the server may have taken it", what);
		err_hint(err, "the message stays on the POP server; the next "
		    "run looks for it in the folder by its Message-ID%s",
		    msgid[0] == '\0' ? " (it has none, so a second copy may "
		    "arrive)" : "");
	}
out:
	free(r.raw);
	spooled_abort(&s->sd);
	return (rv);
}

static int
imap_sync(struct deliver *d, struct error *err)
{
	struct imap	*s = d->priv;

	(void)err;
	spooled_sync(&s->sd);
	return (0);
}

static int
imap_recover(struct deliver *d, const char *receipt, struct error *err)
{
	struct imap	*s = d->priv;
	char		 note[COMMITLOG_NOTE_MAX];
	int		 rv;

	if ((rv = spooled_recover(&s->sd, receipt, note, sizeof note,
	    err)) != 1)
		return (rv);
	/*
	 * Only sent: the next fetch of the message looks for it by its
	 * Message-ID (imap_commit) before sending it again.
	 */
	return (note[0] != '?');
}

static void
imap_close(struct deliver *d)
{
	struct imap		*s = d->priv;
	struct imap_resp	 r;
	struct error		 err;

	if (s == NULL)
		return;
	if (s->conn != NULL) {
		memset(&r, 0, sizeof r);
		err_clear(&err);
		imap_send(s, "LOGOUT");
		if (imap_flush(s, &err) == 0)
			(void)imap_read(s, &r, &err);
		free(r.raw);
		conn_free(s->conn);
	}
	spooled_close(&s->sd);
	free(s);
	d->priv = NULL;
}

const struct deliver_ops deliver_imap_ops = {
	.name = "imap",
	.open = imap_open,
	.begin = imap_begin,
	.write = imap_write,
	.commit = imap_commit,
	.abort = imap_abort,
	.sync = imap_sync,
	.recover = imap_recover,
	.close = imap_close,
};
