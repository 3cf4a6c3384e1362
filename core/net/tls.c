#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "net/conn.h"
#include "net/tls.h"
#include "util/intr.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* TLS 1.2 at least, whatever the system's default priorities allow. */
#define TLS_PRIORITIES	"NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1"

static int
tls_is_address(const char *host)
{
	unsigned char	buf[sizeof(struct in6_addr)];

	return (inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1);
}

static int
tls_gnutls_error(struct conn *c, int rc, const char *what, struct error *err)
{
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_TIMEDOUT) {
		err_set(err, ERR_TEMP, "%s: no answer from %s in %d s", what,
		    c->peer, c->timeout);
		err_hint(err, "the server or the network is slow or down; "
		    "try again later, or raise 'timeout'");
	} else if (rc == GNUTLS_E_PREMATURE_TERMINATION ||
	    rc == GNUTLS_E_PUSH_ERROR || rc == GNUTLS_E_PULL_ERROR) {
		err_set(err, ERR_TEMP, "%s: connection to %s lost", what,
		    c->peer);
		err_hint(err, "nothing was lost: try again later");
	} else if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		/*
		 * The server refused the session.  With TLS 1.3 a missing
		 * client certificate shows only at the first read.
		 */
		err_set(err, ERR_UNAVAILABLE, "%s refused the TLS session: %s",
		    c->peer, c->tls != NULL ? gnutls_alert_get_name(
		    gnutls_alert_get(c->tls)) : gnutls_strerror(rc));
		if (!c->client_cert)
			err_hint(err, "the server may require a client "
			    "certificate: set tls_cert_file and tls_key_file");
		else
			err_hint(err, "check that the server accepts this "
			    "client certificate (tls_cert_file), and "
			    "tls_priorities if set");
	} else
		err_set(err, ERR_PROTO, "%s: %s", what, gnutls_strerror(rc));
	return (-1);
}

/*
 * GnuTLS's transport: each read waits in conn_wait() first, so the session's
 * deadline, the timeout and a signal asking to stop bound a server that
 * trickles a record byte by byte, which GnuTLS would otherwise wait for
 * inside one gnutls_record_recv().  Why it gave up is kept for the caller.
 */
static ssize_t
tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct conn	*c = ptr;
	ssize_t		 n;

	/*
	 * GnuTLS asks for a record's header, then for its body: reading
	 * what the socket holds at once serves several records with one
	 * read, and no poll while it lasts.
	 */
	if (c->poff == c->plen) {
		if (conn_wait(c, c->rfd, POLLIN, &c->pull_err) == -1) {
			c->pull_failed = 1;
			errno = EIO;
			return (-1);
		}
		if (c->pbuf == NULL)
			c->pbuf = xmalloc(CONN_BUFSIZE);
		if ((n = read(c->rfd, c->pbuf, CONN_BUFSIZE)) <= 0)
			return (n);
		c->poff = 0;
		c->plen = (size_t)n;
	}
	n = (ssize_t)(len < c->plen - c->poff ? len : c->plen - c->poff);
	memcpy(buf, c->pbuf + c->poff, (size_t)n);
	c->poff += (size_t)n;
	return (n);
}

/* For the handshake's own timeout: is there something to read within ms? */
static int
tls_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	struct conn	*c = ptr;
	struct pollfd	 pfd;
	int		 n;

	if (c->poff < c->plen)
		return (1);
	pfd.fd = c->rfd;
	pfd.events = POLLIN;
	for (;;) {
		if (intr_check(&c->pull_err) == -1) {
			c->pull_failed = 1;
			errno = EIO;
			return (-1);
		}
		n = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 :
		    (int)ms);
		if (n != -1 || errno != EINTR)
			return (n);
	}
}

/* An error of GnuTLS, or the transport's own when that was the cause. */
static int
tls_fail(struct conn *c, int rc, const char *what, struct error *err)
{
	if (c->pull_failed) {
		*err = c->pull_err;
		return (-1);
	}
	return (tls_gnutls_error(c, rc, what, err));
}

/* GnuTLS ends its status sentences with a blank. */
static char *
tls_trim(char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return (s);
}

static int
tls_verify_failed(struct conn *c, struct error *err)
{
	gnutls_datum_t	out = { NULL, 0 };
	unsigned int	status;

	status = gnutls_session_get_verify_cert_status(c->tls);
	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &out, 0) == 0) {
		err_set(err, ERR_UNAVAILABLE, "TLS certificate of %s not "
		    "accepted: %s", c->peer, tls_trim((char *)out.data));
		gnutls_free(out.data);
	} else
		err_set(err, ERR_UNAVAILABLE, "TLS certificate of %s not "
		    "accepted", c->peer);
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		err_hint(err, "the certificate is for another host: check "
		    "'host'; nothing was sent to the server");
	else
		err_hint(err, "set 'tls_trust_file' to the CA that signed "
		    "it, or check that you reach the right server; nothing "
		    "was sent to it");
	return (-1);
}

static int
tls_peer_fpr(struct conn *c, char *hex, size_t len, struct error *err)
{
	const gnutls_datum_t	*certs;
	unsigned char		 md[32];
	unsigned int		 n = 0, i;

	certs = gnutls_certificate_get_peers(c->tls, &n);
	if (certs == NULL || n == 0)
		return (err_set(err, ERR_UNAVAILABLE, "%s sent no "
		    "certificate", c->peer));
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size,
	    md) < 0 || len < sizeof md * 2 + 1)
		return (err_set(err, ERR_SOFTWARE, "SHA-256 failed"));
	for (i = 0; i < sizeof md; i++)
		(void)snprintf(hex + i * 2, len - i * 2, "%02x", md[i]);
	return (0);
}

static void
tls_fpr_colons(const char *hex, char *out, size_t len)
{
	size_t	i, o = 0;

	for (i = 0; hex[i] != '\0' && hex[i + 1] != '\0' && o + 3 < len;
	    i += 2) {
		if (i > 0)
			out[o++] = ':';
		out[o++] = hex[i] >= 'a' ? hex[i] - 'a' + 'A' : hex[i];
		out[o++] = hex[i + 1] >= 'a' ? hex[i + 1] - 'a' + 'A' :
		    hex[i + 1];
	}
	out[o] = '\0';
}

int
tls_fingerprint_parse(const char *in, char *out, size_t len)
{
	size_t	o = 0;

	if (len < TLS_FPR_HEX + 1)
		return (-1);
	for (; *in != '\0'; in++) {
		if (*in == ':')
			continue;
		if (!isxdigit((unsigned char)*in) || o == TLS_FPR_HEX)
			return (-1);
		out[o++] = tolower((unsigned char)*in);
	}
	out[o] = '\0';
	return (o == TLS_FPR_HEX ? 0 : -1);
}

/* A pinned certificate replaces the CA check: it must be that one. */
static int
tls_check_pin(struct conn *c, const struct account *acct, struct error *err)
{
	char	hex[TLS_FPR_HEX + 1], shown[TLS_FPR_HEX * 3];

	if (tls_peer_fpr(c, hex, sizeof hex, err) == -1)
		return (-1);
	if (strcmp(hex, acct->tls_fingerprint) == 0)
		return (0);
	tls_fpr_colons(hex, shown, sizeof shown);
	err_set(err, ERR_UNAVAILABLE, "TLS certificate of %s does not match "
	    "tls_fingerprint: its SHA-256 fingerprint is %s", c->peer, shown);
	err_hint(err, "nothing was sent to it; if the server changed its "
	    "certificate, check the new one (popfetch -S) and update "
	    "tls_fingerprint");
	return (-1);
}

static int
tls_credentials(struct conn *c, const struct account *acct, int pinned,
    struct error *err)
{
	int	rc;

	if ((rc = gnutls_certificate_allocate_credentials(&c->cred)) < 0)
		return (tls_gnutls_error(c, rc, "TLS setup", err));
	if (acct->tls_trust_file != NULL) {
		rc = gnutls_certificate_set_x509_trust_file(c->cred,
		    acct->tls_trust_file, GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			err_set(err, ERR_CONFIG, "tls_trust_file %s: %s",
			    acct->tls_trust_file, rc == 0 ?
			    "no certificates in it" : gnutls_strerror(rc));
			err_hint(err, "name a file of PEM CA certificates");
			return (-1);
		}
	} else if (acct->tls_verify && !pinned) {
		rc = gnutls_certificate_set_x509_system_trust(c->cred);
		if (rc <= 0) {
			err_set(err, ERR_UNAVAILABLE, "no system CA "
			    "certificates to verify %s with", c->peer);
			err_hint(err, "install ca-certificates, or set "
			    "'tls_trust_file'");
			return (-1);
		}
	}
	if (acct->tls_cert_file != NULL) {
		rc = gnutls_certificate_set_x509_key_file(c->cred,
		    acct->tls_cert_file, acct->tls_key_file != NULL ?
		    acct->tls_key_file : acct->tls_cert_file,
		    GNUTLS_X509_FMT_PEM);
		if (rc < 0) {
			err_set(err, ERR_CONFIG, "tls_cert_file %s: %s",
			    acct->tls_cert_file, gnutls_strerror(rc));
			err_hint(err, "name PEM files of the client "
			    "certificate and its key (tls_key_file)");
			return (-1);
		}
	}
	return (0);
}

int
tls_start(struct conn *c, const struct account *acct, int mode,
    struct error *err)
{
	const char	*host = acct->host, *prio, *errpos = NULL;
	int		 rc, pinned = acct->tls_fingerprint != NULL;

	if (tls_credentials(c, acct, pinned, err) == -1)
		return (-1);
	c->client_cert = acct->tls_cert_file != NULL;
	if ((rc = gnutls_init(&c->tls, GNUTLS_CLIENT)) < 0) {
		c->tls = NULL;
		return (tls_gnutls_error(c, rc, "TLS setup", err));
	}
	prio = acct->tls_priorities != NULL ? acct->tls_priorities :
	    TLS_PRIORITIES;
	if ((rc = gnutls_priority_set_direct(c->tls, prio, &errpos)) < 0) {
		err_set(err, ERR_CONFIG, "tls_priorities \"%s\": %s%s%s",
		    prio, gnutls_strerror(rc), errpos != NULL ? " at " : "",
		    errpos != NULL ? errpos : "");
		err_hint(err, "see the GnuTLS manual, \"Priority strings\"");
		return (-1);
	}
	if ((rc = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE,
	    c->cred)) < 0)
		return (tls_gnutls_error(c, rc, "TLS setup", err));
	/* SNI carries names only, never addresses (RFC 6066). */
	if (!tls_is_address(host) &&
	    (rc = gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, host,
	    strlen(host))) < 0)
		return (tls_gnutls_error(c, rc, "TLS setup", err));
	if (acct->tls_verify && !pinned && mode == TLS_VERIFY)
		gnutls_session_set_verify_cert(c->tls, host, 0);
	gnutls_transport_set_ptr2(c->tls, c,
	    (gnutls_transport_ptr_t)(intptr_t)c->wfd);
	gnutls_transport_set_pull_function(c->tls, tls_pull);
	gnutls_transport_set_pull_timeout_function(c->tls, tls_pull_timeout);
	c->pull_failed = 0;
	gnutls_handshake_set_timeout(c->tls, (unsigned)c->timeout * 1000);

	do
		rc = gnutls_handshake(c->tls);
	while (rc < 0 && gnutls_error_is_fatal(rc) == 0 &&
	    rc != GNUTLS_E_AGAIN);
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
		return (tls_verify_failed(c, err));
	if (rc < 0)
		return (tls_fail(c, rc, "TLS handshake", err));
	if (pinned && mode == TLS_VERIFY && tls_check_pin(c, acct, err) == -1)
		return (-1);

	if (log_wants(LOG_VERBOSE)) {
		char	*desc = gnutls_session_get_desc(c->tls);

		log_verbose("TLS established with %s: %s", c->peer,
		    desc != NULL ? desc : "?");
		gnutls_free(desc);
	}
	return (0);
}

static void
tls_time(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		(void)strlcpy(buf, "?", len);
}

/* How a normal run would judge this server: pin, or CA and host name. */
static void
tls_judge(struct conn *c, const struct account *acct, struct tls_info *ti)
{
	gnutls_datum_t	out = { NULL, 0 };
	struct error	err;
	unsigned int	status = 0;
	int		rc;

	err_clear(&err);
	if (acct->tls_fingerprint != NULL) {
		ti->verified = tls_check_pin(c, acct, &err) == 0;
		(void)strlcpy(ti->verify, ti->verified ? "matches "
		    "tls_fingerprint" : "does not match tls_fingerprint",
		    sizeof ti->verify);
		return;
	}
	if (!acct->tls_verify) {
		(void)strlcpy(ti->verify, "not checked (tls_verify off)",
		    sizeof ti->verify);
		return;
	}
	rc = gnutls_certificate_verify_peers3(c->tls, acct->host, &status);
	if (rc < 0) {
		(void)snprintf(ti->verify, sizeof ti->verify, "cannot be "
		    "checked: %s", gnutls_strerror(rc));
		return;
	}
	ti->verified = status == 0;
	if (ti->verified) {
		(void)strlcpy(ti->verify, "verified: trusted, and valid for "
		    "this host", sizeof ti->verify);
		return;
	}
	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &out, 0) == 0) {
		(void)snprintf(ti->verify, sizeof ti->verify, "NOT verified: "
		    "%s", tls_trim((char *)out.data));
		gnutls_free(out.data);
	} else
		(void)strlcpy(ti->verify, "NOT verified", sizeof ti->verify);
}

int
tls_describe(struct conn *c, const struct account *acct,
    struct tls_info *ti, struct error *err)
{
	const gnutls_datum_t	*certs;
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_datum_t		 dn = { NULL, 0 };
	char			 hex[TLS_FPR_HEX + 1], *desc, san[256];
	char			 ip[INET6_ADDRSTRLEN];
	size_t			 sanlen, used = 0;
	unsigned int		 n = 0, i;
	int			 rc = -1, type;

	memset(ti, 0, sizeof *ti);
	desc = gnutls_session_get_desc(c->tls);
	(void)strlcpy(ti->desc, desc != NULL ? desc : "?", sizeof ti->desc);
	gnutls_free(desc);

	certs = gnutls_certificate_get_peers(c->tls, &n);
	if (certs == NULL || n == 0)
		return (err_set(err, ERR_UNAVAILABLE, "%s sent no "
		    "certificate", c->peer));
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
		err_set(err, ERR_PROTO, "%s sent a certificate that cannot be "
		    "read", c->peer);
		goto out;
	}
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0) {
		(void)strlcpy(ti->subject, (char *)dn.data,
		    sizeof ti->subject);
		gnutls_free(dn.data);
	}
	if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) >= 0) {
		(void)strlcpy(ti->issuer, (char *)dn.data, sizeof ti->issuer);
		gnutls_free(dn.data);
	}
	for (i = 0; ; i++) {
		sanlen = sizeof san;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, san,
		    &sanlen, NULL);
		if (type < 0)
			break;
		if (type == GNUTLS_SAN_IPADDRESS) {
			if (inet_ntop(sanlen == 4 ? AF_INET : AF_INET6, san,
			    ip, sizeof ip) == NULL)
				continue;
			(void)strlcpy(san, ip, sizeof san);
		} else if (type != GNUTLS_SAN_DNSNAME)
			continue;
		used += snprintf(ti->altnames + used,
		    sizeof ti->altnames - used, "%s%s", used ? ", " : "",
		    san);
		if (used >= sizeof ti->altnames)
			break;
	}
	tls_time(gnutls_x509_crt_get_activation_time(crt), ti->not_before,
	    sizeof ti->not_before);
	tls_time(gnutls_x509_crt_get_expiration_time(crt), ti->not_after,
	    sizeof ti->not_after);
	if (tls_peer_fpr(c, hex, sizeof hex, err) == -1)
		goto out;
	tls_fpr_colons(hex, ti->fingerprint, sizeof ti->fingerprint);
	tls_judge(c, acct, ti);
	rc = 0;
out:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return (rc);
}

/*
 * GnuTLS may answer AGAIN for records that carry no data (a TLS 1.3 session
 * ticket), so a timeout is decided by poll() in conn_wait(), not by that.
 */
ssize_t
tls_read(struct conn *c, void *buf, size_t len, struct error *err)
{
	ssize_t	n;

	for (;;) {
		if (tls_pending(c) == 0 &&
		    conn_wait(c, c->rfd, POLLIN, err) == -1)
			return (-1);
		n = gnutls_record_recv(c->tls, buf, len);
		if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
			break;
	}
	/* A server that closes without close_notify still closed. */
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		n = 0;
	if (n < 0)
		return (tls_fail(c, (int)n, "TLS read", err));
	return (n);
}

ssize_t
tls_write(struct conn *c, const void *buf, size_t len, struct error *err)
{
	ssize_t	n;

	for (;;) {
		n = gnutls_record_send(c->tls, buf, len);
		if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
			break;
		if (conn_wait(c, c->wfd, POLLOUT, err) == -1)
			return (-1);
	}
	if (n < 0)
		return (tls_gnutls_error(c, (int)n, "TLS write", err));
	return (n);
}

size_t
tls_pending(struct conn *c)
{
	if (c->tls == NULL)
		return (0);
	/* Records read ahead count: poll() would not see them. */
	return (gnutls_record_check_pending(c->tls) + c->plen - c->poff);
}

void
tls_free(struct conn *c)
{
	if (c->tls != NULL) {
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	if (c->cred != NULL) {
		gnutls_certificate_free_credentials(c->cred);
		c->cred = NULL;
	}
	free(c->pbuf);
	c->pbuf = NULL;
	c->poff = c->plen = 0;
}

int
tls_start_relay(struct conn *c, const struct account *acct, char *host,
    struct error *err)
{
	struct account	ta;

	/*
	 * A pinned fingerprint and a client certificate are the POP
	 * server's, not this one's: the certificate would tell a relay who
	 * the user is.
	 */
	ta = *acct;
	ta.host = host;
	ta.tls_fingerprint = NULL;
	ta.tls_cert_file = NULL;
	ta.tls_key_file = NULL;
	return (tls_start(c, &ta, TLS_VERIFY, err));
}
