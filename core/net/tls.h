#ifndef TLS_H
#define TLS_H

#include <stddef.h>

#include "net/conn.h"

#define TLS_FPR_HEX	64	/* SHA-256 in hex */

/* What --serverinfo shows of a TLS session and its certificate. */
struct tls_info {
	char	 desc[256];		/* version, key exchange, cipher */
	char	 subject[512];
	char	 issuer[512];
	char	 not_before[64];
	char	 not_after[64];
	char	 fingerprint[TLS_FPR_HEX * 3];	/* AB:CD:... */
	char	 altnames[512];
	int	 verified;		/* as a normal run would check it */
	char	 verify[512];		/* why not, when not */
};

int	tls_describe(struct conn *, const struct account *, struct tls_info *,
	    struct error *);
/*
 * A SHA-256 fingerprint as people write it (hex, colons or not, any case)
 * to 64 lowercase hex digits; -1 when it is not one.
 */
int	tls_fingerprint_parse(const char *, char *, size_t);

#endif
