/*
 * The one delivery interface: every method (Maildir now, mbox and MDA later)
 * plugs in behind it, and the session engine knows only these calls.
 *
 * For each message: begin, write (any number of times), then commit or
 * abort.  begin names a receipt: a short printable string that the engine
 * writes to the state journal before any byte of the message is written, so
 * that after a crash deliver_recover() can tell whether the message made it.
 * commit ends the message; deliver_sync() then makes every commit since the
 * last sync durable (Maildir: data synced, renamed into new/, new/ fsynced),
 * and must succeed before the engine records the UIDs.  A commit that was
 * never synced was not delivered.
 *
 * A commit that fails with ERR_TEMP says: this message was not delivered,
 * leave it on the server and go on with the next (an MDA's exit 75).  Any
 * other failure ends the session.  A method that cannot tell whether the
 * message arrived (a mail server that went silent after the final dot)
 * fails with ERR_TEMP too, so that the next run delivers it again, and
 * counts it in unconfirmed: that copy may be a second one.
 */
#ifndef DELIVER_H
#define DELIVER_H

#include <stddef.h>

#include "account.h"
#include "state/state.h"
#include "util/error.h"

#define DELIVER_RECEIPT_MAX	STATE_RECEIPT_MAX

struct deliver_msg {
	u_int		 num;		/* message number in this session */
	const char	*uid;
	size_t		 size;		/* as LIST announced it */
};

struct deliver;

struct deliver_ops {
	const char	*name;
	int	(*open)(struct deliver *, struct error *);
	int	(*begin)(struct deliver *, const struct deliver_msg *,
		    char *, size_t, struct error *);
	int	(*write)(struct deliver *, const char *, size_t, struct error *);
	int	(*commit)(struct deliver *, struct error *);
	void	(*abort)(struct deliver *);
	int	(*sync)(struct deliver *, struct error *);
	int	(*recover)(struct deliver *, const char *, struct error *);
	void	(*close)(struct deliver *);
	/* The biggest message the method takes, 0: any; may be NULL. */
	unsigned long long (*limit)(struct deliver *);
	/*
	 * A power cut may keep part of a message written in place (an mbox
	 * append): its journal line must be on disk before, so that the
	 * next run knows to cut it.
	 */
	int	in_place;
};

struct deliver {
	const struct deliver_ops	*ops;
	const struct account		*acct;
	void				*priv;
	u_int				 unconfirmed;	/* kept, maybe delivered */
};

/* Opens the account's delivery method; NULL with err set on failure. */
struct deliver	*deliver_open(const struct account *, struct error *);
int	 deliver_begin(struct deliver *, const struct deliver_msg *,
	    char *, size_t, struct error *);
int	 deliver_write(struct deliver *, const char *, size_t, struct error *);
int	 deliver_commit(struct deliver *, struct error *);
void	 deliver_abort(struct deliver *);
int	 deliver_sync(struct deliver *, struct error *);
/* Whether a message's journal line must be synced before it is written. */
int	 deliver_in_place(const struct deliver *);
/* 1: the message of that receipt was delivered, 0: it was not, -1: error. */
int	 deliver_recover(struct deliver *, const char *, struct error *);
void	 deliver_close(struct deliver *);
/* The biggest message the method takes (a server's SIZE), 0: any. */
unsigned long long deliver_limit(struct deliver *);
/* What to try after a local I/O error on path (errno error). */
void	 deliver_hint(struct error *, const char *path, int error);

extern const struct deliver_ops	deliver_maildir_ops;
extern const struct deliver_ops	deliver_mbox_ops;
extern const struct deliver_ops	deliver_mda_ops;
extern const struct deliver_ops	deliver_smtp_ops;
extern const struct deliver_ops	deliver_imap_ops;

#endif
