/*
 * The OAuth 2.0 token life cycle of an account with oauth_provider: the
 * tokens kept in a file of the state directory, refreshed on every run that
 * needs it (RFC 6749 section 6), and the device authorization grant (RFC
 * 8628) that gets them the first time.  HTTPS through libcurl, JSON through
 * json-c; every answer of an endpoint is hostile input, bounded in size and
 * checked field by field.
 */
#ifndef OAUTH_H
#define OAUTH_H

#include <limits.h>
#include <time.h>

#include "account.h"
#include "util/error.h"

/* The biggest answer an endpoint may give. */
#define OAUTH_ANSWER_MAX	(64 * 1024)
/* An access token with less than this left is refreshed first. */
#define OAUTH_MARGIN		60

struct oauth_conf {
	const char	*account;		/* for messages */
	const char	*client_id;
	const char	*client_secret;		/* NULL: a public client */
	const char	*auth_url;
	const char	*device_url;
	const char	*token_url;
	const char	*scope;
	const char	*trust_file;		/* NULL: the system store */
	int		 timeout;
	char		 path[PATH_MAX];	/* the token file */
};

struct oauth_device {
	char		*device_code;
	char		*user_code;
	char		*verification_uri;
	int		 interval;		/* seconds between polls */
	time_t		 expires;
};

/* The account's endpoints (its provider's, or its own) and token file. */
int	oauth_conf(struct oauth_conf *, const struct account *,
	    const char *client_secret, struct error *);
/*
 * An access token good for OAUTH_MARGIN seconds more, refreshed first when
 * it is not, or always with force; *refreshed says whether it was.
 */
int	oauth_access(const struct oauth_conf *, int force, char **token,
	    int *refreshed, struct error *);
/* When the stored access token expires (0: none stored). */
time_t	oauth_expiry(const struct oauth_conf *);

/* Device grant: asks for a code, then polls until the user has said yes. */
int	oauth_device_start(const struct oauth_conf *, struct oauth_device *,
	    struct error *);
/* One poll: 1 authorized (tokens saved), 0 not yet, -1 error. */
int	oauth_device_poll(const struct oauth_conf *, struct oauth_device *,
	    struct error *);
void	oauth_device_free(struct oauth_device *);

/*
 * Authorization code grant with PKCE (RFC 7636) and a loopback redirect
 * (RFC 8252): start makes the verifier, the state and a listener on
 * 127.0.0.1, and the URL for the browser; the browser ends on the
 * listener (oauth_pkce_accept), or the user pastes where it ended; finish
 * checks the state and trades the code for the tokens, saving them.
 */
struct oauth_pkce {
	char	 verifier[64];
	char	 state[32];
	char	 redirect[64];
	char	*url;		/* for the browser */
	int	 fd;		/* the loopback listener */
};

int	oauth_pkce_start(const struct oauth_conf *, struct oauth_pkce *,
	    struct error *);
/* One request on the listener: its query string in *query (allocated). */
int	oauth_pkce_accept(struct oauth_pkce *, char **query, struct error *);
/* query: "code=...&state=..." or a whole URL holding one. */
int	oauth_pkce_finish(const struct oauth_conf *, struct oauth_pkce *,
	    const char *query, struct error *);
void	oauth_pkce_free(struct oauth_pkce *);
/* Trades an authorization code for tokens, and saves them. */
int	oauth_code_grant(const struct oauth_conf *, const char *code,
	    const char *redirect, const char *verifier, struct error *);

#endif
