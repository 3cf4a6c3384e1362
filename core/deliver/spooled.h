/*
 * What the methods that hand a spooled message to a server (smtp.c,
 * imap.c) share: the spool the message streams into, the random marker
 * that is its receipt, and the commit log that marker goes to once the
 * server took the message (commitlog.h).
 */
#ifndef SPOOLED_H
#define SPOOLED_H

#include <stddef.h>

#include "account.h"
#include "deliver/commitlog.h"
#include "deliver/spool.h"
#include "util/error.h"

struct spooled {
	const char		*what;		/* "SMTP", "IMAP" */
	const char		*peer;		/* "IMAP server HOST port N" */
	struct spool		 sp;
	int			 open;		/* a message is under way */
	int			 gone;		/* the server is gone */
	char			 marker[COMMITLOG_MARKER_LEN + 1];
	struct commitlog	 cl;
};

/* The commit log KEY.suffix and the spool; peer must outlive it. */
int	spooled_open(struct spooled *, const struct account *,
	    const char *what, const char *peer, const char *suffix,
	    struct error *);
int	spooled_begin(struct spooled *, char *receipt, size_t,
	    struct error *);
int	spooled_write(struct spooled *, const char *, size_t, struct error *);
/* Ends the message under way, delivered or not. */
void	spooled_abort(struct spooled *);
/* Makes the commit log's new lines durable. */
void	spooled_sync(struct spooled *);
/*
 * Whether the log an interrupted run left has receipt: 1 yes (its note
 * into note when not NULL), 0 no, -1 when it is no receipt of ours.
 */
int	spooled_recover(struct spooled *, const char *receipt, char *note,
	    size_t notelen, struct error *);
void	spooled_close(struct spooled *);

#endif
