#ifndef SERVERINFO_H
#define SERVERINFO_H

#include "account.h"
#include "net/tls.h"
#include "pop3/pop3.h"
#include "util/error.h"

/* What --serverinfo shows: everything needed to write an account block. */
struct serverinfo {
	u_int		 port;
	char		 greeting[512];
	int		 capa_ok;
	char		 capa[POP3_CAPA_MAX][128];
	size_t		 ncapa;
	int		 apop;		/* the greeting has a timestamp */
	int		 tls;
	struct tls_info	 tls_info;
};

/* Connects as the account says (TLS included), does not log in. */
int	serverinfo_get(const struct account *, struct serverinfo *,
	    struct error *);

#endif
