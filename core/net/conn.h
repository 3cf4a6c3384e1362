/*
 * A buffered connection to the server: the line engine under the POP3
 * protocol.  It runs over a socket, a TLS session on that socket, or a pair
 * of pipes (the unit tests), and knows nothing of POP3.
 */
#ifndef CONN_H
#define CONN_H

#include <sys/types.h>

#include <time.h>

#include <gnutls/gnutls.h>

#include "account.h"
#include "util/error.h"

#define CONN_BUFSIZE	65536
#define CONN_LINE_MAX	8192	/* longest response line we accept */

struct conn {
	int				 rfd;
	int				 wfd;
	int				 timeout;	/* seconds */
	const char			*peer;		/* for messages */

	gnutls_session_t		 tls;
	gnutls_certificate_credentials_t cred;
	int				 client_cert;	/* one was offered */

	char				 rbuf[CONN_BUFSIZE];
	size_t				 roff;		/* first unread byte */
	size_t				 rlen;		/* end of data */

	char				*wbuf;
	size_t				 wlen;
	size_t				 wsize;

	unsigned long long		 rtotal;	/* bytes read */
	/* CLOCK_MONOTONIC second the whole session must end by, or 0. */
	time_t				 deadline;
	int				 session_timeout;
	/* Why tls.c's transport gave up (deadline, signal), for the caller. */
	struct error			 pull_err;
	int				 pull_failed;
	/* What tls.c's transport read ahead of GnuTLS: records, encrypted. */
	u_char				*pbuf;
	size_t				 poff;
	size_t				 plen;
};

struct conn	*conn_new(int rfd, int wfd, int timeout, const char *peer);
void		 conn_free(struct conn *);

/* Waits up to the timeout for fd to be ready; -1 with err if it is not. */
int		 conn_wait(struct conn *, int, short, struct error *);
/* Reads more from the peer; -1 with err on error, end of file, timeout. */
int		 conn_fill(struct conn *, struct error *);
/*
 * The next line, without its CRLF (or LF), NUL-terminated, in *line; the
 * pointer stays valid until the next call that reads.  A line longer than
 * CONN_LINE_MAX is a protocol error.
 */
int		 conn_getline(struct conn *, char **, size_t *, struct error *);
/* Unread bytes in the buffer, for the streaming of a message. */
size_t		 conn_buffered(struct conn *, char **);
void		 conn_consume(struct conn *, size_t);
/* Throws away buffered input (after STLS: none of it may be believed). */
size_t		 conn_discard(struct conn *);

/* Queues a line (CRLF added) to be sent by conn_flush. */
void		 conn_queue(struct conn *, const char *, size_t);
/* Queues bytes as they are (a message body). */
void		 conn_queue_raw(struct conn *, const char *, size_t);
size_t		 conn_queued(struct conn *);
int		 conn_flush(struct conn *, struct error *);

/*
 * Starts TLS on the connection and verifies the server (tls.c): by
 * tls_fingerprint when set, else by the CA store and the host name.  With
 * TLS_INSPECT, a certificate that fails is let through (for --serverinfo);
 * tls_describe() then says what was wrong.
 */
#define TLS_VERIFY	0
#define TLS_INSPECT	1
int		 tls_start(struct conn *, const struct account *, int,
		    struct error *);
/*
 * TLS to a mail server popfetch delivers to: the account's trust settings
 * checked against host, without the POP server's pin or client certificate.
 */
int		 tls_start_relay(struct conn *, const struct account *,
		    char *host, struct error *);
ssize_t		 tls_read(struct conn *, void *, size_t, struct error *);
ssize_t		 tls_write(struct conn *, const void *, size_t, struct error *);
void		 tls_free(struct conn *);
/* Bytes already decrypted and waiting inside the TLS layer. */
size_t		 tls_pending(struct conn *);

#endif
