/*
 * POP URLs (RFC 2384): pop://user;AUTH=mech@host:port names one mailbox.
 * pop:// is port 110 upgraded with STLS, never plain; pops:// is implicit
 * TLS on port 995.  A URL never holds a password.
 */
#ifndef POPURL_H
#define POPURL_H

#include <sys/types.h>

#include "util/error.h"

struct popurl {
	int	 implicit_tls;	/* pops:// */
	char	*user;		/* percent-decoded, NULL when absent */
	char	*auth;		/* the fetchrc auth value, "auto" when absent */
	char	*host;		/* without [] around an IPv6 address */
	u_int	 port;		/* 0: the scheme's */
};

/*
 * Whether arg is meant as a URL (it holds ://; no account name can):
 * popurl_parse says what is wrong with one that is not pop:// or pops://.
 */
int	 popurl_is(const char *arg);
/* Parses url; -1 with err saying what is wrong with it. */
int	 popurl_parse(const char *url, struct popurl *, struct error *);
/*
 * The fetchrc text of the URL's one account: its delivery (maildir or
 * mbox and the target, NULL for the default) and passwordeval (NULL for
 * none).
 */
char	*popurl_rc(const struct popurl *, const char *delivery,
	    const char *target, const char *passwordeval);
void	 popurl_free(struct popurl *);
/*
 * Percent-decodes s[0..len) into *out (allocated); what names it in errors.
 * Control characters and an empty result are refused.
 */
int	 popurl_decode(const char *what, const char *s, size_t len,
	    char **out, struct error *);
/* host[:port] or [v6]:port in s[0..len); *port 0 when there is none. */
int	 popurl_server(const char *s, size_t len, char **host, u_int *port,
	    struct error *);

#endif
