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

/* How many keys the table of rc.c may hold. */
#define RC_KEYS_MAX	64

struct rc_setting {
	u_int		 line;
	int		 key;		/* its row in the key table */
	struct words	 w;		/* the key and its values */
};

struct rc_block {
	struct rc_setting	*v;
	size_t			 n;
};

struct rc_account {
	struct account	 acct;
	struct words	 passwordeval;	/* the command, n == 0 when unset */
	struct words	 smtp_passwordeval;	/* the same for smtp_password */
	struct words	 imap_passwordeval;	/* the same for imap_password */
	int		 imap_implicit;	/* delivery imap imaps:// */
	struct words	 mda;		/* delivery mda, n == 0 when unset */
	u_int		 line[RC_KEYS_MAX];	/* where each key was set */
	struct rc_block	 block;		/* own and inherited settings */
};

struct rc {
	char			 *path;
	struct rc_account	**accounts;
	size_t			  naccounts;
};

/* Reads the rc file at path; ERR_CONFIG with "FILE:LINE: what" on error. */
int	 rc_load(const char *path, struct rc **, struct error *);
/*
 * Reads rc text held in memory (a POP URL's account, an imported file);
 * errors name the text as name:LINE.
 */
int	 rc_load_text(const char *name, const char *text, struct rc **,
	    struct error *);
/*
 * Reads the rc file at path, then the text more as if it followed (named
 * name in errors): a POP URL's account after the file's defaults.
 */
int	 rc_load_more(const char *path, const char *name, const char *more,
	    struct rc **, struct error *);
struct rc_account *rc_find(const struct rc *, const char *name);
/* The fetchrc word of an auth method ("scram-sha-256"). */
const char *rc_auth_word(enum auth_method);
/* The row of key in the key table, or -1 if there is no such key. */
int	 rc_key_index(const char *key);
/* The line that set key for this account (inherited or its own), or 0. */
u_int	 rc_setat(const struct rc_account *, const char *key);
/* Makes s a valid account name, each byte a name cannot hold made _. */
void	 rc_name_make(char *s);
void	 rc_free(struct rc *);

#endif
