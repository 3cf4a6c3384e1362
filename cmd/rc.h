/*
 * fetchrc: the accounts and their settings.
 *
 * Each block (defaults, or an account) keeps the settings it holds as the
 * lines that set them, and an account is built by replaying lines in order:
 * the defaults read so far, then each parent's lines, then its own.  So a
 * parent passes on only what it, or its own parents, set; and an error in a
 * value always names the line the value came from.
 */
#ifndef RC_H
#define RC_H

#include <sys/types.h>

#include <stddef.h>

#include "account.h"
#include "util/error.h"
#include "words.h"

enum rc_key {
	RC_HOST,
	RC_PORT,
	RC_TLS,
	RC_TLS_STARTTLS,
	RC_TLS_TRUST_FILE,
	RC_TLS_VERIFY,
	RC_AUTH,
	RC_USER,
	RC_PASSWORD,
	RC_PASSWORDEVAL,
	RC_DELIVERY,
	RC_KEEP,
	RC_ONLY_NEW,
	RC_TIMEOUT,
	RC_PIPELINING,
	RC_STATE_DIR,
	RC_MAX_SIZE,
	RC_KILL_SIZE,
	RC_MAX_MESSAGES,
	RC_FILTER,
	RC_RECEIVED_HEADER,
	RC_TLS_FINGERPRINT,
	RC_TLS_CERT_FILE,
	RC_TLS_KEY_FILE,
	RC_TLS_PRIORITIES,
	RC_NKEYS
};

struct rc_setting {
	u_int		 line;
	enum rc_key	 key;
	struct words	 w;		/* the key and its values */
};

struct rc_block {
	struct rc_setting	*v;
	size_t			 n;
};

struct rc_account {
	struct account	 acct;
	struct words	 passwordeval;	/* the command, n == 0 when unset */
	struct words	 filter;	/* the command, n == 0 when unset */
	struct words	 mda;		/* delivery mda, n == 0 when unset */
	u_int		 line[RC_NKEYS];	/* where each key was set */
	struct rc_block	 block;		/* own and inherited settings */
};

struct rc {
	char			 *path;
	struct rc_account	**accounts;
	size_t			  naccounts;
};

/* Reads the rc file at path; ERR_CONFIG with "FILE:LINE: what" on error. */
int	 rc_load(const char *path, struct rc **, struct error *);
struct rc_account *rc_find(const struct rc *, const char *name);
void	 rc_free(struct rc *);

#endif
