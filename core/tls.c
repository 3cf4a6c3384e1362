#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "conn.h"
#include "log.h"

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
	} else
		err_set(err, ERR_PROTO, "%s: %s", what, gnutls_strerror(rc));
	return (-1);
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
		    "accepted: %s", c->peer, (char *)out.data);
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

int
tls_start(struct conn *c, const struct account *acct, struct error *err)
{
	const char	*host = acct->host;
	int		 rc;

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
	} else if (acct->tls_verify) {
		rc = gnutls_certificate_set_x509_system_trust(c->cred);
		if (rc <= 0) {
			err_set(err, ERR_UNAVAILABLE, "no system CA "
			    "certificates to verify %s with", c->peer);
			err_hint(err, "install ca-certificates, or set "
			    "'tls_trust_file'");
			return (-1);
		}
	}

	if ((rc = gnutls_init(&c->tls, GNUTLS_CLIENT)) < 0) {
		c->tls = NULL;
		return (tls_gnutls_error(c, rc, "TLS setup", err));
	}
	if ((rc = gnutls_priority_set_direct(c->tls, TLS_PRIORITIES,
	    NULL)) < 0 ||
	    (rc = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE,
	    c->cred)) < 0)
		return (tls_gnutls_error(c, rc, "TLS setup", err));
	/* SNI carries names only, never addresses (RFC 6066). */
	if (!tls_is_address(host) &&
	    (rc = gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, host,
	    strlen(host))) < 0)
		return (tls_gnutls_error(c, rc, "TLS setup", err));
	if (acct->tls_verify)
		gnutls_session_set_verify_cert(c->tls, host, 0);
	gnutls_transport_set_int2(c->tls, c->rfd, c->wfd);
	gnutls_handshake_set_timeout(c->tls, (unsigned)c->timeout * 1000);

	do
		rc = gnutls_handshake(c->tls);
	while (rc < 0 && gnutls_error_is_fatal(rc) == 0 &&
	    rc != GNUTLS_E_AGAIN);
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
		return (tls_verify_failed(c, err));
	if (rc < 0)
		return (tls_gnutls_error(c, rc, "TLS handshake", err));

	if (log_wants(LOG_VERBOSE)) {
		char	*desc = gnutls_session_get_desc(c->tls);

		log_verbose("TLS established with %s: %s", c->peer,
		    desc != NULL ? desc : "?");
		gnutls_free(desc);
	}
	return (0);
}

/*
 * GnuTLS may answer AGAIN for records that carry no data (a TLS 1.3 session
 * ticket), so a timeout is decided by poll(), not by that answer.
 */
static int
tls_wait(struct conn *c, int fd, short events, struct error *err)
{
	struct pollfd	pfd;
	int		n;

	pfd.fd = fd;
	pfd.events = events;
	do
		n = poll(&pfd, 1, c->timeout * 1000);
	while (n == -1 && errno == EINTR);
	if (n == 0)
		return (tls_gnutls_error(c, GNUTLS_E_TIMEDOUT, "TLS", err));
	if (n == -1)
		return (err_setsys(err, ERR_TEMP, "poll"));
	return (0);
}

ssize_t
tls_read(struct conn *c, void *buf, size_t len, struct error *err)
{
	ssize_t	n;

	for (;;) {
		if (gnutls_record_check_pending(c->tls) == 0 &&
		    tls_wait(c, c->rfd, POLLIN, err) == -1)
			return (-1);
		n = gnutls_record_recv(c->tls, buf, len);
		if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
			break;
	}
	/* A server that closes without close_notify still closed. */
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		n = 0;
	if (n < 0)
		return (tls_gnutls_error(c, (int)n, "TLS read", err));
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
		if (tls_wait(c, c->wfd, POLLOUT, err) == -1)
			return (-1);
	}
	if (n < 0)
		return (tls_gnutls_error(c, (int)n, "TLS write", err));
	return (n);
}

size_t
tls_pending(struct conn *c)
{
	return (c->tls != NULL ? gnutls_record_check_pending(c->tls) : 0);
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
}
