/*
 * Seen-UID state of one mailbox (user@host:port): which UIDs were delivered,
 * and when each was first fetched.
 *
 * On disk: the state file, to which state_save() appends the lines of new
 * UIDs and syncs it, or which it replaces whole (temp file, fsync, rename,
 * fsync of the directory) when a line must change; and a journal beside it,
 * to which state_journal() appends a line with write() before each delivery
 * starts.
 * The journal survives a kill -9 of popfetch; the next state_open() hands its
 * entries to the caller as pending, to be checked with deliver_recover().
 * And KEY.quit, the UIDs a QUIT is to delete, while that is not recorded
 * (state_quitting).
 */
#ifndef STATE_H
#define STATE_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "util/error.h"

/* The longest receipt a delivery method may name, with its NUL. */
#define STATE_RECEIPT_MAX	256

struct account;
struct state;

/* The state key of an account, naming its files: user@host:port. */
int	 state_key(const struct account *, char *, size_t);

/* Loads the state of key under dir, creating dir (0700) if missing. */
struct state	*state_open(const char *dir, const char *key, struct error *);
/* The same for a look without the lock (-s): nothing on disk is changed. */
struct state	*state_open_read(const char *dir, const char *key,
	    struct error *);
/* 1 when uid was delivered before, with its first fetch time in *when. */
int	 state_seen(struct state *, const char *uid, time_t *when);
/*
 * For a listing of the server: claims uid as still there, for
 * state_retain_claimed, setting *dup when it was claimed before (two
 * messages with one UID).  Gives a handle, not 0, when the state file holds
 * uid: state_uid turns it into the state's own copy, which lasts until
 * state_close, so that a listing need not keep a second copy of every UID
 * seen before, nor more than 4 bytes for it.
 */
uint32_t	 state_claim(struct state *, const char *uid, int *dup);
/*
 * Forgets what state_claim claimed, for another listing of the same state
 * (a run's next session), without counting an absence.
 */
void	 state_unclaim(struct state *);
const char	*state_uid(struct state *, uint32_t handle);
/* Records uid as delivered at when (in memory until state_save). */
void	 state_mark(struct state *, const char *uid, time_t when);
/*
 * Records uid as a message to delete without fetching it (a filter said
 * so): the verdict holds on later runs, until the server lets it go.
 */
void	 state_doom(struct state *, const char *uid, time_t when);
int	 state_doomed(struct state *, const char *uid);
/*
 * A listing without a UID forgets it only when it is the STATE_ABSENT_MAX'th
 * in a row without it (the count is kept in the state file): a server that
 * leaves messages out of one listing must not have them all fetched again.
 * A condemned UID goes at once, its verdict with its message.
 */
#define STATE_ABSENT_MAX	3
/* A listing of these UIDs; see state_retain_claimed. */
void	 state_retain(struct state *, const char *const *uids, size_t n);
/*
 * The listing is what state_claim claimed since the state was opened: each
 * UID not claimed is one absence nearer to being forgotten, and KEY.quit,
 * if a run left one, is settled (see state_quitting).
 */
void	 state_retain_claimed(struct state *);
/* Whether KEY.quit names UIDs the next listing is to settle. */
int	 state_quit_pending(const struct state *);
/* Before state_retain_claimed: the size the listing gives uid. */
void	 state_quit_listed(struct state *, const char *uid,
	    unsigned long long size);
/*
 * Before QUIT: names the UIDs whose DELE the server accepted in KEY.quit,
 * synced.  Should this run not record what QUIT did (killed, its answer
 * lost, the save after it failed), the next run's listing settles it: one
 * of them gone, or listed with another size than sizes[] says its DELE'd
 * message had (sizes may be NULL, a size STATE_SIZE_UNKNOWN), means QUIT deleted them all, so that one listed again is a
 * new message given its UID; all of them listed with their sizes means QUIT
 * deleted nothing.
 */
#define STATE_SIZE_UNKNOWN	ULLONG_MAX
int	 state_quitting(struct state *, const char *const *uids,
	    const unsigned long long *sizes, size_t n, struct error *);
/*
 * QUIT was answered +OK: those UIDs are forgotten at once, with their
 * verdicts, as the server may give them to new messages; state_save makes
 * it durable, then removes KEY.quit.
 */
void	 state_quit_done(struct state *, const char *const *uids, size_t n);
/* Appends a pending entry to the journal, before delivery of uid begins. */
int	 state_journal(struct state *, const char *uid, const char *receipt,
	    struct error *);
/* Makes the journal's lines durable: before a commit log's marker is. */
int	 state_journal_sync(struct state *, struct error *);
/* Calls fn for each pending entry left by an interrupted run. */
int	 state_pending(struct state *,
	    int (*fn)(void *, const char *uid, const char *receipt), void *);
/* Writes the state durably, then removes the journal, durably too. */
int	 state_save(struct state *, struct error *);
void	 state_close(struct state *);

/*
 * Builds dir/KEY+suffix for the files of a key (state, journal, lock), with
 * the key made safe for a file name.  -1 when it does not fit in len.
 */
int	 state_path(char *, size_t, const char *dir, const char *key,
	    const char *suffix);

#endif
