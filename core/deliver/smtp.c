/*
 * Delivery to a mail server: SMTP (RFC 5321) to an MTA, or LMTP (RFC 2033)
 * straight into a mail store such as Dovecot or Cyrus.  One connection
 * carries every message of a run; it is opened with the method, so that a
 * server that is down ends the run before anything is fetched, and opened
 * again once if the server drops it.
 *
 * The message is spooled while it streams in (spool.h) and sent at commit,
 * dot-stuffed with CRLF line ends.  Sent earlier, a POP server that went
 * away would leave the mail server a message to be ended by us or not at
 * all; the spool keeps that choice simple.
 *
 * The receipt is a random marker, appended to the commit log once the
 * server answered 250 after the final dot (for LMTP, the one recipient's
 * reply).  Once the final dot is written the server may have the message,
 * and neither protocol can ask it: a link lost before the reply (or a kill
 * -9 before the log line) keeps the message on the POP server, not sent
 * again this run, and the next run's copy may be a second one.  A link
 * seen lost before the final dot is written is safe to try again: the
 * server drops an unfinished DATA.
 *
 * 4xx at any step keeps the message on the POP server for a later run and
 * the run goes on while the server answers; 5xx ends the run (exit 74) with
 * the server's words.  popfetch never generates a bounce.
 */
#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "deliver/commitlog.h"
#include "deliver/deliver.h"
#include "deliver/smtp.h"
#include "deliver/smtpauth.h"
#include "deliver/spooled.h"
#include "net/conn.h"
#include "net/net.h"
#include "sasl/mech.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define SMTP_PORT		25
#define LMTP_PORT		24
#define SMTP_CHUNK		65536
/* A multi-line reply (EHLO's) longer than this is a server stalling. */
#define SMTP_REPLY_LINES	100

#define SMTP_EXT_PIPELINING	0x01
#define SMTP_EXT_SIZE		0x02
#define SMTP_EXT_8BITMIME	0x04
#define SMTP_EXT_SMTPUTF8	0x08
#define SMTP_EXT_STARTTLS	0x10
#define SMTP_EXT_AUTH		0x20

/* RFC 5321: a command line fits 512 octets with its CRLF. */
#define SMTP_CMD_MAX		510
/* No mechanism we speak needs more; a server asking more is stalling. */
#define SMTP_AUTH_ROUNDS	8

struct smtp {
	const struct account	*acct;
	int			 lmtp;
	const char		*proto;		/* "SMTP" or "LMTP" */
	char			 peer[340];	/* "SMTP server HOST port N" */
	struct conn		*conn;
	u_int			 ext;
	unsigned long long	 maxsize;	/* SIZE, 0: none said */
	char			 mechs[256];	/* AUTH's list, as sent */
	int			 reopened;	/* the one reopening is spent */
	int			 unsure;	/* the dot went out, no reply came */

	struct spooled		 sd;		/* spool, marker, commit log */
	int			 eightbit;	/* its body has 8-bit bytes */
};

int
smtp_reply_line(const char *line, size_t len, int *code, int *more,
    const char **text)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' ||
	    line[1] < '0' || line[1] > '5' || !isdigit((u_char)line[2]))
		return (-1);
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return (-1);
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
	*more = len > 3 && line[3] == '-';
	*text = len > 4 ? line + 4 : "";
	return (0);
}

/* The connection broke: it is closed, and the caller may open it again. */
static int
smtp_lost(struct smtp *s, struct error *err)
{
	conn_free(s->conn);
	s->conn = NULL;
	if (err->hint[0] == '\0')
		err_hint(err, "the message stays on the POP server; is the "
		    "%s up?", s->peer);
	return (-1);
}

/*
 * Reads a reply: its code, and the text of its first line (made printable)
 * in text.  Lines of EHLO's reply go to ext when it is not NULL.  raw, when
 * not NULL, gets a copy of the first line's text as sent (an AUTH challenge).
 */
static int
smtp_reply(struct smtp *s, int *code, char *text, size_t textlen, u_int *ext,
    char **raw, struct error *err)
{
	const char	*t, *errstr;
	char		*line, safe[512];
	size_t		 len;
	int		 c, more, n;

	for (n = 0;; n++) {
		if (conn_getline(s->conn, &line, &len, err) == -1)
			return (smtp_lost(s, err));
		if (log_wants(LOG_TRACE)) {
			log_safe(safe, sizeof safe, line);
			log_trace("%s < %s", s->proto, safe);
		}
		if (smtp_reply_line(line, len, &c, &more, &t) == -1 ||
		    (n > 0 && c != *code)) {
			log_safe(safe, sizeof safe, line);
			err_set(err, ERR_PROTO, "%s sent a bad reply: "
			    "%s", s->peer, safe);
			return (smtp_lost(s, err));
		}
		if (n == 0) {
			*code = c;
			log_safe(text, textlen, t);
			if (raw != NULL)
				*raw = xstrdup(t);
		}
		if (ext != NULL && n > 0) {
			if (strcasecmp(t, "PIPELINING") == 0)
				*ext |= SMTP_EXT_PIPELINING;
			else if (strcasecmp(t, "8BITMIME") == 0)
				*ext |= SMTP_EXT_8BITMIME;
			else if (strcasecmp(t, "SMTPUTF8") == 0)
				*ext |= SMTP_EXT_SMTPUTF8;
			else if (strcasecmp(t, "STARTTLS") == 0)
				*ext |= SMTP_EXT_STARTTLS;
			else if (strncasecmp(t, "AUTH", 4) == 0 &&
			    (t[4] == ' ' || t[4] == '=')) {
				/* "AUTH=" is what old servers said. */
				*ext |= SMTP_EXT_AUTH;
				(void)strlcpy(s->mechs, t + 5,
				    sizeof s->mechs);
			}
			else if (strncasecmp(t, "SIZE", 4) == 0 &&
			    (t[4] == ' ' || t[4] == '\0')) {
				*ext |= SMTP_EXT_SIZE;
				/* A limit that is no number is no limit. */
				s->maxsize = (unsigned long long)strtonum(
				    t + 4, 0, LLONG_MAX, &errstr);
			}
		}
		if (!more)
			return (0);
		if (n + 1 >= SMTP_REPLY_LINES) {
			err_set(err, ERR_PROTO, "%s sent a reply of "
			    "more than %d lines", s->peer,
			    SMTP_REPLY_LINES);
			return (smtp_lost(s, err));
		}
	}
}

static void
smtp_send(struct smtp *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
smtp_send(struct smtp *s, const char *fmt, ...)
{
	char	buf[1024], safe[4 * 1024 + 1];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* Callers bound what they put in; a cut line would be a lie. */
	if (n < 0 || (size_t)n >= sizeof buf)
		n = 0;
	if (log_wants(LOG_TRACE)) {
		(void)strvis(safe, buf, VIS_CSTYLE | VIS_TAB | VIS_NL);
		log_trace("%s > %s", s->proto, safe);
	}
	conn_queue(s->conn, buf, (size_t)n);
}

static int
smtp_flush(struct smtp *s, struct error *err)
{
	if (conn_flush(s->conn, err) == -1)
		return (smtp_lost(s, err));
	return (0);
}

/* A reply that is not the one wanted, as an error of its class. */
static int
smtp_refused(struct smtp *s, const char *step, int code, const char *text,
    struct error *err)
{
	err_set(err, code / 100 == 4 ? ERR_TEMP : ERR_IO, "%s "
	    "answered %s with %d %s", s->peer, step, code, text);
	if (code / 100 == 4)
		err_hint(err, "a temporary refusal: the message stays on the "
		    "POP server and the next run tries again");
	else
		err_hint(err, "the message stays on the POP server; see what "
		    "the %s server's log says about it, or deliver it another "
		    "way", s->proto);
	return (-1);
}

static int
smtp_hello(struct smtp *s, struct error *err)
{
	char	host[256], text[512];
	int	code;

	if (gethostname(host, sizeof host) == -1 || host[0] == '\0')
		(void)strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	s->ext = 0;
	s->maxsize = 0;
	s->mechs[0] = '\0';
	smtp_send(s, "%s %s", s->lmtp ? "LHLO" : "EHLO", host);
	if (smtp_flush(s, err) == -1 ||
	    smtp_reply(s, &code, text, sizeof text, &s->ext, NULL, err) == -1)
		return (-1);
	if (code == 250)
		return (0);
	if (s->lmtp || code / 100 != 5)
		return (smtp_refused(s, s->lmtp ? "LHLO" : "EHLO", code, text,
		    err));
	/* An old server without ESMTP: plain SMTP serves. */
	s->ext = 0;
	smtp_send(s, "HELO %s", host);
	if (smtp_flush(s, err) == -1 ||
	    smtp_reply(s, &code, text, sizeof text, NULL, NULL, err) == -1)
		return (-1);
	if (code != 250)
		return (smtp_refused(s, "HELO", code, text, err));
	return (0);
}

static int
smtp_starttls(struct smtp *s, struct error *err)
{
	char		text[512];
	int		code;

	if (!(s->ext & SMTP_EXT_STARTTLS)) {
		err_set(err, ERR_UNAVAILABLE, "%s does not offer "
		    "STARTTLS", s->peer);
		err_hint(err, "popfetch never falls back to plaintext: set "
		    "'smtp_tls off' if this link needs no TLS");
		return (-1);
	}
	smtp_send(s, "STARTTLS");
	if (smtp_flush(s, err) == -1 ||
	    smtp_reply(s, &code, text, sizeof text, NULL, NULL, err) == -1)
		return (-1);
	if (code != 220) {
		err_set(err, ERR_UNAVAILABLE, "%s refused STARTTLS: "
		    "%d %s", s->peer, code, text);
		err_hint(err, "popfetch never falls back to plaintext");
		return (-1);
	}
	/* Nothing sent before the handshake may be believed. */
	(void)conn_discard(s->conn);
	if (tls_start_relay(s->conn, s->acct, s->acct->smtp_host, err) == -1)
		return (smtp_lost(s, err));
	return (smtp_hello(s, err));
}

/* A line with a secret in it: the trace shows shown instead. */
static void
smtp_send_secret(struct smtp *s, const char *line, const char *shown)
{
	if (log_wants(LOG_TRACE))
		log_trace("%s > %s", s->proto, shown);
	conn_queue(s->conn, line, strlen(line));
}

/* Our side gave up: "*" cancels (RFC 4954); the answer changes nothing. */
static void
smtp_auth_cancel(struct smtp *s)
{
	struct error	ignored;
	char		text[512];
	int		code;

	err_clear(&ignored);
	smtp_send(s, "*");
	if (smtp_flush(s, &ignored) == 0)
		(void)smtp_reply(s, &code, text, sizeof text, NULL, NULL,
		    &ignored);
}

/* The server refused the login: the words, the code, the hint. */
static int
smtp_auth_refused(struct smtp *s, const struct sasl_client *c, int code,
    const char *text, struct error *err)
{
	const struct account	*a = s->acct;

	err_set(err, code / 100 == 4 ? ERR_TEMP : code == 538 ?
	    ERR_UNAVAILABLE : ERR_NOPERM, "%s refused the login as %s with "
	    "%s: %d %s%s%s", s->peer, a->smtp_user, c->name, code, text,
	    c->detail[0] != '\0' ? "; " : "", c->detail);
	if (code / 100 == 4)
		err_hint(err, "a temporary refusal: nothing was fetched, and "
		    "the next run tries again");
	else if (code == 538)
		err_hint(err, "the server wants TLS first: set 'smtp_tls "
		    "starttls'");
	else if (a->smtp_auth == AUTH_XOAUTH2 ||
	    a->smtp_auth == AUTH_OAUTHBEARER)
		err_hint(err, "check 'smtp_user' and the token "
		    "smtp_passwordeval prints (it may have expired)");
	else
		err_hint(err, "check 'smtp_user' and 'smtp_password' for "
		    "this account");
	return (-1);
}

/*
 * AUTH (RFC 4954) with the account's smtp_user, when it has one.  The
 * initial response goes with the command when the line stays within
 * SMTP's limit, else after the server's first empty challenge.
 */
static int
smtp_login(struct smtp *s, struct error *err)
{
	const struct account	*a = s->acct;
	struct sasl_creds	 cr;
	struct sasl_client	 c;
	char			*b64 = NULL, *ans = NULL, *raw = NULL;
	char			*cmd = NULL, shown[64], text[512];
	int			 rc = -1, code, rounds = 0, safe;

	if (a->smtp_user == NULL)
		return (0);
	memset(&c, 0, sizeof c);
	if (!(s->ext & SMTP_EXT_AUTH)) {
		err_set(err, ERR_UNAVAILABLE, "%s offers no login (no AUTH "
		    "in its %s reply)", s->peer, s->lmtp ? "LHLO" : "EHLO");
		if (s->conn->tls == NULL && (s->ext & SMTP_EXT_STARTTLS))
			err_hint(err, "many servers offer AUTH only after "
			    "STARTTLS: set 'smtp_tls starttls'");
		else
			err_hint(err, "remove smtp_user if the server takes "
			    "mail without a login");
		goto out;
	}
	memset(&cr, 0, sizeof cr);
	cr.user = a->smtp_user;
	cr.secret = a->smtp_password != NULL ? a->smtp_password : "";
	cr.host = a->smtp_host != NULL ? a->smtp_host : "localhost";
	cr.port = a->smtp_port != 0 ? a->smtp_port : s->lmtp ? LMTP_PORT :
	    SMTP_PORT;
	/* TLS, a local socket or loopback: nobody reads the link. */
	safe = s->conn->tls != NULL || a->smtp_host == NULL ||
	    net_loopback(a->smtp_host);
	if (smtpauth_choose(s->mechs, a->smtp_auth, safe, s->peer, "smtp",
	    &cr, &c, err) == -1)
		goto out;
	log_verbose("logging in to the %s as %s with %s", s->peer,
	    a->smtp_user, c.name);
	if (sasl_start(&c, &b64, err) == -1)
		goto out;
	(void)snprintf(shown, sizeof shown, "AUTH %s ****", c.name);
	if (b64 != NULL && strlen(b64) + strlen(c.name) + 6 <= SMTP_CMD_MAX) {
		/* An empty initial response is "=" (RFC 4954). */
		xasprintf(&cmd, "AUTH %s %s", c.name, *b64 != '\0' ? b64 : "=");
		smtp_send_secret(s, cmd, *b64 != '\0' ? shown : cmd);
		xfree_secret(b64);
		b64 = NULL;
	} else
		smtp_send(s, "AUTH %s", c.name);
	if (smtp_flush(s, err) == -1)
		goto out;

	for (;;) {
		free(raw);
		raw = NULL;
		if (smtp_reply(s, &code, text, sizeof text, NULL, &raw,
		    err) == -1)
			goto out;
		if (code != 334)
			break;
		if (++rounds > SMTP_AUTH_ROUNDS) {
			err_set(err, ERR_PROTO, "%s sent more than %d AUTH "
			    "challenges", s->peer, SMTP_AUTH_ROUNDS);
			smtp_auth_cancel(s);
			goto out;
		}
		if (b64 != NULL) {
			/* The initial response that did not fit the line. */
			smtp_send_secret(s, b64, "****");
			xfree_secret(b64);
			b64 = NULL;
		} else {
			if (sasl_respond(&c, s->peer, raw, &ans, err) == -1) {
				smtp_auth_cancel(s);
				goto out;
			}
			smtp_send_secret(s, ans, *ans != '\0' ? "****" : "");
			xfree_secret(ans);
			ans = NULL;
		}
		if (smtp_flush(s, err) == -1)
			goto out;
	}
	if (code != 235) {
		smtp_auth_refused(s, &c, code, text, err);
		goto out;
	}
	if (c.finish != NULL && c.finish(&c, err) == -1)
		goto out;
	rc = 0;
out:
	if (c.name != NULL)
		mech_free(&c);
	free(raw);
	xfree_secret(ans);
	xfree_secret(b64);
	xfree_secret(cmd);
	return (rc);
}

static int
smtp_connect(struct smtp *s, struct error *err)
{
	const struct account	*a = s->acct;
	char			 text[512], what[sizeof err->what];
	int			 fd, code, tls;

	if (a->smtp_host == NULL)
		fd = net_connect_unix(a->delivery_path, a->timeout, err);
	else
		fd = net_connect(a->smtp_host, a->smtp_port != 0 ?
		    a->smtp_port : s->lmtp ? LMTP_PORT : SMTP_PORT,
		    a->timeout, err);
	if (fd == -1) {
		(void)strlcpy(what, err->what, sizeof what);
		err_set(err, err->code, "%s: %s", s->peer, what);
		err_hint(err, "nothing was fetched; is the %s server up, and "
		    "is 'delivery' right?", s->proto);
		return (-1);
	}
	s->conn = conn_new(fd, fd, a->timeout, s->peer);
	if (smtp_reply(s, &code, text, sizeof text, NULL, NULL, err) == -1)
		return (-1);
	if (code != 220) {
		smtp_refused(s, "the connection", code, text, err);
		conn_free(s->conn);
		s->conn = NULL;
		return (-1);
	}
	if (smtp_hello(s, err) == -1)
		return (-1);
	tls = a->smtp_tls == SMTP_TLS_STARTTLS ||
	    (a->smtp_tls == SMTP_TLS_AUTO && a->smtp_host != NULL &&
	    !net_loopback(a->smtp_host));
	if (tls && smtp_starttls(s, err) == -1)
		return (-1);
	return (smtp_login(s, err));
}

static void	smtp_close(struct deliver *);

static int
smtp_open(struct deliver *d, struct error *err)
{
	const struct account	*a = d->acct;
	struct smtp		*s;
	int			 n;

	if (a->state_dir == NULL)
		return (err_set(err, ERR_SOFTWARE, "smtp: no state_dir"));
	if (a->recipient == NULL)
		return (err_set(err, ERR_SOFTWARE, "smtp: no recipient"));
	s = xcalloc(1, sizeof *s);
	s->acct = a;
	s->lmtp = a->delivery == DELIVERY_LMTP;
	s->proto = s->lmtp ? "LMTP" : "SMTP";
	if (a->smtp_host == NULL)
		n = snprintf(s->peer, sizeof s->peer, "%s server %s", s->proto,
		    a->delivery_path);
	else
		n = snprintf(s->peer, sizeof s->peer, "%s server %s port %u",
		    s->proto, a->smtp_host, a->smtp_port != 0 ? a->smtp_port :
		    s->lmtp ? LMTP_PORT : SMTP_PORT);
	if (n < 0 || (size_t)n >= sizeof s->peer) {
		err_set(err, ERR_CONFIG, "the %s server's name is too long",
		    s->proto);
		goto fail;
	}
	if (spooled_open(&s->sd, a, s->proto, s->peer, s->lmtp ? ".lmtp" :
	    ".smtp", err) == -1)
		goto fail;
	d->priv = s;
	if (smtp_connect(s, err) == -1) {
		/* deliver_open() does not close what failed to open. */
		smtp_close(d);
		return (-1);
	}
	return (0);

fail:
	free(s);
	return (-1);
}

static int
smtp_begin(struct deliver *d, const struct deliver_msg *msg, char *receipt,
    size_t len, struct error *err)
{
	struct smtp	*s = d->priv;

	(void)msg;
	s->eightbit = 0;
	return (spooled_begin(&s->sd, receipt, len, err));
}

static int
smtp_write(struct deliver *d, const char *buf, size_t len, struct error *err)
{
	struct smtp	*s = d->priv;
	size_t		 i;

	for (i = 0; s->sd.open && !s->eightbit && i < len; i++)
		s->eightbit = (u_char)buf[i] >= 0x80;
	return (spooled_write(&s->sd, buf, len, err));
}

static void
smtp_abort(struct deliver *d)
{
	struct smtp	*s = d->priv;

	spooled_abort(&s->sd);
}

size_t
smtp_crlf(const char *in, size_t len, char *out, int *state, int dots)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		if (*state == SMTP_STUFF_CR) {
			/* A CR: its line ends here, with or without a LF. */
			*state = SMTP_STUFF_BOL;
			if (in[i] == '\n')
				continue;
		}
		if (dots && *state == SMTP_STUFF_BOL && in[i] == '.')
			out[o++] = '.';
		if (in[i] == '\r' || in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			*state = in[i] == '\r' ? SMTP_STUFF_CR : SMTP_STUFF_BOL;
		} else {
			out[o++] = in[i];
			*state = SMTP_STUFF_MID;
		}
	}
	return (o);
}

size_t
smtp_stuff(const char *in, size_t len, char *out, int *state)
{
	return (smtp_crlf(in, len, out, state, 1));
}

/* The body, dot-stuffed with CRLF line ends, and the final dot. */
static int
smtp_body(struct smtp *s, struct error *err)
{
	char	*in, *out;
	off_t	 off = 0;
	ssize_t	 n;
	size_t	 o;
	int	 state = SMTP_STUFF_BOL, rv = -1;

	in = xmalloc(SMTP_CHUNK);
	out = xmalloc(SMTP_CHUNK * 2 + 8);
	while ((n = spool_read(&s->sd.sp, in, SMTP_CHUNK, off, err)) > 0) {
		off += n;
		o = smtp_stuff(in, (size_t)n, out, &state);
		conn_queue_raw(s->conn, out, o);
		if (smtp_flush(s, err) == -1)
			goto out;
	}
	if (n == -1)
		goto out;
	if (state == SMTP_STUFF_MID)
		conn_queue_raw(s->conn, "\r\n", 2);
	conn_queue_raw(s->conn, ".\r\n", 3);
	log_trace("%s > (%lld bytes of message) .", s->proto, (long long)off);
	rv = smtp_flush(s, err);
out:
	free(in);
	free(out);
	return (rv);
}

/* Leaves the transaction so that the connection serves the next message. */
static void
smtp_rset(struct smtp *s)
{
	struct error	err;
	char		text[512];
	int		code;

	if (s->conn == NULL)
		return;
	err_clear(&err);
	smtp_send(s, "RSET");
	if (smtp_flush(s, &err) == -1 ||
	    smtp_reply(s, &code, text, sizeof text, NULL, NULL, &err) == -1)
		return;
	if (code != 250) {
		conn_free(s->conn);
		s->conn = NULL;
	}
}

/*
 * One try at handing the spooled message on.  Returns 0 when the server
 * took it, -1 with err otherwise; s->conn is NULL when the connection was
 * lost on the way.
 */
static int
smtp_transaction(struct smtp *s, struct error *err)
{
	const struct account	*a = s->acct;
	char			 sender[ENVELOPE_SENDER_MAX], params[96];
	char			 text[512];
	const char		*step = "MAIL";
	size_t			 i;
	int			 code, pipelined, utf8 = 0, want, bad = 0;

	if (a->envelope_from != NULL)
		(void)strlcpy(sender, a->envelope_from, sizeof sender);
	else {
		envelope_sender(s->sd.sp.env.buf, s->sd.sp.env.len, sender,
		    sizeof sender);
		if (strcmp(sender, "MAILER-DAEMON") == 0)
			sender[0] = '\0';
	}
	for (i = 0; i < s->sd.sp.env.len && !utf8; i++)
		utf8 = (u_char)s->sd.sp.env.buf[i] >= 0x80;

	params[0] = '\0';
	if (s->ext & SMTP_EXT_SIZE)
		(void)snprintf(params, sizeof params, " SIZE=%lld",
		    (long long)s->sd.sp.size);
	if (s->eightbit && (s->ext & SMTP_EXT_8BITMIME))
		(void)strlcat(params, " BODY=8BITMIME", sizeof params);
	if (utf8 && (s->ext & SMTP_EXT_SMTPUTF8))
		(void)strlcat(params, " SMTPUTF8", sizeof params);
	if (s->eightbit && !(s->ext & SMTP_EXT_8BITMIME))
		log_verbose("%s does not offer 8BITMIME: an 8-bit "
		    "message is sent as it is", s->peer);

	pipelined = (s->ext & SMTP_EXT_PIPELINING) != 0;
	smtp_send(s, "MAIL FROM:<%s>%s", sender, params);
	if (!pipelined) {
		if (smtp_flush(s, err) == -1 ||
		    smtp_reply(s, &code, text, sizeof text, NULL, NULL, err) == -1)
			return (-1);
		if (code != 250)
			goto refused;
		step = "RCPT";
	}
	smtp_send(s, "RCPT TO:<%s>", a->recipient);
	if (!pipelined) {
		if (smtp_flush(s, err) == -1 ||
		    smtp_reply(s, &code, text, sizeof text, NULL, NULL, err) == -1)
			return (-1);
		if (code != 250 && code != 251)
			goto refused;
		step = "DATA";
	}
	smtp_send(s, "DATA");
	if (smtp_flush(s, err) == -1)
		return (-1);
	if (pipelined) {
		/* All three answers are read, whatever the first two say. */
		for (want = 0; want < 3; want++) {
			if (smtp_reply(s, &code, text, sizeof text, NULL,
			    NULL, err) == -1)
				return (-1);
			if (bad)
				continue;
			if ((want == 0 && code != 250) ||
			    (want == 1 && code != 250 && code != 251) ||
			    (want == 2 && code != 354)) {
				bad = 1;
				step = want == 0 ? "MAIL" : want == 1 ?
				    "RCPT" : "DATA";
				smtp_refused(s, step, code, text, err);
			}
		}
		if (bad) {
			if (code == 354) {
				/* DATA taken after a refusal: never end it. */
				conn_free(s->conn);
				s->conn = NULL;
			} else
				smtp_rset(s);
			return (-1);
		}
	} else {
		if (smtp_reply(s, &code, text, sizeof text, NULL, NULL, err) == -1)
			return (-1);
		if (code != 354)
			goto refused;
	}
	if (smtp_body(s, err) == -1)
		return (-1);
	/* The server may have the message now, whatever comes of its reply. */
	if (smtp_reply(s, &code, text, sizeof text, NULL, NULL, err) == -1) {
		s->unsure = 1;
		return (-1);
	}
	if (code != 250) {
		step = "the message";
		goto refused;
	}
	return (0);

refused:
	smtp_refused(s, step, code, text, err);
	smtp_rset(s);
	return (-1);
}

static int
smtp_commit(struct deliver *d, struct error *err)
{
	struct smtp	*s = d->priv;
	struct error	 err2;
	char		 what[sizeof err->what];
	int		 rv = -1;

	if (!s->sd.open)
		return (err_set(err, ERR_SOFTWARE, "smtp: commit without an "
		    "open message"));
	if (spool_check(&s->sd.sp, err) == -1)
		goto out;
	if (s->maxsize != 0 && (unsigned long long)s->sd.sp.size > s->maxsize) {
		err_set(err, ERR_TEMP, "the message is %lld bytes, more than "
		    "the %llu the %s takes", (long long)s->sd.sp.size,
		    s->maxsize, s->peer);
		goto out;
	}
	if (s->conn == NULL && !s->reopened) {
		s->reopened = 1;
		log_verbose("connecting to the %s again", s->peer);
		if (smtp_connect(s, err) == -1)
			goto gone;
	}
	if (s->conn == NULL)
		goto gone;
	s->unsure = 0;
	if (smtp_transaction(s, err) == 0) {
		commitlog_add(&s->sd.cl, s->sd.marker);
		rv = 0;
		goto out;
	}
	if (s->unsure)
		goto unsure;
	/* Dropped before the final dot: once more on a new connection. */
	if (s->conn == NULL && !s->reopened &&
	    (err->code == ERR_TEMP || err->code == ERR_PROTO)) {
		s->reopened = 1;
		log_verbose("%s; connecting again", err->what);
		err_clear(&err2);
		if (smtp_connect(s, &err2) == -1) {
			*err = err2;
			goto gone;
		}
		err_clear(err);
		if (smtp_transaction(s, err) == 0) {
			commitlog_add(&s->sd.cl, s->sd.marker);
			rv = 0;
			goto out;
		}
		if (s->unsure)
			goto unsure;
	}
	if (s->conn == NULL)
		goto gone;
	goto out;

unsure:
	/*
	 * Not sent again this run: a resend now would surely be a second copy
	 * if the server took it.  The next message may reopen the connection.
	 */
	d->unconfirmed++;
	(void)strlcpy(what, err->what, sizeof what);
	err_set(err, ERR_TEMP, "%s after the end of the message, before the "
	    "server's reply: the server may have taken it, so the next run's "
	    "copy may arrive twice", what);
	err_hint(err, "the message stays on the POP server; the next run "
	    "sends it again");
	if (s->reopened)
		goto gone;
	goto out;

gone:
	/* This message is kept; the next begin ends the run. */
	s->sd.gone = 1;
	if (err->code != ERR_TEMP && err->code != ERR_PROTO)
		goto out;
	(void)strlcpy(what, err->what, sizeof what);
	err_set(err, ERR_TEMP, "%s; the %s is gone", what, s->peer);
out:
	spooled_abort(&s->sd);
	return (rv);
}

static int
smtp_sync(struct deliver *d, struct error *err)
{
	struct smtp	*s = d->priv;

	(void)err;
	spooled_sync(&s->sd);
	return (0);
}

static int
smtp_recover(struct deliver *d, const char *receipt, struct error *err)
{
	struct smtp	*s = d->priv;

	return (spooled_recover(&s->sd, receipt, NULL, 0, err));
}

static void
smtp_close(struct deliver *d)
{
	struct smtp	*s = d->priv;
	struct error	 err;
	char		 text[512];
	int		 code;

	if (s == NULL)
		return;
	if (s->conn != NULL) {
		err_clear(&err);
		smtp_send(s, "QUIT");
		if (smtp_flush(s, &err) == 0)
			(void)smtp_reply(s, &code, text, sizeof text, NULL,
			    NULL, &err);
		conn_free(s->conn);
	}
	spooled_close(&s->sd);
	free(s);
	d->priv = NULL;
}

static unsigned long long
smtp_limit(struct deliver *d)
{
	struct smtp	*s = d->priv;

	return (s->maxsize);
}

const struct deliver_ops deliver_smtp_ops = {
	.name = "smtp",
	.open = smtp_open,
	.begin = smtp_begin,
	.write = smtp_write,
	.commit = smtp_commit,
	.abort = smtp_abort,
	.sync = smtp_sync,
	.recover = smtp_recover,
	.close = smtp_close,
	.limit = smtp_limit,
};
