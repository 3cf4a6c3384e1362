/*
 * A delivery method's commit log: methods whose deliveries leave no name
 * to look for afterwards (an mbox, an MDA) write a random marker in their
 * receipt and append it here once the message is safe, so that recovery
 * after a kill -9 can tell a delivered message from one that was not.
 *
 * One log per account (KEY.SUFFIX beside the state, under the account's
 * lock).  It is read once, for recovery, and emptied by the first delivery
 * of a run: the engine has recovered the journal and saved the state by
 * then (deliver.h), so no entry in it is wanted any more.  A method's sync
 * fsyncs it, once a batch, before the engine saves the state: a journal
 * that a power cut brings back then finds the lines of the messages it
 * names.  Between syncs a power cut may lose lines, which gives
 * duplicates, never a loss.
 */
#ifndef COMMITLOG_H
#define COMMITLOG_H

#include <limits.h>

#include "account.h"
#include "util/error.h"

#define COMMITLOG_MARKER_LEN	16
/* The longest note after a marker (IMAP: "APPENDUID 3 7"). */
#define COMMITLOG_NOTE_MAX	1024

struct commitlog {
	char	 path[PATH_MAX];
	int	 fd;		/* -1 until the first delivery */
	int	 broken;	/* warned once; recovery may give duplicates */
	int	 unsynced;	/* lines added since the last sync */
	char	*old;		/* the log an interrupted run left */
	size_t	 oldlen;
	int	 oldread;
};

int	commitlog_init(struct commitlog *, const struct account *,
	    const char *suffix, struct error *);
/* A fresh random marker into buf (COMMITLOG_MARKER_LEN + 1 bytes). */
int	commitlog_marker(char *, struct error *);
/* Whether marker is a well-formed marker. */
int	commitlog_valid(const char *);
/* Whether the log an interrupted run left holds marker. */
int	commitlog_has(struct commitlog *, const char *);
/* Called by each begin: empties the log the first time. */
void	commitlog_start(struct commitlog *);
/*
 * Whether that log holds marker, and its line's note (what follows the
 * marker and a space, "" for none) into note when it is not NULL.
 */
int	commitlog_find(struct commitlog *, const char *, char *note,
	    size_t notelen);
/* Whether a line of that log has this note, whatever its marker. */
int	commitlog_noted(struct commitlog *, const char *note);
/* Records marker: its message is safe. */
void	commitlog_add(struct commitlog *, const char *);
/* The same with a note on the line (a server's receipt); NULL: none. */
void	commitlog_note(struct commitlog *, const char *, const char *note);
/* Makes the lines added since the last call durable; warns on failure. */
void	commitlog_sync(struct commitlog *);
/*
 * Writes again into the new log each line of the old one whose note starts
 * with pending ("? ", a message sent without an answer) when nothing has
 * settled it since: no later line of its marker, and no other line whose
 * note ends with the same words ("FOUND <id>" for "? <id>").  Called after
 * the first commitlog_start of a run.
 */
void	commitlog_carry(struct commitlog *, const char *pending);
void	commitlog_free(struct commitlog *);

#endif
